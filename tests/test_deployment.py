"""Deploying diagrams: only what changed becomes a new version; running instances keep theirs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from app.engine import DiagramError
from app.extensions import db
from app.models import ProcessInstance, ProcessVersion
from app.services.modeling import deployment

from .conftest import PASSWORD, ROOT
from .support import ApiUser, audit_lines


@pytest.fixture
def bpmn_copy(tmp_path: Path) -> Path:
    target = tmp_path / "bpmn"
    shutil.copytree(ROOT / "bpmn", target)
    return target


def versions() -> list[tuple[str, int]]:
    rows = db.session.execute(db.select(ProcessVersion.process_key, ProcessVersion.version).order_by(ProcessVersion.id))
    return [tuple(r) for r in rows]


def test_unchanged_files_deploy_nothing(app: Flask, bpmn_copy: Path) -> None:
    before = versions()
    results = deployment.sync_directory(bpmn_copy)
    assert {(r.version, r.created) for r in results} == {(1, False)}
    assert "credit_application" in {r.process_key for r in results}
    assert versions() == before


def test_a_changed_decision_table_is_a_new_version_and_running_instances_stay(app: Flask, bpmn_copy: Path) -> None:
    client = app.test_client()
    sales = ApiUser(client, "salesperson", PASSWORD)
    old = sales.start_credit(customer_code="V1").json["id"]

    policy = bpmn_copy / "credit_policy.dmn"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("<text>30</text>", "<text>20</text>"), encoding="utf-8"
    )
    result = next(r for r in deployment.sync_directory(bpmn_copy) if r.process_key == "credit_application")
    assert (result.version, result.created) == (2, True)

    new = sales.start_credit(customer_code="V2").json["id"]
    old_instance, new_instance = db.session.get(ProcessInstance, old), db.session.get(ProcessInstance, new)
    assert (old_instance.process_version.version, old_instance.data["term_cap_days"]) == (1, 30)
    assert (new_instance.process_version.version, new_instance.data["term_cap_days"]) == (2, 20)

    manager = ApiUser(client, "sales_manager", PASSWORD)
    task = next(t for t in manager.tasks() if t["business_key"] == "V1")
    assert manager.decide(task["id"], "approve", "ok").status_code == 200  # still runs on version 1
    deploys = audit_lines("deploy")
    assert [(e.subject, e.details["version"]) for e in deploys if "credit_application" in e.subject] == [
        ("process:credit_application", 1),
        ("process:credit_application", 2),
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('value="credit_approval"', 'value="no_such_form"', "form 'no_such_form' does not exist"),
        ('name="sales_manager"', 'name="sales_wizard"', "role 'sales_wizard' is not a role of this company"),
        ("eligible == True", "__import__('os').getcwd()", "condition cannot be used"),
        ("approved_limit = min(requested_limit, limit_cap)", "import os", "imports are not allowed"),
        ('id="record_credit_decision"', 'id="launch_rockets"', "unknown service operation 'launch_rockets'"),
        ('value="2 working days"', 'value="two weeks or so"', "deadline cannot be read"),
    ],
)
def test_a_broken_diagram_is_refused_with_the_element_named(
    app: Flask, bpmn_copy: Path, old: str, new: str, expected: str
) -> None:
    diagram = bpmn_copy / "credit_application.bpmn"
    text = diagram.read_text(encoding="utf-8")
    assert old in text
    diagram.write_text(text.replace(old, new, 1), encoding="utf-8")
    before = versions()
    with pytest.raises(DiagramError) as err:
        deployment.sync_directory(bpmn_copy)
    assert any(expected in message for _, message in err.value.problems), err.value.problems
    assert all(element for element, _ in err.value.problems)
    assert versions() == before


def test_a_forbidden_dmn_cell_is_refused(app: Flask, bpmn_copy: Path) -> None:
    policy = bpmn_copy / "credit_policy.dmn"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("<text>avg_monthly_collection</text>", "<text>().__class__</text>"),
        encoding="utf-8",
    )
    with pytest.raises(DiagramError, match="decision table cell"):
        deployment.sync_directory(bpmn_copy)
