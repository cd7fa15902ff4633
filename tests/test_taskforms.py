"""The form compiler: forms/*.json into WTForms, with the same rules for HTML and JSON."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask_wtf import FlaskForm

from app.clock import FixedClock
from app.taskforms import (
    FormDef,
    FormDefinitionError,
    FormNotFound,
    FormRegistry,
    build_form_class,
    form_to_data,
    parse_definition,
    validate_data,
)

FORMS = Path(__file__).resolve().parent.parent / "forms"
CAP = {"limit_cap": 80000}
APPLICATION = {
    "customer_code": " C001 ",
    "customer_name": "上海甲乙贸易有限公司",
    "months_of_cooperation": 12,
    "avg_monthly_shipment": "10.005",
    "avg_monthly_collection": 5,
    "lawful": True,
    "c_conditions": ["weak_capital", "weak_capital"],
    "credit_type": "temporary",
    "requested_limit": 50000,
    "requested_term_days": 30.0,
}


@pytest.fixture(scope="module")
def registry() -> FormRegistry:
    return FormRegistry(FORMS)


@pytest.fixture(scope="module")
def approval(registry: FormRegistry) -> FormDef:
    return registry.get("credit_approval")


@pytest.fixture(scope="module")
def application(registry: FormRegistry) -> FormDef:
    return registry.get("credit_application")


@pytest.fixture
def web() -> Iterator[Flask]:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False, COMPANY_TIMEZONE="Asia/Shanghai")
    app.extensions["clock"] = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    yield app


def errors_of(form_def: FormDef, data: dict[str, Any], context: dict[str, Any] | None = None) -> dict[str, list[str]]:
    clean, errors = validate_data(form_def, data, context)
    assert not (clean and errors)
    return errors


def test_every_form_in_the_repository_loads(registry: FormRegistry) -> None:
    assert {"credit_application", "credit_approval", "credit_correction"} <= set(registry.keys())
    for key in registry.keys():
        form = registry.get(key)
        assert form.key == key and form.fields and form.title["zh_CN"] and form.title["en"]
        assert all(f.label["zh_CN"] and f.label["en"] for f in form.fields)
    correction = registry.get("credit_correction")
    assert correction.fields == registry.get("credit_application").fields
    assert correction.prefill


def test_an_unknown_form_is_reported_like_a_missing_key(registry: FormRegistry) -> None:
    for key in ("nope", "../etc/passwd", "Credit_Approval"):
        with pytest.raises(FormNotFound):
            registry.get(key)
    with pytest.raises(KeyError):
        registry.get("nope")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([{"name": "x", "type": "color"}], "field 'x' has unknown type 'color'"),
        ([{"name": "x", "type": "choice"}], "field 'x' is a choice field without choices"),
        ([{"name": "x", "type": "multichoice", "choices": []}], "without choices"),
        ([{"name": "x"}, {"name": "x"}], "duplicate field names: x"),
        ([{"name": "Bad Name"}], "'Bad Name' must be lower-case"),
        ([{"name": "min", "type": "decimal"}], "field name 'min' is reserved"),
        ([{"name": "errors"}], "field name 'errors' is reserved"),
        ([{"name": "x", "colour": 1}], "field 'x' has unknown settings: colour"),
        ([{"name": "x", "required_if": {"y": ["1"]}}], "field 'x' depends on unknown field 'y'"),
        ([{"name": "x", "min": 1}], "min does not apply to a string field"),
        ([{"name": "x", "money": True}], "money does not apply to a string field"),
        ([{"name": "x", "type": "decimal", "money": "yes"}], "money must be true or false"),
        ([{"name": "x", "type": "integer", "min": 5, "max": 1}], "min is greater than max"),
        ([{"name": "x", "type": "integer", "max": 1.5}], "max must be a whole number"),
        ([{"name": "x", "required": "yes"}], "required must be true or false"),
        ([{"name": "x", "type": "text", "max_length": 0}], "max_length must be a positive whole number"),
        ([{"name": "x", "readonly": True, "required": True}], "a readonly field cannot be required"),
        (
            [{"name": "x", "type": "choice", "default": "c", "choices": [{"value": "a"}, {"value": "b"}]}],
            "default 'c' is not a valid choice value",
        ),
        ([{"name": "x", "type": "choice", "choices": [{"value": "a"}, {"value": "a"}]}], "choice 'a' is listed twice"),
        ([{"name": "x", "label": {}}], "the label of field 'x' must be"),
        ([], "at least one field"),
    ],
)
def test_bad_definitions_name_the_problem(fields: list[Any], message: str) -> None:
    with pytest.raises(FormDefinitionError, match=message) as caught:
        parse_definition("broken", {"fields": fields})
    assert caught.value.key == "broken" and str(caught.value).startswith("form 'broken': ")


def test_bad_form_settings_name_the_problem() -> None:
    with pytest.raises(FormDefinitionError, match="unknown settings: titel"):
        parse_definition("broken", {"titel": "x", "fields": [{"name": "x"}]})
    with pytest.raises(FormDefinitionError, match="key 'other'; it must match the file name"):
        parse_definition("broken", {"key": "other", "fields": [{"name": "x"}]})


def write(directory: Path, key: str, definition: dict[str, Any], mtime: int) -> None:
    path = directory / f"{key}.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    os.utime(path, ns=(mtime, mtime))  # explicit stamps: no sleeping to get a new mtime


def test_registry_rereads_changed_files_including_the_extended_form(tmp_path: Path) -> None:
    write(tmp_path, "base", {"fields": [{"name": "a"}]}, 1_000_000_000)
    write(tmp_path, "child", {"extends": "base", "fields": [{"name": "b"}]}, 1_000_000_000)
    registry = FormRegistry(tmp_path)
    assert [f.name for f in registry.get("child").fields] == ["a", "b"]
    assert registry.get("child") is registry.get("child")  # cached while nothing changes

    write(tmp_path, "base", {"fields": [{"name": "a"}, {"name": "c"}]}, 2_000_000_000)
    assert [f.name for f in registry.get("child").fields] == ["a", "c", "b"]
    assert registry.keys() == ["base", "child"]


def test_registry_reports_broken_files_and_extends_cycles(tmp_path: Path) -> None:
    write(tmp_path, "a", {"extends": "b", "fields": []}, 1)
    write(tmp_path, "b", {"extends": "a", "fields": []}, 1)
    write(tmp_path, "orphan", {"extends": "missing", "fields": []}, 1)
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    registry = FormRegistry(tmp_path)
    with pytest.raises(FormDefinitionError, match="extends itself: a -> b -> a"):
        registry.get("a")
    with pytest.raises(FormDefinitionError, match="extends unknown form 'missing'") as caught:
        registry.get("orphan")
    assert not isinstance(caught.value, FormNotFound)  # the orphan exists, its parent does not
    with pytest.raises(FormDefinitionError, match="form 'bad': not valid JSON"):
        registry.get("bad")


def test_approval_needs_a_reason_only_to_reject_or_return(approval: FormDef) -> None:
    assert validate_data(approval, {"decision": "approve"}, CAP) == (
        {"decision": "approve", "comment": None, "approved_limit": None},
        {},
    )
    assert errors_of(approval, {"decision": "reject"}, CAP) == {"comment": ["This field is required."]}
    assert errors_of(approval, {"decision": "return", "comment": "   "}, CAP) == {
        "comment": ["This field is required."]
    }
    clean, errors = validate_data(approval, {"decision": "return", "comment": " 请补充银行流水 "}, CAP)
    assert errors == {} and clean["comment"] == "请补充银行流水"
    assert errors_of(approval, {}, CAP) == {"decision": ["This field is required."]}
    assert errors_of(approval, {"decision": "reject", "comment": "x" * 2001})["comment"] == ["At most 2000 characters."]


def test_an_unknown_choice_is_refused_by_name(approval: FormDef) -> None:
    assert errors_of(approval, {"decision": "maybe"}) == {"decision": ["Not a valid choice: maybe."]}
    assert errors_of(approval, {"decision": 1}) == {"decision": ["Must be text."]}


def test_approved_limit_may_reach_the_cap_but_not_pass_it(approval: FormDef) -> None:
    clean, errors = validate_data(approval, {"decision": "approve", "approved_limit": 80000}, CAP)
    assert errors == {} and clean["approved_limit"] == 80000.0
    errors = errors_of(approval, {"decision": "approve", "approved_limit": "80000.01"}, CAP)
    assert errors == {"approved_limit": ["Must not exceed the cap limit_cap (80000.00)."]}
    # Without a cap in the process data only the field's own limits apply.
    assert validate_data(approval, {"decision": "approve", "approved_limit": 10**9})[1] == {}
    # A cap that is not a number must not wave every amount through.
    assert "approved_limit" in errors_of(approval, {"decision": "approve", "approved_limit": 1}, {"limit_cap": "n/a"})


@pytest.mark.parametrize("amount", [-1, 0, "abc", True, "NaN", "Infinity", [1]])
def test_approved_limit_must_be_a_positive_number(approval: FormDef, amount: Any) -> None:
    assert list(errors_of(approval, {"decision": "approve", "approved_limit": amount}, CAP)) == ["approved_limit"]


def test_unknown_fields_are_named(approval: FormDef) -> None:
    errors = errors_of(approval, {"decision": "approve", "grade": "A"})
    assert errors == {"grade": ["Unknown field."]}


def test_application_clean_data_has_plain_json_types(application: FormDef) -> None:
    clean, errors = validate_data(application, APPLICATION)
    assert errors == {}
    assert clean["customer_code"] == "C001"
    assert clean["months_of_cooperation"] == 12 and clean["requested_term_days"] == 30
    assert isinstance(clean["requested_term_days"], int)
    assert clean["avg_monthly_shipment"] == 10.01  # money is rounded half up to the fen
    assert clean["requested_limit"] == 50000.0 and isinstance(clean["requested_limit"], float)
    assert clean["lawful"] is True and clean["bad_record_24m"] is False
    assert clean["c_conditions"] == ["weak_capital"]
    assert clean["collateral_value"] == 0.0  # the definition's default
    assert clean["shareholders"] is None and clean["annual_revenue"] is None  # investigation left blank
    json.dumps(clean)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("avg_monthly_shipment", -5, "Must be at least 0.00."),
        ("requested_limit", 0, "Must be at least 0.01."),
        ("requested_term_days", 367, "Must be at most 366."),
        ("requested_term_days", 1.5, "Not a valid whole number."),
        ("months_of_cooperation", "twelve", "Not a valid whole number."),
        ("lawful", "yes", "Must be true or false."),
        ("lawful", 3, "Must be true or false."),
        ("c_conditions", ["weak_capital", "nope"], "Not a valid choice: nope."),
        ("c_conditions", "weak_capital", "Must be a list of choice values."),
        ("credit_type", "forever", "Not a valid choice: forever."),
        ("customer_code", "C" * 33, "At most 32 characters."),
        ("customer_name", 7, "Must be text."),
    ],
)
def test_application_refuses_bad_values_on_the_field(
    application: FormDef, field: str, value: Any, message: str
) -> None:
    assert errors_of(application, {**APPLICATION, field: value}) == {field: [message]}


def test_messages_follow_the_locale(approval: FormDef) -> None:
    _, errors = validate_data(approval, {"decision": "approve", "approved_limit": 90000}, CAP, locale="zh_CN")
    assert errors == {"approved_limit": ["不能超过上限 limit_cap（80000.00）"]}
    assert validate_data(approval, {"decision": "reject"}, locale="zh-CN")[1] == {"comment": ["此项必填"]}


EXTRAS = parse_definition(
    "extras",
    {
        "fields": [
            {
                "name": "proposed_grade",
                "type": "string",
                "readonly": True,
                "label": {"zh_CN": "拟定等级", "en": "Grade"},
            },
            {"name": "escalate", "type": "boolean"},
            {"name": "reason", "type": "text", "required_if": {"escalate": [True], "proposed_grade": ["C"]}},
            {"name": "visit_on", "type": "date"},
            {"name": "received_at", "type": "datetime", "not_after_now": True},
        ]
    },
)


def test_readonly_values_and_conditions_on_booleans(web: Flask) -> None:
    with web.app_context():
        assert validate_data(EXTRAS, {"proposed_grade": "A"}) == (
            {"escalate": False, "reason": None, "visit_on": None, "received_at": None},
            {},
        )
        assert errors_of(EXTRAS, {"escalate": True}) == {"reason": ["This field is required."]}
        assert errors_of(EXTRAS, {}, {"proposed_grade": "C"}) == {"reason": ["This field is required."]}


def test_dates_and_times(web: Flask) -> None:
    with web.app_context():
        clean, errors = validate_data(EXTRAS, {"visit_on": "2026-11-30", "received_at": "2026-11-23T08:30"})
        assert errors == {} and clean["visit_on"] == "2026-11-30"
        assert clean["received_at"] == "2026-11-23T08:30:00+08:00"  # typed without offset: company time
        clean = validate_data(EXTRAS, {"received_at": "2026-11-23T00:30:00Z"})[0]
        assert clean["received_at"] == "2026-11-23T08:30:00+08:00"
        assert errors_of(EXTRAS, {"received_at": "2026-11-23T10:00"}) == {"received_at": ["Must not be in the future."]}
        assert errors_of(EXTRAS, {"visit_on": "30/11/2026"}) == {"visit_on": ["Not a valid date (YYYY-MM-DD)."]}
        assert list(errors_of(EXTRAS, {"received_at": "yesterday"})) == ["received_at"]


def test_html_form_in_chinese(web: Flask, approval: FormDef) -> None:
    with web.test_request_context(method="POST", data={"decision": "reject", "comment": " "}):
        form_class = build_form_class(approval, CAP, locale="zh_CN")
        assert issubclass(form_class, FlaskForm)
        form = form_class()
        assert not form.validate()
        assert form.decision.label.text == "审批结论" and form.comment.label.text == "审批意见"
        assert [c.label for c in form.decision.choices][1:] == ["同意", "驳回", "退回修改"]
        assert form.errors == {"comment": ["此项必填"]}
    with web.test_request_context(method="POST", data={"decision": "approve", "approved_limit": "80000.01"}):
        form = build_form_class(approval, CAP, locale="zh_CN")()
        assert not form.validate()
        assert form.approved_limit.errors == ["不能超过上限 limit_cap（80000.00）"]


def test_html_form_in_english_gives_the_same_clean_data_as_the_api(web: Flask, application: FormDef) -> None:
    posted = {k: v for k, v in APPLICATION.items() if k not in ("lawful", "c_conditions")}
    posted.update(lawful="y", c_conditions=["weak_capital"], requested_term_days="30")  # unticked boxes are absent
    with web.test_request_context(method="POST", data=posted):
        form = build_form_class(application, locale="en")()
        assert form.validate(), form.errors
        assert form.credit_type.label.text == "Credit type" and form.c_conditions.label.text == "C-grade conditions"
        assert form_to_data(form, application) == validate_data(application, APPLICATION)[0]
    with web.test_request_context(method="POST", data={**posted, "avg_monthly_shipment": "-1", "lawful": "y"}):
        form = build_form_class(application, locale="en")()
        assert not form.validate()
        assert form.errors == {"avg_monthly_shipment": ["Must be at least 0.00."]}


def test_html_readonly_field_shows_the_process_value_and_ignores_input(web: Flask) -> None:
    with web.test_request_context(method="POST", data={"proposed_grade": "A", "escalate": "y", "reason": "慢"}):
        form = build_form_class(EXTRAS, {"proposed_grade": "C"}, locale="zh_CN")()
        assert form.validate(), form.errors
        assert form.proposed_grade.data == "C" and form.proposed_grade.label.text == "拟定等级"
        assert "disabled" in form.proposed_grade() and 'value="C"' in form.proposed_grade()
        assert "proposed_grade" not in form_to_data(form, EXTRAS)
