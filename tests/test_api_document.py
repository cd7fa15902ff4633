"""The API's OpenAPI document comes from the routes that serve it: every route and method is in it,
bodies are checked by its schemas, and every instant a real answer carries is company time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema_rs
from apiflask import APIBlueprint
from flask import Flask, jsonify
from flask.testing import FlaskClient

from app.api.auth import token_required
from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance

from .conftest import PASSWORD
from .support import ApiUser

PREFIX = "/api/v1"
ROOT = Path(__file__).resolve().parent.parent
COMPANY_OFFSET = timedelta(hours=8)  # Asia/Shanghai, the tests' company time zone


def document(client: FlaskClient) -> dict[str, Any]:
    answer = client.get(f"{PREFIX}/openapi.json")
    assert answer.status_code == 200
    return answer.json


def documented_path(rule: str) -> str:
    return re.sub(r"<(?:[^<:>]+:)?([^<>]+)>", r"{\1}", rule)[len(PREFIX) :]


def test_every_api_route_and_method_is_in_the_document(app: Flask, client: FlaskClient) -> None:
    doc = document(client)
    assert doc["openapi"].startswith("3.") and doc["servers"] == [{"url": PREFIX}]
    wanted = {
        (documented_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert len(wanted) >= 35  # the walk itself found the API
    missing = sorted((path, method) for path, method in wanted if method not in doc["paths"].get(path, {}))
    assert missing == []
    # Nothing outside the API: the web pages (and any other blueprint) are not part of it.
    assert {(path, method) for path, ops in doc["paths"].items() for method in ops} == wanted


def test_each_operation_names_its_answers_and_their_schemas(client: FlaskClient) -> None:
    doc = document(client)
    complete = doc["paths"]["/tasks/{task_id}/complete"]["post"]
    assert complete["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/WithData"}
    assert set(complete["responses"]) == {"200", "401", "403", "404", "409", "422"}
    assert complete["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/Invalid")
    assert complete["security"] == [{"bearer": []}]
    assert complete["parameters"][0]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    assert set(doc["paths"]["/processes/{process_key}/instances"]["post"]["responses"]) >= {"201", "422"}
    assert "security" not in doc["paths"]["/auth/token"]["post"]
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                assert answer.get("content"), (path, method, code)


def test_a_route_written_in_the_plain_flask_style_is_documented_too(app: Flask) -> None:
    # Routes added the way the API's routes were always written (no schemas declared) still appear,
    # needing a token and able to give any refusal, so the fuzzer accepts what they answer.
    extra = APIBlueprint("extra", __name__)

    @extra.post("/gadgets/<id:gadget_id>/poke")
    @token_required
    def poke(gadget_id: int) -> Any:
        return jsonify(poked=gadget_id), 200

    app.register_blueprint(extra, url_prefix=PREFIX)
    poke_doc = document(app.test_client())["paths"]["/gadgets/{gadget_id}/poke"]["post"]
    assert set(poke_doc["responses"]) == {"200", "401", "403", "404", "409", "422"}
    assert poke_doc["security"] == [{"bearer": []}]


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (ProcessInstance, HumanTask, AuditEvent)
    )


def test_a_body_of_the_wrong_kind_is_refused_by_field_in_the_readers_language(app: Flask) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    sales.start_credit(customer_code="SCH1")
    task_id = manager.only_task()["id"]
    before = _counts()

    refused = manager.post(f"{PREFIX}/tasks/{task_id}/complete", {"data": [1, 2]})
    assert refused.status_code == 422
    assert refused.json["errors"] == {"data": ["必须是对象"]} and refused.json["error"]
    english = manager.client.post(
        f"{PREFIX}/tasks/bulk",
        json={"task_ids": [task_id, "x"], "decision": "approve", "comment": 5},
        headers={**manager.headers, "Accept-Language": "en"},
    )
    assert english.status_code == 422
    assert english.json["errors"] == {"task_ids": ["must be a whole number"], "comment": ["must be text"]}
    not_an_object = manager.post(f"{PREFIX}/tasks/{task_id}/reassign", [task_id])
    assert (not_an_object.status_code, list(not_an_object.json["errors"])) == (422, ["body"])

    db.session.expire_all()
    assert _counts() == before
    assert manager.only_task()["status"] == "open"


def test_the_reference_page_is_served_from_installed_files(client: FlaskClient) -> None:
    page = client.get(f"{PREFIX}/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html  # nothing fetched from elsewhere
    assert f"{PREFIX}/docs/swagger-ui-bundle.js" in html and f'data-spec="{PREFIX}/openapi.json"' in html
    bundle = client.get(f"{PREFIX}/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and b"SwaggerUIBundle" in bundle.data
    assert client.get(f"{PREFIX}/docs/index.html").status_code == 404  # only the two files it needs


def _matches(doc: dict[str, Any], schema: dict[str, Any], answer: Any) -> list[str]:
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": doc["components"]})
    return [e.message for e in validator.iter_errors(answer)]


def test_a_deployment_answers_what_the_document_says(app: Flask) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    xml = (ROOT / "bpmn" / "credit_application.bpmn").read_bytes()
    headers = {**owner.headers, "Content-Type": "application/xml"}
    deployed = owner.client.post(f"{PREFIX}/process-models?filename=credit_application.bpmn", data=xml, headers=headers)
    assert deployed.status_code == 201, deployed.json
    doc = document(app.test_client())
    assert _matches(doc, _answer_schema(doc, "/process-models", "post", 201), deployed.json) == []
    refused = owner.client.post(f"{PREFIX}/process-models", data=b"<nope/>", headers=headers)
    assert refused.status_code == 422
    assert _matches(doc, _answer_schema(doc, "/process-models", "post", 422), refused.json) == []


def _answer_schema(doc: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    return doc["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _instants(doc: dict[str, Any], schema: dict[str, Any], value: Any, where: str) -> list[tuple[str, str]]:
    """(where, value) for every value the document says is a date-time."""
    schema = _resolve(doc, schema)
    if value is None:
        return []
    if schema.get("format") == "date-time":
        return [(where, value)]
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for name, inner in schema.get("properties", {}).items():
            found += _instants(doc, inner, value.get(name), f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += _instants(doc, schema["items"], item, f"{where}[{i}]")
    return found


def _decided_credit_file(app: Flask) -> tuple[ApiUser, int]:
    """A credit application filed, approved by three people and recorded in the credit file."""
    people = {
        u: ApiUser(app.test_client(), u, PASSWORD)
        for u in ("sales_manager", "sales_vp", "finance_director", "general_manager")
    }
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="TZ1", requested_limit=70000.0).json["id"]
    for username, person in people.items():
        task = person.only_task()
        extra = {"approved_limit": 60000.0} if username == "sales_manager" else {}
        assert person.decide(task["id"], "approve", "同意", **extra).status_code == 200
    return sales, instance_id


def test_every_documented_instant_in_real_answers_is_company_time(app: Flask) -> None:
    sales, instance_id = _decided_credit_file(app)
    open_id = sales.start_credit(customer_code="TZ2").json["id"]
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    manager.post(f"{PREFIX}/tasks/{task_id}/claim")
    manager.client.put(f"{PREFIX}/tasks/{task_id}/draft", json={"data": {"comment": "草稿"}}, headers=manager.headers)
    sales.post(f"{PREFIX}/instances/{open_id}/comments", {"body": "请尽快"})
    sales.post(
        f"{PREFIX}/delegations",
        {"delegate": "salesperson2", "starts_at": "2027-01-04T09:00", "ends_at": "2027-01-05", "reason": "休假"},
    )
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    gm = ApiUser(app.test_client(), "general_manager", PASSWORD)
    calls = [
        (sales, "/customers/{code}", f"{PREFIX}/customers/TZ1"),
        (sales, "/instances/{instance_id}", f"{PREFIX}/instances/{instance_id}"),
        (sales, "/instances/{instance_id}/comments", f"{PREFIX}/instances/{open_id}/comments"),
        (sales, "/delegations", f"{PREFIX}/delegations"),
        (manager, "/tasks", f"{PREFIX}/tasks?status=completed"),
        (manager, "/tasks/{task_id}/draft", f"{PREFIX}/tasks/{task_id}/draft"),
        (gm, "/supervision/overdue", f"{PREFIX}/supervision/overdue"),
        (owner, "/process-models", f"{PREFIX}/process-models"),
    ]
    doc = document(app.test_client())
    instants: list[tuple[str, str]] = []
    for user, path, url in calls:
        answer = user.get(url)
        assert answer.status_code == 200, (url, answer.json)
        schema = _answer_schema(doc, path, "get", 200)
        # The answer is exactly what the document describes, keys, kinds and nulls alike.
        assert _matches(doc, schema, answer.json) == [], url
        instants += _instants(doc, schema, answer.json, path)

    fields = {re.sub(r"\[\d+\]", "", where).rsplit(".", 1)[1] for where, _ in instants}
    assert {"at", "decided_at", "updated_at", "created_at", "saved_at", "starts_at", "deployed_at"} <= fields
    assert any(".approvals" in where for where, _ in instants)  # the approvals inside a decision
    wrong = [(where, v) for where, v in instants if datetime.fromisoformat(v).utcoffset() != COMPANY_OFFSET]
    assert wrong == []
