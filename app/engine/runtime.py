"""One running process instance: load, complete a task, run, dump.

The serialized state deliberately leaves the process spec out: specs are stored
once per deployed version and cached, so an instance row holds only its own
progress and data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .clock import engine_clock
from .errors import EngineError, TaskNotReady, element_of, wrap
from .events import EventDelivery
from .parsing import SpecBundle
from .scripting import ExpressionError, RestrictedScriptEngine
from .signing import SignerLookup, SigningParallelTask, SigningSequentialTask, signing_result
from .start_timers import prime_fired_start
from .timers import CronCycleTimerEventDefinition

ServiceHandler = Callable[[str, dict[str, Any], dict[str, Any]], Any]
Now = Callable[[], datetime]


class _StateOnlyConverter(BpmnWorkflowConverter):
    """Writes and reads a workflow without its spec, which the caller supplies."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], bundle: SpecBundle | None = None) -> BpmnWorkflow:
        if bundle is None:
            return super().from_dict(dct)
        workflow = self.target_class(bundle.spec, bundle.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = _StateOnlyConverter
_config[CronCycleTimerEventDefinition] = SPIFF_CONFIG[CycleTimerEventDefinition]
for _signing in (SigningParallelTask, SigningSequentialTask):
    _config[_signing] = SPIFF_CONFIG[_signing.__mro__[2]]
_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))


@dataclass(frozen=True)
class ReadyTask:
    """A human task waiting for input, with what the host needs to route it."""

    id: str
    bpmn_id: str
    name: str
    lane: str | None
    extensions: dict[str, Any]
    data: dict[str, Any]

    @property
    def form_key(self) -> str | None:
        return self.extensions.get("form_key")


@dataclass(frozen=True)
class PendingTimer:
    """A timer event the instance is waiting on, and the user task it guards, if any."""

    task_id: str
    bpmn_id: str
    fire_at: datetime
    guards_task_id: str | None


def _collect_answer(task: Any, data: dict[str, Any]) -> None:
    """One member's part of a multi-instance task (会签): their form, with who they are, becomes the
    output item the engine collects, so the diagram reads every member's answer afterwards."""
    parent = task.parent.task_spec if task.parent is not None else None
    if not isinstance(parent, MultiInstanceTask) or parent.output_item is None:
        return
    own = dict(data)
    if parent.input_item is not None and parent.input_item.bpmn_id in task.data:
        own.setdefault(parent.input_item.bpmn_id, task.data[parent.input_item.bpmn_id])
    task.data.setdefault(parent.output_item.bpmn_id, own)


class ProcessRuntime(EventDelivery):
    def __init__(self, workflow: BpmnWorkflow, now: Now | None = None) -> None:
        self.workflow = workflow
        self.now = now
        # Timers pending when the state was loaded: with none before and none after a step,
        # the caller has no timer rows to bring in line.
        self.timer_ids_at_load: frozenset[str] = frozenset()

    @staticmethod
    def _engine(
        service_handler: ServiceHandler | None, helpers: dict[str, Any] | None, signers: SignerLookup | None = None
    ) -> RestrictedScriptEngine:
        def call(context: dict[str, Any], operation_name: str, operation_params: dict[str, Any]) -> str:
            if service_handler is None:
                raise ExpressionError(operation_name, "no service handler is configured")
            params = {name: p["value"] for name, p in operation_params.items()}
            return json.dumps(service_handler(operation_name, params, context), default=str)

        engine = RestrictedScriptEngine(service_handler=call, helpers=helpers)
        # Who signs a 会签 or 或签 step is the host's to say (roles live in its database).
        engine.signer_lookup = signers  # type: ignore[attr-defined]
        return engine

    @classmethod
    def start(
        cls,
        bundle: SpecBundle,
        data: dict[str, Any],
        service_handler: ServiceHandler | None = None,
        *,
        now: Now | None = None,
        helpers: dict[str, Any] | None = None,
        fired_start: str | None = None,
        signers: SignerLookup | None = None,
    ) -> ProcessRuntime:
        """A new instance; `fired_start` names the timer start event that started it, if one did."""
        engine = cls._engine(service_handler, helpers, signers)
        workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=engine)
        workflow.task_tree.data.update(data)
        if fired_start is not None:
            prime_fired_start(workflow, fired_start)
        runtime = cls(workflow, now)
        runtime.run()
        if fired_start is not None:
            runtime.run()  # a cycle's start event ends on the step after the one that passed it
        return runtime

    @classmethod
    def load(
        cls,
        bundle: SpecBundle,
        state: str,
        service_handler: ServiceHandler | None = None,
        *,
        now: Now | None = None,
        helpers: dict[str, Any] | None = None,
        signers: SignerLookup | None = None,
    ) -> ProcessRuntime:
        dct = json.loads(state)
        _SERIALIZER.migrate(dct)
        workflow = _SERIALIZER.from_dict(dct, bundle=bundle)
        workflow.script_engine = cls._engine(service_handler, helpers, signers)
        runtime = cls(workflow, now)
        runtime.timer_ids_at_load = frozenset(timer.task_id for timer in runtime.pending_timers())
        return runtime

    def dump(self) -> str:
        return _SERIALIZER.serialize_json(self.workflow)

    def run(self) -> None:
        try:
            with engine_clock(self.now):
                self.workflow.do_engine_steps()
        except (SpiffWorkflowException, ExpressionError) as err:
            raise wrap(err) from err

    def refresh_timers(self) -> None:
        """Let every timer that is due fire, then run on."""
        try:
            with engine_clock(self.now):
                self.workflow.refresh_timers()
                self.workflow.do_engine_steps()
        except (SpiffWorkflowException, ExpressionError) as err:
            raise wrap(err) from err

    def cancel(self) -> None:
        self.workflow.cancel()

    def _diff(self, bundle: SpecBundle, mapping: dict[str, str]) -> tuple[Any, list[tuple[str, str]]]:
        """The engine's alignment of this instance with another version, and what cannot be aligned.

        A step is matched by its element id, or by ``mapping`` (old id -> new id). The engine would
        also guess a match by position for a step whose id is gone; such a guess is refused, since
        a person cannot see it coming.
        """
        top, subprocess_diffs = diff_workflow(_SERIALIZER.registry, self.workflow, bundle.spec, bundle.subprocess_specs)
        problems: list[tuple[str, str]] = []
        active = TaskState.READY | TaskState.WAITING | TaskState.STARTED
        for task in self.workflow.get_tasks(skip_subprocesses=True):
            spec = task.task_spec
            if spec.bpmn_id is None:
                continue  # the engine's own start and end joints, present in every version
            if spec.name in mapping:
                target = bundle.spec.task_specs.get(mapping[spec.name])
                if target is None:
                    problems.append((spec.name, "mapped_to_missing"))
                else:
                    top.alignment[task] = target
                continue
            if spec.name in bundle.spec.task_specs:
                top.alignment[task] = bundle.spec.task_specs[spec.name]
            elif task.state & active:
                problems.append((spec.name, "waiting_step_missing"))
            elif task.state & TaskState.FINISHED_MASK:
                problems.append((spec.name, "done_step_missing"))
            else:
                top.alignment.pop(task, None)  # not reached yet: the new version predicts its own path
        for diff in subprocess_diffs.values():
            if diff is None:
                problems.append(("", "subprocess_missing"))
        return top, sorted(set(problems))

    def migration_problems(self, bundle: SpecBundle, mapping: dict[str, str] | None = None) -> list[tuple[str, str]]:
        """(element id, reason code) for each step of this instance with no place in the other version."""
        return self._diff(bundle, mapping or {})[1]

    def migrate(self, bundle: SpecBundle, mapping: dict[str, str] | None = None) -> None:
        """Move this instance onto another version of its process.

        Tasks waiting for input or for an event keep their ids and are re-planned from the new
        spec, so data typed into a waiting form (kept as drafts outside the engine) is not lost.
        Refused with ``EngineError`` while any step has no place in the other version.
        """
        top_diff, problems = self._diff(bundle, mapping or {})
        if problems:
            raise EngineError("cannot move: " + ", ".join(f"{el} ({why})" for el, why in problems))
        migrate_workflow(top_diff, self.workflow, bundle.spec)
        self.workflow.subprocess_specs = bundle.subprocess_specs

    def timer_fired(self, task_id: str) -> bool:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except Exception:  # noqa: BLE001 - a pruned or unknown task did not fire here
            return False
        return task.state == TaskState.COMPLETED

    def pending_timers(self) -> list[PendingTimer]:
        timers = []
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if not isinstance(definition, TimerEventDefinition):
                continue
            value = task._get_internal_data("event_value")
            if isinstance(value, dict):
                value = value.get("next")
            if value is None:
                continue
            fire_at = TimerEventDefinition.get_datetime(str(value))
            guarded = next((c for c in task.parent.children if c.task_spec.manual), None) if task.parent else None
            timers.append(
                PendingTimer(
                    task_id=str(task.id),
                    bpmn_id=task.task_spec.bpmn_id,
                    fire_at=fire_at,
                    guards_task_id=str(guarded.id) if guarded is not None else None,
                )
            )
        return timers

    @property
    def completed(self) -> bool:
        return bool(self.workflow.completed)

    def ready_tasks(self) -> list[ReadyTask]:
        tasks = self.workflow.get_tasks(state=TaskState.READY, manual=True)
        return [
            ReadyTask(
                id=str(t.id),
                bpmn_id=t.task_spec.bpmn_id,
                name=t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                lane=t.task_spec.lane,
                extensions=dict(getattr(t.task_spec, "extensions", {}) or {}),
                data=t.data,
            )
            for t in tasks
        ]

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except Exception as err:  # noqa: BLE001 - an unknown id is the caller's error
            raise TaskNotReady(f"task {task_id} is not part of this instance") from err
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_id} is not waiting for input")
        task.set_data(**data)
        _collect_answer(task, data)
        try:
            with engine_clock(self.now):
                task.run()
        except (SpiffWorkflowException, ExpressionError) as err:
            raise wrap(err) from err
        self.run()

    def signing(self, task_id: str) -> dict[str, Any] | None:
        """For a signer's task of a 会签 or 或签 step: whether the signing has ended (`finished`) and, if so,
        its `decision` and counts; None for any other task."""
        try:
            return signing_result(self._task(task_id))
        except TaskNotReady:
            return None

    def data(self) -> dict[str, Any]:
        """The process data as it stands now."""
        ready = self.workflow.get_tasks(state=TaskState.READY)
        if ready:
            return dict(ready[0].data)
        last = self.workflow.last_task
        merged = dict(self.workflow.data)
        if last is not None:
            merged.update(last.data)
        return merged

    def last_element(self) -> str | None:
        """The diagram element that ran last, named for a message about what it did."""
        last = self.workflow.last_task
        return element_of(last.task_spec) if last is not None else None

    def evaluate(self, expression: str, data: dict[str, Any]) -> Any:
        return self.workflow.script_engine.environment.evaluate(expression, data)

    def completed_element_ids(self) -> list[str]:
        return [
            t.task_spec.bpmn_id
            for t in self.workflow.get_tasks(state=TaskState.COMPLETED)
            if getattr(t.task_spec, "bpmn_id", None)
        ]

    def _task(self, task_id: str) -> Any:
        try:
            return self.workflow.get_task_from_id(UUID(task_id))
        except Exception as err:  # noqa: BLE001 - an unknown or pruned id is the caller's error
            raise TaskNotReady(f"task {task_id} is not part of this instance") from err

    def was_completed(self, task_id: str) -> bool:
        try:
            return self._task(task_id).state == TaskState.COMPLETED
        except TaskNotReady:
            return False

    def _start_event(self) -> Any:
        for task in self.workflow.get_tasks(state=TaskState.COMPLETED | TaskState.READY):
            if task.workflow is self.workflow and isinstance(task.task_spec, StartEvent):
                return task
        raise EngineError("this instance has no start event to go back to")

    def start_event_id(self) -> str:
        """The top-level start event: resetting to it files the application again."""
        return str(self._start_event().id)

    def refile(self, data: dict[str, Any]) -> None:
        """Run the instance again from its start event, with the filed data updated by `data`."""
        task = self._start_event()
        if task.state == TaskState.COMPLETED:
            self.reset_to(str(task.id), data)
        else:
            task.data.update(data)
        self.run()

    def reset_to(self, task_id: str, data: dict[str, Any] | None = None) -> None:
        """Send the instance back to an earlier task (退回), dropping everything done after it.

        With `data`, the task starts again from its parent's data updated with it; the task
        itself is left waiting (a start event is run by the next `run()`).
        """
        task = self._task(task_id)
        if task.state != TaskState.COMPLETED:
            raise TaskNotReady(f"task {task_id} has not been completed, so there is nothing to go back to")
        merged = None if data is None else {**task.parent.data, **data}
        try:
            self.workflow.reset_from_task_id(task.id, merged)
        except SpiffWorkflowException as err:
            raise wrap(err) from err
