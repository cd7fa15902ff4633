"""The quality committee's 会签 (第四篇 4.2.2): each member decides the responsibility split, repair
budget and repair date; if they disagree, the production manager rules, and both are recorded."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..instances.operations import OperationContext, register
from ..notifications.notices import role_holders

# What the members must agree on for the committee's decision to stand without a ruling.
DECISION_KEYS = ("responsible_party", "company_share", "repair_budget", "repair_due_on")


@register("convene_committee")
def convene_committee(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """The members (user names): holders of the roles the production manager named, else of the
    standing committee (QUALITY_COMMITTEE_ROLES). The diagram hands each one their own task."""
    named = [r for r in (data.get("committee_roles") or []) if isinstance(r, str)]
    roles = named or [r.strip() for r in current_app.config["QUALITY_COMMITTEE_ROLES"].split(",") if r.strip()]
    members: list[str] = []
    for role in roles:
        members.extend(u.username for u in role_holders(role) if u.username not in members)
    return members


def _decision(vote: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(vote.get(k)) for k in DECISION_KEYS)


@register("tally_committee")
def tally_committee(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    votes = [v for v in (data.get("committee_votes") or []) if isinstance(v, dict)]
    agreed = bool(votes) and len({_decision(v) for v in votes}) == 1
    return {
        "agreed": agreed,
        "decision": {k: votes[0].get(k) for k in DECISION_KEYS} if agreed else None,
        "votes": [{"member": v.get("member"), **{k: v.get(k) for k in (*DECISION_KEYS, "comment")}} for v in votes],
    }
