"""A diagram that fails at run time marks its instance as an incident; a fix, a redeploy and a retry heal it."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask

from app.extensions import db
from app.models import AuditEvent, ProcessInstance
from app.services.modeling import deployment

from .conftest import PASSWORD, ROOT
from .support import ApiUser


def deploy_with_condition(bpmn_dir: Path, condition: str) -> None:
    diagram = bpmn_dir / "credit_application.bpmn"
    text = (ROOT / "bpmn" / "credit_application.bpmn").read_text(encoding="utf-8")
    diagram.write_text(
        text.replace('decision == "approve"</bpmn:conditionExpression>', f"{condition}</bpmn:conditionExpression>", 1),
        encoding="utf-8",
    )
    deployment.sync_directory(bpmn_dir)


def test_incident_recorded_shown_and_retried_after_a_fix(app: Flask, tmp_path: Path) -> None:
    bpmn_dir = tmp_path / "bpmn"
    shutil.copytree(ROOT / "bpmn", bpmn_dir)
    client = app.test_client()
    sales, manager = ApiUser(client, "salesperson", PASSWORD), ApiUser(client, "sales_manager", PASSWORD)
    owner, supervisor = ApiUser(client, "process_owner", PASSWORD), ApiUser(client, "sales_vp", PASSWORD)
    healthy = sales.start_credit(customer_code="OK1").json["id"]  # on version 1

    deploy_with_condition(bpmn_dir, "decision == approve_word")  # compiles, but the name does not exist
    broken = sales.start_credit(customer_code="BAD1").json["id"]
    task = next(t for t in manager.tasks() if t["instance_id"] == broken)
    failed = manager.decide(task["id"], "approve", "ok")
    assert failed.status_code == 422 and "approve_word" in failed.json["error"]
    db.session.expire_all()
    assert "approve_word" in db.session.get(ProcessInstance, broken).error
    assert manager.tasks()  # the task is still there to try again
    assert [i["instance_id"] for i in owner.get("/api/v1/incidents").json["incidents"]] == [broken]
    # The filer's supervisors see it on their incident list too; someone outside that chain does not.
    assert [i["instance_id"] for i in manager.get("/api/v1/incidents").json["incidents"]] == [broken]
    outsider = ApiUser(client, "finance_director", PASSWORD)
    assert outsider.get("/api/v1/incidents").json["incidents"] == []
    page = supervisor.client.get(f"/api/v1/instances/{broken}", headers=supervisor.headers)
    assert page.status_code == 200  # the supervisor sees the instance (and its error on the page)

    # another instance, on the healthy version, is not blocked
    other = next(t for t in manager.tasks() if t["instance_id"] == healthy)
    assert manager.decide(other["id"], "approve", "ok").status_code == 200

    deploy_with_condition(bpmn_dir, 'decision == "approve"')  # the fix, as version 3
    retried = owner.post(f"/api/v1/instances/{broken}/retry")
    assert retried.status_code == 200 and retried.json["version"] == 3
    assert owner.get("/api/v1/incidents").json["incidents"] == []
    task = next(t for t in manager.tasks() if t["instance_id"] == broken)
    assert manager.decide(task["id"], "approve", "ok").status_code == 200
    assert [t["role"] for t in supervisor.tasks() if t["instance_id"] == broken] == ["sales_vp"]
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.instance_id == broken)).all()
    assert "incident" in actions and "incident_retried" in actions
    assert owner.post(f"/api/v1/instances/{broken}/retry").status_code == 409  # nothing left to retry
