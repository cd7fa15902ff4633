"""The audit trail, readable by those who audit, and never changed after it is written."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from app.clock import FixedClock
from app.extensions import db
from app.models import AuditEvent

from .conftest import PASSWORD, PG_URL, ROOT, login
from .support import ApiUser


@pytest.fixture
def admin(app: Flask) -> ApiUser:
    return ApiUser(app.test_client(), "admin", PASSWORD)


def _credit_file_read(app: Flask, reader: str = "finance_director") -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    sales.start_credit(customer_code="AU1", bad_record_24m=True)  # decided at once: the file exists
    assert ApiUser(app.test_client(), reader, PASSWORD).get("/api/v1/customers/AU1").status_code == 200


def test_the_administrator_filters_the_trail_and_pages_through_it(
    app: Flask, admin: ApiUser, clock: FixedClock
) -> None:
    for n in range(5):
        clock.set(clock.now() + timedelta(minutes=1))
        admin.post("/api/v1/admin/roles", {"key": f"role_{n}", "name": f"岗位{n}", "name_en": f"Role {n}"})
    first = admin.get("/api/v1/audit?who=admin&action=role_added&limit=2")
    assert first.status_code == 200
    assert [e["details"]["name_en"] for e in first.json["events"]] == ["Role 4", "Role 3"]
    # A row written between two pages does not shift the next page.
    admin.post("/api/v1/admin/roles", {"key": "role_late", "name": "迟", "name_en": "Late"})
    second = admin.get(f"/api/v1/audit?who=admin&action=role_added&limit=2&after={first.json['next']}")
    assert [e["details"]["name_en"] for e in second.json["events"]] == ["Role 2", "Role 1"]
    last = admin.get(f"/api/v1/audit?who=admin&action=role_added&limit=2&after={second.json['next']}")
    assert [e["details"]["name_en"] for e in last.json["events"]] == ["Role 0"] and last.json["next"] is None
    event = first.json["events"][0]
    assert set(event) >= {"at", "actor", "action", "process_key", "instance_id", "customer_code", "details"}
    assert event["actor"] == "admin" and event["at"].endswith("+08:00")


def test_filters_by_customer_process_instance_and_dates(app: Flask, admin: ApiUser) -> None:
    _credit_file_read(app)
    reads = admin.get("/api/v1/audit?customer=AU1&action=read_credit_file").json["events"]
    assert [(e["actor"], e["customer_code"]) for e in reads] == [("finance_director", "AU1")]
    started = admin.get("/api/v1/audit?process=credit_application&customer=AU1").json["events"]
    assert started and all(e["process_key"] == "credit_application" for e in started)
    instance_id = started[0]["instance_id"]
    of_instance = admin.get(f"/api/v1/audit?instance={instance_id}").json["events"]
    assert of_instance and all(e["instance_id"] == instance_id for e in of_instance)
    assert admin.get("/api/v1/audit?from=2026-11-24").json["events"] == []  # the clock stands on the 23rd
    assert admin.get("/api/v1/audit?to=2026-11-23&customer=AU1").json["events"]
    bad = admin.get("/api/v1/audit?from=yesterday&instance=x")
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"from", "instance"}


def test_credit_auditors_see_credit_file_reads_and_changes_only(app: Flask, admin: ApiUser) -> None:
    _credit_file_read(app, reader="general_manager")
    admin.post("/api/v1/admin/roles", {"key": "hidden_role", "name": "隐", "name_en": "Hidden"})
    for auditor in ("finance_director", "credit_controller"):
        seen = ApiUser(app.test_client(), auditor, PASSWORD).get("/api/v1/audit").json["events"]
        actions = {e["action"] for e in seen}
        assert "read_credit_file" in actions and "role_added" not in actions
    for outsider in ("salesperson", "sales_manager", "cs_director"):
        assert ApiUser(app.test_client(), outsider, PASSWORD).get("/api/v1/audit").status_code == 403


def test_a_credit_file_shows_who_read_it_to_its_auditors(app: Flask) -> None:
    _credit_file_read(app, reader="general_manager")
    finance = app.test_client()
    login(finance, "finance_director")
    page = finance.get("/customers/AU1").data.decode()
    assert "查阅记录" in page and "general_manager" in page
    manager = app.test_client()
    login(manager, "sales_manager")
    assert "查阅记录" not in manager.get("/customers/AU1").data.decode()


def test_the_excel_export_holds_the_filtered_rows(app: Flask, admin: ApiUser) -> None:
    _credit_file_read(app)
    answer = admin.get("/api/v1/audit?format=xlsx&action=read_credit_file")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(answer.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "操作")
    assert [(r[1], r[2], r[5]) for r in rows[1:]] == [("finance_director", "read_credit_file", "AU1")]


def test_audit_rows_cannot_be_updated_or_deleted(app: Flask, admin: ApiUser) -> None:
    admin.post("/api/v1/admin/roles", {"key": "kept_role", "name": "留", "name_en": "Kept"})
    event_id = db.session.scalars(db.select(AuditEvent.id).where(AuditEvent.action == "role_added")).one()
    for statement in (
        update(AuditEvent).where(AuditEvent.id == event_id).values(action="nothing_happened"),
        delete(AuditEvent).where(AuditEvent.id == event_id),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.get(AuditEvent, event_id).action == "role_added"


@pytest.mark.skipif(not PG_URL, reason="database roles exist on PostgreSQL only")
def test_on_postgresql_the_app_role_has_no_update_or_delete_on_the_audit_table(app: Flask, admin: ApiUser) -> None:
    from app.services.common.database_roles import app_role_grants

    admin.post("/api/v1/admin/roles", {"key": "kept_role", "name": "留", "name_en": "Kept"})
    db.session.execute(text("DROP ROLE IF EXISTS approvals_app_test"))
    db.session.execute(text("CREATE ROLE approvals_app_test"))
    for statement in app_role_grants("approvals_app_test"):
        db.session.execute(text(statement))
    db.session.commit()
    try:
        db.session.execute(text("SET ROLE approvals_app_test"))
        db.session.execute(text("INSERT INTO audit_events (at, action, details) VALUES (now(), 'probe', '{}')"))
        for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="permission denied"), db.session.begin_nested():
                db.session.execute(text(statement))
    finally:
        db.session.rollback()
        db.session.execute(text("RESET ROLE"))
        db.session.execute(text("DROP OWNED BY approvals_app_test"))
        db.session.execute(text("DROP ROLE approvals_app_test"))
        db.session.commit()


def test_every_recorded_action_has_a_name_and_no_key_is_ever_shown() -> None:
    from app.services.audit import trail

    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "app").rglob("*.py"))
    recorded = set(re.findall(r'action="([a-z_]+)"', source))
    assert recorded - set(trail.ACTION_NAMES) == set()
