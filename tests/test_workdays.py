"""Working days by the official Chinese calendar, company corrections, and deadline notation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from app.extensions import db
from app.models import CalendarDay, CalendarYear
from app.services.deadlines.durations import DeadlineError, check_deadline, parse_deadline, resolve_deadline
from app.services.deadlines.workdays import CalendarUnknown, WorkCalendar, load_calendar

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar(tz=SH, end_of_day=time(18, 0))


def test_two_working_days_across_national_day(calendar: WorkCalendar) -> None:
    assert calendar.add_working_days(at(2026, 9, 30, 10, 0), 2) == at(2026, 10, 9, 18, 0)


def test_make_up_saturday_is_a_working_day(calendar: WorkCalendar) -> None:
    assert calendar.is_workday(date(2026, 10, 10))  # Saturday, 调休
    assert not calendar.is_workday(date(2026, 10, 11))
    assert calendar.add_working_days(at(2026, 10, 9, 9, 0), 1) == at(2026, 10, 10, 18, 0)


def test_across_a_year_boundary(calendar: WorkCalendar) -> None:
    # 2026-01-01..03 are off; Sunday 2026-01-04 is a make-up working day.
    assert calendar.add_working_days(at(2025, 12, 31, 17, 0), 2) == at(2026, 1, 5, 18, 0)


def test_a_year_the_library_does_not_know_is_an_error_not_a_guess(calendar: WorkCalendar) -> None:
    # Asked again, it refuses again: an unknown day is never remembered as a working day or a day off.
    for _ in range(2):
        with pytest.raises(CalendarUnknown, match="2030"):
            calendar.add_working_days(at(2029, 12, 31, 9, 0), 1)


def test_arrival_late_in_the_day_still_counts_from_the_next_day(calendar: WorkCalendar) -> None:
    assert calendar.add_working_days(at(2026, 11, 23, 23, 30), 2) == at(2026, 11, 25, 18, 0)


def test_whole_working_days_late(calendar: WorkCalendar) -> None:
    due = at(2026, 9, 30, 18, 0)
    assert calendar.working_days_between(due, at(2026, 10, 8, 17, 0)) == 0
    assert calendar.working_days_between(due, at(2026, 10, 8, 18, 0)) == 1
    assert calendar.working_days_between(due, at(2026, 10, 12, 9, 0)) == 3


def test_company_corrections_and_declared_years(app: Flask) -> None:
    db.session.add(CalendarDay(day=date(2026, 10, 9), is_workday=False, note="公司活动"))
    db.session.add(CalendarYear(year=2027, note="entered by admin"))
    db.session.add(CalendarDay(day=date(2027, 1, 1), is_workday=False, note="元旦"))
    db.session.commit()
    calendar = load_calendar()
    assert calendar.add_working_days(at(2026, 9, 30, 10, 0), 2) == at(2026, 10, 10, 18, 0)
    assert calendar.add_working_days(at(2026, 12, 31, 10, 0), 1) == at(2027, 1, 4, 18, 0)


def test_end_of_business_day_is_a_setting(app: Flask) -> None:
    assert load_calendar().add_working_days(at(2026, 11, 23, 9, 0), 1) == at(2026, 11, 24, 18, 0)
    app.config["END_OF_BUSINESS_DAY"] = "17:30"
    assert load_calendar().add_working_days(at(2026, 11, 23, 9, 0), 1) == at(2026, 11, 24, 17, 30)


@pytest.mark.parametrize(
    ("text", "working_days", "length"),
    [
        ("2 working days", 2, None),
        ("1 working day", 1, None),
        ("2个工作日", 2, None),
        ("15 days", None, timedelta(days=15)),
        ("20天", None, timedelta(days=20)),
        ("30 minutes", None, timedelta(minutes=30)),
        ("30分钟", None, timedelta(minutes=30)),
        ("4 hours", None, timedelta(hours=4)),
        ("P2D", None, timedelta(days=2)),
        ("PT30M", None, timedelta(minutes=30)),
    ],
)
def test_deadline_notation(text: str, working_days: int | None, length: timedelta | None) -> None:
    deadline = parse_deadline(text)
    assert (deadline.working_days, deadline.length) == (working_days, length)


def test_deadline_from_process_data(calendar: WorkCalendar) -> None:
    spec = '"15 days" if region == "domestic" else "20 days"'
    start = at(2026, 11, 1, 10, 0)
    assert resolve_deadline(spec, {"region": "domestic"}).due(start, calendar) == at(2026, 11, 16, 10, 0)
    assert resolve_deadline(spec, {"region": "foreign"}).due(start, calendar) == at(2026, 11, 21, 10, 0)


def test_a_deadline_that_does_not_parse_says_so() -> None:
    with pytest.raises(DeadlineError, match="soonish"):
        parse_deadline("soonish")
    assert check_deadline("two weeks or so") is not None
    assert check_deadline("2 working days") is None
    with pytest.raises(DeadlineError, match="not a deadline"):
        resolve_deadline("region", {"region": "domestic"})


def test_only_an_admin_edits_the_calendar_and_it_takes_effect(app: Flask) -> None:
    from .conftest import csrf_token, login

    client = app.test_client()
    login(client, "general_manager")
    assert client.get("/admin/calendar").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/tasks").data)})
    login(client, "admin")
    token = csrf_token(client.get("/admin/calendar").data)
    assert load_calendar().add_working_days(at(2026, 9, 30, 10, 0), 2) == at(2026, 10, 9, 18, 0)
    bad = client.post("/admin/calendar", data={"day-day": "not a date", "csrf_token": token})
    assert bad.status_code == 422
    response = client.post(
        "/admin/calendar", data={"day-day": "2026-10-09", "day-note": "公司团建", "csrf_token": token}
    )
    assert response.status_code == 302
    assert db.session.get(CalendarDay, date(2026, 10, 9)).is_workday is False
    assert load_calendar().add_working_days(at(2026, 9, 30, 10, 0), 2) == at(2026, 10, 10, 18, 0)
    client.post("/admin/calendar/remove", data={"day": "2026-10-09", "csrf_token": token})
    assert db.session.get(CalendarDay, date(2026, 10, 9)) is None
    assert load_calendar().add_working_days(at(2026, 9, 30, 10, 0), 2) == at(2026, 10, 9, 18, 0)
