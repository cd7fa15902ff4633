"""Process models from the browser and the API: check, deploy, versions, restore, diff and the overview."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance, ProcessVersion
from app.services.modeling import process_models
from app.services.modeling.diagram_diff import diff_documents

from .conftest import PASSWORD, login
from .support import MIWG, ApiUser

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"
CREDIT = (BPMN_DIR / "credit_application.bpmn").read_text(encoding="utf-8")
EXTRA_TASK = """<bpmn:userTask id="extra_check" name="补充核查">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="credit_approval" />
        <spiffworkflow:property name="dueIn" value="1 working day" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_start" sourceRef="start_filed" targetRef="extra_check" />
    <bpmn:sequenceFlow id="flow_extra" sourceRef="extra_check" targetRef="fetch_credit_file" />"""


FLOW_SM_APPROVE = '<bpmn:sequenceFlow id="flow_sm_approve" name="同意" sourceRef="gw_sm" targetRef="confirm_grade">'


def with_extra_task(xml: str = CREDIT) -> str:
    """The credit process with a sales-manager check before anything else happens."""
    xml = xml.replace(
        '<bpmn:sequenceFlow id="flow_start" sourceRef="start_filed" targetRef="fetch_credit_file" />', EXTRA_TASK
    )
    return xml.replace(
        "<bpmn:flowNodeRef>propose_limit</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>propose_limit</bpmn:flowNodeRef><bpmn:flowNodeRef>extra_check</bpmn:flowNodeRef>",
    )


def csrf_of(client: FlaskClient, url: str = "/modeler") -> str:
    page = client.get(url).data.decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match
    return match.group(1)


def post_json(client: FlaskClient, url: str, body: dict) -> object:
    return client.post(
        url, json=body, headers={"X-CSRFToken": csrf_of(client, "/modeler/processes/credit_application")}
    )


def test_the_overview_counts_running_instances_per_version(app: Flask, owner: FlaskClient) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    sales.start_credit(customer_code="PM1")
    sales.start_credit(customer_code="PM2")
    models = {m.process_key: m for m in process_models.overview()}
    assert models["credit_application"].running == {1: 2}
    page = owner.get("/modeler").data.decode()
    assert 'data-key="credit_application"' in page
    assert "v1: 2" in page


def test_check_lists_nothing_for_a_good_diagram(owner: FlaskClient) -> None:
    answer = post_json(owner, "/modeler/check", {"xml": CREDIT, "filename": "credit_application.bpmn"})
    assert answer.status_code == 200
    assert answer.json == {"ok": True, "kind": "bpmn", "errors": [], "notes": []}


@pytest.mark.parametrize(
    ("change", "element", "words"),
    [
        (('isExecutable="true"', 'isExecutable="false"'), "credit_application", "not marked executable"),
        (
            (FLOW_SM_APPROVE, None),
            "flow_sm_approve",
            "has no condition",
        ),
        (
            ('<bpmn:lane id="lane_finance_director" name="finance_director">', 'name="treasurer"'),
            "lane_finance_director",
            "not a role",
        ),
        (
            ('value="credit_correction"', 'value="no_such_form"'),
            "correct_application",
            "form 'no_such_form' does not exist",
        ),
        (
            (
                'value="2 working days" /><spiffworkflow:property name="assignee"',
                'value="3 fortnights" /><spiffworkflow:property name="assignee"',
            ),
            "correct_application",
            "deadline cannot be read",
        ),
    ],
)
def test_check_explains_each_problem_with_its_element(
    owner: FlaskClient, change: tuple[str, str | None], element: str, words: str
) -> None:
    old, new = change
    assert old in CREDIT
    if new is None:
        xml = _strip_condition(CREDIT, old)
    elif new.startswith("name="):
        xml = CREDIT.replace(old, old.replace('name="finance_director"', new))
    else:
        xml = CREDIT.replace(old, new)
    answer = post_json(owner, "/modeler/check", {"xml": xml, "filename": "credit_application.bpmn"})
    assert answer.status_code == 200
    assert answer.json["ok"] is False
    assert any(e["element_id"] == element and words in e["message"] for e in answer.json["errors"]), answer.json


def _strip_condition(xml: str, flow_start: str) -> str:
    start = xml.index(flow_start)
    end = xml.index("</bpmn:sequenceFlow>", start)
    return xml[:start] + flow_start.replace(">", " />") + xml[end + len("</bpmn:sequenceFlow>") :]


def test_a_lane_whose_role_nobody_holds_is_named(app: Flask, owner: FlaskClient) -> None:
    from app.models import User

    for user in db.session.scalars(db.select(User).where(User.username == "finance_director")):
        user.active = False
    db.session.commit()
    answer = post_json(owner, "/modeler/check", {"xml": CREDIT, "filename": "credit_application.bpmn"})
    assert {
        "element_id": "lane_finance_director",
        "message": "nobody holds the role 'finance_director', so its tasks would reach no one",
    } in answer.json["errors"]


def test_a_forbidden_expression_and_a_doctype_are_refused(owner: FlaskClient) -> None:
    start = CREDIT.index('<bpmn:sequenceFlow id="flow_sm_approve"')
    cond_start = CREDIT.index("<bpmn:conditionExpression", start)
    cond_end = CREDIT.index("</bpmn:conditionExpression>", start)
    evil = CREDIT[:cond_start] + '<bpmn:conditionExpression>__import__("os").system("id")' + CREDIT[cond_end:]
    answer = post_json(owner, "/modeler/check", {"xml": evil, "filename": "x.bpmn"})
    assert any(
        e["element_id"] == "flow_sm_approve" and "condition cannot be used" in e["message"]
        for e in answer.json["errors"]
    )
    doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + CREDIT.split("?>", 1)[1]
    answer = post_json(owner, "/modeler/check", {"xml": doctype, "filename": "x.bpmn"})
    assert answer.json["ok"] is False
    assert "DOCTYPE" in answer.json["errors"][0]["message"]


def test_deploy_makes_a_new_version_running_instances_stay_and_the_audit_has_a_diff(
    app: Flask, owner: FlaskClient
) -> None:
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    old_id = sales.start_credit(customer_code="PM3").json["id"]
    answer = post_json(owner, "/modeler/deploy", {"xml": with_extra_task(), "filename": "credit_application.bpmn"})
    assert answer.status_code == 201, answer.json
    assert (answer.json["process_key"], answer.json["version"]) == ("credit_application", 2)
    assert db.session.get(ProcessInstance, old_id).process_version.version == 1
    new_id = sales.start_credit(customer_code="PM4").json["id"]
    assert db.session.get(ProcessInstance, new_id).process_version.version == 2
    task = db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == new_id)).one()
    assert (task.bpmn_id, task.role) == ("extra_check", "sales_manager")
    manager = ApiUser(app.test_client(), "sales_manager", PASSWORD)
    assert any(t["instance_id"] == new_id for t in manager.tasks())
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "deploy").order_by(AuditEvent.id.desc())
    ).first()
    assert event.actor.username == "process_owner"
    assert event.details["changes"]["added"] == ["extra_check", "flow_extra"]
    assert "flow_start" in event.details["changes"]["changed"]
    assert event.details["changes"]["removed"] == []


def test_a_refused_deploy_changes_nothing(owner: FlaskClient) -> None:
    before = db.session.scalar(db.select(db.func.count(ProcessVersion.id)))
    bad = CREDIT.replace('value="credit_correction"', 'value="no_such_form"')
    answer = post_json(owner, "/modeler/deploy", {"xml": bad, "filename": "credit_application.bpmn"})
    assert answer.status_code == 422
    assert answer.json["errors"][0]["element_id"] == "correct_application"
    assert db.session.scalar(db.select(db.func.count(ProcessVersion.id))) == before


def test_only_a_process_owner_may_deploy(app: Flask) -> None:
    manager = app.test_client()
    login(manager, "general_manager")
    page = manager.get("/account/password").data.decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = manager.post("/modeler/deploy", json={"xml": with_extra_task()}, headers={"X-CSRFToken": token})
    assert answer.status_code == 403
    assert (
        ApiUser(app.test_client(), "general_manager", PASSWORD)
        .client.post(
            "/api/v1/process-models",
            data=with_extra_task(),
            content_type="application/xml",
            headers=ApiUser(app.test_client(), "general_manager", PASSWORD).headers,
        )
        .status_code
        == 403
    )
    assert (
        db.session.scalar(
            db.select(db.func.max(ProcessVersion.version)).where(ProcessVersion.process_key == "credit_application")
        )
        == 1
    )


def test_a_deploy_without_the_csrf_token_is_refused(owner: FlaskClient) -> None:
    answer = owner.post("/modeler/deploy", json={"xml": with_extra_task()})
    assert answer.status_code == 400


def test_an_earlier_version_is_restored_as_a_new_version(app: Flask, owner: FlaskClient) -> None:
    post_json(owner, "/modeler/deploy", {"xml": with_extra_task(), "filename": "credit_application.bpmn"})
    assert "v2" in owner.get("/modeler/processes/credit_application").data.decode()
    assert owner.get("/modeler/processes/credit_application/versions/1/xml").data.decode() == CREDIT
    token = csrf_of(owner, "/modeler/processes/credit_application?version=1")
    answer = owner.post("/modeler/processes/credit_application/versions/1/restore", data={"csrf_token": token})
    assert answer.status_code == 302
    newest = db.session.scalars(
        db.select(ProcessVersion)
        .where(ProcessVersion.process_key == "credit_application")
        .order_by(ProcessVersion.version.desc())
    ).first()
    assert newest.version == 3
    assert newest.bpmn_xml == CREDIT
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "deploy").order_by(AuditEvent.id.desc())
    ).first()
    assert event.details["restored_from"] == 1
    assert event.details["changes"]["removed"] == ["extra_check", "flow_extra"]


def test_an_edited_decision_table_redeploys_every_process_using_it(owner: FlaskClient) -> None:
    dmn = (BPMN_DIR / "credit_policy.dmn").read_text(encoding="utf-8")
    assert owner.get("/modeler/decisions/credit_policy.dmn/xml").data.decode() == dmn
    first_text = re.search(r"<text>([^<]+)</text>", dmn.split("<outputEntry", 1)[1]).group(1)
    changed = dmn.replace(f"<text>{first_text}</text>", "<text>1</text>", 1)
    answer = post_json(owner, "/modeler/deploy", {"xml": changed, "filename": "credit_policy.dmn"})
    assert answer.status_code == 201, answer.json
    # The quarterly credit review grades with the same table, so it gets a new version too.
    assert answer.json["deployed"] == [
        {"process_key": "credit_application", "version": 2, "created": True},
        {"process_key": "credit_quarterly_review", "version": 2, "created": True},
    ]
    bad = dmn.replace(f"<text>{first_text}</text>", "<text>__class__</text>", 1)
    answer = post_json(owner, "/modeler/check", {"xml": bad, "filename": "credit_policy.dmn"})
    assert answer.json["ok"] is False


def test_the_api_uploads_lists_and_returns_xml(app: Flask) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    client = owner.client
    answer = client.post(
        "/api/v1/process-models", data=with_extra_task(), content_type="application/xml", headers=owner.headers
    )
    assert answer.status_code == 201
    assert (answer.json["process_key"], answer.json["version"]) == ("credit_application", 2)
    bad = CREDIT.replace('isExecutable="true"', 'isExecutable="false"')
    answer = client.post("/api/v1/process-models", data=bad, content_type="application/xml", headers=owner.headers)
    assert answer.status_code == 422
    assert answer.json["errors"][0]["element_id"] == "credit_application"
    listed = {m["process_key"]: m for m in owner.get("/api/v1/process-models").json}
    assert listed["credit_application"]["version"] == 2
    xml = owner.get("/api/v1/process-models/credit_application/versions/2/xml")
    assert xml.status_code == 200 and "extra_check" in xml.data.decode()
    assert owner.get("/api/v1/process-models/credit_application/versions/9/xml").status_code == 404


def test_an_oversized_upload_is_refused(app: Flask) -> None:
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    huge = CREDIT.replace("</bpmn:definitions>", "<!--" + "x" * (3 * 1024 * 1024) + "--></bpmn:definitions>")
    answer = owner.client.post(
        "/api/v1/process-models", data=huge, content_type="application/xml", headers=owner.headers
    )
    assert answer.status_code == 422
    assert answer.json["errors"][0]["message"] == "上传内容超过 2048 KB"
    answer = owner.client.post(
        "/api/v1/process-models",
        data=huge,
        content_type="application/xml",
        headers={**owner.headers, "Accept-Language": "en"},
    )
    assert answer.json["errors"][0]["message"] == "the upload is larger than 2048 KB"


def test_the_diff_ignores_layout_and_names_changed_elements() -> None:
    moved = CREDIT.replace('<dc:Bounds x="150" y="260"', '<dc:Bounds x="151" y="261"')
    assert diff_documents(CREDIT, moved).empty
    renamed = CREDIT.replace('name="营销部经理审批"', 'name="经理审批"')
    assert diff_documents(CREDIT, renamed).changed == ["review_sales_manager"]


def test_a_process_owner_reading_chinese_gets_the_problems_in_chinese(app: Flask) -> None:
    client = app.test_client()
    login(client, "process_owner")  # Chinese is the default
    xml = CREDIT.replace('value="credit_correction"', 'value="no_such_form"')
    answer = post_json(client, "/modeler/check", {"xml": xml, "filename": "credit_application.bpmn"})
    assert {"element_id": "correct_application", "message": "表单“no_such_form”不存在（forms/ 中没有）"} in answer.json[
        "errors"
    ]


def test_concurrent_deploys_never_share_a_version_number(app: Flask) -> None:
    import threading

    owners = [ApiUser(app.test_client(), "process_owner", PASSWORD) for _ in range(3)]
    variants = [with_extra_task().replace("补充核查", f"补充核查 {n}") for n in range(3)]
    barrier = threading.Barrier(len(owners))
    statuses: list[int] = []
    lock = threading.Lock()

    def deploy(owner: ApiUser, xml: str) -> None:
        client = app.test_client()
        barrier.wait()
        answer = client.post("/api/v1/process-models", data=xml, content_type="application/xml", headers=owner.headers)
        with lock:
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=deploy, args=pair) for pair in zip(owners, variants, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(statuses) <= {201, 409} and len(statuses) == 3
    db.session.expire_all()
    numbers = list(
        db.session.scalars(db.select(ProcessVersion.version).where(ProcessVersion.process_key == "credit_application"))
    )
    assert sorted(numbers) == list(range(1, 2 + statuses.count(201)))
    deploys = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "deploy", AuditEvent.subject == "process:credit_application")
    ).all()
    assert len(deploys) == len(numbers)


def test_a_version_opens_read_only_in_the_instance_viewer(app: Flask, owner: FlaskClient) -> None:
    page = owner.get("/modeler/processes/credit_application/versions/1/view")
    assert page.status_code == 200
    html = page.data.decode()
    assert "modeler/instance-diagram.js" in html and "/modeler/processes/credit_application/versions/1/diagram" in html
    state = owner.get("/modeler/processes/credit_application/versions/1/diagram").json
    assert state == {"xml": CREDIT, "completed": [], "current": [], "timers": []}
    assert owner.get("/modeler/processes/credit_application/versions/7/view").status_code == 404
    sales = app.test_client()
    login(sales, "salesperson")
    assert sales.get("/modeler/processes/credit_application/versions/1/diagram").status_code == 403


def test_each_versions_changes_are_listed_on_the_page_and_in_the_api(app: Flask, owner: FlaskClient) -> None:
    api = ApiUser(app.test_client(), "process_owner", PASSWORD)
    answer = api.client.post(
        "/api/v1/process-models", data=with_extra_task(), content_type="application/xml", headers=api.headers
    )
    assert answer.status_code == 201
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "deploy").order_by(AuditEvent.id.desc())
    ).first()
    recorded = event.details["changes"]
    assert recorded["added"] == ["extra_check", "flow_extra"] and recorded["removed"] == []

    listed = {m["process_key"]: m for m in api.get("/api/v1/process-models").json}
    versions = listed["credit_application"]["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["changes"] == {**recorded, "restored_from": None}
    assert "credit_application" in versions[1]["changes"]["added"]  # the first version added everything

    token = csrf_of(owner, "/modeler/processes/credit_application?version=1")
    owner.post("/modeler/processes/credit_application/versions/1/restore", data={"csrf_token": token})
    page = owner.get("/modeler/processes/credit_application").data.decode()
    cells = dict(re.findall(r'<td class="version-changes" data-version="(\d+)">(.*?)</td>', page, re.S))
    assert f"2 added, 0 removed, {len(recorded['changed'])} changed" in cells["2"]
    assert "<code>extra_check, flow_extra</code>" in cells["2"]
    assert "restored from version 1" in cells["3"]
    assert "0 added, 2 removed" in cells["3"] and "<code>extra_check, flow_extra</code>" in cells["3"]
    listed = {m["process_key"]: m for m in api.get("/api/v1/process-models").json}
    assert listed["credit_application"]["versions"][0]["changes"]["restored_from"] == 1


def test_a_drawing_kept_only_to_view_opens_by_its_key(owner: FlaskClient) -> None:
    """A non-executable diagram stored as a version has no start; its pages name it by its key."""
    from datetime import UTC, datetime

    from app.extensions import db
    from app.models import ProcessVersion

    xml = (MIWG / "A.1.0.bpmn").read_text(encoding="utf-8")
    db.session.add(
        ProcessVersion(
            process_key="miwg_A.1.0",
            version=1,
            name="A.1.0",
            source_name="A.1.0.bpmn",
            bpmn_xml=xml,
            dmn_xml={},
            content_hash="drawing-only",
            deployed_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    page = owner.get("/modeler/processes/miwg_A.1.0/versions/1/view")
    assert page.status_code == 200 and "miwg_A.1.0" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("amount >", "第 1 行：不是有效的表达式：'amount >'"),
        ("x.__class__", "第 1 行：属性 __class__ 以“_”开头，不允许使用"),
        ("10**100000", "将产生超过 4096 位的数字"),
    ],
)
def test_a_chinese_process_owner_reads_why_an_expression_is_refused_in_chinese(
    app: Flask, expression: str, expected: str
) -> None:
    client = app.test_client()
    client.set_cookie("locale", "zh_CN")
    login(client, "process_owner")
    start = CREDIT.index('<bpmn:sequenceFlow id="flow_sm_approve"')
    cond_start = CREDIT.index("<bpmn:conditionExpression", start)
    cond_end = CREDIT.index("</bpmn:conditionExpression>", start)
    bad = CREDIT[:cond_start] + f"<bpmn:conditionExpression>{expression.replace('>', '&gt;')}" + CREDIT[cond_end:]
    answer = post_json(client, "/modeler/check", {"xml": bad, "filename": "x.bpmn"})
    [message] = [e["message"] for e in answer.json["errors"] if e["element_id"] == "flow_sm_approve"]
    assert message == f"条件不能使用：{expected}"
