"""One pass of the scheduler: fire due timers, escalate overdue tasks, send mail, queue digests.

HTTP requests and this tick call the same service functions; any number of app
processes may tick at once, because every step claims its rows in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from ... import clock
from ..common.errors import DomainError
from ..complaints import case_clock, cases, penalties, phone_inquiries, survey
from ..credit import daily as credit_daily
from ..credit import review_calendar
from ..desk import delegation
from ..notifications import outbox
from . import digest, escalation, start_timers, timers
from .leases import WORKER_ID


@dataclass
class TickReport:
    timers_fired: int = 0
    timer_starts: int = 0
    escalations_started: int = 0
    mails_sent: int = 0
    digests_queued: int = 0
    reports_made: int = 0
    penalty_reviews_started: int = 0
    surveys_started: int = 0
    call_logs_handed_over: int = 0
    errors: int = 0
    delegated_tasks_moved: int = 0
    late_cases_escalated: int = 0
    credit_checks: int = 0
    credit_reviews_started: int = 0


def tick(owner: str = WORKER_ID) -> TickReport:
    report = TickReport()
    report.timers_fired = timers.fire_due(owner=owner)
    report.timer_starts = start_timers.fire_due()
    for _ in range(50):  # a batch of overdue tasks at a time, so a long outage is caught up in one pass
        overdue = escalation.overdue_task_ids(clock.now())
        for task_id in overdue:
            try:
                report.escalations_started += escalation.escalate(task_id) is not None
            except DomainError:
                report.errors += 1
        if len(overdue) < escalation.SCAN_BATCH:
            break
    report.delegated_tasks_moved = delegation.tick()
    try:
        report.late_cases_escalated = case_clock.escalate_late_cases(clock.now())
    except DomainError:
        report.errors += 1
    report.reports_made = int(cases.ensure_monthly_report() is not None)
    report.penalty_reviews_started = int(penalties.ensure_penalty_review() is not None)
    report.call_logs_handed_over = phone_inquiries.ensure_call_logs()
    report.surveys_started = int(survey.ensure_survey() is not None)
    report.credit_checks = credit_daily.run(clock.now())  # renewals, expiries, over-limit target dates
    report.credit_reviews_started = review_calendar.start_due_reviews()
    report.digests_queued = digest.queue_digests()
    report.mails_sent = outbox.deliver_due(owner=owner)
    return report
