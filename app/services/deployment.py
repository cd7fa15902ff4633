"""Checking and deploying BPMN/DMN as new process versions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from lxml import etree

from .. import clock
from ..engine import DiagramError, build_bundle, check_expression, check_script, decision_ids, decision_refs, parse_xml
from ..extensions import db
from ..models import AuditEvent, ProcessVersion, User
from .deadlines import check_deadline
from .directory import ROLES
from .operations import OPERATIONS
from .specs import latest_version
from .transactions import transactional

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"


@dataclass(frozen=True)
class Problem:
    element_id: str | None
    message: str


@dataclass(frozen=True)
class DeployResult:
    process_key: str
    version: int
    created: bool


def _content_hash(bpmn_xml: str, dmn_xml: dict[str, str]) -> str:
    digest = hashlib.sha256(bpmn_xml.encode())
    for name in sorted(dmn_xml):
        digest.update(name.encode())
        digest.update(dmn_xml[name].encode())
    return digest.hexdigest()


def _dmn_cell_problem(text: str) -> str | None:
    if not text.strip() or text.strip() == "-":
        return None
    if check_expression(text) is None:
        return None
    return check_expression(f"value {text}")


def check_diagram(bpmn_xml: str, dmn_xml: dict[str, str], filename: str) -> list[Problem]:
    """Every reason this diagram cannot run here, in words a process owner understands."""
    try:
        bundle = build_bundle(bpmn_xml, dmn_xml, filename=filename)
    except DiagramError as err:
        return [Problem(el, msg) for el, msg in err.problems]
    problems: list[Problem] = []
    forms = current_app.extensions["forms"]
    known_forms = set(forms.keys())
    for spec in [bundle.spec, *bundle.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            if not getattr(task_spec, "manual", False):
                continue
            ext = getattr(task_spec, "extensions", {}) or {}
            element = task_spec.bpmn_id
            form_key = ext.get("form_key")
            if not form_key:
                problems.append(Problem(element, "this user task has no form key (property formKey)"))
            elif form_key not in known_forms:
                problems.append(Problem(element, f"form '{form_key}' does not exist in forms/"))
            if ext.get("due"):
                reason = check_deadline(str(ext["due"]))
                if reason:
                    problems.append(Problem(element, f"deadline cannot be read: {reason}"))
            role = _role_of(task_spec.lane, ext)
            if role is None and not ext.get("assignee"):
                problems.append(Problem(element, "this user task has no lane, candidate role or assignee"))
            elif role is not None and not role.startswith("${") and role not in ROLES:
                problems.append(Problem(element, f"role '{role}' is not a role of this company"))
    root = parse_xml(bpmn_xml, filename)
    for flow in root.iter(f"{BPMN}sequenceFlow"):
        for cond in flow.iter(f"{BPMN}conditionExpression"):
            reason = check_expression(cond.text or "")
            if reason:
                problems.append(Problem(flow.get("id"), f"condition cannot be used: {reason}"))
    for node in root.iter(f"{BPMN}timeDate", f"{BPMN}timeDuration", f"{BPMN}timeCycle"):
        reason = check_expression(node.text or "")
        if reason:
            problems.append(Problem(_owner_id(node), f"timer expression cannot be used: {reason}"))
    for node in root.iter(f"{BPMN}script", f"{SPIFF}preScript", f"{SPIFF}postScript"):
        reason = check_script(node.text or "")
        if reason:
            problems.append(Problem(_owner_id(node), f"script cannot be used: {reason}"))
    for node in root.iter(f"{SPIFF}serviceTaskOperator"):
        if node.get("id") not in OPERATIONS:
            problems.append(Problem(_owner_id(node), f"unknown service operation '{node.get('id')}'"))
    for name, xml in dmn_xml.items():
        for entry in parse_xml(xml, name).iter():
            if isinstance(entry.tag, str) and etree.QName(entry).localname in (
                "inputEntry",
                "outputEntry",
                "inputExpression",
            ):
                text = "".join(entry.itertext())
                reason = _dmn_cell_problem(text)
                if reason:
                    problems.append(Problem(entry.get("id"), f"decision table cell in {name} cannot be used: {reason}"))
    return problems


def _owner_id(node: etree._Element) -> str | None:
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return None if node is None else node.get("id")


def _role_of(lane: str | None, ext: dict) -> str | None:
    candidates = ext.get("candidate_roles")
    if candidates:
        return candidates.split(",")[0].strip()
    return lane


def bundle_sources(directory: Path) -> list[tuple[str, str, dict[str, str]]]:
    """(file name, BPMN XML, referenced DMN XML by file name) for every diagram in a folder."""
    dmn_by_decision: dict[str, tuple[str, str]] = {}
    for path in sorted(directory.glob("*.dmn")):
        xml = path.read_text(encoding="utf-8")
        for decision in decision_ids(parse_xml(xml, path.name)):
            dmn_by_decision[decision] = (path.name, xml)
    sources = []
    for path in sorted(directory.glob("*.bpmn")):
        xml = path.read_text(encoding="utf-8")
        dmn: dict[str, str] = {}
        for ref in sorted(decision_refs(parse_xml(xml, path.name))):
            if ref in dmn_by_decision:
                name, dmn_text = dmn_by_decision[ref]
                dmn[name] = dmn_text
        sources.append((path.name, xml, dmn))
    return sources


def _deploy(filename: str, bpmn_xml: str, dmn_xml: dict[str, str], actor: User | None) -> DeployResult:
    problems = check_diagram(bpmn_xml, dmn_xml, filename)
    if problems:
        raise DiagramError([(p.element_id, p.message) for p in problems])
    bundle = build_bundle(bpmn_xml, dmn_xml, filename=filename)
    content_hash = _content_hash(bpmn_xml, dmn_xml)
    latest = latest_version(bundle.process_key)
    if latest is not None and latest.content_hash == content_hash:
        return DeployResult(bundle.process_key, latest.version, created=False)
    version = ProcessVersion(
        process_key=bundle.process_key,
        version=(latest.version + 1) if latest else 1,
        name=bundle.name,
        source_name=filename,
        bpmn_xml=bpmn_xml,
        dmn_xml=dmn_xml,
        content_hash=content_hash,
        deployed_at=clock.now(),
        deployed_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    db.session.flush()
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=actor.id if actor else None,
            action="deploy",
            subject=f"process:{bundle.process_key}",
            details={"version": version.version, "file": filename, "dmn": sorted(dmn_xml)},
        )
    )
    return DeployResult(bundle.process_key, version.version, created=True)


@transactional
def sync_directory(directory: Path, actor: User | None = None) -> list[DeployResult]:
    """Deploy every diagram in `directory` whose content (or whose DMN) changed; all or nothing."""
    return [_deploy(name, xml, dmn, actor) for name, xml, dmn in bundle_sources(directory)]
