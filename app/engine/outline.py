"""The steps still to come in a diagram, read from its XML: what an approval chain shows after the
current task, in the order a person reads it.

No workflow is rebuilt: the walk follows sequence flows from the current tasks. At a decision it
takes the path the instance's data already points to (the approver before chose "approve", so the
next one is on the approving path), else the default path, else every path; and it leaves out steps
that only lead back to an earlier step (a correction for the filer is not "still to come").
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lxml import etree

from .parsing import BPMN_NS, CAMUNDA_NS, parse_xml

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_HUMAN = {"userTask", "manualTask"}
# A guard on odd diagrams: a chain longer than this is not "at a glance" any more.
MAX_STEPS = 30


@dataclass(frozen=True)
class StepAhead:
    bpmn_id: str
    name: str
    name_en: str | None
    role: str | None
    # True when the diagram names the person in an expression (e.g. the filer), not a role.
    personal: bool


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _properties(element: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for prop in element.iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") and prop.get("value") is not None:
            found[prop.get("name")] = prop.get("value")
    for attr in ("assignee", "candidateGroups"):
        value = element.get(f"{{{CAMUNDA_NS}}}{attr}")
        if value:
            found.setdefault(attr, value)
    return found


def _plain_role(value: str | None) -> str | None:
    """A role key as written; None for one the process works out when the step comes (an expression)."""
    return value if value and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value) else None


@dataclass(frozen=True)
class _Step:
    """What the chain shows of a human step, read from its element once."""

    name: str
    name_en: str | None
    role: str | None
    personal: bool


class _Graph:
    """A process's flows as plain data: no XML element is kept, so one graph serves every reader."""

    def __init__(self, process: etree._Element) -> None:
        self.kinds: dict[str, str] = {}
        self.outgoing: dict[str, list[tuple[str, str | None, str]]] = {}
        self.defaults: dict[str, str] = {}
        lanes: dict[str, str] = {}
        for lane in process.iter(f"{{{BPMN_NS}}}lane"):
            for ref in lane.iter(f"{{{BPMN_NS}}}flowNodeRef"):
                lanes[(ref.text or "").strip()] = lane.get("name") or ""
        self.steps: dict[str, _Step] = {}
        for element in process:
            if not isinstance(element.tag, str):
                continue
            kind = _local(element)
            if kind == "sequenceFlow":
                condition = element.find(f"{{{BPMN_NS}}}conditionExpression")
                text = (condition.text or "").strip() if condition is not None else None
                self.outgoing.setdefault(element.get("sourceRef", ""), []).append(
                    (element.get("targetRef", ""), text or None, element.get("id", ""))
                )
            elif kind != "laneSet" and element.get("id"):
                node_id = element.get("id")
                self.kinds[node_id] = kind
                if element.get("default"):
                    self.defaults[node_id] = element.get("default")
                if kind in _HUMAN:
                    props = _properties(element)
                    role = props.get("candidateRoles") or props.get("candidateGroups") or lanes.get(node_id)
                    self.steps[node_id] = _Step(
                        name=element.get("name") or node_id,
                        name_en=props.get("nameEn"),
                        role=_plain_role(role),
                        personal=bool(props.get("assignee")),
                    )

    def next_of(self, node_id: str, holds: Callable[[str], bool | None]) -> list[str]:
        flows = self.outgoing.get(node_id, [])
        if len(flows) <= 1 or self.kinds.get(node_id) == "parallelGateway":
            return [target for target, _c, _i in flows]
        chosen = [target for target, condition, _i in flows if condition and holds(condition)]
        if chosen:
            return chosen[:1]
        default = self.defaults.get(node_id)
        if default:
            return [target for target, _c, flow_id in flows if flow_id == default]
        return [target for target, _c, _i in flows]

    def back_edges(self) -> set[tuple[str, str]]:
        """Flows that lead back to a step already on the way from the start (a return, a correction)."""
        starts = [n for n, kind in self.kinds.items() if kind == "startEvent"]
        back: set[tuple[str, str]] = set()
        done: set[str] = set()
        for start in starts:
            on_path = {start}
            stack = [(start, iter(self.outgoing.get(start, [])))]
            while stack:
                node, flows = stack[-1]
                step = next(flows, None)
                if step is None:
                    stack.pop()
                    on_path.discard(node)
                    done.add(node)
                    continue
                target = step[0]
                if target in on_path:
                    back.add((node, target))
                elif target not in done and target in self.kinds:
                    on_path.add(target)
                    stack.append((target, iter(self.outgoing.get(target, []))))
        return back

    def finishing(self, back: set[tuple[str, str]]) -> set[str]:
        """Nodes from which an end can be reached going forward only."""
        ends = {n for n, kind in self.kinds.items() if kind == "endEvent"}
        incoming: dict[str, list[str]] = {}
        for source, flows in self.outgoing.items():
            for target, _c, _i in flows:
                if (source, target) not in back:
                    incoming.setdefault(target, []).append(source)
        found, queue = set(ends), deque(ends)
        while queue:
            for source in incoming.get(queue.popleft(), []):
                if source not in found:
                    found.add(source)
                    queue.append(source)
        return found


@dataclass(frozen=True)
class Outline:
    """One process of a deployed diagram, prepared for walking ahead: the same for every instance of
    that diagram, so it is worked out once per diagram rather than on every page."""

    graph: _Graph
    # Steps from which an end is reached going forward only (not the corrections that lead back).
    forward: frozenset[str]


def outline_of(bpmn_xml: str, process_id: str) -> Outline | None:
    """The outline of `process_id` in the diagram (its first process when none has that id)."""
    root = parse_xml(bpmn_xml)
    process = next(
        (p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id") == process_id),
        next(root.iter(f"{{{BPMN_NS}}}process"), None),
    )
    if process is None:
        return None
    graph = _Graph(process)
    return Outline(graph, frozenset(graph.finishing(graph.back_edges())))


def steps_ahead(outline: Outline, current: Iterable[str], holds: Callable[[str], bool | None]) -> list[StepAhead]:
    """Human steps after the `current` element ids, nearest first; `holds` answers a flow's condition
    from the instance's data (None when it cannot tell)."""
    graph = outline.graph
    here = {c for c in current if c in graph.kinds}
    seen = set(here)
    queue = deque(here)
    found: list[StepAhead] = []
    while queue and len(found) < MAX_STEPS:
        node_id = queue.popleft()
        for target in graph.next_of(node_id, holds):
            if target in seen or target not in graph.kinds:
                continue
            seen.add(target)
            step = graph.steps.get(target)
            if step is not None:
                if target not in outline.forward:
                    continue  # only leads back (a correction for the filer): not the road ahead
                found.append(StepAhead(target, step.name, step.name_en, step.role, step.personal))
            queue.append(target)
    return found
