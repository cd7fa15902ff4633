"""Events sent into a running instance from outside: messages, signals and BPMN errors.

Camunda's REST API lets programs correlate a message, throw a signal or report a business error
from an external task; this is where such an event meets the waiting catch event.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition, SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import ErrorEventDefinition as SpiffError
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition as SpiffMessage
from SpiffWorkflow.spiff.specs.event_definitions import SignalEventDefinition as SpiffSignal
from SpiffWorkflow.util.task import TaskState

from .clock import engine_clock
from .errors import wrap
from .scripting import ExpressionError

# What a waiting event's definition is (any dialect), and what to send it (one the serializer knows).
_EVENT_KINDS: dict[str, tuple[type, type]] = {
    "message": (MessageEventDefinition, SpiffMessage),
    "signal": (SignalEventDefinition, SpiffSignal),
    "error": (ErrorEventDefinition, SpiffError),
}


def _event_name(kind: str, definition: Any) -> str:
    # Errors are matched by their code, as Camunda's bpmnError names one.
    return str(definition.code if kind == "error" else definition.name)


class EventDelivery:
    """The part of a running instance that receives events from outside (mixed into ProcessRuntime)."""

    workflow: BpmnWorkflow
    now: Any

    def _waiting(self, kind: str, name: str) -> list[Any]:
        definition_class = _EVENT_KINDS[kind][0]
        return [
            task
            for task in self.workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(definition := getattr(task.task_spec, "event_definition", None), definition_class)
            and _event_name(kind, definition) == name
        ]

    def waits_for(self, kind: str, name: str) -> bool:
        """Whether a catch event, boundary event or receive task here waits for this message, signal or error."""
        return bool(self._waiting(kind, name))

    def deliver(self, kind: str, name: str, variables: dict[str, Any]) -> bool:
        """Deliver a message, signal or BPMN error (by code) from outside, then run on; False if none waited.

        The variables land in the data of the event that catches it, as Camunda sets them on the
        execution that continues.
        """
        waiting = self._waiting(kind, name)
        if not waiting:
            return False
        for task in waiting:
            task.data.update(variables)
        event_class = _EVENT_KINDS[kind][1]
        definition = event_class(name, code=name) if kind == "error" else event_class(name)
        try:
            with engine_clock(self.now):
                self.workflow.catch(BpmnEvent(definition))
                self.workflow.do_engine_steps()
        except (SpiffWorkflowException, ExpressionError) as err:
            raise wrap(err) from err
        return True

    def waits_on_workers(self) -> bool:
        """Whether the process has tasks that workers outside the app complete (Camunda external tasks)."""
        specs = [self.workflow.spec, *self.workflow.subprocess_specs.values()]
        return any(
            (getattr(t, "extensions", None) or {}).get("external_topic") for s in specs for t in s.task_specs.values()
        )
