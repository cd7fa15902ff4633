"""Turning BPMN/DMN XML into executable specs, safely.

Uploaded XML is parsed by our own hardened lxml parser (no DTD, no entities, no
network) before SpiffWorkflow sees it. Task metadata written by other modelers
(Camunda's `camunda:*` attributes) and by spiff-arena (`spiffworkflow:properties`)
is normalised into one `extensions` dictionary so the rest of the app reads a
single shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, IntermediateCatchEvent, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser, UserTaskParser
from SpiffWorkflow.spiff.specs.defaults import ManualTask, NoneTask, UserTask

from . import camunda, decisions
from .signing import SigningParallelTask, SigningSequentialTask, rule_of
from .timers import CronCycleTimerEventDefinition

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
)
MAX_XML_BYTES = 2 * 1024 * 1024

# Names a process owner may use in either dialect, mapped to ours (Camunda's: camunda.TASK_ATTRIBUTES).
_SPIFF_PROPERTIES = {
    "formKey": "form_key",
    "form_key": "form_key",
    "assignee": "assignee",
    "candidateRoles": "candidate_roles",
    "candidateGroups": "candidate_roles",
    "dueIn": "due",
    "due": "due",
    "title": "title",
}


class DiagramError(Exception):
    """A diagram could not be read; `problems` name each element at fault."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(f"{el or 'diagram'}: {msg}" for el, msg in problems))
        self.problems = problems


class XmlRefused(DiagramError):
    """An upload refused before it was read. The engine words it in English for logs; `reason` and
    `params` let the service word it in the reader's language (the engine knows nothing of requests)."""

    ENGLISH = {
        "too_large": "%(file)s is larger than %(kb)s KB",
        "doctype": "%(file)s contains a DOCTYPE or entity declaration, which is not allowed",
        "not_well_formed": "%(file)s is not well-formed XML: %(detail)s",
    }

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__([(None, self.ENGLISH[reason] % params)])
        self.reason = reason
        self.params = params


_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


def parse_xml(content: bytes | str, filename: str = "upload") -> etree._Element:
    raw = content.encode("utf-8") if isinstance(content, str) else content
    if len(raw) > MAX_XML_BYTES:
        raise XmlRefused("too_large", file=filename, kb=MAX_XML_BYTES // 1024)
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise XmlRefused("doctype", file=filename)
    try:
        root = etree.fromstring(raw, parser=_SAFE_PARSER)
    except etree.XMLSyntaxError as err:
        raise XmlRefused("not_well_formed", file=filename, detail=str(err)) from err
    camunda.legacy_namespace(root)
    return root


class AppUserTaskParser(UserTaskParser):
    # A multi-instance user task may carry a signing rule (会签, 或签): see signing.py.
    PARALLEL_MI_CLASS = SigningParallelTask
    SEQUENTIAL_MI_CLASS = SigningSequentialTask

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        node = self.node if node is None else node
        extensions: dict[str, Any] = dict(super().parse_extensions(node))
        extensions.update(camunda.task_attributes(node))
        for name, value in (extensions.get("properties") or {}).items():
            if name in _SPIFF_PROPERTIES and value:
                extensions[_SPIFF_PROPERTIES[name]] = value
        if rule_of(_Carrier(extensions)) is None:
            return extensions
        # A signing step is this app's own, even in a file that uses Camunda's attributes for its loop:
        # without a form of its own each signer gets the standard approval.
        extensions.pop("drawn_for_camunda", None)
        item = node.find(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics/{{{BPMN_NS}}}inputDataItem")
        if item is not None and not extensions.get("assignee"):
            # Each signer's task is that signer's: the loop's element variable names them.
            extensions["assignee"] = item.get("name") or item.get("id")
        return extensions


class _Carrier:
    """Something with extensions, as a task spec has them."""

    def __init__(self, extensions: dict[str, Any]) -> None:
        self.extensions = extensions


class _CamundaTimers:
    """Cycles may be written as Camunda's cron as well as ISO 8601 repeating intervals."""

    def parse_timer_event(self, event: Any) -> Any:
        definition = super().parse_timer_event(event)  # type: ignore[misc]
        if type(definition) is CycleTimerEventDefinition:
            return CronCycleTimerEventDefinition(
                definition.name, definition.expression, description=definition.description
            )
        return definition


class AppStartEventParser(_CamundaTimers, SpiffStartEventParser):
    """Start events drawn in Camunda Modeler name their start form with camunda:formKey, and the
    variable that receives the starter's user name with camunda:initiator."""

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        node = self.node if node is None else node
        extensions: dict[str, Any] = dict(super().parse_extensions(node))
        camunda_ext = camunda.task_attributes(node)
        if camunda_ext.get("form_key") and not (extensions.get("properties") or {}).get("formKey"):
            extensions["form_key"] = camunda_ext["form_key"]
        for key in ("drawn_for_camunda", "camunda_form", "camunda_form_data"):
            if key in camunda_ext:
                extensions[key] = camunda_ext[key]
        if node.get(f"{{{CAMUNDA_NS}}}initiator"):
            extensions["initiator"] = node.get(f"{{{CAMUNDA_NS}}}initiator")
        return extensions


class AppCatchEventParser(_CamundaTimers, SpiffIntermediateCatchEventParser):
    pass


class AppBoundaryEventParser(_CamundaTimers, SpiffBoundaryEventParser):
    pass


class PlainTaskParser(SpiffTaskParser):
    """A plain `<task>` does nothing and passes straight on, as in Camunda; it is nobody's work."""

    def create_task(self) -> Any:
        task = super().create_task()
        task.manual = False
        return task


class AppBpmnParser(SpiffBpmnParser):
    def get_engine(self, decision_ref: str, node: Any) -> Any:
        """The decision `decisionRef` names, with the decisions it requires and Camunda's result mapping."""
        return decisions.engine_for(super().get_engine(decision_ref, node), node, self._required(decision_ref, node))

    def _required(self, decision_ref: str, node: Any, seen: frozenset[str] = frozenset()) -> list[Any]:
        if decision_ref in seen:
            raise ValidationException(f'decision "{decision_ref}" requires itself', node=node, file_name="")
        engines = []
        document = self.dmn_parsers[decision_ref].node
        for ref in decisions.required(document):
            requires = self._required(ref, node, seen | {decision_ref})
            engines.append(decisions.CamundaDecision(super().get_engine(ref, node).decision_table, requires))
        return engines

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("task"): (PlainTaskParser, NoneTask),
        full_tag("intermediateCatchEvent"): (AppCatchEventParser, IntermediateCatchEvent),
        full_tag("boundaryEvent"): (AppBoundaryEventParser, BoundaryEvent),
        full_tag("startEvent"): (AppStartEventParser, StartEvent),
        full_tag("userTask"): (AppUserTaskParser, UserTask),
        full_tag("manualTask"): (AppUserTaskParser, ManualTask),
    }


@dataclass
class SpecBundle:
    """An executable process: its spec plus the specs of anything it calls."""

    process_key: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any] = field(default_factory=dict)

    def has_plain_start(self) -> bool:
        """Whether a person can start the process (a start event with no trigger)."""
        return any(
            isinstance(t, StartEvent) and isinstance(t.event_definition, NoneEventDefinition)
            for t in self.spec.task_specs.values()
        )

    def extensions_of(self, bpmn_id: str) -> dict[str, Any] | None:
        """The extensions of one element of the process or of a process it calls; None if there is none."""
        for spec in (self.spec, *self.subprocess_specs.values()):
            task_spec = spec.task_specs.get(bpmn_id)
            if task_spec is not None and getattr(task_spec, "bpmn_id", None) == bpmn_id:
                return dict(getattr(task_spec, "extensions", {}) or {})
        return None

    def name_of(self, bpmn_id: str) -> str:
        for spec in (self.spec, *self.subprocess_specs.values()):
            task_spec = spec.task_specs.get(bpmn_id)
            if task_spec is not None:
                return str(getattr(task_spec, "bpmn_name", None) or bpmn_id)
        return bpmn_id

    def start_event_id(self) -> str | None:
        """The element id of the plain start event a person starts the process from."""
        for task_spec in self.spec.task_specs.values():
            if isinstance(task_spec, StartEvent) and isinstance(task_spec.event_definition, NoneEventDefinition):
                return str(task_spec.bpmn_id)
        return None

    def start_event(self) -> tuple[str | None, dict[str, Any]]:
        """The lane and extensions of the plain start event a person starts the process from."""
        for task_spec in self.spec.task_specs.values():
            if isinstance(task_spec, StartEvent) and isinstance(task_spec.event_definition, NoneEventDefinition):
                ext = dict(getattr(task_spec, "extensions", {}) or {})
                for name, value in (ext.get("properties") or {}).items():
                    ext.setdefault(_SPIFF_PROPERTIES.get(name, name), value)
                return task_spec.lane, ext
        return None, {}


def executable_process_ids(root: etree._Element) -> list[str]:
    return [p.get("id") for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("isExecutable", "false").lower() == "true"]


def decision_refs(root: etree._Element) -> set[str]:
    refs: set[str] = set()
    for node in root.iter(f"{{{BPMN_NS}}}businessRuleTask"):
        ref = node.get(f"{{{CAMUNDA_NS}}}decisionRef")
        for child in node.iter("{http://spiffworkflow.org/bpmn/schema/1.0/core}calledDecisionId"):
            ref = (child.text or "").strip() or ref
        if ref:
            refs.add(ref)
    return refs


def decision_ids(root: etree._Element) -> list[str]:
    return [d.get("id") for ns in DMN_NAMESPACES for d in root.iter(f"{{{ns}}}decision")]


def _refuse_id_clashes(root: etree._Element) -> None:
    # SpiffWorkflow finds elements by id anywhere in the document, so an operation
    # named like a diagram element makes that element unreadable.
    element_ids = {el.get("id") for el in root.iter() if el.get("id") and str(el.tag).startswith(f"{{{BPMN_NS}}}")}
    clashes = [
        (op.get("id"), f"the operation name '{op.get('id')}' is also an element id: rename the element")
        for op in root.iter("{http://spiffworkflow.org/bpmn/schema/1.0/core}serviceTaskOperator")
        if op.get("id") in element_ids
    ]
    if clashes:
        raise DiagramError(clashes)


def process_ids(root: etree._Element) -> list[str]:
    return [p.get("id") for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id")]


def called_elements(root: etree._Element) -> list[tuple[str | None, str, int | None]]:
    """(call activity id, called process id, pinned version or None for the latest) of each call activity.

    A version is pinned Camunda's way: `camunda:calledElementBinding="version"` with
    `camunda:calledElementVersion`."""
    found = []
    for node in root.iter(f"{{{BPMN_NS}}}callActivity"):
        called = (node.get("calledElement") or "").strip()
        if not called:
            continue
        pinned = None
        if node.get(f"{{{CAMUNDA_NS}}}calledElementBinding") == "version":
            text = (node.get(f"{{{CAMUNDA_NS}}}calledElementVersion") or "").strip()
            pinned = int(text) if text.isdigit() else -1
        found.append((node.get("id"), called, pinned))
    return found


def build_bundle(
    bpmn_xml: bytes | str,
    dmn_xml: Mapping[str, bytes | str],
    filename: str = "diagram.bpmn",
    called: Mapping[str, bytes | str] | None = None,
) -> SpecBundle:
    """Parse one BPMN document (and the DMN tables it uses, and the diagrams of the processes it
    calls from other files) into an executable bundle."""
    root = parse_xml(bpmn_xml, filename)
    _refuse_id_clashes(root)
    processes = executable_process_ids(root)
    if not processes:
        raise DiagramError([(None, 'no process is marked executable (isExecutable="true")')])
    try:
        prepared = camunda.for_engine(root)
    except camunda.CamundaRefused as err:
        raise DiagramError(err.problems) from err
    parser = AppBpmnParser()
    try:
        parser.add_bpmn_xml(etree.ElementTree(prepared), filename=filename)
        for called_name, called_xml in (called or {}).items():
            called_root = camunda.for_engine(parse_xml(called_xml, called_name))
            parser.add_bpmn_xml(etree.ElementTree(called_root), filename=called_name)
        for dmn_name, xml in dmn_xml.items():
            for document in decisions.split(parse_xml(xml, dmn_name)):
                parser.add_dmn_xml(document, filename=dmn_name)
        key = processes[0]
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as err:
        raise DiagramError([(getattr(err, "id", None), str(err).splitlines()[0])]) from err
    except SpiffWorkflowException as err:
        raise DiagramError([(None, str(err).splitlines()[0])]) from err
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as err:
        # The engine's parser trusts well-formed files (e.g. numeric shape bounds); an uploaded file
        # that breaks such an assumption is a bad diagram, not a server error.
        raise DiagramError([(None, f"the diagram cannot be read: {type(err).__name__}: {err}")]) from err
    name = next(
        (camunda.one_line(p.get("name") or "") for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id") == key), None
    )
    return SpecBundle(process_key=key, name=name or key, spec=spec, subprocess_specs=subprocess_specs)
