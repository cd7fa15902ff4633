"""Where a new process or a new decision table starts: a blank document with the key and name the
process owner chose, checked before the editor opens it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from lxml import etree

from ..common.errors import ValidationFailed
from . import decision_tables
from .deployment import deployed_dmn
from .specs import latest_version

# An XML id (the diagram refers to it) that is also a plain name in scripts and URLs.
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_KEY = 64
MAX_NAME = 200

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def _key_problem(value: str, field: str) -> str | None:
    if not value:
        return str(_l("%(field)s: required", field=field))
    if len(value) > MAX_KEY or not _KEY.match(value):
        return str(
            _l(
                "%(field)s: letters, digits and _ only, starting with a letter, at most %(n)s characters",
                field=field,
                n=MAX_KEY,
            )
        )
    return None


def _name_problem(value: str, field: str) -> str | None:
    if not value:
        return str(_l("%(field)s: required", field=field))
    if len(value) > MAX_NAME:
        return str(_l("%(field)s: at most %(n)s characters", field=field, n=MAX_NAME))
    return None


def _refuse(problems: dict[str, str | None]) -> None:
    found = {name: [problem] for name, problem in problems.items() if problem}
    if found:
        raise ValidationFailed(found)


def new_process(process_key: str, name: str) -> str:
    """A blank diagram: an executable process with this key and name and one start event, drawn."""
    process_key, name = process_key.strip(), name.strip()
    key_problem = _key_problem(process_key, str(_l("Process key")))
    if key_problem is None and (process_key == "new" or latest_version(process_key) is not None):
        key_problem = str(_l("Process key: %(key)s is already used by another process", key=process_key))
    _refuse({"process_key": key_problem, "name": _name_problem(name, str(_l("Process name")))})
    bpmn = f"{{{BPMN_NS}}}"
    root = etree.Element(
        f"{bpmn}definitions",
        nsmap={"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS},
        id=f"definitions_{process_key}",
        targetNamespace="http://bpmn.io/schema/bpmn",
    )
    process = etree.SubElement(root, f"{bpmn}process", id=process_key, name=name, isExecutable="true")
    etree.SubElement(process, f"{bpmn}startEvent", id="start")
    diagram = etree.SubElement(root, f"{{{BPMNDI_NS}}}BPMNDiagram", id=f"diagram_{process_key}")
    plane = etree.SubElement(diagram, f"{{{BPMNDI_NS}}}BPMNPlane", id=f"plane_{process_key}", bpmnElement=process_key)
    shape = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id="start_di", bpmnElement="start")
    etree.SubElement(shape, f"{{{DC_NS}}}Bounds", x="180", y="160", width="36", height="36")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


@dataclass(frozen=True)
class NewTable:
    filename: str
    xml: str


def new_decision(decision_id: str, name: str, reads: str, sets: str) -> NewTable:
    """A blank decision table: one decision reading one variable and setting another, with no rules yet."""
    decision_id, name, reads, sets = decision_id.strip(), name.strip(), reads.strip(), sets.strip()
    filename = f"{decision_id}.dmn"
    id_problem = _key_problem(decision_id, str(_l("Decision id")))
    if id_problem is None and (decision_id in known_decisions() or filename in decision_tables.file_names()):
        id_problem = str(_l("Decision id: %(id)s is already used by another decision table", id=decision_id))
    _refuse(
        {
            "decision_id": id_problem,
            "name": _name_problem(name, str(_l("Name"))),
            "reads": _variable_problem(reads, str(_l("Input: the variable it reads"))),
            "sets": _variable_problem(sets, str(_l("Output: the variable it sets"))),
        }
    )
    dmn = f"{{{DMN_NS}}}"
    root = etree.Element(
        f"{dmn}definitions",
        nsmap={None: DMN_NS},
        id=f"definitions_{decision_id}",
        name=name,
        namespace="http://camunda.org/schema/1.0/dmn",
    )
    decision = etree.SubElement(root, f"{dmn}decision", id=decision_id, name=name)
    table = etree.SubElement(decision, f"{dmn}decisionTable", id=f"table_{decision_id}", hitPolicy="FIRST")
    column = etree.SubElement(table, f"{dmn}input", id=f"in_{decision_id}", label=reads)
    expression = etree.SubElement(column, f"{dmn}inputExpression", id=f"in_expr_{decision_id}", typeRef="number")
    etree.SubElement(expression, f"{dmn}text").text = reads
    etree.SubElement(table, f"{dmn}output", id=f"out_{decision_id}", label=sets, name=sets, typeRef="string")
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()
    return NewTable(filename, xml)


def _variable_problem(value: str, field: str) -> str | None:
    if not value:
        return str(_l("%(field)s: required", field=field))
    if len(value) > MAX_KEY or not _VARIABLE.match(value):
        return str(_l("%(field)s: letters, digits and _ only, as a variable is named", field=field))
    return None


def known_decisions() -> set[str]:
    """Every decision id a diagram may call now: deployed, saved, or shipped in bpmn/."""
    return set(deployed_dmn())
