"""The audit trail as a reader sees it (第三篇 五: every read and change, with who and when).

The administrator reads everything; the finance director and the credit controller read what concerns
credit files: their reads and the credit applications that change them.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from ...clock import company_tz, to_company_iso
from ...extensions import db
from ...models import AuditEvent, ProcessInstance, User
from ..common.errors import Forbidden, ValidationFailed

CREDIT_AUDITORS = frozenset({"finance_director", "credit_controller"})
CREDIT_PROCESS = "credit_application"
PAGE = 50
EXPORT_LIMIT = 50_000
FILTERS = ("who", "action", "process", "instance", "customer", "from", "to")


# What each recorded action is called on the audit page; an action not listed shows as recorded.
ACTION_NAMES = {
    "read_credit_file": _l("read the credit file"),
    "robot_added": _l("chat robot added"),
    "robot_switched_off": _l("chat robot switched off"),
    "user_created": _l("person created"),
    "user_changed": _l("person changed"),
    "password_reset": _l("password reset"),
    "role_added": _l("role added"),
    "role_retired": _l("role retired"),
    "department_added": _l("department added"),
    "department_changed": _l("department changed"),
    "returned_to_queue": _l("task back to its role queue"),
    "handed_to_supervisor": _l("task handed to the supervisor"),
    "roles_from_directory": _l("roles from the directory"),
    "start": _l("filed"),
    "approve": _l("approved"),
    "reject": _l("rejected"),
    "return": _l("returned"),
    "complete": _l("submitted"),
    "claim": _l("claimed"),
    "transfer": _l("transferred"),
    "reassign": _l("reassigned"),
    "urge": _l("urged"),
    "withdraw": _l("withdrew"),
    "copy_to": _l("copied to"),
    "escalate": _l("escalated"),
    "deploy": _l("deployed"),
    "deploy_proposed": _l("change proposed for approval"),
    "deploy_approved": _l("proposed change approved"),
    "deploy_rejected": _l("proposed change rejected"),
    "decision_table_saved": _l("new decision table saved"),
    "assign_unowned": _l("task nobody could take assigned"),
    "task_unowned": _l("task nobody can take"),
    "calendar_day": _l("working-day calendar corrected"),
    "calendar_day_removed": _l("calendar correction removed"),
    "calendar_year": _l("calendar year declared"),
    "escalation_closed": _l("escalation closed"),
    "external_complete": _l("external task completed"),
    "external_failure": _l("external task failed"),
    "form_saved": _l("form saved"),
    "incident": _l("incident"),
    "incident_retried": _l("incident retried"),
    "instance_migrated": _l("moved to another version"),
    "print_record": _l("approval record printed"),
    "read_call_log": _l("read the call log"),
    "read_penalties": _l("read the penalty notices"),
    "read_case_clock": _l("read the open complaints"),
    "reassign_customer": _l("customer handed to another salesperson"),
    "customer_contact_added": _l("customer contact added"),
    "customer_contact_changed": _l("customer contact changed"),
    "record_receivables": _l("receivables recorded"),
    "limit_adjusted": _l("credit limit lowered"),
    "over_limit_opened": _l("over-limit case opened"),
    "over_limit_closed": _l("over-limit case closed: back within the limit"),
    "over_limit_target_passed": _l("over-limit case past its target date"),
    "allowance_granted": _l("one-off allowance beyond the limit approved"),
    "renewal_chosen": _l("next contract year decided"),
    "credit_expired": _l("credit expired: the limit is 0"),
    "credit_review": _l("credit review recorded"),
    "read_credit_review_sheet": _l("credit review sheet read"),
    "skip": _l("step passed through"),
    "stand_in": _l("stand-in named"),
    "timer": _l("timer fired"),
    "unclaim": _l("task given back"),
    "deadline_error": _l("deadline could not be read"),
    "delegate_task": _l("task delegated"),
    "delegation_created": _l("delegation created"),
    "delegation_cancelled": _l("delegation cancelled"),
    "delegation_ended": _l("delegation ended"),
    "supersede": _l("earlier approvals superseded"),
    "publish_penalties": _l("penalties published"),
    "add_signer": _l("signer added"),
    "signing_result": _l("signing decided"),
}


@dataclass
class Row:
    event: AuditEvent
    process_key: str | None
    business_key: str | None

    @property
    def customer_code(self) -> str | None:
        subject = self.event.subject or ""
        if subject.startswith("customer:"):
            return subject.removeprefix("customer:")
        return self.business_key if self.process_key == CREDIT_PROCESS else None

    @property
    def action_name(self) -> str:
        # An action without a name here is still never shown by its key.
        return str(ACTION_NAMES.get(self.event.action, _l("other action")))

    def as_json(self) -> dict[str, Any]:
        e = self.event
        return {
            "id": e.id,
            "at": to_company_iso(e.at),
            "actor": e.actor.username if e.actor else None,
            "action": e.action,
            "process_key": self.process_key,
            "instance_id": e.instance_id,
            "customer_code": self.customer_code,
            "subject": e.subject,
            "task": e.task_name,
            "comment": e.comment,
            "details": e.details or {},
        }


def may_read(user: User) -> bool:
    return user.has_role("admin") or bool(user.role_keys & CREDIT_AUDITORS)


def _credit_scope() -> ColumnElement[bool]:
    return or_(AuditEvent.subject.like("customer:%"), ProcessInstance.process_key == CREDIT_PROCESS)


def _day(text: str, field: str, errors: dict[str, list[Any]]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = [_l("must be a date such as 2026-11-23")]
        return None


def _conditions(user: User, args: dict[str, str]) -> list[ColumnElement[bool]]:
    if not may_read(user):
        raise Forbidden(
            _l("only the administrator, the finance director and the credit controller read the audit trail")
        )
    errors: dict[str, list[Any]] = {}
    conditions: list[ColumnElement[bool]] = []
    if not user.has_role("admin"):
        conditions.append(_credit_scope())
    values = {k: (args.get(k) or "").replace("\x00", "").strip() for k in FILTERS}
    if values["who"]:
        conditions.append(AuditEvent.actor_id.in_(db.select(User.id).where(User.username == values["who"])))
    if values["action"]:
        conditions.append(AuditEvent.action == values["action"])
    if values["process"]:
        conditions.append(ProcessInstance.process_key == values["process"])
    if values["instance"]:
        if not values["instance"].isdigit() or int(values["instance"]) > 2**31 - 1:
            errors["instance"] = [_l("must be an instance number")]
        else:
            conditions.append(AuditEvent.instance_id == int(values["instance"]))
    if values["customer"]:
        code = values["customer"]
        conditions.append(
            or_(
                AuditEvent.subject == f"customer:{code}",
                and_(ProcessInstance.process_key == CREDIT_PROCESS, ProcessInstance.business_key == code),
            )
        )
    tz = company_tz()
    if values["from"] and (day := _day(values["from"], "from", errors)):
        conditions.append(AuditEvent.at >= datetime.combine(day, time(), tz))
    if values["to"] and (day := _day(values["to"], "to", errors)):
        conditions.append(AuditEvent.at < datetime.combine(day + timedelta(days=1), time(), tz))
    if errors:
        raise ValidationFailed(errors)
    return conditions


def _cursor(text: str) -> tuple[datetime, int]:
    """The keyset position (time and id of the last row shown); opaque to the reader."""
    try:
        at_text, _, id_text = base64.urlsafe_b64decode(text.encode() + b"==").decode().partition("|")
        return datetime.fromisoformat(at_text), int(id_text)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValidationFailed({"after": [_l("is not a cursor this list gave")]}) from err


def _encode(event: AuditEvent) -> str:
    return base64.urlsafe_b64encode(f"{event.at.isoformat()}|{event.id}".encode()).decode().rstrip("=")


def _query(conditions: list[ColumnElement[bool]]) -> Any:
    return (
        db.select(AuditEvent, ProcessInstance.process_key, ProcessInstance.business_key)
        .outerjoin(ProcessInstance, ProcessInstance.id == AuditEvent.instance_id)
        .where(*conditions)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def page(user: User, args: dict[str, str]) -> tuple[list[Row], str | None]:
    """Newest first; `after` continues below the last row of the previous page, even as new rows arrive."""
    conditions = _conditions(user, args)
    limit_text = args.get("limit") or str(PAGE)
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= 500:
        raise ValidationFailed({"limit": [_l("must be a number from 1 to 500")]})
    limit = int(limit_text)
    if args.get("after"):
        at, event_id = _cursor(args["after"])
        conditions.append(or_(AuditEvent.at < at, and_(AuditEvent.at == at, AuditEvent.id < event_id)))
    found = [Row(e, key, bk) for e, key, bk in db.session.execute(_query(conditions).limit(limit + 1))]
    more = len(found) > limit
    rows = found[:limit]
    return rows, (_encode(rows[-1].event) if more and rows else None)


def file_readers(user: User, code: str) -> list[Row]:
    """Who read this credit file, newest first: for those who audit credit files."""
    if not user.role_keys & (CREDIT_AUDITORS | {"admin"}):
        return []
    query = _query([AuditEvent.subject == f"customer:{code}", AuditEvent.action == "read_credit_file"]).limit(200)
    return [Row(e, key, bk) for e, key, bk in db.session.execute(query)]


def export_xlsx(user: User, args: dict[str, str], headers: list[str]) -> bytes:
    """Every matching row (up to EXPORT_LIMIT) as an Excel workbook, times in company time."""
    query = _query(_conditions(user, args)).limit(EXPORT_LIMIT)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("audit")
    sheet.append(headers)
    for event, key, business_key in db.session.execute(query):
        row = Row(event, key, business_key).as_json()
        details = ", ".join(f"{k}={v}" for k, v in row["details"].items())
        sheet.append(
            [
                _safe(c)
                for c in (
                    row["at"],
                    row["actor"],
                    row["action"],
                    row["process_key"],
                    row["instance_id"],
                    row["customer_code"],
                    row["subject"],
                    row["task"],
                    row["comment"],
                    details,
                )
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is written as plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def export_headers() -> list[str]:
    """The export's column titles, in the reader's language."""
    return [
        _("Time"),
        _("Who"),
        _("Action"),
        _("Process"),
        _("Instance"),
        _("Customer"),
        _("Subject"),
        _("Task"),
        _("Comment"),
        _("Details"),
    ]
