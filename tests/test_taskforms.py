"""The form compiler: forms/*.json into WTForms, with the same rules for HTML and JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from app.taskforms import (
    FormDefinitionError,
    FormNotFound,
    FormRegistry,
    build_form_class,
    parse_definition,
    validate_data,
)

FORMS = Path(__file__).resolve().parent.parent / "forms"


@pytest.fixture(scope="module")
def registry() -> FormRegistry:
    return FormRegistry(FORMS)


def test_every_form_in_the_repository_loads(registry: FormRegistry) -> None:
    assert registry.keys() == ["credit_application", "credit_approval", "credit_correction", "escalation_ack"]
    for key in registry.keys():
        form = registry.get(key)
        assert form.fields and form.title["zh_CN"] and form.title["en"]
        assert all(f.label["zh_CN"] and f.label["en"] for f in form.fields)
    correction = registry.get("credit_correction")
    assert [f.name for f in correction.fields] == [f.name for f in registry.get("credit_application").fields]
    assert correction.prefill


def test_an_unknown_form_is_reported(registry: FormRegistry) -> None:
    with pytest.raises(FormNotFound):
        registry.get("nope")
    with pytest.raises(FormNotFound):
        registry.get("../etc/passwd")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([{"name": "x", "type": "color"}], "unknown type 'color'"),
        ([{"name": "x", "type": "choice"}], "without choices"),
        ([{"name": "x"}, {"name": "x"}], "duplicate field names: x"),
        ([{"name": "Bad Name"}], "must be lower-case"),
        ([{"name": "x", "colour": 1}], "unknown settings: colour"),
        ([{"name": "x", "required_if": {"y": ["1"]}}], "unknown field 'y'"),
        ([], "at least one field"),
    ],
)
def test_bad_definitions_name_the_problem(fields: list, message: str) -> None:
    with pytest.raises(FormDefinitionError, match=message):
        parse_definition("broken", {"fields": fields})


def test_approval_rules(registry: FormRegistry) -> None:
    approval = registry.get("credit_approval")
    context = {"limit_cap": 80000.0}
    clean, errors = validate_data(approval, {"decision": "approve"}, context)
    assert errors == {} and clean == {"decision": "approve", "comment": None, "approved_limit": None}
    assert "comment" in validate_data(approval, {"decision": "reject"}, context)[1]
    assert "comment" in validate_data(approval, {"decision": "return", "comment": "  "}, context)[1]
    assert "decision" in validate_data(approval, {"decision": "maybe"}, context)[1]
    errors = validate_data(approval, {"decision": "approve", "approved_limit": 80000.5}, context)[1]
    assert "limit_cap = 80000.0" in errors["approved_limit"][0]
    assert (
        validate_data(approval, {"decision": "approve", "approved_limit": 80000}, context)[0]["approved_limit"]
        == 80000.0
    )
    assert "approved_limit" in validate_data(approval, {"decision": "approve", "approved_limit": -1}, context)[1]
    assert "approved_limit" in validate_data(approval, {"decision": "approve", "approved_limit": "abc"}, context)[1]
    assert "approved_limit" in validate_data(approval, {"decision": "approve", "approved_limit": True}, context)[1]
    assert validate_data(approval, {"decision": "approve", "x": 1}, context)[1] == {"x": ["Unknown field."]}


def test_application_types(registry: FormRegistry) -> None:
    form = registry.get("credit_application")
    data = {
        "customer_code": " C1 ",
        "customer_name": "甲",
        "months_of_cooperation": 12,
        "avg_monthly_shipment": "10.005",
        "avg_monthly_collection": 5,
        "lawful": True,
        "c_conditions": ["weak_capital"],
        "credit_type": "temporary",
        "requested_limit": 1,
        "requested_term_days": 10.0,
    }
    clean, errors = validate_data(form, data)
    assert errors == {}
    assert clean["customer_code"] == "C1" and clean["months_of_cooperation"] == 12
    assert clean["avg_monthly_shipment"] == 10.0 and clean["lawful"] is True and clean["bad_record_24m"] is False
    assert clean["c_conditions"] == ["weak_capital"] and clean["requested_term_days"] == 10
    assert "lawful" in validate_data(form, {**data, "lawful": "yes"})[1]
    assert "c_conditions" in validate_data(form, {**data, "c_conditions": ["nope"]})[1]
    assert "c_conditions" in validate_data(form, {**data, "c_conditions": "weak_capital"})[1]
    assert "requested_term_days" in validate_data(form, {**data, "requested_term_days": 1.5})[1]
    assert "customer_name" in validate_data(form, {**data, "customer_name": 7})[1]
    assert "avg_monthly_shipment" in validate_data(form, {**data, "avg_monthly_shipment": "NaN"})[1]


def test_html_form_labels_and_errors_in_both_languages(registry: FormRegistry) -> None:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False)
    approval = registry.get("credit_approval")
    with app.test_request_context(method="POST", data={"decision": "reject", "comment": ""}):
        form = build_form_class(approval, {"limit_cap": 10}, locale="zh_CN")()
        assert not form.validate()
        assert form.comment.label.text == "审批意见" and form.comment.errors == ["此项必填"]
    with app.test_request_context(method="POST", data={"decision": "approve", "approved_limit": "11"}):
        form = build_form_class(approval, {"limit_cap": 10}, locale="en")()
        assert not form.validate()
        assert form.approved_limit.label.text == "Approved limit (CNY)"
        assert "cap" in form.approved_limit.errors[0]
