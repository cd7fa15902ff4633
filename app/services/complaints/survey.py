"""The yearly customer satisfaction survey (000 §6): started in SURVEY_MONTH, sent to the customers
whose contacts are on file, answered, analysed, approved by the general manager; each corrective
action is a task with a deadline for its owner, followed up (escalated) until done."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from ... import clock
from ...extensions import db
from ...models import Complaint, PhoneInquiry, ProcessInstance, SatisfactionSurvey, User
from ..common.transactions import transactional
from ..deadlines.durations import parse_deadline
from ..deadlines.workdays import load_calendar
from ..instances.lifecycle import start_system_instance
from ..instances.operations import OperationContext, register

PROCESS = "satisfaction_survey"
MAX_ACTIONS = 50


def recipients() -> list[dict[str, str]]:
    """Customers with a contact on file (from their complaints and calls), the latest contact each."""
    found: dict[str, dict[str, str]] = {}
    complaints = db.session.execute(
        db.select(Complaint.customer_code, Complaint.customer_name, ProcessInstance.data)
        .join(ProcessInstance, ProcessInstance.id == Complaint.instance_id)
        .order_by(Complaint.received_at)
    )
    for code, name, data in complaints:
        contact = str((data or {}).get("contact") or "").strip()
        if contact:
            found[code or name] = {"customer_code": code or "", "customer_name": name, "contact": contact}
    calls = db.session.execute(
        db.select(PhoneInquiry.customer_code, PhoneInquiry.customer_name, PhoneInquiry.contact).order_by(
            PhoneInquiry.received_at
        )
    )
    for code, name, contact in calls:
        if contact and contact.strip():
            found[code or name] = {"customer_code": code or "", "customer_name": name, "contact": contact.strip()}
    return sorted(found.values(), key=lambda r: (r["customer_code"], r["customer_name"]))


def ensure_survey() -> SatisfactionSurvey | None:
    """In SURVEY_MONTH, start the year's survey once."""

    @transactional
    def make() -> SatisfactionSurvey | None:
        calendar = load_calendar()
        now = clock.now()
        local = now.astimezone(calendar.tz)
        if local.month != current_app.config["SURVEY_MONTH"]:
            return None
        if db.session.scalars(db.select(SatisfactionSurvey.id).where(SatisfactionSurvey.year == local.year)).first():
            return None
        people = recipients()
        survey = SatisfactionSurvey(year=local.year, created_at=now, recipients=people, scores={}, actions=[])
        db.session.add(survey)
        db.session.flush()  # the unique year makes a second scheduler's attempt fail here
        instance = start_system_instance(
            PROCESS,
            {
                "survey_id": survey.id,
                "survey_year": str(local.year),
                "recipients_count": len(people),
                "recipients_text": "\n".join(
                    f"{p['customer_name']}（{p['customer_code'] or '—'}）：{p['contact']}" for p in people
                )[:8000]
                or "—",
            },
            business_key=str(local.year),
        )
        survey.instance_id = instance.id
        return survey

    try:
        return make()
    except IntegrityError:
        db.session.rollback()
        return None


def _parse_action(line: str, ctx: OperationContext) -> dict[str, Any] | None:
    """One line of the analysis: "owner | action | due date"; a name nobody has goes to customer
    service (the lane), a missing or unreadable date gets SURVEY_ACTION_DEADLINE."""
    parts = [p.strip() for p in line.split("|")]
    if not any(parts):
        return None
    owner, text, due_text = (parts + ["", "", ""])[:3] if len(parts) > 1 else ("", parts[0], "")
    known = db.session.scalars(db.select(User.username).where(User.username == owner, User.active.is_(True))).first()
    try:
        due = ctx.calendar.end_of_working_day(date.fromisoformat(due_text))
    except ValueError:
        due = parse_deadline(current_app.config["SURVEY_ACTION_DEADLINE"]).due(ctx.now, ctx.calendar)
    if due <= ctx.now:
        due = parse_deadline(current_app.config["SURVEY_ACTION_DEADLINE"]).due(ctx.now, ctx.calendar)
    return {"owner": known, "named_owner": owner, "text": (text or line)[:500], "due_at": due.isoformat()}


@register("plan_survey_actions")
def plan_survey_actions(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """The approved analysis: record it, and make each corrective action one task for its owner."""
    lines = str(data.get("corrective_actions") or "").splitlines()
    actions = [a for a in (_parse_action(line, ctx) for line in lines) if a][:MAX_ACTIONS]
    survey = db.session.get(SatisfactionSurvey, int(data["survey_id"]))
    survey.scores = {
        "responses": data.get("responses"),
        "service_quality": data.get("service_quality_score"),
        "price": data.get("price_score"),
        "company": data.get("company_score"),
    }
    survey.analysis = data.get("analysis")
    survey.approved_at = ctx.now
    survey.actions = actions
    return actions


@register("close_survey")
def close_survey(ctx: OperationContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    survey = db.session.get(SatisfactionSurvey, int(data["survey_id"]))
    results = {str(r.get("action", {}).get("text")): r.get("action_outcome") for r in data.get("action_results") or []}
    survey.actions = [{**a, "outcome": results.get(a["text"])} for a in survey.actions]
    survey.closed_at = ctx.now
    return {"closed_at": ctx.now.isoformat(), "actions": len(survey.actions)}
