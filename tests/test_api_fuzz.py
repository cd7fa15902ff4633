"""Fuzz the JSON API from its own OpenAPI document: no 500, every answer one the document names and
shaped as it says, and a refused request leaves the database as it was."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings

from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance

from .conftest import PASSWORD
from .support import ApiUser


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (ProcessInstance, HumanTask, AuditEvent)
    )


def test_api_never_fails_and_refusals_change_nothing(app: Flask) -> None:
    # Every role logs in from one address here: the log-in limits are tested in test_accounts.
    app.config.update(LOGIN_LIMIT_PER_ADDRESS="100000 per minute", LOGIN_LIMIT_PER_USER="100000 per minute")
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    sales.start_credit(customer_code="FZ1")  # something to find, claim and complete
    user = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    components = app.test_client().get("/api/v1/openapi.json").json["components"]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: Any) -> None:
            before = counts()
            response = case.call(headers={**(case.headers or {}), **user.headers})
            where = (case.method, case.formatted_path, response.status_code, response.text[:300])
            assert response.status_code < 500, where
            answers = case.operation.definition.raw["responses"]
            assert str(response.status_code) in answers, where
            documented = answers[str(response.status_code)].get("content", {}).get("application/json")
            if documented is not None and response.headers.get("Content-Type") == "application/json":
                # The generated document describes what is really sent, refusals included.
                validator = jsonschema_rs.Draft202012Validator({**documented["schema"], "components": components})
                assert [e.message for e in validator.iter_errors(response.json())] == [], where
            if response.status_code >= 400:
                db.session.expire_all()
                after = counts()
                # refusals may be audited (an incident is recorded on purpose); instances and tasks never move
                assert after[:2] == before[:2], where

        call()
