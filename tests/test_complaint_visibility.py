"""Who sees which complaints (第三篇 五): handlers their cases, supervisors their people's, and the
whole register only the customer-service director, the sales VP and the general manager."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Complaint, HumanTask

from .conftest import PASSWORD, login
from .support import ApiUser
from .test_complaints import act, intake, started


def _listed(app: Flask, username: str) -> set[str]:
    client = app.test_client()
    login(client, username)
    page = client.get("/complaints")
    assert page.status_code == 200
    return set(re.findall(r">(\d{9})</a>", page.data.decode()))


@pytest.fixture
def cases(app: Flask, client: FlaskClient) -> dict[str, str]:
    """A packaging case with the logistics director (done) and a grievance cs answers itself."""
    cs = ApiUser(client, "cs_director", PASSWORD)
    packaging = started(cs, category="appearance_packaging", amount_claimed=100)
    act(ApiUser(client, "general_manager", PASSWORD), packaging["id"], "批准转办", {"transfer_decision": "approve"})
    act(
        ApiUser(client, "logistics_director", PASSWORD),
        packaging["id"],
        "外观包装处理意见",
        {"opinion": "承运商负责", "proposed_settlement": 50},
    )
    started(cs, category="grievance")
    numbers = {c.instance_id: c.number for c in db.session.scalars(db.select(Complaint))}
    grievance = next(n for i, n in numbers.items() if i != packaging["id"])
    return {"packaging": numbers[packaging["id"]], "grievance": grievance}


# person -> which of the cases they see
TABLE = {
    "cs_director": {"packaging", "grievance"},
    "sales_vp": {"packaging", "grievance"},
    "general_manager": {"packaging", "grievance"},
    "logistics_director": {"packaging"},  # worked on it
    "production_manager": set(),  # a handler, but not of these cases
    "salesperson": set(),
    "finance_director": set(),
}


@pytest.mark.parametrize(("person", "sees"), TABLE.items())
def test_the_complaint_register_shows_each_person_only_what_they_may_see(
    app: Flask, cases: dict[str, str], person: str, sees: set[str]
) -> None:
    assert _listed(app, person) == {cases[name] for name in sees}


def test_a_supervisor_sees_the_cases_of_their_people(app: Flask, cases: dict[str, str]) -> None:
    admin = ApiUser(app.test_client(), "admin", PASSWORD)
    # The finance director becomes the logistics director's supervisor: they now see that case too.
    changed = admin.client.patch(
        "/api/v1/admin/users/logistics_director", json={"supervisor": "finance_director"}, headers=admin.headers
    )
    assert changed.status_code == 200
    assert _listed(app, "finance_director") == {cases["packaging"]}


def test_the_statistics_are_for_the_register_holders_only(app: Flask) -> None:
    for person, code in (("production_manager", 403), ("logistics_director", 403), ("sales_vp", 200)):
        client = app.test_client()
        login(client, person)
        assert client.get("/complaints/stats").status_code == code


def test_a_service_complaint_goes_to_the_head_of_the_department_it_names(app: Flask, client: FlaskClient) -> None:
    cs, gm = ApiUser(client, "cs_director", PASSWORD), ApiUser(client, "general_manager", PASSWORD)
    missing = intake(cs, category="service_quality")
    assert missing.status_code == 422 and "department" in missing.json["errors"]
    case = started(cs, category="service_quality", department="logistics")
    act(gm, case["id"], "批准转办", {"transfer_decision": "approve"})
    opinion = db.session.scalars(
        db.select(HumanTask).where(HumanTask.instance_id == case["id"], HumanTask.status == "open")
    ).one()
    assert opinion.name == "服务质量处理意见" and opinion.assignee.username == "logistics_director"
    # A department without a head: the customer-service director's queue takes it.
    headless = ApiUser(client, "admin", PASSWORD).post(
        "/api/v1/admin/departments", {"key": "canteen", "name": "食堂", "name_en": "Canteen"}
    )
    assert headless.status_code == 201
    other = started(cs, category="service_quality", department="canteen")
    act(gm, other["id"], "批准转办", {"transfer_decision": "approve"})
    queued = [t for t in cs.tasks() if t["instance_id"] == other["id"]]
    assert [(t["name"], t["assignee"], t["role"]) for t in queued] == [("服务质量处理意见", None, "cs_director")]
    roles = ApiUser(client, "admin", PASSWORD).get("/api/v1/admin/roles").json["roles"]
    assert "service_owner" not in {r["key"] for r in roles}
