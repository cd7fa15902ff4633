"""Opinions on decisions, who may decide, and what a withdrawal leaves behind."""

from __future__ import annotations

import pytest
from flask import Flask

from app.extensions import db
from app.models import AuditEvent, HumanTask, Role, User
from app.services.common.errors import ValidationFailed
from app.services.desk import opinions

from .conftest import PASSWORD, csrf_token, login
from .support import ApiUser


def open_tasks(instance_id: int) -> list[HumanTask]:
    return list(
        db.session.scalars(db.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open"))
    )


def test_approve_reject_and_return_need_an_opinion_through_the_api(app: Flask) -> None:
    client = app.test_client()
    instance_id = ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code="OP1").json["id"]
    manager = ApiUser(client, "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    for decision in ("approve", "reject", "return"):
        refused = manager.decide(task_id, decision, "  ")
        assert refused.status_code == 422 and list(refused.json["errors"]) == ["comment"], refused.json
    assert open_tasks(instance_id)[0].id == task_id  # nothing changed
    assert manager.decide(task_id, "approve", "资料齐全，同意").status_code == 200
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "approve")).one()
    assert (event.comment, event.actor.username) == ("资料齐全，同意", "sales_manager")


@pytest.mark.parametrize(
    ("locale", "missing", "too_long"),
    [
        ("zh_CN", "同意、驳回或退回都必须填写审批意见", "最多 2000 个字符"),
        ("en", "an opinion is required to approve, reject or return", "at most 2000 characters"),
    ],
)
def test_the_opinion_rule_names_the_field_in_the_readers_language(
    app: Flask, locale: str, missing: str, too_long: str
) -> None:
    # The rule behind every decision, also for forms that leave the opinion box optional.
    with app.test_request_context("/", headers={"Cookie": f"locale={locale}"}):
        with pytest.raises(ValidationFailed) as blank:
            opinions.require_opinion({"decision": "reject", "comment": "  "})
        with pytest.raises(ValidationFailed) as long:
            opinions.require_opinion({"decision": "approve", "comment": "意" * 2001})
        assert blank.value.errors == {"comment": [missing]}
        assert long.value.errors == {"comment": [too_long]}
        opinions.require_opinion({"decision": "approve", "comment": "同意"})
        opinions.require_opinion({"decision": "forward"})


def test_the_html_form_refuses_an_approval_without_an_opinion(app: Flask, client) -> None:  # noqa: ANN001
    instance_id = ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="OP2").json["id"]
    task = open_tasks(instance_id)[0]
    login(client, "sales_manager")
    page = client.get(f"/tasks/{task.id}")
    refused = client.post(
        f"/tasks/{task.id}", data={"decision": "approve", "comment": "", "csrf_token": csrf_token(page.data)}
    )
    assert refused.status_code == 422
    assert open_tasks(instance_id)[0].id == task.id
    done = client.post(
        f"/tasks/{task.id}", data={"decision": "approve", "comment": "同意", "csrf_token": csrf_token(page.data)}
    )
    assert done.status_code == 302
    assert db.session.scalars(db.select(AuditEvent.comment).where(AuditEvent.action == "approve")).one() == "同意"


def test_an_opinion_can_never_be_edited_afterwards(app: Flask) -> None:
    # The audit trail is append-only: no route changes or deletes an entry of it.
    changing = {
        rule.endpoint for rule in app.url_map.iter_rules() if (rule.methods or set()) & {"PUT", "PATCH", "DELETE"}
    }
    assert changing == {
        "api.save_draft",
        "api.cancel_delegation",
        "api.delete_filter",
        "engine_rest.not_implemented",  # answers 501 to any method and changes nothing
        "api.admin_update_user",  # a person's record, not the trail
        "api.admin_retire_role",
        "api.revoke_token",  # an API client logging out, not the trail
        "api.put_receivables",  # a new receivables record; the trail gains an entry
        "api.put_responsible",  # a customer handed to another salesperson; audited as well
        "api.update_form",  # a new version of a form; older versions are kept
        "api.change_contact",  # a customer's contact person; audited with the old values
    }  # a saved inbox filter, not the trail
    client = app.test_client()
    instance_id = ApiUser(client, "salesperson", PASSWORD).start_credit(customer_code="OP3").json["id"]
    manager = ApiUser(client, "sales_manager", PASSWORD)
    task_id = manager.only_task()["id"]
    assert manager.decide(task_id, "approve", "原意见").status_code == 200
    assert manager.decide(task_id, "approve", "改过的意见").status_code == 409
    for method in ("PUT", "PATCH", "DELETE"):
        answer = client.open(f"/api/v1/instances/{instance_id}", method=method, json={}, headers=manager.headers)
        assert answer.status_code == 405
    assert db.session.scalars(db.select(AuditEvent.comment).where(AuditEvent.action == "approve")).all() == ["原意见"]


def filer_who_also_manages(app: Flask) -> None:
    filer = db.session.scalars(db.select(User).where(User.username == "salesperson")).one()
    filer.roles.append(db.session.scalars(db.select(Role).where(Role.key == "sales_manager")).one())
    db.session.commit()


def test_the_filer_may_not_approve_their_own_application_api(app: Flask) -> None:
    filer_who_also_manages(app)
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="OP4").json["id"]
    task_id = open_tasks(instance_id)[0].id
    refused = sales.decide(task_id, "approve", "我自己批")
    assert (refused.status_code, refused.json["error"]) == (403, "申请人不得审批自己提交的申请")
    english = sales.client.post(
        f"/api/v1/tasks/{task_id}/complete",
        json={"data": {"decision": "approve", "comment": "我自己批"}},
        headers={**sales.headers, "Accept-Language": "en"},
    )
    assert (english.status_code, english.json["error"]) == (403, "the filer may not approve their own application")
    assert ApiUser(app.test_client(), "sales_manager", PASSWORD).decide(task_id, "approve", "同意").status_code == 200


def test_the_filer_may_not_approve_their_own_application_html(app: Flask, client) -> None:  # noqa: ANN001
    filer_who_also_manages(app)
    instance_id = ApiUser(app.test_client(), "salesperson", PASSWORD).start_credit(customer_code="OP5").json["id"]
    task_id = open_tasks(instance_id)[0].id
    login(client, "salesperson")
    page = client.get(f"/tasks/{task_id}")
    answer = client.post(
        f"/tasks/{task_id}", data={"decision": "approve", "comment": "自批", "csrf_token": csrf_token(page.data)}
    )
    assert answer.status_code == 403
    assert open_tasks(instance_id)[0].id == task_id


def test_a_copied_colleague_reads_but_cannot_act(app: Flask, client) -> None:  # noqa: ANN001
    api = app.test_client()
    sales = ApiUser(api, "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="OP6").json["id"]
    assert (
        sales.post(
            f"/api/v1/instances/{instance_id}/copy-to", {"user": "finance_director", "comment": "知悉"}
        ).status_code
        == 200
    )
    finance = ApiUser(api, "finance_director", PASSWORD)
    assert finance.get(f"/api/v1/instances/{instance_id}").status_code == 200
    task_id = open_tasks(instance_id)[0].id
    assert finance.decide(task_id, "approve", "我来批").status_code == 403
    assert finance.post(f"/api/v1/tasks/{task_id}/return", {"target": "filer", "comment": "退"}).status_code == 403
    login(client, "finance_director")
    assert client.get(f"/instances/{instance_id}").status_code == 200
    page = client.get(f"/instances/{instance_id}")
    answer = client.post(
        f"/tasks/{task_id}", data={"decision": "approve", "comment": "x", "csrf_token": csrf_token(page.data)}
    )
    assert answer.status_code == 403
    assert open_tasks(instance_id)[0].status == "open"


def test_a_withdrawn_instance_leaves_no_open_task(app: Flask) -> None:
    api = app.test_client()
    sales = ApiUser(api, "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="OP7").json["id"]
    task_id = open_tasks(instance_id)[0].id
    assert sales.post(f"/api/v1/instances/{instance_id}/withdraw", {"comment": "信息有误"}).status_code == 200
    assert open_tasks(instance_id) == []
    manager = ApiUser(api, "sales_manager", PASSWORD)
    assert manager.tasks() == []
    assert manager.decide(task_id, "approve", "同意").status_code == 409
