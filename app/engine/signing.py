"""Several people signing one user task: 会签 (every member, or a share of them) and 或签 (any one).

Underneath it is BPMN multi-instance: one task per signer, from a collection. A process owner
names the rule as properties of the user task (the modeler writes them, with the multi-instance
loop and its completion condition):

- ``signing``: ``all`` (every signer approves), ``share`` (at least ``signShare`` approve) or
  ``any`` (the first decision, either way, decides);
- ``signersRole`` or ``signersUsers``: who signs, a role's members or a comma-separated list of
  user names, looked up when the step is reached; with neither, the loop's collection variable;
- ``rejectEnds``: ``true`` when one rejection ends the signing at once.

While the signers work, the completion condition reads Camunda's counters (``nrOfInstances``,
``nrOfCompletedInstances``, ``nrOfActiveInstances``) and two of its own (``nrOfApproved``,
``nrOfRejected``). When the step ends, its ``decision`` is the outcome of the rule, and
``signing_result`` keeps the count, so a gateway after it routes on one word.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.util.task import TaskState

MODES = ("all", "share", "any")
# Who signs: a role key or a list of user names, in, the user names of the people to ask, out.
SignerLookup = Callable[[str | None, tuple[str, ...]], list[str]]


@dataclass(frozen=True)
class SigningRule:
    mode: str
    share: int | None = None
    reject_ends: bool = False
    role: str | None = None
    users: tuple[str, ...] = ()

    @classmethod
    def of(cls, properties: Mapping[str, Any] | None) -> SigningRule | None:
        """The rule a task's properties give, or None when it has none; an unreadable share is None too
        (the deploy check names it)."""
        props = properties or {}
        mode = str(props.get("signing") or "").strip()
        if mode not in MODES:
            return None
        share = None
        if mode == "share":
            try:
                share = int(str(props.get("signShare") or "").strip())
            except ValueError:
                share = None
        users = tuple(u.strip() for u in str(props.get("signersUsers") or "").split(",") if u.strip())
        role = str(props.get("signersRole") or "").strip() or None
        reject_ends = str(props.get("rejectEnds") or "").strip().lower() in ("true", "1", "yes")
        return cls(mode=mode, share=share, reject_ends=reject_ends, role=role, users=users)

    def needed(self, total: int) -> int:
        """How many approvals the step needs out of `total` signers."""
        if self.mode == "any":
            return min(1, total)
        if self.mode == "share":
            return min(self.share or total, total)
        return total

    def condition(self) -> str | None:
        """The completion condition that says this rule in the loop itself (what the modeler writes)."""
        if self.mode == "any":
            return "nrOfCompletedInstances >= 1"
        if self.mode == "share" and self.share:
            if self.reject_ends:
                return f"nrOfApproved >= {self.share} or nrOfRejected > 0"
            return f"nrOfApproved >= {self.share} or nrOfRejected > nrOfInstances - {self.share}"
        if self.mode == "all" and self.reject_ends:
            return "nrOfRejected > 0"
        return None

    def outcome(self, approved: int, total: int) -> str:
        return "approve" if total > 0 and approved >= self.needed(total) else "reject"


def rule_of(task_spec: Any) -> SigningRule | None:
    return SigningRule.of((getattr(task_spec, "extensions", None) or {}).get("properties"))


class _Signing:
    """What the engine's multi-instance tasks do, plus the signers' lookup, the counts and the outcome."""

    task_spec: str
    data_input: Any
    input_item: Any
    condition: str | None

    def _rule(self, my_task: Any) -> SigningRule | None:
        return rule_of(my_task.workflow.spec.task_specs[self.task_spec])

    def _fill_signers(self, my_task: Any) -> None:
        rule = self._rule(my_task)
        if rule is None or not (rule.role or rule.users) or self.data_input is None:
            return
        lookup: SignerLookup | None = getattr(my_task.workflow.script_engine, "signer_lookup", None)
        names = lookup(rule.role, rule.users) if lookup is not None else list(rule.users)
        if not names:
            who = f"role '{rule.role}'" if rule.role else "the list " + ", ".join(rule.users)
            raise WorkflowTaskException(f"nobody can sign: {who} names no active user today", task=my_task)
        # Replaced, not merged: who signs is who holds the role now.
        my_task.data[self.data_input.bpmn_id] = list(names)

    def create_children(self, my_task: Any) -> None:  # parallel signers
        self._fill_signers(my_task)
        super().create_children(my_task)  # type: ignore[misc]

    def init_remaining_items(self, my_task: Any) -> list[Any]:  # signers one after another
        self._fill_signers(my_task)
        return super().init_remaining_items(my_task)  # type: ignore[misc]

    def add_next_child(self, my_task: Any) -> None:
        # The signer before left their own name in the merged data; the next one gets theirs.
        if self.input_item is not None:
            my_task.data.pop(self.input_item.bpmn_id, None)
        super().add_next_child(my_task)  # type: ignore[misc]

    def tally(self, my_task: Any) -> dict[str, int]:
        merged = set(my_task.internal_data.get("merged", []))
        children = [c for c in my_task.children if c.task_spec.name == self.task_spec]
        done = [c for c in children if str(c.id) in merged]
        remaining = len(my_task.internal_data.get("remaining", []) or [])
        total = len(children) + remaining
        return {
            "nrOfInstances": total,
            "nrOfCompletedInstances": len(done),
            "nrOfActiveInstances": len([c for c in children if not c.has_state(TaskState.FINISHED_MASK)]),
            "nrOfApproved": len([c for c in done if c.data.get("decision") == "approve"]),
            "nrOfRejected": len([c for c in done if c.data.get("decision") == "reject"]),
        }

    def check_completion_condition(self, my_task: Any) -> bool:
        merged = my_task.internal_data.get("merged", [])
        if not merged:
            return False
        rule = self._rule(my_task)
        condition = self.condition or (rule.condition() if rule is not None else None)
        if condition is None:
            return False
        last = next(c for c in my_task.children if str(c.id) == merged[-1])
        return bool(my_task.workflow.script_engine.evaluate(last, condition, external_context=self.tally(my_task)))

    def merge_child(self, workflow: Any, child: Any) -> None:
        super().merge_child(workflow, child)  # type: ignore[misc]
        my_task = child.parent
        if not my_task.has_state(TaskState.READY):
            return
        rule = self._rule(my_task)
        if rule is None:
            return
        counts = self.tally(my_task)
        result = {
            "mode": rule.mode,
            "signers": counts["nrOfInstances"],
            "approved": counts["nrOfApproved"],
            "rejected": counts["nrOfRejected"],
            "needed": rule.needed(counts["nrOfInstances"]),
            "decision": rule.outcome(counts["nrOfApproved"], counts["nrOfInstances"]),
        }
        my_task.internal_data["signing"] = result
        my_task.data["decision"] = result["decision"]
        my_task.data["signing_result"] = result
        # The loop's own variables stay out of the process data, so a later signing step starts clean.
        if self.input_item is not None:
            my_task.data.pop(self.input_item.bpmn_id, None)
        if self.data_input is not None and (rule.role or rule.users):
            my_task.data.pop(self.data_input.bpmn_id, None)


class SigningParallelTask(_Signing, ParallelMultiInstanceTask):
    pass


class SigningSequentialTask(_Signing, SequentialMultiInstanceTask):
    pass


def signing_result(task: Any) -> dict[str, Any] | None:
    """For one signer's engine task: None when it is no signer's; else whether the signing has ended and how."""
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, _Signing):
        return None
    if task.task_spec.name != parent.task_spec.task_spec:
        return None  # a step after the signing, not a signer's
    if parent.task_spec._rule(parent) is None:
        return None
    result = parent.internal_data.get("signing")
    return {"finished": result is not None, **(result or {})}
