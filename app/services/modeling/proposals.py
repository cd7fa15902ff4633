"""Four eyes on every change (maker–checker): a process owner's deployment is checked at once but
becomes current only when someone else approves it.

The approval runs as the `deployment_approval` process in bpmn/: each other process owner and the
general manager gets the review task, and the first decision ends it (或签). Its last service task,
`settle_deployment`, deploys the proposal as the proposer's (approved) or closes it (rejected); until
then new starts keep using the current version. With DEPLOY_APPROVAL off, a deployment is current at
once, and the system's own deployments (bpmn/ at install and demo time) never need approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import AuditEvent, DeploymentProposal, HumanTask, User
from ..common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from ..desk import tasks as task_service
from ..instances.lifecycle import bilingual, process_name, start_system_instance
from ..instances.operations import OperationContext, register
from ..notifications.notices import role_holders
from ..people.access import may_act_on
from . import deployment, deployments, uploads
from .deployment import DeployResult
from .diagram_diff import diff_documents, diff_versions
from .form_versions import forget_parsed_forms
from .specs import latest_version
from .table_diff import cell_changes, element_names

APPROVAL_PROCESS = "deployment_approval"
REVIEWER_ROLES = ("process_owner", "general_manager")


def approval_required() -> bool:
    setting = current_app.config.get("DEPLOY_APPROVAL", True)
    if isinstance(setting, str):
        return setting.strip().lower() not in ("off", "0", "false", "no")
    return bool(setting)


@dataclass(frozen=True)
class Submitted:
    """What a deployment led to: versions that are current now, or a proposal waiting for approval."""

    results: list[DeployResult]
    proposal: DeploymentProposal | None = None


def _apply(kind: str, payload: dict[str, Any], actor: User, extra: dict | None) -> list[DeployResult]:
    if kind == "upload":
        return uploads.deploy_upload(payload.get("filename"), payload["xml"], actor, extra)
    if kind == "files":
        return deployments.deploy_files_now([(f["name"], f["text"]) for f in payload["files"]], actor, extra)
    return [deployment.restore_now(payload["process_key"], int(payload["version"]), actor, extra)]


def _planned(results: list[DeployResult]) -> list[dict[str, Any]]:
    """What each new version would change against the current one, read while the trial deployment exists."""
    plan = []
    for result in results:
        if not result.created:
            continue
        new = deployment.version_of(result.process_key, result.version)
        base = deployment.version_of(result.process_key, result.version - 1) if result.version > 1 else None
        old_bpmn, old_dmn = (base.bpmn_xml, dict(base.dmn_xml)) if base else (None, {})
        names = {**element_names(old_bpmn), **element_names(new.bpmn_xml)}
        changes = diff_versions(old_bpmn, old_dmn, new.bpmn_xml, dict(new.dmn_xml)).summary()
        plan.append(
            {
                "process_key": result.process_key,
                "name": new.name,
                "base_version": base.version if base else None,
                "source_name": new.source_name,
                "bpmn_xml": new.bpmn_xml,
                "dmn_xml": dict(new.dmn_xml),
                "changes": changes,
                "names": {k: v for k, v in names.items() if any(k in ids for ids in changes.values())},
                "cells": [c.as_json() for c in cell_changes(old_dmn, dict(new.dmn_xml))],
            }
        )
    return plan


def reviewers_for(proposer_id: int) -> list[str]:
    """Who may approve: every other process owner and the general manager, never the proposer."""
    names: list[str] = []
    for role in REVIEWER_ROLES:
        names.extend(u.username for u in role_holders(role) if u.id != proposer_id and u.username not in names)
    return names


def _require_owner(actor: User) -> None:
    if not actor.has_role("process_owner"):
        raise Forbidden(_l("only a process owner may deploy diagrams"))


@transactional
def submit(kind: str, payload: dict[str, Any], actor: User) -> Submitted:
    """Deploy now (approval off, or nothing would change) or propose the deployment for approval.

    Either way it is checked in full first: a refused deployment is refused now, not at approval."""
    _require_owner(actor)
    if not approval_required():
        return Submitted(_apply(kind, payload, actor, None))
    trial = db.session.begin_nested()
    try:
        results = _apply(kind, payload, actor, None)
        plan = _planned(results)
    finally:
        trial.rollback()
        forget_parsed_forms()
    if not plan:
        return Submitted(results)
    if not reviewers_for(actor.id):
        raise Conflict(
            _l(
                "nobody else can approve this change: give a second person the process owner role, "
                "or turn approval off (DEPLOY_APPROVAL=off)"
            )
        )
    now = clock.now()
    proposal = DeploymentProposal(
        state="pending", kind=kind, payload=payload, plan=plan, proposed_by_id=actor.id, proposed_at=now
    )
    db.session.add(proposal)
    db.session.flush()
    keys = [p["process_key"] for p in plan]
    data = {"proposal_id": proposal.id, "proposed_by": actor.username, "proposer_id": actor.id, "processes": keys}
    # The review task's title names the processes in each reader's language.
    data["names_zh"], data["names_en"] = _names(plan, "zh_CN"), _names(plan, "en")
    instance = start_system_instance(APPROVAL_PROCESS, data)
    proposal.instance_id = instance.id
    db.session.add(
        AuditEvent(
            at=now,
            actor_id=actor.id,
            action="deploy_proposed",
            subject=f"proposal:{proposal.id}",
            details={"processes": keys, "base_versions": {p["process_key"]: p["base_version"] for p in plan}},
        )
    )
    return Submitted([], proposal)


def _names(plan: list[dict[str, Any]], locale: str) -> list[str]:
    names = []
    for item in plan:
        if item["base_version"] is None:
            chinese, english = bilingual(item["name"])
            names.append(english if locale == "en" else chinese)
        else:
            names.append(process_name(item["process_key"], locale))
    return names


def summary(proposal: DeploymentProposal) -> dict[str, Any]:
    """Who proposed what, its state and who decided, as the API and the modeler answer."""
    return {
        "proposal_id": proposal.id,
        "state": proposal.state,
        "processes": [
            {"process_key": p["process_key"], "base_version": p["base_version"], "changes": p["changes"]}
            for p in proposal.plan
        ],
        "proposed_by": proposal.proposed_by.username,
        "decided_by": proposal.decided_by.username if proposal.decided_by else None,
    }


def get(proposal_id: int) -> DeploymentProposal:
    proposal = db.session.get(DeploymentProposal, proposal_id)
    if proposal is None:
        raise NotFound(_l("change proposal %(id)s does not exist", id=proposal_id))
    return proposal


def listing(limit: int = 100) -> list[DeploymentProposal]:
    """Waiting proposals first, then the most recent decided ones."""
    rows = db.session.scalars(
        db.select(DeploymentProposal).order_by(DeploymentProposal.proposed_at.desc(), DeploymentProposal.id.desc())
    ).all()
    pending = [p for p in rows if p.state == "pending"]
    return (pending + [p for p in rows if p.state != "pending"])[:limit]


def may_review(user: User) -> bool:
    return any(user.has_role(role) for role in REVIEWER_ROLES)


def open_task_for(proposal: DeploymentProposal, user: User) -> HumanTask | None:
    """The user's own review task on this proposal, if it is waiting for them."""
    if proposal.instance_id is None or proposal.state != "pending":
        return None
    tasks = db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == proposal.instance_id, HumanTask.status == "open")
    )
    return next((t for t in tasks if may_act_on(user, t)), None)


def outdated(proposal: DeploymentProposal) -> list[str]:
    """Processes whose current version changed since the proposal was compared with it."""
    stale = []
    for item in proposal.plan:
        latest = latest_version(item["process_key"])
        if (latest.version if latest else None) != item["base_version"]:
            stale.append(item["process_key"])
    return stale


def decide(proposal_id: int, user: User, decision: str, comment: str = "") -> DeploymentProposal:
    """Approve or reject through the user's own review task; the proposer may do neither."""
    proposal = get(proposal_id)
    if proposal.state != "pending":
        raise Conflict(_l("this change proposal was already decided"))
    if proposal.proposed_by_id == user.id:
        raise Forbidden(_l("you proposed this change: another process owner or the general manager must approve it"))
    if decision not in ("approve", "reject"):
        raise ValidationFailed({"decision": [_l("choose approve or reject")]})
    task = open_task_for(proposal, user)
    if task is None:
        raise Forbidden(_l("only another process owner or the general manager may decide on this change"))
    if decision == "approve":
        _refuse_outdated(proposal)
    task_service.complete(task.id, user, {"decision": decision, "comment": (comment or "")[:2000]})
    db.session.expire_all()
    return get(proposal_id)


def _refuse_outdated(proposal: DeploymentProposal) -> None:
    stale = outdated(proposal)
    if stale:
        raise Conflict(
            _l(
                "%(keys)s changed since this proposal was made: reject it and propose the change again",
                keys=", ".join(stale),
            )
        )


@register("deployment_reviewers")
def deployment_reviewers(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> list[str]:
    return reviewers_for(int(data["proposer_id"]))


@register("settle_deployment")
def settle_deployment(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The first review decides: approved, the proposal is deployed as its proposer's; rejected, it never is."""
    proposal = get(int(data["proposal_id"]))
    reviews = data.get("reviews") or []
    review = next((r for r in (reviews.values() if isinstance(reviews, dict) else reviews) if isinstance(r, dict)), {})
    reviewer = ctx.actor
    if reviewer is None or reviewer.id == proposal.proposed_by_id:
        raise Forbidden(_l("you proposed this change: another process owner or the general manager must approve it"))
    approved = review.get("decision") == "approve"
    versions: dict[str, int] = {}
    if approved:
        _refuse_outdated(proposal)
        extra = {"proposal": proposal.id, "approved_by": reviewer.username}
        deployed = _apply(proposal.kind, proposal.payload, proposal.proposed_by, extra)
        versions = {r.process_key: r.version for r in deployed}
    proposal.state = "approved" if approved else "rejected"
    proposal.decided_by_id = reviewer.id
    proposal.decided_at = ctx.now
    proposal.comment = str(review.get("comment") or "")[:2000] or None
    db.session.add(
        AuditEvent(
            at=ctx.now,
            actor_id=reviewer.id,
            action="deploy_approved" if approved else "deploy_rejected",
            instance_id=ctx.instance.id,
            subject=f"proposal:{proposal.id}",
            comment=proposal.comment,
            details={
                "proposed_by": proposal.proposed_by.username,
                "processes": [p["process_key"] for p in proposal.plan],
                "versions": versions,
            },
        )
    )
    return {"approved": approved, "versions": versions}


@dataclass(frozen=True)
class ProcessChange:
    """One process of a proposal as the review page shows it."""

    index: int
    process_key: str
    name: str
    base_version: int | None
    added: list[tuple[str, str]]  # (element id, name drawn on it)
    removed: list[tuple[str, str]]
    changed: list[tuple[str, str]]
    cells: list[dict[str, Any]]


def _base_xml(item: dict[str, Any]) -> str | None:
    if item["base_version"] is None:
        return None
    return deployment.version_of(item["process_key"], item["base_version"]).bpmn_xml


def _named(ids: list[str], names: dict[str, str]) -> list[tuple[str, str]]:
    return [(i, names.get(i, "")) for i in ids]


def review(proposal: DeploymentProposal) -> list[ProcessChange]:
    """Per process: the diagram's elements added, removed and changed, and the decision-table cells changed."""
    found = []
    for index, item in enumerate(proposal.plan):
        old_xml = _base_xml(item)
        diff = diff_documents(old_xml, item["bpmn_xml"], item["source_name"])
        names = {**element_names(old_xml), **element_names(item["bpmn_xml"])}
        found.append(
            ProcessChange(
                index,
                item["process_key"],
                item["name"],
                item["base_version"],
                _named(diff.added, names),
                _named(diff.removed, names),
                _named(diff.changed, names),
                list(item.get("cells") or []),
            )
        )
    return found


def diagram_pair(proposal: DeploymentProposal, index: int) -> dict[str, Any]:
    """The proposed diagram and the current one, with the element ids to mark on each."""
    item = proposal.plan[index]
    old_xml = _base_xml(item)
    diff = diff_documents(old_xml, item["bpmn_xml"], item["source_name"])
    return {
        "xml": item["bpmn_xml"],
        "old_xml": old_xml,
        "added": diff.added,
        "removed": diff.removed,
        "changed": diff.changed,
    }
