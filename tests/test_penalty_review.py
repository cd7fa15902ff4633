"""The monthly penalty review (第五篇 第十二条): last month's closed cases reach the general manager
with the statistics, due by the 10th; the penalties decided are published for everyone."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, PenaltyReview

from .conftest import PASSWORD, login
from .support import ApiUser
from .test_complaints import REPLY, act, started
from .test_escalation import tick


def test_last_months_closed_cases_are_reviewed_by_the_10th_and_the_penalties_published(
    app: Flask, client: FlaskClient
) -> None:
    clock = app.extensions["clock"]
    api = app.test_client()
    cs, gm = ApiUser(api, "cs_director", PASSWORD), ApiUser(api, "general_manager", PASSWORD)
    clock.set(datetime.fromisoformat("2026-10-12T09:00:00+08:00"))
    closed = started(cs)
    act(cs, closed["id"], "答复客户并记录满意度", REPLY)
    started(cs, category="suggestion")  # still open: not reviewed
    clock.set(datetime.fromisoformat("2026-11-01T09:00:00+08:00"))
    tick(app, "2026-11-01T09:00:00+08:00")
    tick(app, "2026-11-01T09:05:00+08:00")
    [review] = [t for t in gm.tasks() if t["process_key"] == "complaint_penalty_review"]  # once
    assert review["due_at"] == "2026-11-10T18:00:00+08:00" and "2026-10" in review["title"]
    row = db.session.scalars(db.select(PenaltyReview)).one()
    assert [c["number"] for c in row.cases] == ["261012001"]
    login(client, "general_manager")
    assert "261012001" in client.get(f"/tasks/{review['id']}").data.decode()  # the cases are on the form
    done = gm.post(
        f"/api/v1/tasks/{review['id']}/complete",
        {"data": {"penalties": "261012001 仓储物流部 通报批评，扣绩效奖金200元"}},
    )
    assert done.status_code == 200, done.json
    reader = app.test_client()
    login(reader, "salesperson")
    page = reader.get("/complaints/penalties").data.decode()
    assert 'id="penalties-2026-10"' in page and "扣绩效奖金200元" in page and "261012001" in page
    read = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "read_penalties")).all()
    assert [e.actor.username for e in read] == ["salesperson"]


def test_an_empty_decision_is_refused_in_the_readers_language(app: Flask) -> None:
    clock = app.extensions["clock"]
    gm = ApiUser(app.test_client(), "general_manager", PASSWORD)
    clock.set(datetime.fromisoformat("2026-11-01T09:00:00+08:00"))
    tick(app, "2026-11-01T09:00:00+08:00")
    [review] = [t for t in gm.tasks() if t["process_key"] == "complaint_penalty_review"]
    refused = gm.post(f"/api/v1/tasks/{review['id']}/complete", {"data": {"penalties": ""}})
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["penalties"]
    assert db.session.scalars(db.select(PenaltyReview)).one().published_at is None
