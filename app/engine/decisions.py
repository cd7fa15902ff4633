"""Business rule tasks as Camunda 7 runs them.

A decision file may hold several decisions: each is handed to the engine as its own document,
so `decisionRef` picks the one it names (the engine's reader takes the first of a file). A
decision that requires others (`informationRequirement`) sees their outputs as inputs.
`camunda:resultVariable` with `camunda:mapDecisionResult` stores the result the way Camunda
shapes it; without a result variable the outputs become variables by their own names.
"""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
)
MAPPINGS = ("resultList", "singleResult", "singleEntry", "collectEntries")
# Hit policies under which every matching rule counts; under the others the first one does.
_ALL_RULES = ("COLLECT", "RULE ORDER", "OUTPUT ORDER")


class DecisionResultError(Exception):
    """The decision's result does not have the shape `mapDecisionResult` asks for."""


def _decisions(root: etree._Element) -> list[etree._Element]:
    return [d for ns in DMN_NAMESPACES for d in root.iter(f"{{{ns}}}decision")]


def split(root: etree._Element) -> list[etree._Element]:
    """One document per decision of `root` (the same document when it holds one)."""
    decisions = _decisions(root)
    if len(decisions) <= 1:
        return [root]
    parts = []
    for index in range(len(decisions)):
        part = copy.deepcopy(root)
        for other, node in enumerate(_decisions(part)):
            if other != index:
                node.getparent().remove(node)
        parts.append(part)
    return parts


def required(document: etree._Element) -> list[str]:
    """The ids of the decisions the document's decision requires (`requiredDecision href="#id"`)."""
    refs = []
    for decision in _decisions(document)[:1]:
        for node in decision.iter():
            if isinstance(node.tag, str) and etree.QName(node).localname == "requiredDecision":
                href = (node.get("href") or "").strip()
                if href:
                    refs.append(href.split("#")[-1])
    return refs


class CamundaDecision(DMNEngine):
    """A decision table with the decisions it requires and the way its result is stored."""

    def __init__(
        self,
        decision_table: Any,
        requires: list[DMNEngine] | None = None,
        result_variable: str | None = None,
        mapping: str = "resultList",
    ) -> None:
        super().__init__(decision_table)
        self.requires = list(requires or [])
        self.result_variable = result_variable
        self.mapping = mapping

    def _rules(self, task: Any) -> list[dict[str, Any]]:
        rules = self.decide(task)
        if str(self.decision_table.hit_policy).upper() not in _ALL_RULES:
            rules = rules[:1]
        return [rule.output_as_dict(task) for rule in rules]

    def _with_required(self, task: Any, compute: Any) -> Any:
        if not self.requires:
            return compute()
        original = task.data
        seen = dict(original)
        for engine in self.requires:
            seen.update(engine.result(task))
        task.data = seen
        try:
            return compute()
        finally:
            task.data = original

    def result(self, task: Any) -> dict[str, Any]:
        if not self.result_variable:
            return self._with_required(task, lambda: super(CamundaDecision, self).result(task))
        rows = self._with_required(task, lambda: self._rules(task))
        return {self.result_variable: map_result(rows, self.mapping)}


def map_result(rows: list[dict[str, Any]], mapping: str) -> Any:
    """Camunda's `mapDecisionResult`: the matched rules' outputs shaped as asked."""
    if mapping == "resultList":
        return rows
    if mapping == "collectEntries":
        if any(len(row) > 1 for row in rows):
            raise DecisionResultError("collectEntries needs a decision with one output column")
        return [next(iter(row.values()), None) for row in rows]
    if len(rows) > 1:
        raise DecisionResultError(f"{mapping} needs at most one matching rule, but {len(rows)} rules matched")
    if not rows:
        return None
    if mapping == "singleResult":
        return rows[0]
    if len(rows[0]) > 1:
        raise DecisionResultError("singleEntry needs a decision with one output column")
    return next(iter(rows[0].values()), None)


def engine_for(base: DMNEngine, node: etree._Element, requires: list[DMNEngine]) -> CamundaDecision:
    """The engine a business rule task runs: `base`'s table with the task's Camunda attributes."""
    return CamundaDecision(
        base.decision_table,
        requires,
        (node.get(f"{CAMUNDA}resultVariable") or "").strip() or None,
        (node.get(f"{CAMUNDA}mapDecisionResult") or "resultList").strip(),
    )
