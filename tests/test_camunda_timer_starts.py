"""Timer start events start instances on schedule from the scheduler tick, as in Camunda: once
for a date or a duration, at each repetition of a cycle (ISO or cron), once per firing however
many ticks run, and from the newest version only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from app.clock import FixedClock
from app.engine import TimerStart, next_firing
from app.extensions import db
from app.models import HumanTask, ProcessInstance, StartTimer
from app.services.deadlines import start_timers
from app.services.deadlines.scheduling import tick

from .camunda_diagrams import diagram
from .conftest import SHANGHAI, T0
from .test_camunda_deploy import deploy


def timed(timer: str, plain: bool = False) -> str:
    person = (
        '<bpmn:startEvent id="by_hand" /><bpmn:sequenceFlow id="fh" sourceRef="by_hand" targetRef="work" />'
        if plain
        else ""
    )
    return diagram(f"""{person}
    <bpmn:startEvent id="tick"><bpmn:timerEventDefinition>{timer}</bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="tick" targetRef="work" />
    <bpmn:userTask id="work" name="Weekly check" camunda:candidateGroups="general_manager" />
    <bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />
    """)


def instances() -> list[ProcessInstance]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(ProcessInstance)
            .where(ProcessInstance.process_key == "camunda_probe")
            .order_by(ProcessInstance.id)
        )
    )


def at(clock: FixedClock, when: datetime) -> int:
    clock.set(when)
    return tick().timer_starts


def test_a_cycle_starts_an_instance_at_each_repetition_and_stops_after_the_last(app: Flask, clock: Any) -> None:
    assert deploy(app, timed("<bpmn:timeCycle>R2/PT10M</bpmn:timeCycle>")).status_code == 201
    assert at(clock, T0 + timedelta(minutes=9)) == 0
    assert at(clock, T0 + timedelta(minutes=10)) == 1
    assert at(clock, T0 + timedelta(minutes=10)) == 0  # the same firing never starts two
    [first] = instances()
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == first.id)).one()
    assert (task.bpmn_id, task.role, first.status, first.started_by_id) == ("work", "general_manager", "running", None)
    assert at(clock, T0 + timedelta(minutes=20)) == 1
    assert at(clock, T0 + timedelta(minutes=60)) == 0  # R2: two repetitions only
    assert len(instances()) == 2
    assert db.session.scalars(db.select(StartTimer.status)).one() == "done"


def test_a_cron_cycle_fires_in_company_time_and_catches_up_once_after_downtime(app: Flask, clock: Any) -> None:
    assert deploy(app, timed("<bpmn:timeCycle>0 0 10 ? * MON-FRI</bpmn:timeCycle>")).status_code == 201
    row = db.session.scalars(db.select(StartTimer)).one()
    assert row.fire_at == datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # T0 is Monday 09:00
    assert at(clock, datetime(2026, 11, 23, 10, 0, 1, tzinfo=SHANGHAI)) == 1
    # Down from Tuesday to Thursday noon: one start for the missed mornings, then Friday 10:00 next.
    assert at(clock, datetime(2026, 11, 26, 12, 0, tzinfo=SHANGHAI)) == 1
    assert at(clock, datetime(2026, 11, 26, 12, 5, tzinfo=SHANGHAI)) == 0
    db.session.expire_all()
    assert db.session.scalars(db.select(StartTimer)).one().fire_at == datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
    assert len(instances()) == 2


@pytest.mark.parametrize(
    "timer",
    ["<bpmn:timeDate>2026-11-24T08:00:00+08:00</bpmn:timeDate>", "<bpmn:timeDuration>PT23H</bpmn:timeDuration>"],
)
def test_a_date_or_a_duration_starts_one_instance(app: Flask, clock: Any, timer: str) -> None:
    assert deploy(app, timed(timer)).status_code == 201
    assert at(clock, datetime(2026, 11, 24, 7, 59, tzinfo=SHANGHAI)) == 0
    assert at(clock, datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)) == 1
    assert at(clock, datetime(2026, 12, 24, 8, 0, tzinfo=SHANGHAI)) == 0
    assert len(instances()) == 1


def test_a_new_version_replaces_the_schedule_and_a_person_start_leaves_the_timer_alone(app: Flask, clock: Any) -> None:
    assert deploy(app, timed("<bpmn:timeCycle>R/PT1H</bpmn:timeCycle>")).status_code == 201
    assert deploy(app, timed("<bpmn:timeCycle>R/PT2H</bpmn:timeCycle>", plain=True)).status_code == 201
    rows = db.session.scalars(db.select(StartTimer).order_by(StartTimer.id)).all()
    assert [r.status for r in rows] == ["replaced", "pending"]
    assert at(clock, T0 + timedelta(hours=1)) == 0
    assert at(clock, T0 + timedelta(hours=2)) == 1
    [started] = instances()
    assert started.process_version_id == rows[1].version_id
    db.session.expire_all()
    # In the timer's instance only its own start ran; no timer was left waiting inside it.
    from app.models import Timer

    assert db.session.scalars(db.select(Timer)).all() == []


def test_two_ticks_racing_for_one_firing_start_one_instance(app: Flask, clock: Any) -> None:
    assert deploy(app, timed("<bpmn:timeCycle>R/PT10M</bpmn:timeCycle>")).status_code == 201
    clock.set(T0 + timedelta(minutes=10))
    row = db.session.scalars(db.select(StartTimer)).one()
    seen = row.fire_at
    assert start_timers.fire(row.id, seen) is True
    assert start_timers.fire(row.id, seen) is False  # a second process read the same firing: it loses
    assert len(instances()) == 1


def test_next_firing_reads_every_form_camunda_writes() -> None:
    deployed = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

    def nxt(kind: str, text: str, after: datetime, fired: int = 0) -> datetime | None:
        return next_firing(TimerStart("t", kind, repr(text)), deployed_at=deployed, after=after, fired=fired)

    assert nxt("cycle", "R3/2026-12-01T00:00:00Z/P1D", deployed) == datetime(2026, 12, 1, tzinfo=UTC)
    assert nxt("cycle", "R3/2026-12-01T00:00:00Z/P1D", datetime(2026, 12, 1, 5, tzinfo=UTC), 1) == datetime(
        2026, 12, 2, tzinfo=UTC
    )
    assert nxt("cycle", "R3/2026-12-01T00:00:00Z/P1D", deployed, 3) is None
    assert nxt("cycle", "R/PT30M", deployed) == deployed + timedelta(minutes=30)
    assert nxt("duration", "P1D", deployed) == deployed + timedelta(days=1)
    assert nxt("duration", "P1D", deployed, 1) is None
    assert nxt("cycle", "0 30 9 * * ?", deployed) == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
