"""Small one-feature diagrams written the way Camunda Modeler writes them."""

from __future__ import annotations

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
"""


def diagram(body: str, process_id: str = "camunda_probe", outside: str = "") -> str:
    """A whole definitions document around one executable process's elements."""
    return (
        f'{HEAD}{outside}<bpmn:process id="{process_id}" name="Camunda probe" isExecutable="true">'
        f"{body}</bpmn:process></bpmn:definitions>"
    )


def one_task(task_id: str, attributes: str = "", end: str = "end") -> str:
    """A user task followed by the end event."""
    return (
        f'<bpmn:userTask id="{task_id}" name="{task_id.title()}" {attributes} />'
        f'<bpmn:sequenceFlow id="{task_id}_out" sourceRef="{task_id}" targetRef="{end}" />'
        f'<bpmn:endEvent id="{end}" />'
    )
