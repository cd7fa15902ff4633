"""What changed between two versions of a diagram, element by element, for the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ...engine import parse_xml

_DI_NAMESPACES = (
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "https://www.omg.org/spec/DMN/20191111/DMNDI/",
)


@dataclass(frozen=True)
class DiagramDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, list[str]]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _is_layout(node: etree._Element) -> bool:
    return etree.QName(node).namespace in _DI_NAMESPACES


def _signature(node: etree._Element) -> str:
    """The element's meaning without its layout: moving a shape is not a change of the process."""
    copy = etree.fromstring(etree.tostring(node))
    for child in list(copy.iter()):
        if child is not copy and isinstance(child.tag, str) and child.get("id") and child.getparent() is not None:
            # Nested elements with their own id are compared on their own.
            child.getparent().remove(child)
    return etree.tostring(copy, method="c14n").decode()


def _elements(xml: str | None, name: str) -> dict[str, str]:
    if not xml:
        return {}
    root = parse_xml(xml, name)
    found: dict[str, str] = {}
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("id") and not _is_layout(node):
            found[node.get("id")] = _signature(node)
    return found


def diff_documents(old_xml: str | None, new_xml: str, name: str = "diagram") -> DiagramDiff:
    old, new = _elements(old_xml, name), _elements(new_xml, name)
    return DiagramDiff(
        added=sorted(new.keys() - old.keys()),
        removed=sorted(old.keys() - new.keys()),
        changed=sorted(k for k in old.keys() & new.keys() if old[k] != new[k]),
    )


def diff_versions(
    old_bpmn: str | None, old_dmn: dict[str, str] | None, new_bpmn: str, new_dmn: dict[str, str]
) -> DiagramDiff:
    """Added, removed and changed elements over the BPMN and every DMN file it uses."""
    parts = [diff_documents(old_bpmn, new_bpmn, "bpmn")]
    old_dmn = old_dmn or {}
    for name in sorted(set(old_dmn) | set(new_dmn)):
        if name in new_dmn:
            parts.append(diff_documents(old_dmn.get(name), new_dmn[name], name))
        else:
            parts.append(DiagramDiff(removed=sorted(_elements(old_dmn[name], name))))
    return DiagramDiff(
        added=sorted({e for p in parts for e in p.added}),
        removed=sorted({e for p in parts for e in p.removed}),
        changed=sorted({e for p in parts for e in p.changed}),
    )
