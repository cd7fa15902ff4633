"""What a process the system starts (an escalation 督办, the monthly complaint report) is about, as
labelled facts in the reader's language: times in company time, people by name, roles by title,
and links to the task or report concerned. A value the table below does not know is left out:
a page never shows a data key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from . import clock
from .extensions import db
from .i18n import current_locale, format_cny, format_datetime_local, format_number_local
from .models import HumanTask, ProcessInstance
from .services.deadlines.durations import DeadlineError, parse_deadline
from .services.deadlines.lateness import lateness
from .services.deadlines.workdays import load_calendar
from .services.instances import lifecycle as instances
from .services.people.accounts import display_name_of
from .services.people.directory import ROLES

Shown = str | Markup
Row = tuple[str, Shown]


def _when(value: Any) -> Shown:
    try:
        return format_datetime_local(datetime.fromisoformat(str(value)))
    except ValueError:
        return "—"


def _role(value: Any) -> Shown:
    zh, en = ROLES.get(str(value), (str(value), str(value)))
    return zh if current_locale() == "zh_CN" else en


def _span(value: Any) -> Shown:
    """A deadline as the process owner wrote it ("1 working day"), in the reader's words."""
    try:
        deadline = parse_deadline(str(value))
    except DeadlineError:
        return "—"
    if deadline.working_days is not None:
        return _("%(n)s working days", n=deadline.working_days)
    minutes = int(deadline.length.total_seconds() // 60) if deadline.length else 0
    if minutes % 1440 == 0:
        return _("%(n)s days", n=minutes // 1440)
    if minutes % 60 == 0:
        return _("%(n)s hours", n=minutes // 60)
    return _("%(n)s minutes", n=minutes)


def _late_task(data: dict[str, Any]) -> list[Row]:
    task = db.session.get(HumanTask, int(data.get("original_task_id") or 0))
    if task is None:
        return []
    link = Markup('<a href="{0}" id="late-task-link">{1}</a>').format(
        url_for("processes.instance", instance_id=task.instance_id), task.display_title
    )
    rows: list[Row] = [
        (str(_l("Late task")), link),
        (str(_l("Process")), instances.process_name(task.process_key, current_locale())),
    ]
    if task.assignee is not None:
        rows.append((str(_l("Held by")), task.assignee.display_name))
    elif task.candidate_roles:
        names = " / ".join(_role(role) for role in task.candidate_roles)
        rows.append((str(_l("Held by")), _("anyone who is %(role)s", role=names)))
    if task.due_at is not None:
        rows.append((str(_l("Was due")), format_datetime_local(task.due_at)))
        late = lateness(task.due_at, task.completed_at or clock.now(), load_calendar())
        if late is not None:
            rows.append((str(_l("How late")), late.label()))
    return rows


def _level(data: dict[str, Any]) -> list[Row]:
    target = data.get("target") or {}
    rows: list[Row] = []
    if target.get("level"):
        rows.append((str(_l("Escalation level")), format_number_local(int(target["level"]))))
    if target.get("escalate_to"):
        rows.append((str(_l("Escalated to")), display_name_of(str(target["escalate_to"]))))
    return rows


def _report_link(data: dict[str, Any]) -> list[Row]:
    month = str(data.get("report_month") or "")
    if not month:
        return []
    link = Markup('<a href="{0}" id="report-link">{1}</a>').format(
        url_for("complaints.stats", month=month), _("Complaint statistics %(month)s", month=month)
    )
    return [(str(_l("Report")), link)]


def _proposal_link(data: dict[str, Any]) -> list[Row]:
    proposal_id = int(data.get("proposal_id") or 0)
    link = Markup('<a href="{0}" id="proposal-link">{1}</a>').format(
        url_for("modeler.proposal", proposal_id=proposal_id), _("Change proposal %(id)s", id=proposal_id)
    )
    rows: list[Row] = [(str(_l("Proposed change")), link)]
    if data.get("processes"):
        names = [instances.process_name(str(k), current_locale()) for k in data["processes"]]
        rows.append((str(_l("Processes")), ", ".join(names)))
    return rows


def _plain(label: Any, shown: Callable[[Any], Shown]) -> Callable[[dict[str, Any], str], list[Row]]:
    def rows(data: dict[str, Any], key: str) -> list[Row]:
        return [(str(label), shown(data[key]))] if data.get(key) not in (None, "") else []

    return rows


def _customer(data: dict[str, Any], key: str) -> list[Row]:
    link = Markup('<a href="{0}" id="credit-file-link">{1} {2}</a>').format(
        url_for("customers.credit_file", code=str(data[key])), data[key], data.get("customer_name") or ""
    )
    return [(str(_l("Customer")), link)]


def _case_kind(value: Any) -> Shown:
    if value == "no_limit_rise":
        return _("No limit, and the balance went up: it may only go down (article 34)")
    return _("The balance is above the limit (article 33)")


def _yes_no(value: Any) -> Shown:
    return _("yes") if value else _("no")


def _percent(value: Any) -> Shown:
    return format_number_local(float(value) * 100, 1) + "%"


def _sheet_links(endpoint: str, arg: str, label: Any) -> Callable[[dict[str, Any], str], list[Row]]:
    """Links to a credit review's sheet as Excel and PDF (the routes let only credit roles read them)."""

    def rows(data: dict[str, Any], key: str) -> list[Row]:
        ids = {arg: int(data[key])}
        links = Markup('<a href="{0}" id="sheet-xlsx">{1}</a> · <a href="{2}" id="sheet-pdf">{3}</a>').format(
            url_for(endpoint, **ids, fmt="xlsx"),
            _("Excel"),
            url_for(endpoint, **ids, fmt="pdf"),
            _("PDF"),
        )
        return [(str(label), links)]

    return rows


def _customer(data: dict[str, Any], _key: str) -> list[Row]:
    name, code = data.get("customer_name") or "", data.get("customer_code")
    return [(str(_l("Customer")), f"{name}（{code}）" if current_locale() == "zh_CN" else f"{name} ({code})")]


# Per system process: (key in the data, how it reads). A key appears once in the order given.
_FACTS: dict[str, list[tuple[str, Callable[[dict[str, Any], str], list[Row]]]]] = {
    "credit_over_limit": [
        ("customer_code", _customer),
        ("case_kind", _plain(_l("Case"), _case_kind)),
        ("balance", _plain(_l("Receivables balance"), format_cny)),
        ("balance_as_of", _plain(_l("As of"), str)),
        ("ceiling", _plain(_l("May be at most"), format_cny)),
        ("target_date", _plain(_l("Target date"), str)),
    ],
    "credit_renewal": [
        ("customer_code", _customer),
        ("credit_limit", _plain(_l("Credit limit"), format_cny)),
        ("valid_until", _plain(_l("Credit valid until"), str)),
        ("balance_cleared_once", _plain(_l("Balance cleared to zero once this year"), _yes_no)),
    ],
    "overdue_escalation": [
        ("original_task_id", lambda data, _key: _late_task(data)),
        ("target", lambda data, _key: _level(data)),
        ("escalation_due", _plain(_l("Time to act"), _span)),
    ],
    "deployment_approval": [
        ("proposal_id", lambda data, _key: _proposal_link(data)),
        ("proposed_by", _plain(_l("Proposed by"), lambda v: display_name_of(str(v)))),
    ],
    "complaint_monthly_report": [
        ("report_month", lambda data, _key: _report_link(data)),
        ("closed_complaints", _plain(_l("Closed complaints"), lambda v: format_number_local(int(v)))),
        ("on_time_rate", _plain(_l("On-time rate"), _percent)),
        ("average_days_to_close", _plain(_l("Average days to close"), lambda v: format_number_local(float(v), 1))),
        ("report_due_at", _plain(_l("Review by"), _when)),
    ],
    "credit_quarterly_review": [
        ("customer_code", _customer),
        ("review_period", _plain(_l("Quarter"), str)),
        ("current_grade", _plain(_l("Current grade"), str)),
        ("current_limit", _plain(_l("Current limit"), format_cny)),
        ("review_due_in", _plain(_l("Time to act"), _span)),
    ],
    "credit_monthly_review": [
        ("review_month", _plain(_l("Month"), str)),
        ("customers_count", _plain(_l("Credit customers"), lambda v: format_number_local(int(v)))),
        ("review_id", _sheet_links("customers.review_sheet", "review_id", _l("Credit limit execution sheet"))),
        ("review_due_in", _plain(_l("Time to act"), _span)),
    ],
    "credit_quarterly_summary": [
        ("summary_period", _plain(_l("Quarter"), str)),
        ("customers_count", _plain(_l("Customers with a limit or a balance"), lambda v: format_number_local(int(v)))),
        (
            "review_id",
            _sheet_links("customers.summary_sheet", "summary_id", _l("Summary of prepaid and credit-sale customers")),
        ),
    ],
}


def system_facts(instance: ProcessInstance) -> list[Row]:
    """The facts of a system-started instance; [] for a process people start (its form labels its data)."""
    data = dict(instance.data or {})
    rows: list[Row] = []
    for key, shown in _FACTS.get(instance.process_key, []):
        if key in data:
            rows.extend(shown(data, key))
    return rows


def has_system_facts(instance: ProcessInstance) -> bool:
    return instance.process_key in _FACTS
