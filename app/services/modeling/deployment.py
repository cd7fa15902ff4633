"""Checking and deploying BPMN/DMN as new process versions."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from lxml import etree
from sqlalchemy.exc import IntegrityError

from ... import clock
from ...engine import (
    DiagramError,
    XmlRefused,
    build_bundle,
    decision_ids,
    decision_refs,
    expression_text,
    timer_text,
)
from ...engine import check_expression as engine_check_expression
from ...engine import check_script as engine_check_script
from ...extensions import db
from ...models import AuditEvent, ProcessVersion, User
from ..common.errors import Conflict, Forbidden, NotFound
from ..common.transactions import transactional
from ..common.wording import engine_reason, parsed, refusal_words, say
from ..deadlines import start_timers
from ..deadlines.durations import check_deadline
from ..instances.operations import OPERATIONS
from ..people.directory import role_names
from . import calls, camunda_rules, decision_tables, diagram_rules, signing_rules
from .diagram_diff import diff_versions
from .specs import latest_version

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


def _content_hash(bpmn_xml: str, dmn_xml: dict[str, str], called: dict[str, str] | None = None) -> str:
    digest = hashlib.sha256(bpmn_xml.encode())
    for name in sorted(dmn_xml):
        digest.update(name.encode())
        digest.update(dmn_xml[name].encode())
    for name in sorted(called or {}):
        digest.update(f"called:{name}".encode())
        digest.update((called or {})[name].encode())
    return digest.hexdigest()


def check_expression(text: str) -> str | None:
    """Why an expression would be refused, in the reader's language; None when it compiles."""
    reason = engine_check_expression(text)
    return engine_reason(reason) if reason else None


def check_script(text: str) -> str | None:
    reason = engine_check_script(text)
    return engine_reason(reason) if reason else None


_RULES = (
    diagram_rules.unconditional_gateway_flows,
    diagram_rules.lanes_without_people,
    signing_rules.problems,
    *camunda_rules.RULES,
)


def check_diagram(
    bpmn_xml: str, dmn_xml: dict[str, str], filename: str, pending: calls.Pending | None = None
) -> list[Problem]:
    """Every reason this diagram cannot run here, in words a process owner understands; `pending`
    holds the diagrams deployed together with it, which its call activities may call."""
    try:
        root = parsed(bpmn_xml, filename)
    except DiagramError as err:
        return [Problem(el or None, msg) for el, msg in err.problems]
    drawing_only = diagram_rules.not_executable(root)
    if drawing_only:
        return [Problem(el, msg) for el, msg in drawing_only]
    problems = [Problem(el, msg) for rule in _RULES for el, msg in rule(root)]
    explained = {p.element_id for p in problems}
    called, unfound = calls.called_documents(bpmn_xml, filename, pending)
    if unfound:
        return problems + [Problem(el, msg) for el, msg in unfound]
    try:
        bundle = build_bundle(bpmn_xml, dmn_xml, filename=filename, called=called)
    except XmlRefused as err:
        return problems + [Problem(None, refusal_words(err))]
    except DiagramError as err:
        # The engine's own complaint about a Java service task adds nothing to the rule's explanation.
        engine = [Problem(el or None, _engine_words(msg)) for el, msg in err.problems if not el or el not in explained]
        return problems + engine
    forms = current_app.extensions["forms"]
    known_forms = set(forms.keys())
    for spec in [bundle.spec, *bundle.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            if not getattr(task_spec, "manual", False):
                continue
            ext = getattr(task_spec, "extensions", {}) or {}
            if ext.get("external_topic"):
                continue  # a worker's task, not a person's: no form, no role
            element = task_spec.bpmn_id
            form_key = ext.get("form_key")
            if form_key and form_key not in known_forms:
                problems.append(Problem(element, say("form '%(form)s' does not exist in forms/", form=form_key)))
            if ext.get("due"):
                if check_deadline(str(ext["due"])):
                    problems.append(
                        Problem(
                            element,
                            say(
                                "deadline cannot be read: '%(text)s' (write e.g. 2 working days, 15 days, "
                                "30 minutes or P2D)",
                                text=str(ext["due"]),
                            ),
                        )
                    )
            role = _role_of(task_spec.lane, ext)
            if role is None and not ext.get("assignee") and not ext.get("candidate_users"):
                problems.append(Problem(element, say("this user task has no lane, candidate role or assignee")))
            else:
                for named in _roles_named(task_spec.lane, ext):
                    if named not in role_names():
                        problems.append(
                            Problem(element, say("role '%(role)s' is not a role of this company", role=named))
                        )
    for flow in root.iter(f"{BPMN}sequenceFlow"):
        for cond in flow.iter(f"{BPMN}conditionExpression"):
            text = expression_text(cond.text or "")
            reason = text is not None and check_expression(text)
            if reason:
                problems.append(Problem(flow.get("id"), say("condition cannot be used: %(reason)s", reason=reason)))
    for node in root.iter(f"{BPMN}timeDate", f"{BPMN}timeDuration", f"{BPMN}timeCycle"):
        text = timer_text(etree.QName(node).localname, node.text or "")
        reason = text is not None and check_expression(text)
        if reason:
            problems.append(Problem(_owner_id(node), say("timer expression cannot be used: %(reason)s", reason=reason)))
    for node in root.iter(f"{BPMN}script", f"{SPIFF}preScript", f"{SPIFF}postScript"):
        reason = check_script(node.text or "")
        if reason:
            problems.append(Problem(_owner_id(node), say("script cannot be used: %(reason)s", reason=reason)))
    for node in root.iter(f"{SPIFF}serviceTaskOperator"):
        if node.get("id") not in OPERATIONS:
            problems.append(Problem(_owner_id(node), say("unknown service operation '%(name)s'", name=node.get("id"))))
    problems.extend(Problem(el, msg) for el, msg in decision_tables.cell_problems(dmn_xml))
    return problems


def _engine_words(message: str) -> str:
    """The engine's own sentence, prefixed so a process owner knows it is about running the diagram."""
    return say("this cannot run here: %(reason)s", reason=message.strip().rstrip(".").strip())


def _owner_id(node: etree._Element) -> str | None:
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return None if node is None else node.get("id")


def _roles_named(lane: str | None, ext: dict) -> list[str]:
    """Every role a task names outright (candidate groups written as a list, or its lane); none for `${…}`."""
    candidates = str(ext.get("candidate_roles") or "")
    if "${" in candidates or "#{" in candidates:
        return []
    named = [c.strip() for c in candidates.split(",") if c.strip()]
    if named:
        return named
    return [lane] if lane and not lane.startswith("${") else []


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
        for decision in decision_ids(parsed(xml, path.name)):
            dmn_by_decision[decision] = (path.name, xml)
    sources = []
    for path in sorted(directory.glob("*.bpmn")):
        xml = path.read_text(encoding="utf-8")
        dmn: dict[str, str] = {}
        for ref in sorted(decision_refs(parsed(xml, path.name))):
            if ref in dmn_by_decision:
                name, dmn_text = dmn_by_decision[ref]
                dmn[name] = dmn_text
        sources.append((path.name, xml, dmn))
    return sources


def deploy_diagram(
    filename: str,
    bpmn_xml: str,
    dmn_xml: dict[str, str],
    actor: User | None,
    extra: dict | None = None,
    pending: calls.Pending | None = None,
) -> DeployResult:
    """A diagram with its decision tables (and the diagrams its call activities call) as a new version,
    if anything changed; part of the caller's transaction."""
    problems = check_diagram(bpmn_xml, dmn_xml, filename, pending)
    if problems:
        raise DiagramError([(p.element_id, p.message) for p in problems])
    called, _unfound = calls.called_documents(bpmn_xml, filename, pending)
    bundle = build_bundle(bpmn_xml, dmn_xml, filename=filename, called=called)
    content_hash = _content_hash(bpmn_xml, dmn_xml, called)
    latest = latest_version(bundle.process_key)
    if latest is not None and latest.content_hash == content_hash:
        return DeployResult(bundle.process_key, latest.version, created=False)
    changes = diff_versions(
        latest.bpmn_xml if latest else None, latest.dmn_xml if latest else None, bpmn_xml, dmn_xml
    ).summary()
    version = ProcessVersion(
        process_key=bundle.process_key,
        version=(latest.version + 1) if latest else 1,
        name=bundle.name,
        source_name=filename,
        bpmn_xml=bpmn_xml,
        dmn_xml=dmn_xml,
        called_bpmn=called or None,
        content_hash=content_hash,
        deployed_at=clock.now(),
        deployed_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError as err:
        raise Conflict(_l("someone deployed %(key)s at the same time; check again", key=bundle.process_key)) from err
    start_timers.schedule(version, bundle)
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=actor.id if actor else None,
            action="deploy",
            subject=f"process:{bundle.process_key}",
            details={
                "version": version.version,
                "file": filename,
                "dmn": sorted(dmn_xml),
                "changes": changes,
                **(extra or {}),
            },
        )
    )
    return DeployResult(bundle.process_key, version.version, created=True)


@transactional
def sync_directory(directory: Path, actor: User | None = None) -> list[DeployResult]:
    """Deploy every diagram in `directory` whose content (or whose DMN) changed; all or nothing."""
    return [deploy_diagram(name, xml, dmn, actor) for name, xml, dmn in bundle_sources(directory)]


def deployed_dmn() -> dict[str, tuple[str, str]]:
    """decision id -> (file name, XML), from the newest deployed versions, then the saved tables, then bpmn/."""
    found: dict[str, tuple[str, str]] = {}
    versions = db.session.scalars(db.select(ProcessVersion).order_by(ProcessVersion.id.desc()))
    for version in versions:
        for name, xml in (version.dmn_xml or {}).items():
            for decision in decision_ids(parsed(xml, name)):
                found.setdefault(decision, (name, xml))
    # Then the tables saved before any process called them, so the first diagram calling one finds it.
    for name, xml in decision_tables.saved_tables().items():
        for decision in decision_ids(parsed(xml, name)):
            found.setdefault(decision, (name, xml))
    for path in decision_tables.folder_tables():
        xml = path.read_text(encoding="utf-8")
        for decision in decision_ids(parsed(xml, path.name)):
            found.setdefault(decision, (path.name, xml))
    return found


def dmn_for(bpmn_xml: str, filename: str) -> dict[str, str]:
    """The DMN files holding the decisions a BPMN diagram calls, as deployed now."""
    try:
        refs = decision_refs(parsed(bpmn_xml, filename))
    except DiagramError:
        return {}
    known = deployed_dmn() if refs else {}
    return dict(known[ref] for ref in sorted(refs) if ref in known)


def _require_owner(actor: User) -> None:
    if not actor.has_role("process_owner"):
        raise Forbidden(_l("only a process owner may deploy diagrams"))


@transactional
def deploy_bpmn(filename: str, bpmn_xml: str, actor: User) -> DeployResult:
    """A BPMN diagram with the decision tables it calls as deployed now, current at once (no approval)."""
    _require_owner(actor)
    return deploy_diagram(filename, bpmn_xml, dmn_for(bpmn_xml, filename), actor)


@transactional
def deploy_dmn(filename: str, dmn_xml: str, actor: User) -> list[DeployResult]:
    """A changed decision-table file: every process that uses it gets a new version with it, current at once."""
    _require_owner(actor)
    return redeploy_users_of(filename, dmn_xml, actor)


def redeploy_users_of(
    filename: str, dmn_xml: str, actor: User, skip: set[str] | None = None, extra: dict | None = None
) -> list[DeployResult]:
    """Every deployed process using a decision in this file, except those in `skip`, deployed again with it;
    part of the caller's transaction."""
    decisions = set(decision_ids(parsed(dmn_xml, filename)))
    if not decisions:
        raise DiagramError([(None, say("%(file)s holds no decision table", file=filename))])
    results = []
    for key in keys_using(decisions):
        if skip and key in skip:
            continue
        latest = latest_version(key)
        dmn = _with_dmn(latest, filename, dmn_xml, decisions)
        results.append(deploy_diagram(latest.source_name, latest.bpmn_xml, dmn, actor, extra))
    if not results and not skip:
        raise DiagramError([(None, say("no deployed process uses the decisions in %(file)s", file=filename))])
    return results


def version_of(process_key: str, version: int) -> ProcessVersion:
    row = db.session.scalars(
        db.select(ProcessVersion).where(ProcessVersion.process_key == process_key, ProcessVersion.version == version)
    ).first()
    if row is None:
        raise NotFound(_l("process %(key)s has no version %(version)s", key=process_key, version=version))
    return row


@transactional
def restore_version(process_key: str, version: int, actor: User) -> DeployResult:
    """An earlier version deployed again as the newest one, at once; running instances keep theirs."""
    _require_owner(actor)
    return restore_now(process_key, version, actor)


def restore_now(process_key: str, version: int, actor: User, extra: dict | None = None) -> DeployResult:
    """An earlier version as the newest one; part of the caller's transaction."""
    old = version_of(process_key, version)
    details = {"restored_from": version, **(extra or {})}
    return deploy_diagram(old.source_name, old.bpmn_xml, dict(old.dmn_xml), actor, extra=details)


def deployed_dmn_file(name: str) -> str | None:
    """The newest deployed content of one decision-table file, if any process uses it, else as it was saved."""
    for version in db.session.scalars(db.select(ProcessVersion).order_by(ProcessVersion.id.desc())):
        if name in (version.dmn_xml or {}):
            return version.dmn_xml[name]
    return decision_tables.saved_tables().get(name)


def check_upload(kind: str, filename: str, xml: str) -> list[Problem]:
    """The check behind the Check button, for a BPMN diagram or a decision-table file."""
    if kind == "bpmn":
        return check_diagram(xml, dmn_for(xml, filename), filename)
    decisions = set(decision_ids(parsed(xml, filename)))
    if not decisions:
        return [Problem(None, say("%(file)s holds no decision table", file=filename))]
    users = keys_using(decisions)
    if not users:
        # A new table: its cells are all there is to check until a diagram calls it.
        return [Problem(el, msg) for el, msg in decision_tables.cell_problems({filename: xml})]
    problems = []
    for key in users:
        latest = latest_version(key)
        dmn = _with_dmn(latest, filename, xml, decisions)
        problems.extend(check_diagram(latest.bpmn_xml, dmn, latest.source_name))
    return problems


def keys_using(decisions: set[str]) -> list[str]:
    """The processes whose newest version calls one of these decisions."""
    keys = db.session.scalars(db.select(ProcessVersion.process_key).distinct().order_by(ProcessVersion.process_key))
    using = []
    for key in keys:
        latest = latest_version(key)
        if decision_refs(parsed(latest.bpmn_xml, latest.source_name)) & decisions:
            using.append(key)
    return using


def _with_dmn(latest: ProcessVersion, filename: str, xml: str, decisions: set[str]) -> dict[str, str]:
    dmn = {n: x for n, x in latest.dmn_xml.items() if not set(decision_ids(parsed(x, n))) & decisions}
    dmn[filename] = xml
    return dmn


def deploy_notes(bpmn_xml: str, dmn_xml: dict[str, str], filename: str) -> list[Problem]:
    """What a process owner should know that does not stop a deployment: the standard forms a diagram
    gets where it names none, and assignees that name nobody today."""
    try:
        bundle = build_bundle(
            bpmn_xml, dmn_xml, filename=filename, called=calls.called_documents(bpmn_xml, filename)[0]
        )
    except (DiagramError, XmlRefused):
        return []
    notes = [Problem(el, msg) for el, msg in signing_rules.notes(parsed(bpmn_xml, filename))]
    _lane, start = bundle.start_event()
    if (
        bundle.has_plain_start()
        and not start.get("form_key")
        and start.get("startedBy") != "system"
        and not start.get("drawn_for_camunda")
    ):
        forms = current_app.extensions["forms"]
        if not forms.has(bundle.spec.name):
            notes.append(Problem(None, say("the process starts with the standard request page (title, description)")))
    for spec in [bundle.spec, *bundle.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            if not getattr(task_spec, "manual", False):
                continue
            ext = getattr(task_spec, "extensions", {}) or {}
            if ext.get("external_topic"):
                continue  # a worker's task: no form, no person
            element = task_spec.bpmn_id
            # A task drawn for Camunda gets the plain task form instead (noted by check_notes where it matters).
            if not ext.get("form_key") and not ext.get("drawn_for_camunda"):
                notes.append(
                    Problem(element, say("this user task uses the standard approval form (approve or reject)"))
                )
            assignee = str(ext.get("assignee") or "").strip()
            if assignee.isidentifier() and not _is_variable(assignee, bpmn_xml) and not _is_user(assignee):
                notes.append(
                    Problem(
                        element,
                        say(
                            "assignee '%(name)s' is nobody today: unless it is a variable holding a user name, "
                            "the task will be an incident for someone to assign",
                            name=assignee,
                        ),
                    )
                )
    return notes


def _is_variable(name: str, bpmn_xml: str) -> bool:
    """Whether the diagram's data may hold this name: the filer the app records, a form field, or a
    name a script assigns."""
    # The filer the app records, and the customer's responsible salesperson, which the credit processes
    # the system starts (reviews, over-limit cases, renewals) are given.
    if name in ("filed_by", "filed_by_name", "responsible"):
        return True
    forms = current_app.extensions["forms"]
    if any(forms.get(key).field(name) is not None for key in forms.keys()):
        return True
    declared = rf'(?:\bname|\bid|elementVariable)="{re.escape(name)}"'
    return re.search(rf"\b{re.escape(name)}\s*=[^=]", bpmn_xml) is not None or re.search(declared, bpmn_xml) is not None


def _is_user(username: str) -> bool:
    found = db.session.scalars(db.select(User.id).where(User.username == username, User.active.is_(True))).first()
    return found is not None
