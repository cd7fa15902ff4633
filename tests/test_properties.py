"""Property-based checks: whatever a client sends, the answer is a clear 2xx/4xx and a refusal changes nothing."""

from __future__ import annotations

from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance
from app.taskforms import FormRegistry, validate_data

from .conftest import PASSWORD, ROOT
from .support import ApiUser, application

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
CREDIT_KEYS = sorted(application())
FORMS = FormRegistry(ROOT / "forms")


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (ProcessInstance, HumanTask, AuditEvent)
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(CREDIT_KEYS + ["surprise"]), JSON_VALUES, max_size=5))
def test_any_credit_application_body_is_accepted_or_refused_cleanly(app: Flask, changes: dict[str, Any]) -> None:
    # The fixture app lives across examples: one token, made once (log-in limits are tested elsewhere).
    if "property_test_user" not in app.extensions:
        app.extensions["property_test_user"] = ApiUser(app.test_client(), "salesperson", PASSWORD)
    sales = app.extensions["property_test_user"]
    data = {**application(), **changes}
    data.pop("filed_by", None)
    before = counts()
    response = sales.post("/api/v1/processes/credit_application/instances", {"data": data})
    # 409: an application for the same customer is still open (one per customer).
    assert response.status_code in (201, 409, 422), response.json
    if response.status_code == 409:
        assert isinstance(response.json["instance_id"], int) and counts() == before
    if response.status_code == 422:
        assert response.json["errors"] and all(isinstance(v, list) for v in response.json["errors"].values())
        assert counts() == before


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(FORMS.keys()), data=st.dictionaries(st.text(max_size=20), JSON_VALUES, max_size=6))
def test_the_form_compiler_never_crashes_and_names_each_refused_field(key: str, data: dict[str, Any]) -> None:
    form = FORMS.get(key)
    clean, errors = validate_data(form, data, context={"limit_cap": 1000, "amount_claimed": 500})
    assert (clean == {}) == bool(errors)
    known = {f.name for f in form.fields}
    assert set(errors) <= known | set(data)
    assert set(clean) <= known
