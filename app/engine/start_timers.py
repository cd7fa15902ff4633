"""Timer start events: when each fires, and an instance started by one.

In Camunda a timer start event starts a new instance each time it fires (once for a date or a
duration, at each repetition of a cycle). The engine itself would instead keep one instance
waiting on the timer, so the host keeps the schedule (one row per timer start event) and
starts an instance whose fired start event is primed to pass at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from .parsing import SpecBundle
from .scripting import evaluate
from .timers import is_cron, next_cron_fire

_LONG_AGO = "2000-01-01T00:00:00+00:00"


@dataclass(frozen=True)
class TimerStart:
    """One timer start event of a process: its element and the timer text the evaluator runs."""

    bpmn_id: str
    kind: str  # "date" | "duration" | "cycle"
    expression: str


def timer_starts(bundle: SpecBundle) -> list[TimerStart]:
    found = []
    for spec in bundle.spec.task_specs.values():
        definition = getattr(spec, "event_definition", None)
        if not isinstance(spec, StartEvent) or not isinstance(definition, TimerEventDefinition):
            continue
        kind = (
            "cycle"
            if isinstance(definition, CycleTimerEventDefinition)
            else "duration"
            if isinstance(definition, DurationTimerEventDefinition)
            else "date"
            if isinstance(definition, TimeDateEventDefinition)
            else None
        )
        if kind is not None:
            found.append(TimerStart(spec.bpmn_id, kind, definition.expression))
    return found


def _at(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def next_firing(
    start: TimerStart, *, deployed_at: datetime, after: datetime, fired: int, tz: tzinfo = UTC
) -> datetime | None:
    """When the timer next starts an instance, strictly after `after`; None once it never will again.

    `fired` is how many instances it has started. A cycle that fell behind (the app was down) fires
    once for the missed repetitions and goes on from now, as Camunda does. Raises ValueError for a
    text that is not a timer.
    """
    text = evaluate(start.expression, {})
    if not isinstance(text, str):
        raise ValueError(f"the timer gives {text!r}, not a date, a duration or a cycle")
    text = text.strip()
    deployed_at, after = _at(deployed_at), _at(after)
    if start.kind == "date":
        return None if fired else TimerEventDefinition.get_datetime(text)
    if start.kind == "duration":
        if fired:
            return None
        parsed = TimerEventDefinition.parse_iso_duration(text)
        return deployed_at + TimerEventDefinition.get_timedelta_from_start(parsed, deployed_at)
    if is_cron(text):
        return next_cron_fire(text, after, tz)
    return _next_repetition(text, deployed_at, after, fired)


def _next_repetition(text: str, deployed_at: datetime, after: datetime, fired: int) -> datetime | None:
    parts = text.upper().split("/")
    cycles = int(parts[0].lstrip("R")) if parts[0].lstrip("R") else -1
    if cycles != -1 and fired >= cycles:
        return None
    if len(parts) == 3:
        first = TimerEventDefinition.get_datetime(parts[1])
        duration = TimerEventDefinition.get_timedelta_from_start(
            TimerEventDefinition.parse_iso_duration(parts[2]), first
        )
    else:
        duration = TimerEventDefinition.get_timedelta_from_start(
            TimerEventDefinition.parse_iso_duration(parts[1]), deployed_at
        )
        first = deployed_at + duration
    if duration <= timedelta(0):
        raise ValueError("a repeating timer needs an interval longer than zero")
    if first > after:
        return first
    steps = (after - first) // duration + 1
    return first + steps * duration


def prime_fired_start(workflow: Any, bpmn_id: str) -> None:
    """Make the start event `bpmn_id` pass at once and the instance's other start events never."""
    for task in workflow.get_tasks():
        spec = task.task_spec
        if task.workflow is not workflow or not isinstance(spec, StartEvent):
            continue
        if spec.bpmn_id != bpmn_id:
            task.cancel()
        elif isinstance(spec.event_definition, CycleTimerEventDefinition):
            # One repetition, already due: the event passes once, then knows its cycle is over.
            task._set_internal_data(event_value={"cycles": 1, "next": _LONG_AGO, "duration": 0})
        else:
            task._set_internal_data(event_value=_LONG_AGO)
