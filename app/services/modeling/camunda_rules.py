"""What a diagram drawn for Camunda 7 asks of Camunda's Java engine, said element by element.

Camunda runs Java classes, listeners, Groovy and JavaScript; this product runs none of them.
Each rule names the element, says in a process owner's words why it cannot run here and what
to draw instead. `app_form_notes` lists what works differently but does not stop a deploy.
"""

from __future__ import annotations

from lxml import etree

from ...engine import expression_refusal, form_data, web_app_form
from ...taskforms import FormDefinitionError
from ...taskforms.generated import generated_form
from ..common.wording import parsed, say

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
_JAVA_ATTRIBUTES = ("class", "delegateExpression", "expression")
_CALLING = ("serviceTask", "sendTask", "businessRuleTask", "intermediateThrowEvent", "endEvent")
_PYTHON_SCRIPTS = ("", "python", "py", "python3")


def _owner(node: etree._Element) -> str | None:
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return None if node is None else node.get("id")


def java_code(root: etree._Element) -> list[tuple[str | None, str]]:
    problems = []
    for node in root.iter(*(f"{BPMN}{tag}" for tag in _CALLING)):
        targets = [node, *node.iter(f"{BPMN}messageEventDefinition")]
        for target in targets:
            for attr in _JAVA_ATTRIBUTES:
                value = target.get(f"{CAMUNDA}{attr}")
                if value:
                    problems.append(
                        (
                            node.get("id"),
                            say(
                                'camunda:%(attr)s="%(value)s" calls Java code, which runs only inside Camunda\'s '
                                "engine: call one of this app's service operations instead "
                                "(spiffworkflow:serviceTaskOperator)",
                                attr=attr,
                                value=value[:80],
                            ),
                        )
                    )
        for _connector in node.iter(f"{CAMUNDA}connector"):
            problems.append(
                (
                    node.get("id"),
                    say(
                        "a Camunda connector (camunda:connector) runs only inside Camunda's engine: "
                        "call one of this app's service operations instead"
                    ),
                )
            )
    return problems


def listeners(root: etree._Element) -> list[tuple[str | None, str]]:
    problems = []
    for node in root.iter(f"{CAMUNDA}executionListener", f"{CAMUNDA}taskListener"):
        kind = etree.QName(node).localname
        problems.append(
            (
                _owner(node),
                say(
                    "a %(kind)s (on '%(event)s') runs Java or script code on Camunda's events, which this app "
                    "cannot do: draw the work as a script task or service task on the path instead",
                    kind=kind,
                    event=node.get("event") or "?",
                ),
            )
        )
    return problems


def script_languages(root: etree._Element) -> list[tuple[str | None, str]]:
    problems = []
    for node in root.iter(f"{BPMN}scriptTask"):
        language = (node.get("scriptFormat") or "").strip().lower()
        if language in _PYTHON_SCRIPTS:
            continue
        problems.append(
            (
                node.get("id"),
                say(
                    "this script is written in %(language)s, which runs only in Camunda's Java engine: "
                    'write it in Python instead (scriptFormat="python"), or call a service operation',
                    language=node.get("scriptFormat") or "",
                ),
            )
        )
    return problems


def not_yet(root: etree._Element) -> list[tuple[str | None, str]]:
    """Camunda mappings this app does not carry out yet: refused, so no variable silently goes missing."""
    problems = []
    for node in root.iter(f"{CAMUNDA}in", f"{CAMUNDA}out"):
        if node.get("variables") == "all":
            continue  # a called process sees and returns every variable here anyway
        problems.append(
            (
                _owner(node),
                say(
                    "variable mappings of a call activity (camunda:in / camunda:out) other than "
                    'variables="all" are not supported yet: pass all variables instead'
                ),
            )
        )
    return problems


def task_expressions(root: etree._Element) -> list[tuple[str | None, str]]:
    """`${…}` in a task's assignment outside what the evaluator understands (run only when the task opens)."""
    problems = []
    for node in root.iter(f"{BPMN}userTask", f"{BPMN}manualTask"):
        for attr in ("assignee", "candidateGroups", "candidateUsers"):
            reason = expression_refusal(node.get(f"{CAMUNDA}{attr}") or "")
            if reason:
                problems.append(
                    (
                        node.get("id"),
                        say("camunda:%(attr)s cannot be used: %(reason)s", attr=attr, reason=reason),
                    )
                )
    return problems


def generated_forms(root: etree._Element) -> list[tuple[str | None, str]]:
    """A `camunda:formData` this app cannot build into a form (a type or constraint it does not know)."""
    problems = []
    for node in root.iter(f"{BPMN}userTask", f"{BPMN}startEvent"):
        fields = form_data(node)
        if fields is None:
            continue
        try:
            generated_form(node.get("id") or "form", node.get("name") or "", fields)
        except FormDefinitionError as err:
            problems.append(
                (
                    node.get("id"),
                    say(
                        "the generated form (camunda:formData) cannot be built: %(reason)s; "
                        "change the field, or name one of this app's forms instead",
                        reason=err.message,
                    ),
                )
            )
    return problems


def app_form_notes(root: etree._Element) -> list[tuple[str | None, str]]:
    """Form keys that point into Camunda's web applications: this app shows its own form instead."""
    notes = []
    for node in root.iter(f"{BPMN}userTask", f"{BPMN}startEvent"):
        key = node.get(f"{CAMUNDA}formKey") or ""
        if not web_app_form(key):
            continue
        generated = next(node.iter(f"{CAMUNDA}formData"), None) is not None
        notes.append(
            (
                node.get("id"),
                say(
                    "form key '%(key)s' points into a Camunda web application: this app shows the form "
                    "generated from its camunda:formData instead",
                    key=key[:120],
                )
                if generated
                else say(
                    "form key '%(key)s' points into a Camunda web application: this app shows its plain "
                    "task form instead",
                    key=key[:120],
                ),
            )
        )
    return notes


RULES = (java_code, listeners, script_languages, not_yet, task_expressions, generated_forms)


def check_notes(kind: str, filename: str, xml: str) -> list[tuple[str | None, str]]:
    """What works differently from Camunda without stopping a deploy (e.g. a web-application form key)."""
    if kind != "bpmn":
        return []
    return app_form_notes(parsed(xml, filename))
