"""What changed in a decision table, cell by cell, and what a diagram's elements are called: the
reviewer of a proposed change reads names and cell texts, not element ids."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lxml import etree

from ...engine import parse_xml

_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class CellChange:
    """One cell of one rule: added with its rule, removed with its rule, or changed in place."""

    file: str
    decision: str
    rule: int  # 1-based position of the rule in the table that holds it (the new one, or the old one if removed)
    column: str
    kind: str  # added | removed | changed
    old: str | None
    new: str | None

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _text(node: etree._Element) -> str:
    return "".join(node.itertext()).strip()


def _columns(table: etree._Element) -> list[str]:
    names = []
    for child in table:
        if not isinstance(child.tag, str):
            continue
        if _local(child) == "input":
            names.append(child.get("label") or _text(child) or child.get("id") or "")
        elif _local(child) == "output":
            names.append(child.get("label") or child.get("name") or child.get("id") or "")
    return names


def _rules(xml: str | None, name: str) -> dict[str, tuple[str, list[str], dict[str, tuple[int, list[str]]]]]:
    """decision id -> (decision name, column names, rule id -> (position, cell texts))."""
    if not xml:
        return {}
    found = {}
    for decision in parse_xml(xml, name).iter():
        if not isinstance(decision.tag, str) or _local(decision) != "decision":
            continue
        for table in decision:
            if not isinstance(table.tag, str) or _local(table) != "decisionTable":
                continue
            rules = {}
            position = 0
            for rule in table:
                if not isinstance(rule.tag, str) or _local(rule) != "rule":
                    continue
                position += 1
                cells = [
                    _text(c) for c in rule if isinstance(c.tag, str) and _local(c) in ("inputEntry", "outputEntry")
                ]
                rules[rule.get("id") or f"#{position}"] = (position, cells)
            found[decision.get("id") or ""] = (decision.get("name") or decision.get("id") or "", _columns(table), rules)
    return found


def _column(columns: list[str], index: int) -> str:
    return columns[index] if index < len(columns) else str(index + 1)


def cell_changes(old_dmn: dict[str, str] | None, new_dmn: dict[str, str]) -> list[CellChange]:
    """Every cell that differs between two editions of a process's decision tables, matched by rule id."""
    old_dmn = old_dmn or {}
    changes: list[CellChange] = []
    for name in sorted(set(old_dmn) | set(new_dmn)):
        old, new = _rules(old_dmn.get(name), name), _rules(new_dmn.get(name), name)
        for decision in sorted(set(old) | set(new)):
            title, columns, new_rules = new.get(decision) or old[decision]
            _t, old_columns, old_rules = old.get(decision) or ("", columns, {})
            if decision not in new:
                new_rules = {}
            for rule_id, (position, cells) in new_rules.items():
                before = old_rules.get(rule_id)
                for index, text in enumerate(cells):
                    if before is None:
                        if text:
                            column = _column(columns, index)
                            changes.append(CellChange(name, title, position, column, "added", None, text))
                        continue
                    previous = before[1][index] if index < len(before[1]) else ""
                    if previous != text:
                        changes.append(
                            CellChange(name, title, position, _column(columns, index), "changed", previous, text)
                        )
            for rule_id, (position, cells) in old_rules.items():
                if rule_id in new_rules:
                    continue
                for index, text in enumerate(cells):
                    if text:
                        changes.append(
                            CellChange(name, title, position, _column(old_columns, index), "removed", text, None)
                        )
    return changes


def element_names(xml: str | None, name: str = "diagram") -> dict[str, str]:
    """Element id -> the name drawn on it, for a BPMN diagram's named elements."""
    if not xml:
        return {}
    names = {}
    for node in parse_xml(xml, name).iter():
        if isinstance(node.tag, str) and etree.QName(node).namespace == _BPMN and node.get("id") and node.get("name"):
            names[node.get("id")] = node.get("name")
    return names
