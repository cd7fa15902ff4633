"""The inbox over JSON and its saved filters on the page and the API; bad input is refused by name."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import SavedFilter

from .conftest import PASSWORD, T0, csrf_token, login
from .support import ApiUser
from .test_inbox import add_task, empty_instance


@pytest.fixture
def instance_id(app: Flask) -> int:
    return empty_instance()


def test_saved_filters_on_the_page_and_over_the_api(app: Flask, client: FlaskClient) -> None:
    login(client, "sales_manager")
    page = client.get("/tasks?process=credit_application").get_data(as_text=True)
    token = csrf_token(page.encode())
    response = client.post(
        "/tasks/filters", data={"csrf_token": token, "name": "Credit only", "process": "credit_application"}
    )
    assert response.status_code == 302
    row = db.session.scalars(db.select(SavedFilter)).one()
    assert client.get(f"/tasks/filters/{row.id}").headers["Location"].endswith("/tasks?process=credit_application")
    assert "Credit only" in client.get("/tasks").get_data(as_text=True)
    api = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    assert api.get("/api/v1/saved-filters").json["filters"] == [
        {"id": row.id, "name": "Credit only", "params": {"process": "credit_application"}}
    ]
    bad = api.post("/api/v1/saved-filters", {"name": "x", "params": {"status": "lost"}})
    assert bad.status_code == 422 and list(bad.json["errors"]) == ["status"]
    created = api.post("/api/v1/saved-filters", {"name": "Mine", "params": {"tab": "mine"}})
    assert created.status_code == 201
    other = ApiUser(app.test_client(), "finance_director", PASSWORD)
    assert other.client.delete(f"/api/v1/saved-filters/{row.id}", headers=other.headers).status_code == 403
    assert api.client.delete(f"/api/v1/saved-filters/{row.id}", headers=api.headers).status_code == 200
    client.post(f"/tasks/filters/{created.json['id']}/delete", data={"csrf_token": token})
    assert db.session.scalars(db.select(SavedFilter)).all() == []


def test_the_api_lists_pages_with_the_same_filters(app: Flask, instance_id: int) -> None:
    for i in range(3):
        add_task(instance_id, title=f"Api {i}", customer="Acme", due_at=T0 + timedelta(days=i))
    api = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    first = api.get("/api/v1/tasks?customer=acme&limit=2").json
    assert [t["title"] for t in first["tasks"]] == ["Api 0", "Api 1"] and first["prev"] is None
    second = api.get(f"/api/v1/tasks?customer=acme&limit=2&after={first['next']}").json
    assert [t["title"] for t in second["tasks"]] == ["Api 2"] and second["next"] is None
    assert second["tasks"][0]["customer"] == "Acme"
    assert api.get("/api/v1/tasks?limit=0").status_code == 422
    assert api.get("/api/v1/tasks?after=garbage").json["errors"] == {"after": ["不是此排序方式下有效的翻页标记"]}
    in_english = api.client.get("/api/v1/tasks?after=garbage", headers={**api.headers, "Accept-Language": "en"})
    assert in_english.json["errors"] == {"after": ["is not a valid page cursor for this order"]}
    assert app.test_client().get("/api/v1/tasks").status_code == 401
    stranger = ApiUser(app.test_client(), "cs_director", PASSWORD)
    assert stranger.get("/api/v1/tasks?customer=acme").json["tasks"] == []


def _cursor(key: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def test_values_the_database_would_choke_on_are_refused_by_name(app: Flask) -> None:
    api = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    for query, field in (
        ("q=a%00b", "q"),
        ("due_to=9999-12-31", "due_to"),
        (f"after={_cursor(['due', '2026-11-23T09:00:00', 1])}", "after"),  # no zone
        (f"after={_cursor(['title', 5, 1])}", "after"),
        (f"after={_cursor(['due', None, 1])}&sort=title", "after"),
    ):
        answer = api.get(f"/api/v1/tasks?{query}")
        assert answer.status_code == 422, query
        assert list(answer.json["errors"]) == [field], query
    saved = api.post("/api/v1/saved-filters", {"name": "a\u0000b", "params": {}})
    assert saved.status_code == 422 and list(saved.json["errors"]) == ["name"]
