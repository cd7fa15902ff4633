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
from typing import Any

from lxml import etree

from . import juel
from .decisions import MAPPINGS
from .timers import TimerRefused, timer_expression

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"

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


# Camunda's user-task attributes, mapped to the names the rest of the app reads.
TASK_ATTRIBUTES = {
    "formKey": "form_key",
    "assignee": "assignee",
    "candidateGroups": "candidate_roles",
    "candidateUsers": "candidate_users",
    "dueDate": "due",
    "followUpDate": "follow_up",
    "priority": "priority",
    "topic": "external_topic",
    "taskPriority": "priority",
}
# Form keys that open a page of one of Camunda's web applications, which do not exist here.
WEB_APP_FORMS = ("embedded:", "app:", "camunda-forms:", "deployment:")


# Camunda 7 still reads files from its Activiti days, whose extensions use this namespace.
LEGACY = "{http://activiti.org/bpmn}"


def legacy_namespace(root: etree._Element) -> None:
    """Extensions written in the old Activiti namespace, moved (in place) to Camunda's, as Camunda reads them."""
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag.startswith(LEGACY):
            node.tag = CAMUNDA + node.tag[len(LEGACY) :]
        for name in [n for n in node.attrib if n.startswith(LEGACY)]:
            node.set(CAMUNDA + name[len(LEGACY) :], node.attrib.pop(name))


def web_app_form(key: str | None) -> bool:
    return bool(key) and str(key).strip().startswith(WEB_APP_FORMS)


def task_attributes(node: etree._Element) -> dict[str, Any]:
    """A user task's Camunda attributes as extensions.

    `drawn_for_camunda` marks a task from a Camunda Modeler file: without a form of this
    app it gets the app's plain task form instead of being refused, as Camunda shows its
    generic form. A form key into Camunda's web applications is kept apart (`camunda_form`).
    """
    found = {key: value for attr, key in TASK_ATTRIBUTES.items() if (value := node.get(f"{CAMUNDA}{attr}"))}
    form_ref = (node.get(f"{CAMUNDA}formRef") or "").strip()
    if web_app_form(found.get("form_key")):
        found["camunda_form"] = found.pop("form_key")
    elif form_ref and not found.get("form_key"):
        # A Camunda form (a .form file) deployed here under its id, read in lower case like every form key.
        found["form_key"] = form_ref.lower()
    if {CAMUNDA[1:-1], LEGACY[1:-1]} & set((node.nsmap or {}).values()):
        found["drawn_for_camunda"] = True
    generated = form_data(node)
    if generated is not None:
        found["camunda_form_data"] = generated
    return found


def form_data(node: etree._Element) -> list[dict[str, Any]] | None:
    """A generated form (`camunda:formData`) as plain data: each field's id, label, type, default,
    enum values and validation constraints. None when the element has no generated form."""
    holder = next(node.iter(f"{CAMUNDA}formData"), None)
    if holder is None:
        return None
    fields = []
    for field in holder.iter(f"{CAMUNDA}formField"):
        constraints = {
            (c.get("name") or "").strip(): (c.get("config") or "").strip()
            for c in field.iter(f"{CAMUNDA}constraint")
            if c.get("name")
        }
        fields.append(
            {
                "id": (field.get("id") or "").strip(),
                "label": one_line(field.get("label") or "") or None,
                "type": (field.get("type") or "string").strip(),
                "default": field.get("defaultValue"),
                "values": [
                    {"id": v.get("id") or "", "name": v.get("name") or v.get("id") or ""}
                    for v in field.iter(f"{CAMUNDA}value")
                ],
                "constraints": constraints,
            }
        )
    return fields


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


def _external_tasks(root: etree._Element) -> None:
    """An external service task waits, like a person's task, until a worker completes it through the API.

    It is read as a manual task that keeps its `camunda:topic`; the host routes it to workers, not people.
    """
    for node in root.iter(f"{BPMN}serviceTask", f"{BPMN}sendTask", f"{BPMN}businessRuleTask"):
        if node.get(f"{CAMUNDA}type") == "external":
            node.tag = f"{BPMN}manualTask"


def _decision_refs(root: etree._Element, problems: list[tuple[str | None, str]]) -> None:
    """`camunda:decisionRef` names the decision the way the engine's own extension does."""
    for node in root.iter(f"{BPMN}businessRuleTask"):
        mapping = node.get(f"{CAMUNDA}mapDecisionResult")
        if mapping and mapping.strip() not in MAPPINGS:
            problems.append(
                (node.get("id"), f"camunda:mapDecisionResult must be one of {', '.join(MAPPINGS)}, not '{mapping}'")
            )
        variable = node.get(f"{CAMUNDA}resultVariable")
        if variable and not _IDENTIFIER.fullmatch(variable.strip()):
            problems.append((node.get("id"), f"camunda:resultVariable '{variable[:60]}' is not a variable name"))
        ref = node.get(f"{CAMUNDA}decisionRef")
        if not ref or next(node.iter(f"{SPIFF}calledDecisionId"), None) is not None:
            continue
        extensions = node.find(f"{BPMN}extensionElements")
        if extensions is None:
            extensions = etree.SubElement(node, f"{BPMN}extensionElements")
            node.insert(0, extensions)
        etree.SubElement(extensions, f"{SPIFF}calledDecisionId").text = ref


# Elements the engine runs a pre- and post-script on: where Camunda's input and output parameters go.
_SCRIPTED = (
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
)
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")


def _value_expression(node: etree._Element) -> str:
    """The Python expression for a parameter's value: text or `${…}`, a list or a map of them, or None."""
    children = [c for c in node if isinstance(c.tag, str)]
    if not children:
        text = (node.text or "").strip()
        if not text:
            return "None"
        return juel.to_python(text) if juel.is_juel(text) else repr(text)
    kind = etree.QName(children[0]).localname
    if kind == "list":
        return "[" + ", ".join(_value_expression(v) for v in children[0] if isinstance(v.tag, str)) + "]"
    if kind == "map":
        entries = [e for e in children[0] if isinstance(e.tag, str)]
        return "{" + ", ".join(f"{e.get('key', '')!r}: {_value_expression(e)}" for e in entries) + "}"
    raise juel.JuelRefused(
        kind, f"a parameter given as camunda:{kind} cannot run here: give its value as text or ${{…}}"
    )


def _script_lines(node: etree._Element, tag: str) -> list[str]:
    lines = []
    for param in node.iter(f"{CAMUNDA}{tag}"):
        name = (param.get("name") or "").strip()
        if not _IDENTIFIER.fullmatch(name):
            raise juel.JuelRefused(name, f"the parameter name '{name[:60]}' is not a variable name")
        lines.append(f"{name} = {_value_expression(param)}")
    return lines


def _append_script(extensions: etree._Element, tag: str, lines: list[str], first: bool) -> None:
    if not lines:
        return
    script = extensions.find(f"{SPIFF}{tag}")
    if script is None:
        script = etree.SubElement(extensions, f"{SPIFF}{tag}")
        script.text = ""
    own = (script.text or "").strip()
    script.text = "\n".join([*lines, own] if first else [own, *lines]).strip()


def _input_output(root: etree._Element, problems: list[tuple[str | None, str]]) -> None:
    """Input parameters are set as the element starts, output parameters as it ends.

    Camunda keeps input parameters local to the element; here they are process variables (a
    later step sees them), which is what a diagram reading them inside the element relies on.
    """
    for io in list(root.iter(f"{CAMUNDA}inputOutput")):
        extensions = io.getparent()
        element = extensions.getparent() if extensions is not None else None
        if element is None or etree.QName(element).localname not in _SCRIPTED:
            problems.append(
                (
                    owner_id(io),
                    "input and output parameters (camunda:inputOutput) run here only on tasks and "
                    "subprocesses: set the variables in a script task before or after this element instead",
                )
            )
            continue
        try:
            inputs, outputs = _script_lines(io, "inputParameter"), _script_lines(io, "outputParameter")
        except juel.JuelRefused as err:
            problems.append((owner_id(io), err.reason))
            continue
        _append_script(extensions, "preScript", inputs, first=True)
        _append_script(extensions, "postScript", outputs, first=False)
        extensions.remove(io)


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
    _input_output(tree, problems)
    _external_tasks(tree)
    _decision_refs(tree, problems)
    _one_line_names(tree)
    if problems:
        raise CamundaRefused(problems)
    return tree


def expression_text(text: str) -> str | None:
    """What the evaluator runs for a diagram's expression: JUEL translated, Python as written.

    None when the JUEL cannot be translated: the parse of the diagram reports that, with its element.
    """
    if not juel.is_juel(text):
        return text
    try:
        return juel.to_python(text)
    except juel.JuelRefused:
        return None


def timer_text(kind: str, text: str) -> str | None:
    """What the evaluator runs for a timer's text; None when it cannot be read (reported by the parse)."""
    try:
        return timer_expression(kind, text)
    except TimerRefused:
        return None
