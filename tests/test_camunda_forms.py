"""Camunda's generated task forms (`camunda:formData`) run here: compiled into the product's form
shape, shown on the task page and checked on the server with the same rules through the page and
the API; field ids keep their case (`loanAmount`)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.engine import build_bundle
from app.extensions import db
from app.models import HumanTask, ProcessInstance
from app.taskforms import validate_data
from app.taskforms.generated import generated_form

from .camunda_diagrams import diagram
from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser
from .test_camunda_candidates import start
from .test_camunda_conformance import check
from .test_camunda_deploy import deploy

FORM = """<bpmn:extensionElements><camunda:formData>
  <camunda:formField id="loanAmount" label="Loan amount" type="long" defaultValue="1000">
    <camunda:validation><camunda:constraint name="required" /><camunda:constraint name="min" config="1000" />
      <camunda:constraint name="max" config="500000" /></camunda:validation>
  </camunda:formField>
  <camunda:formField id="purpose" label="Purpose" type="string">
    <camunda:validation><camunda:constraint name="minlength" config="5" />
      <camunda:constraint name="maxlength" config="20" /></camunda:validation>
  </camunda:formField>
  <camunda:formField id="urgent" label="Urgent" type="boolean" />
  <camunda:formField id="startDate" label="Start date" type="date" defaultValue="01/12/2026" />
  <camunda:formField id="riskLevel" label="Risk" type="enum">
    <camunda:value id="low" name="Low risk" /><camunda:value id="high" name="High risk" />
    <camunda:validation><camunda:constraint name="required" /></camunda:validation>
  </camunda:formField>
  <camunda:formField id="customerName" label="Customer" type="string">
    <camunda:validation><camunda:constraint name="readonly" /></camunda:validation>
  </camunda:formField>
</camunda:formData></bpmn:extensionElements>"""


def form_diagram(task_attributes: str = "", form: str = FORM) -> str:
    return diagram(f"""
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work" />
    <bpmn:userTask id="work" name="Assess loan" camunda:candidateGroups="general_manager" {task_attributes}>
      {form}
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />
    """)


def the_form() -> Any:
    ext = build_bundle(form_diagram(), {}).extensions_of("work")
    return generated_form("generated:1:work", "Assess loan", ext["camunda_form_data"])


def test_form_data_compiles_into_the_products_form_shape() -> None:
    form = the_form()
    shape = {f.name: (f.type, f.required, f.readonly) for f in form.fields}
    assert shape == {
        "loanAmount": ("integer", True, False),
        "purpose": ("string", False, False),
        "urgent": ("boolean", False, False),
        "startDate": ("date", False, False),
        "riskLevel": ("choice", True, False),
        "customerName": ("string", False, True),
    }
    amount = form.field("loanAmount")
    assert (amount.min, amount.max, amount.default) == (1000, 500000, 1000)
    assert (form.field("purpose").min_length, form.field("purpose").max_length) == (5, 20)
    assert form.field("startDate").default == "2026-12-01"
    assert [v for v, _ in form.field("riskLevel").choices] == ["low", "high"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"loanAmount": 999, "riskLevel": "low"}, "loanAmount"),
        ({"loanAmount": 500001, "riskLevel": "low"}, "loanAmount"),
        ({"loanAmount": "lots", "riskLevel": "low"}, "loanAmount"),
        ({"loanAmount": 2000}, "riskLevel"),
        ({"loanAmount": 2000, "riskLevel": "medium"}, "riskLevel"),
        ({"loanAmount": 2000, "riskLevel": "low", "purpose": "car"}, "purpose"),
        ({"loanAmount": 2000, "riskLevel": "low", "purpose": "x" * 21}, "purpose"),
        ({"loanAmount": 2000, "riskLevel": "low", "urgent": "yes"}, "urgent"),
        ({"loanAmount": 2000, "riskLevel": "low", "startDate": "31.12.2026"}, "startDate"),
        ({"loanAmount": 2000, "riskLevel": "low", "loan_amount": 1}, "loan_amount"),
    ],
)
def test_every_constraint_is_checked_naming_the_field(data: dict, field: str) -> None:
    clean, errors = validate_data(the_form(), data, locale="en")
    assert clean == {} and list(errors) == [field], errors


def test_good_values_come_back_under_the_diagrams_own_names() -> None:
    clean, errors = validate_data(
        the_form(), {"loanAmount": 20000, "riskLevel": "high", "purpose": "New truck", "urgent": True}, locale="en"
    )
    assert errors == {}
    assert clean == {
        "loanAmount": 20000,
        "purpose": "New truck",
        "urgent": True,
        "startDate": "2026-12-01",
        "riskLevel": "high",
    }


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ('<camunda:formField id="x" type="customType" />', "type 'customType'"),
        ('<camunda:formField id="loan-amount" type="long" />', "variable name"),
        (
            '<camunda:formField id="x" type="string"><camunda:validation><camunda:constraint name="validator" '
            'config="org.example.Check" /></camunda:validation></camunda:formField>',
            "validator",
        ),
        ('<camunda:formField id="x" type="enum" />', "needs values"),
    ],
)
def test_a_form_that_cannot_be_built_is_refused_at_deploy_naming_the_task(app: Flask, field: str, words: str) -> None:
    answer = deploy(
        app,
        form_diagram(
            form=f"<bpmn:extensionElements><camunda:formData>{field}</camunda:formData></bpmn:extensionElements>"
        ),
    )
    assert answer.status_code == 422, answer.json
    [error] = answer.json["errors"]
    assert error["element_id"] == "work" and words in error["message"], error


def test_the_task_page_shows_the_generated_form_and_completes_it(app: Flask, client: FlaskClient) -> None:
    assert deploy(app, form_diagram()).status_code == 201
    task = start(app, {"customerName": "Acme Trading"})
    assert task.form_key == f"generated:{task.instance.process_version_id}:work"
    login(client, "general_manager")
    assert client.post(f"/tasks/{task.id}/claim", data={"csrf_token": csrf_token(client.get("/tasks").data)})
    page = client.get(f"/tasks/{task.id}")
    html = page.get_data(as_text=True)
    for name in ("loanAmount", "purpose", "urgent", "startDate", "riskLevel"):
        assert f'name="{name}"' in html, name
    assert "Low risk" in html and "Acme Trading" in html  # enum names, and the readonly value shown
    refused = client.post(
        f"/tasks/{task.id}", data={"csrf_token": csrf_token(page.data), "loanAmount": "50", "riskLevel": "low"}
    )
    assert refused.status_code == 422
    done = client.post(
        f"/tasks/{task.id}",
        data={"csrf_token": csrf_token(page.data), "loanAmount": "20000", "riskLevel": "high", "purpose": "New truck"},
    )
    assert done.status_code == 302
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, task.instance_id)
    assert instance.status == "completed"
    assert (instance.data["loanAmount"], instance.data["riskLevel"], instance.data["customerName"]) == (
        20000,
        "high",
        "Acme Trading",
    )


def test_the_api_checks_the_generated_form_like_the_page(app: Flask) -> None:
    assert deploy(app, form_diagram()).status_code == 201
    task = start(app)
    manager = ApiUser(app.test_client(), "general_manager", PASSWORD)
    assert manager.post(f"/api/v1/tasks/{task.id}/claim").status_code == 200
    refused = manager.post(f"/api/v1/tasks/{task.id}/complete", {"data": {"loanAmount": 10, "riskLevel": "low"}})
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["loanAmount"]
    done = manager.post(f"/api/v1/tasks/{task.id}/complete", {"data": {"loanAmount": 5000, "riskLevel": "low"}})
    assert done.status_code == 200, done.json
    db.session.expire_all()
    assert db.session.get(ProcessInstance, task.instance_id).data["loanAmount"] == 5000


def test_a_start_event_with_form_data_checks_what_the_starter_sends(app: Flask) -> None:
    xml = diagram(f"""
    <bpmn:startEvent id="start">{FORM}</bpmn:startEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work" />
    <bpmn:userTask id="work" name="Work" camunda:candidateGroups="general_manager" />
    <bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />
    """)
    assert deploy(app, xml).status_code == 201
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    refused = sales.post("/api/v1/processes/camunda_probe/instances", {"data": {"loanAmount": 5}})
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"loanAmount", "riskLevel"}
    started = sales.post(
        "/api/v1/processes/camunda_probe/instances", {"data": {"loanAmount": 5000, "riskLevel": "low"}}
    )
    assert started.status_code == 201, started.json
    db.session.expire_all()
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.process_key == "camunda_probe")).one()
    assert task.instance.data["loanAmount"] == 5000


def test_a_web_app_form_key_falls_back_to_the_generated_form_and_the_check_says_so(
    app: Flask, owner: FlaskClient
) -> None:
    xml = form_diagram('camunda:formKey="embedded:app:forms/assess.html"')
    assert deploy(app, xml).status_code == 201
    task = start(app)
    assert task.form_key.startswith("generated:")
    notes = check(owner, xml).json["notes"]
    assert [n["element_id"] for n in notes] == ["work"]
    assert "generated from its camunda:formData" in notes[0]["message"]
    plain = check(owner, form_diagram('camunda:formKey="embedded:app:forms/assess.html"', form="")).json["notes"]
    assert "plain task form" in plain[0]["message"]
