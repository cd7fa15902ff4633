"""Reading a diagram drawn for Camunda 7 the way Camunda reads it.

Before the engine's parser sees a document, a copy of its tree is brought into the
engine's dialect: drawing-only elements (data stores and objects, annotations, groups)
are dropped, `${…}` conditions and bare ISO timers become expressions for the
restricted evaluator, `camunda:collection`/`camunda:elementVariable` become the
standard multi-instance data references, and names lose the line breaks the modeler
puts in to wrap a label. The stored XML is never changed: the diagram shown is the one
drawn.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from . import juel
from .timers import TimerRefused, timer_expression

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"

# Camunda draws these but never runs them; neither does this product.
DRAWING_ONLY = ("dataStore", "dataStoreReference", "dataObject", "dataObjectReference", "textAnnotation", "group")
_DRAWING_LINKS = ("association", "dataInputAssociation", "dataOutputAssociation", "category")
_NAMED = (
    "task",
    "userTask",
    "manualTask",
    "serviceTask",
    "scriptTask",
    "businessRuleTask",
    "sendTask",
    "receiveTask",
    "callActivity",
    "subProcess",
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "lane",
    "process",
    "sequenceFlow",
)


class CamundaRefused(Exception):
    """Parts of a Camunda diagram that cannot be read, each with its element."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(f"{el}: {msg}" for el, msg in problems))
        self.problems = problems


def owner_id(node: etree._Element) -> str | None:
    """The id of the element a piece of text belongs to (the event, not its event definition)."""
    while node is not None and (
        node.get("id") is None or etree.QName(node).localname.endswith(("EventDefinition", "LoopCharacteristics"))
    ):
        node = node.getparent()
    return None if node is None else node.get("id")


def one_line(name: str) -> str:
    """A label wrapped by the modeler (`Prepare\\nBank\\nTransfer`) as the one line it means."""
    return re.sub(r"\s+", " ", name).strip()


def _drop_drawing_only(root: etree._Element) -> None:
    for node in list(root.iter(*(f"{BPMN}{tag}" for tag in DRAWING_ONLY + _DRAWING_LINKS))):
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)


def _expressions(root: etree._Element, problems: list[tuple[str | None, str]]) -> None:
    for node in root.iter(f"{BPMN}conditionExpression", f"{BPMN}completionCondition", f"{BPMN}loopCardinality"):
        if juel.is_juel(node.text):
            try:
                node.text = juel.to_python(node.text or "")
            except juel.JuelRefused as err:
                problems.append((owner_id(node), err.reason))
    for node in root.iter(f"{BPMN}timeDate", f"{BPMN}timeDuration", f"{BPMN}timeCycle"):
        try:
            node.text = timer_expression(etree.QName(node).localname, node.text or "")
        except TimerRefused as err:
            problems.append((owner_id(node), err.reason))


def _collection_variable(text: str) -> str | None:
    """The variable a `camunda:collection` names, written bare or as `${name}`."""
    text = text.strip()
    match = re.fullmatch(r"[$#]\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}|([A-Za-z][A-Za-z0-9_]*)", text)
    if match is None:
        return None
    return match.group(1) or match.group(2)


def _multi_instance(root: etree._Element, problems: list[tuple[str | None, str]]) -> None:
    for loop in root.iter(f"{BPMN}multiInstanceLoopCharacteristics"):
        collection = loop.get(f"{CAMUNDA}collection")
        if not collection:
            continue
        name = _collection_variable(collection)
        if name is None:
            problems.append(
                (
                    owner_id(loop),
                    "camunda:collection must name a process variable holding a list (e.g. ${approvers})",
                )
            )
            continue
        ref = etree.Element(f"{BPMN}loopDataInputRef")
        ref.text = name
        loop.insert(0, ref)
        element = loop.get(f"{CAMUNDA}elementVariable")
        if element:
            item = etree.Element(f"{BPMN}inputDataItem", id=element, name=element)
            ref.addnext(item)


def _one_line_names(root: etree._Element) -> None:
    for node in root.iter(*(f"{BPMN}{tag}" for tag in _NAMED)):
        name = node.get("name")
        if name and re.search(r"\s{2,}|[\n\r\t]", name):
            node.set("name", one_line(name))


def for_engine(root: etree._Element) -> etree._Element:
    """A copy of the document in the engine's dialect; raises CamundaRefused naming each element at fault."""
    tree = copy.deepcopy(root)
    problems: list[tuple[str | None, str]] = []
    _drop_drawing_only(tree)
    _expressions(tree, problems)
    _multi_instance(tree, problems)
    _one_line_names(tree)
    if problems:
        raise CamundaRefused(problems)
    return tree
