"""Four eyes on every change: a process owner's deployment is current only after a second process
owner or the general manager approves it; the proposer cannot approve it; a rejected one never is."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import Flask

from app.extensions import db
from app.models import AuditEvent, DeploymentProposal, FormVersion, HumanTask, ProcessInstance, ProcessVersion
from app.services.modeling import deployment
from app.services.modeling.specs import latest_version

from .conftest import PASSWORD, ROOT, csrf_token, login
from .support import ApiUser
from .test_deploy_together import FORM, KEY, TABLE, diagram

POLICY = (ROOT / "bpmn" / "credit_policy.dmn").read_text(encoding="utf-8")
CHANGED_POLICY = POLICY.replace("<text>30</text>", "<text>20</text>", 1)


@pytest.fixture
def approval(app: Flask) -> Flask:
    app.config["DEPLOY_APPROVAL"] = True
    return app


def upload(user: ApiUser, name: str, text: str) -> object:
    return user.client.post(
        f"/api/v1/process-models?filename={name}",
        data=text.encode(),
        headers={**user.headers, "Content-Type": "application/xml"},
    )


def current(key: str = "credit_application") -> int:
    db.session.expire_all()
    return latest_version(key).version


def review_tasks(proposal_id: int) -> list[HumanTask]:
    db.session.expire_all()
    proposal = db.session.get(DeploymentProposal, proposal_id)
    return list(
        db.session.scalars(
            db.select(HumanTask).where(HumanTask.instance_id == proposal.instance_id).order_by(HumanTask.id)
        )
    )


def propose_policy(client: object) -> tuple[ApiUser, int]:
    owner = ApiUser(client, "process_owner", PASSWORD)
    response = upload(owner, "credit_policy.dmn", CHANGED_POLICY)
    assert response.status_code == 202, response.json
    assert response.json["state"] == "pending" and response.json["proposed_by"] == "process_owner"
    assert [p["process_key"] for p in response.json["processes"]] == ["credit_application", "credit_quarterly_review"]
    return owner, response.json["proposal_id"]


def test_a_change_is_not_current_until_a_second_process_owner_approves_it(approval: Flask) -> None:
    client = approval.test_client()
    before = current()
    _owner, proposal_id = propose_policy(client)
    assert current() == before  # refused as current: still the old version

    sales = ApiUser(client, "salesperson", PASSWORD)
    waiting = sales.start_credit().json["id"]
    assert db.session.get(ProcessInstance, waiting).data["term_cap_days"] == 30  # new starts use the old table

    # The review goes to every other process owner and the general manager, never to the proposer.
    holders = {t.assignee.username for t in review_tasks(proposal_id) if t.status == "open"}
    assert holders == {"process_owner2", "general_manager"}

    second = ApiUser(client, "process_owner2", PASSWORD)
    answer = second.post(
        f"/api/v1/deployment-proposals/{proposal_id}/decision", {"decision": "approve", "comment": "ok"}
    )
    assert answer.status_code == 200, answer.json
    assert (answer.json["state"], answer.json["decided_by"]) == ("approved", "process_owner2")
    assert current() == before + 1
    new = sales.start_credit().json["id"]
    assert db.session.get(ProcessInstance, new).data["term_cap_days"] == 20
    # The first decision ends the review: the general manager's task is gone.
    assert {t.status for t in review_tasks(proposal_id)} == {"completed", "cancelled"}
    instance = db.session.get(ProcessInstance, db.session.get(DeploymentProposal, proposal_id).instance_id)
    assert instance.status == "completed"


def test_the_proposer_cannot_approve_their_own_change(approval: Flask) -> None:
    client = approval.test_client()
    owner, proposal_id = propose_policy(client)
    owner.headers["Accept-Language"] = "en"
    refused = owner.post(
        f"/api/v1/deployment-proposals/{proposal_id}/decision", {"decision": "approve", "comment": "同意"}
    )
    assert refused.status_code == 403
    assert "you proposed this change" in refused.json["error"]
    assert not [t for t in review_tasks(proposal_id) if t.assignee.username == "process_owner"]
    # Nor in the browser: the page offers no decision, and posting one is refused.
    login(client, "process_owner")
    page = client.get(f"/modeler/proposals/{proposal_id}")
    assert page.status_code == 200 and b'id="own-proposal"' in page.data and b'id="approve-button"' not in page.data
    posted = client.post(
        f"/modeler/proposals/{proposal_id}/decision",
        data={"decision": "approve", "csrf_token": csrf_token(page.data)},
    )
    assert posted.status_code == 302
    db.session.expire_all()
    assert db.session.get(DeploymentProposal, proposal_id).state == "pending"
    assert current() == 1
    # Someone who is neither a process owner nor the general manager may not even look.
    sales = ApiUser(client, "salesperson", PASSWORD)
    assert sales.get(f"/api/v1/deployment-proposals/{proposal_id}").status_code == 403


def test_a_rejected_change_never_becomes_current(approval: Flask) -> None:
    client = approval.test_client()
    _owner, proposal_id = propose_policy(client)
    login(client, "general_manager")
    page = client.get(f"/modeler/proposals/{proposal_id}")
    assert page.status_code == 200 and b'id="reject-button"' in page.data
    response = client.post(
        f"/modeler/proposals/{proposal_id}/decision",
        data={"decision": "reject", "comment": "期限不变", "csrf_token": csrf_token(page.data)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    proposal = db.session.get(DeploymentProposal, proposal_id)
    assert (proposal.state, proposal.decided_by.username, proposal.comment) == (
        "rejected",
        "general_manager",
        "期限不变",
    )
    assert current() == 1
    assert db.session.scalars(db.select(ProcessVersion).where(ProcessVersion.version > 1)).all() == []
    second = ApiUser(client, "process_owner2", PASSWORD)
    late = second.post(
        f"/api/v1/deployment-proposals/{proposal_id}/decision", {"decision": "approve", "comment": "同意"}
    )
    assert late.status_code == 409


def test_the_audit_shows_who_proposed_and_who_approved(approval: Flask) -> None:
    client = approval.test_client()
    _owner, proposal_id = propose_policy(client)
    decided = ApiUser(client, "general_manager", PASSWORD).post(
        f"/api/v1/deployment-proposals/{proposal_id}/decision", {"decision": "approve", "comment": "同意"}
    )
    assert decided.status_code == 200, decided.json
    events = {
        e.action: e
        for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action.like("deploy%")).order_by(AuditEvent.id)
        )
    }
    assert events["deploy_proposed"].actor.username == "process_owner"
    assert events["deploy_approved"].actor.username == "general_manager"
    assert events["deploy_approved"].details["proposed_by"] == "process_owner"
    deployed = events["deploy"]
    assert deployed.actor.username == "process_owner"
    assert (deployed.details["approved_by"], deployed.details["proposal"]) == ("general_manager", proposal_id)
    assert latest_version("credit_application").deployed_by.username == "process_owner"
    # The administrator's audit page names both actions.
    admin = app_client_as(approval, "admin", "en")
    page = admin.get("/admin/audit").data.decode()
    assert "change proposed for approval" in page and "proposed change approved" in page


def app_client_as(app: Flask, username: str, locale: str) -> object:
    from app.models import User

    db.session.scalars(db.select(User).where(User.username == username)).one().locale = locale
    db.session.commit()
    client = app.test_client()
    login(client, username)
    return client


def test_the_reviewer_may_decide_from_their_inbox_task_too(approval: Flask) -> None:
    client = approval.test_client()
    _owner, proposal_id = propose_policy(client)
    second = ApiUser(client, "process_owner2", PASSWORD)
    task = next(t for t in second.tasks() if t["process_key"] == "deployment_approval")
    assert second.decide(task["id"], "approve", "可以").status_code == 200
    db.session.expire_all()
    assert db.session.get(DeploymentProposal, proposal_id).state == "approved"
    assert current() == 2
    page = app_client_as(approval, "process_owner2", "zh_CN").get(f"/tasks/{task['id']}")
    assert page.status_code in (200, 302)


def test_a_proposal_overtaken_by_another_change_can_only_be_rejected(approval: Flask) -> None:
    client = approval.test_client()
    _owner, first = propose_policy(client)
    other = ApiUser(client, "process_owner2", PASSWORD)
    again = upload(other, "credit_policy.dmn", POLICY.replace("<text>30</text>", "<text>25</text>", 1))
    assert again.status_code == 202
    second = again.json["proposal_id"]
    assert (
        other.post(
            f"/api/v1/deployment-proposals/{first}/decision", {"decision": "approve", "comment": "同意"}
        ).status_code
        == 200
    )
    owner = ApiUser(client, "process_owner", PASSWORD)
    stale = owner.post(f"/api/v1/deployment-proposals/{second}/decision", {"decision": "approve", "comment": "同意"})
    assert stale.status_code == 409
    assert current() == 2
    assert (
        owner.post(
            f"/api/v1/deployment-proposals/{second}/decision", {"decision": "reject", "comment": "驳回"}
        ).status_code
        == 200
    )


def test_several_files_wait_together_and_go_live_together(approval: Flask) -> None:
    client = approval.test_client()
    owner = ApiUser(client, "process_owner", PASSWORD)
    files = [(f"{KEY}.bpmn", diagram()), ("expense_approver.dmn", TABLE), ("expense_claim.json", json.dumps(FORM))]
    data = {"file": [(io.BytesIO(text.encode()), name) for name, text in files]}
    response = client.post("/api/v1/process-models", data=data, headers=owner.headers)
    assert response.status_code == 202, response.json
    assert [(p["process_key"], p["base_version"]) for p in response.json["processes"]] == [(KEY, None)]
    assert latest_version(KEY) is None
    assert db.session.scalars(db.select(FormVersion).where(FormVersion.form_key == KEY)).all() == []
    gm = ApiUser(client, "general_manager", PASSWORD)
    decided = gm.post(
        f"/api/v1/deployment-proposals/{response.json['proposal_id']}/decision",
        {"decision": "approve", "comment": "同意"},
    )
    assert decided.status_code == 200, decided.json
    assert current(KEY) == 1
    assert db.session.scalars(db.select(FormVersion.form_key).where(FormVersion.form_key == KEY)).all() == [KEY]


def test_with_approval_off_a_deployment_is_current_at_once(app: Flask) -> None:
    app.config["DEPLOY_APPROVAL"] = "off"
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    response = upload(owner, "credit_policy.dmn", CHANGED_POLICY)
    assert response.status_code == 201 and response.json["deployed"][0]["version"] == 2
    assert db.session.scalars(db.select(DeploymentProposal)).all() == []


def test_the_system_deploys_bpmn_without_approval(approval: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "bpmn"
    folder.mkdir()
    for path in (ROOT / "bpmn").iterdir():
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "credit_policy.dmn").write_text(CHANGED_POLICY, encoding="utf-8")
    results = deployment.sync_directory(folder)
    assert any(r.process_key == "credit_application" and r.created for r in results)
    assert current() == 2 and db.session.scalars(db.select(DeploymentProposal)).all() == []


def test_restoring_an_old_version_is_a_change_too(approval: Flask) -> None:
    approval.config["DEPLOY_APPROVAL"] = False
    owner = ApiUser(approval.test_client(), "process_owner", PASSWORD)
    assert upload(owner, "credit_policy.dmn", CHANGED_POLICY).status_code == 201
    approval.config["DEPLOY_APPROVAL"] = True
    client = approval.test_client()
    login(client, "process_owner")
    page = client.get("/modeler/processes/credit_application?version=1")
    response = client.post(
        "/modeler/processes/credit_application/versions/1/restore", data={"csrf_token": csrf_token(page.data)}
    )
    assert response.status_code == 302 and "/modeler/proposals/" in response.headers["Location"]
    assert current() == 2


def layout(middle_id: str) -> str:
    """Shapes and edges for the expense claim, so the review page can draw both versions."""
    boxes = {"start": (150, 132, 36, 36), "pick": (230, 110, 100, 80), "approve": (380, 110, 100, 80)}
    boxes |= {middle_id: (530, 110, 100, 80), "end": (700, 132, 36, 36)}
    shapes = "".join(
        f'<bpmndi:BPMNShape id="{el}_di" bpmnElement="{el}"><dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" />'
        "</bpmndi:BPMNShape>"
        for el, (x, y, w, h) in boxes.items()
    )
    flows = {"f1": (186, 230), "f2": (330, 380), f"f3_{middle_id}": (480, 530), f"f4_{middle_id}": (630, 700)}
    edges = "".join(
        f'<bpmndi:BPMNEdge id="{flow}_di" bpmnElement="{flow}"><di:waypoint x="{a}" y="150" />'
        f'<di:waypoint x="{b}" y="150" /></bpmndi:BPMNEdge>'
        for flow, (a, b) in flows.items()
    )
    plane = f'<bpmndi:BPMNPlane id="p" bpmnElement="{KEY}">{shapes}{edges}</bpmndi:BPMNPlane>'
    return f'<bpmndi:BPMNDiagram id="d">{plane}</bpmndi:BPMNDiagram>'


def claim_diagram(version: int) -> str:
    """The expense claim drawn twice: version 2 renames the approval, drops the notice, adds a check."""
    approve_name = "审批报销" if version == 1 else "审批报销单"
    middle = (
        '<bpmn:intermediateThrowEvent id="notice" name="通知财务" />'
        if version == 1
        else '<bpmn:userTask id="recheck" name="财务复核"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="candidateRoles" value="finance_director" />'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
    )
    middle_id = "notice" if version == 1 else "recheck"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="x">
  <bpmn:process id="{KEY}" name="费用报销" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_sales" name="salesperson"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>pick</bpmn:flowNodeRef><bpmn:flowNodeRef>approve</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>{middle_id}</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:businessRuleTask id="pick" name="确定审批人">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>expense_approver</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements></bpmn:businessRuleTask>
    <bpmn:userTask id="approve" name="{approve_name}"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="candidateRoles" value="${{approver_role}}" />
      </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
    {middle}
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pick" />
    <bpmn:sequenceFlow id="f2" sourceRef="pick" targetRef="approve" />
    <bpmn:sequenceFlow id="f3_{middle_id}" sourceRef="approve" targetRef="{middle_id}" />
    <bpmn:sequenceFlow id="f4_{middle_id}" sourceRef="{middle_id}" targetRef="end" />
  </bpmn:process>
  {layout(middle_id)}
</bpmn:definitions>"""


def post_files(user: ApiUser, files: list[tuple[str, str]]) -> object:
    data = {"file": [(io.BytesIO(text.encode()), name) for name, text in files]}
    return user.client.post("/api/v1/process-models", data=data, headers=user.headers)


def propose_claim_change(app: Flask) -> int:
    """Version 1 of the expense claim deployed at once, then version 2 with a new threshold proposed."""
    app.config["DEPLOY_APPROVAL"] = False
    owner = ApiUser(app.test_client(), "process_owner", PASSWORD)
    first = [
        (f"{KEY}.bpmn", claim_diagram(1)),
        ("expense_approver.dmn", TABLE),
        ("expense_claim.json", json.dumps(FORM)),
    ]
    deployed = post_files(owner, first)
    assert deployed.status_code == 201, deployed.json
    app.config["DEPLOY_APPROVAL"] = True
    table = TABLE.replace("&lt;= 5000", "&lt;= 8000").replace("&gt; 5000", "&gt; 8000")
    response = post_files(owner, [(f"{KEY}.bpmn", claim_diagram(2)), ("expense_approver.dmn", table)])
    assert response.status_code == 202, response.json
    changes = response.json["processes"][0]["changes"]
    assert "recheck" in changes["added"] and "notice" in changes["removed"] and "approve" in changes["changed"]
    return response.json["proposal_id"]


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", ("Added", "Removed", "Changed", "Decision tables", "Approve: make it current")),
        ("zh_CN", ("新增", "删除", "修改", "决策表", "同意并生效")),
    ],
)
def test_the_review_page_shows_what_the_change_adds_removes_and_changes(
    approval: Flask, locale: str, words: tuple[str, ...]
) -> None:
    proposal_id = propose_claim_change(approval)
    reviewer = app_client_as(approval, "process_owner2", locale)
    page = reviewer.get(f"/modeler/proposals/{proposal_id}").data.decode()
    for word in words:
        assert word in page, word
    added = page.split('data-kind="added"')[1].split("</ul>")[0]
    removed = page.split('data-kind="removed"')[1].split("</ul>")[0]
    changed = page.split('data-kind="changed"')[1].split("</ul>")[0]
    assert "财务复核" in added and "通知财务" in removed and "审批报销单" in changed
    # The decision table's cells: the threshold, before and after, in both rules.
    assert page.count('data-kind="changed"') >= 3  # the list of changed elements, and two changed cells
    assert "&lt;= 5000" in page and "&lt;= 8000" in page and "&gt; 8000" in page
    pair = reviewer.get(f"/modeler/proposals/{proposal_id}/diagrams/0").json
    assert "recheck" in pair["added"] and "notice" in pair["removed"] and "approve" in pair["changed"]
    assert 'id="notice"' in pair["old_xml"] and 'id="recheck"' in pair["xml"]
    listing = reviewer.get("/modeler/proposals").data.decode()
    assert f'data-id="{proposal_id}"' in listing


def test_a_review_task_handed_to_the_proposer_still_cannot_approve(approval: Flask) -> None:
    """Even if the general manager's review task reaches the proposer (a delegation, a reassignment)."""
    from app.models import User

    client = approval.test_client()
    owner, proposal_id = propose_policy(client)
    task = next(t for t in review_tasks(proposal_id) if t.assignee.username == "general_manager")
    task.assignee_id = db.session.scalars(db.select(User.id).where(User.username == "process_owner")).one()
    db.session.commit()
    answer = owner.decide(task.id, "approve", "我自己批")
    assert answer.status_code == 403, answer.json
    db.session.expire_all()
    assert db.session.get(DeploymentProposal, proposal_id).state == "pending"
    assert current() == 1


def test_the_process_models_page_lists_changes_waiting_for_approval(approval: Flask) -> None:
    client = approval.test_client()
    _owner, proposal_id = propose_policy(client)
    page = app_client_as(approval, "process_owner2", "en").get("/modeler").data.decode()
    assert "Changes waiting for approval" in page and f"/modeler/proposals/{proposal_id}" in page
