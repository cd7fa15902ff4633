"""Every route, as every role and as an anonymous visitor, against a table of who may do what.

A route added without an entry here fails the test, so no page or endpoint ships unchecked.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import CreditReview, HumanTask, Notification, User
from app.services.credit import contacts
from app.services.desk import saved_filters
from app.services.modeling import proposals
from app.services.notifications import robots as chat_robots
from app.services.people import organisation
from app.services.people.directory import DEMO_SUPERVISORS

from .conftest import PASSWORD, ROOT, csrf_token, login
from .support import ApiUser

USERS = [u for u in DEMO_SUPERVISORS if u != "sales_manager"] + ["sales_manager"]  # the claimer acts last
INSTANCE_VIEWERS = {"salesperson", "sales_manager", "sales_vp", "general_manager"}
CREDIT_READERS = {
    "salesperson",
    "sales_manager",
    "finance_director",
    "general_manager",
    "sales_vp",
    "credit_controller",
}
COMPLAINT_REGISTER = {"cs_director", "general_manager", "sales_vp"}
RECEIVABLES_RECORDERS = {"credit_controller", "finance_director"}
SALES = {"salesperson", "salesperson2"}
TASK_HOLDER = {"sales_manager"}
TASK_SUPERVISORS = {"sales_vp", "general_manager"}
FILER_SUPERVISORS = {"sales_manager", "sales_vp", "general_manager"}
FILTER_OWNER = {"sales_manager"}
OWNERS = {"process_owner", "process_owner2"}
REVIEWERS = OWNERS | {"general_manager"}
WORKERS = {"process_owner", "process_owner2", "admin"}  # who may work external tasks, send messages and signals
AUDITORS = {"admin", "finance_director", "credit_controller"}
SHEET_READERS = CREDIT_READERS - {"salesperson"} | {"chairman"}  # the credit reviews' sheets
DELEGATOR = "credit_controller"  # a delegation far in the future, so it changes nobody's work meanwhile


def allowed(who: set[str], yes: int, no: int = 403) -> dict[str, int]:
    return {user: (yes if user in who else no) for user in USERS}


def everyone(code: int) -> dict[str, int]:
    return dict.fromkeys(USERS, code)


# endpoint -> (method, anonymous answer, answer per user)
TABLE: dict[str, tuple[str, int, dict[str, int]]] = {
    "inbox.index": ("GET", 302, everyone(302)),
    "inbox.tasks": ("GET", 302, everyone(200)),
    "inbox.task": ("GET", 302, allowed(TASK_HOLDER, 200)),
    "inbox.claim": ("POST", 302, allowed(TASK_HOLDER, 302)),
    "inbox.transfer": ("POST", 302, allowed(TASK_HOLDER, 302)),
    "inbox.add_signer": ("POST", 302, allowed(TASK_HOLDER, 302)),  # nobody named: refused on the page
    "inbox.urge": ("POST", 302, allowed({"salesperson"} | TASK_SUPERVISORS, 302)),
    "inbox.unclaim": ("POST", 302, allowed(TASK_HOLDER, 302)),  # gives back what inbox.claim took
    "auth.login": ("GET", 200, everyone(302)),
    "auth.logout": ("POST", 302, everyone(302)),
    "auth.change_password": ("GET", 302, everyone(200)),
    "auth.account": ("GET", 302, everyone(200)),
    "auth.language": ("POST", 302, everyone(302)),
    "admin.calendar": ("GET", 302, allowed({"admin"}, 200)),
    "admin.robots": ("GET", 302, allowed({"admin"}, 200)),
    "admin.robot_off": ("POST", 302, allowed({"admin"}, 302)),
    "admin.remove_day": ("POST", 302, allowed({"admin"}, 302)),
    "complaints.index": ("GET", 302, everyone(200)),  # each sees the cases they may (test_complaint_visibility)
    "complaints.stats": ("GET", 302, allowed(COMPLAINT_REGISTER, 200)),
    "complaints.stats_csv": ("GET", 302, allowed(COMPLAINT_REGISTER, 200)),
    "complaints.stand_in": ("POST", 302, allowed({"cs_director", "admin"}, 302)),
    "complaints.penalty_notices": ("GET", 302, everyone(200)),
    "complaints.calls": ("GET", 302, allowed({"cs_director", "general_manager"}, 200)),
    "complaints.calls_xlsx": ("GET", 302, allowed({"cs_director", "general_manager"}, 200)),
    "customers.index": ("GET", 302, everyone(200)),
    "customers.credit_file": ("GET", 302, allowed(CREDIT_READERS, 200)),
    "customers.upload_receivables": ("POST", 302, allowed(RECEIVABLES_RECORDERS, 422)),  # no sheet attached
    "customers.reassign": ("POST", 302, allowed({"sales_manager"}, 302)),  # no reason: told so on the file
    # The responsible salesperson and the sales manager keep contacts; an empty name is refused on the file.
    "customers.add_contact": ("POST", 302, allowed({"salesperson", "sales_manager"}, 422)),
    "customers.edit_contact": ("POST", 302, allowed({"salesperson", "sales_manager"}, 422)),
    "api.customers": ("GET", 401, allowed(CREDIT_READERS | SALES, 200)),  # a salesperson lists their own
    "api.add_contact": ("POST", 401, allowed({"salesperson", "sales_manager"}, 422)),  # no name
    "api.change_contact": ("PUT", 401, allowed({"salesperson", "sales_manager"}, 422)),
    "api.put_receivables": ("PUT", 401, allowed(RECEIVABLES_RECORDERS, 422)),
    "api.put_responsible": ("PUT", 401, allowed({"sales_manager"}, 422)),
    "processes.index": ("GET", 302, everyone(200)),
    "processes.start": ("GET", 302, allowed(SALES, 200)),
    "processes.instance": ("GET", 302, allowed(INSTANCE_VIEWERS, 200)),
    "processes.withdraw": ("POST", 302, allowed({"salesperson"}, 422)),  # no opinion given
    "processes.copy_to": ("POST", 302, allowed(INSTANCE_VIEWERS, 422)),
    "supervision.index": ("GET", 302, everyone(200)),
    "processes.incidents": ("GET", 302, everyone(200)),
    "processes.assign_unowned": ("POST", 302, allowed(FILER_SUPERVISORS | {"admin"}, 302)),
    "processes.retry": ("POST", 302, allowed(OWNERS, 302)),
    "supervision.reassign": ("POST", 302, allowed(TASK_SUPERVISORS, 302)),
    "_healthz": ("GET", 200, everyone(200)),
    "_favicon": ("GET", 200, everyone(200)),
    "api.token": ("POST", 422, everyone(422)),
    "api.openapi": ("GET", 200, everyone(200)),
    "api.docs": ("GET", 200, everyone(200)),  # the reference page and its Swagger UI files are public
    "api.docs_file": ("GET", 200, everyone(200)),
    "api.tasks": ("GET", 401, everyone(200)),
    "api.overdue": ("GET", 401, everyone(200)),
    "api.open_complaints": ("GET", 401, allowed({"cs_director", "general_manager"}, 200)),
    "api.instance": ("GET", 401, allowed(INSTANCE_VIEWERS, 200)),
    "api.customer": ("GET", 401, allowed(CREDIT_READERS, 200)),
    "api.start": ("POST", 401, allowed(SALES, 422)),
    "api.claim": ("POST", 401, allowed(TASK_HOLDER, 200)),
    "api.complete": ("POST", 401, allowed(TASK_HOLDER, 422)),
    "api.reassign": ("POST", 401, allowed(TASK_SUPERVISORS, 422)),
    "api.transfer": ("POST", 401, allowed(TASK_HOLDER, 422)),  # the claimer holds it by then
    "api.add_signer": ("POST", 401, allowed(TASK_HOLDER, 422)),  # nobody named
    "api.urge": ("POST", 401, allowed({"salesperson"} | TASK_SUPERVISORS, 422)),
    "api.incidents": ("GET", 401, everyone(200)),
    "api.assign_unowned": ("POST", 401, allowed(FILER_SUPERVISORS | {"admin"}, 409)),
    "api.withdraw": ("POST", 401, allowed({"salesperson"}, 422)),
    "api.copy_to": ("POST", 401, allowed(INSTANCE_VIEWERS, 422)),
    "api.retry": ("POST", 401, allowed(OWNERS, 409)),
    "inbox.save_filter": ("POST", 302, everyone(302)),
    "inbox.apply_filter": ("GET", 302, allowed(FILTER_OWNER, 302)),
    "inbox.delete_filter": ("POST", 302, allowed(FILTER_OWNER, 302)),
    "inbox.bulk": ("POST", 302, everyone(302)),  # nothing ticked: told so on the list
    "api.bulk": ("POST", 401, everyone(422)),
    "api.saved_filters": ("GET", 401, everyone(200)),
    "api.save_filter": ("POST", 401, everyone(422)),
    "api.delete_filter": ("DELETE", 401, allowed(FILTER_OWNER, 404)),  # the owner's page deleted it just before
    "api.unclaim": ("POST", 401, allowed(TASK_HOLDER, 200)),  # gives back what api.claim took
    "api.return_task": ("POST", 401, allowed(TASK_HOLDER, 422)),
    "api.delegations": ("GET", 401, everyone(200)),
    "api.create_delegation": ("POST", 401, everyone(422)),
    "api.cancel_delegation": ("DELETE", 401, allowed({DELEGATOR}, 422)),  # no reason given
    "api.comments": ("GET", 401, allowed(INSTANCE_VIEWERS, 200)),
    "api.add_comment": ("POST", 401, allowed(INSTANCE_VIEWERS, 422)),
    "api.attachments": ("GET", 401, allowed(INSTANCE_VIEWERS, 200)),
    "api.upload_attachment": ("POST", 401, allowed(INSTANCE_VIEWERS, 422)),
    "api.download_attachment": ("GET", 401, allowed(INSTANCE_VIEWERS, 200)),
    "api.draft": ("GET", 401, allowed(TASK_HOLDER, 200)),
    "api.save_draft": ("PUT", 401, allowed(TASK_HOLDER, 422)),
    "collaboration.return_task": ("POST", 302, allowed(TASK_HOLDER, 302)),
    "collaboration.save_draft": ("POST", 302, allowed(TASK_HOLDER, 302)),
    "collaboration.add_comment": ("POST", 302, allowed(INSTANCE_VIEWERS, 302)),
    "collaboration.upload": ("POST", 302, allowed(INSTANCE_VIEWERS, 302)),
    "collaboration.download": ("GET", 302, allowed(INSTANCE_VIEWERS, 200)),
    "collaboration.delegations": ("GET", 302, everyone(200)),
    "collaboration.create_delegation": ("POST", 302, everyone(422)),  # nothing filled in
    "collaboration.cancel_delegation": ("POST", 302, allowed({DELEGATOR}, 422)),  # no reason given
    "modeler.vendor": ("GET", 302, everyone(200)),
    "modeler.index": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.model": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.version_xml": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.version_view": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.version_diagram": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.restore": ("POST", 302, allowed(OWNERS, 302)),
    "modeler.decision": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.decision_xml": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.check": ("POST", 302, allowed(OWNERS, 422)),
    "modeler.deploy": ("POST", 302, allowed(OWNERS, 422)),
    "modeler.form": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.save_form": ("POST", 302, allowed(OWNERS, 422)),
    "modeler.preview_form": ("POST", 302, allowed(OWNERS, 422)),
    "modeler.new_form": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.new_process": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.new_decision": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.design_form": ("GET", 302, allowed(OWNERS, 302)),  # a JSON form opens in the JSON editor
    "modeler.save_designed_form": ("POST", 302, allowed(OWNERS, 422)),
    "modeler.deploy_files": ("POST", 302, allowed(OWNERS, 302)),
    "modeler.migrate_page": ("GET", 302, allowed(OWNERS, 200)),
    "modeler.migrate_instances": ("POST", 302, allowed(OWNERS, 302)),
    "api.migration_plan": ("GET", 401, allowed(OWNERS, 200)),
    "api.migrate_instances": ("POST", 401, allowed(OWNERS, 422)),
    "modeler.instance_state": ("GET", 302, allowed(INSTANCE_VIEWERS, 200)),
    "api.upload_model": ("POST", 401, allowed(OWNERS, 422)),
    "api.get_proposal": ("GET", 401, allowed(REVIEWERS, 200)),
    # The proposer is refused before the missing decision; the other reviewers are told what is missing.
    "api.decide_proposal": ("POST", 401, allowed(REVIEWERS - {"process_owner"}, 422)),
    "modeler.proposal_list": ("GET", 302, allowed(REVIEWERS, 200)),
    "modeler.proposal": ("GET", 302, allowed(REVIEWERS, 200)),
    "modeler.proposal_diagram": ("GET", 302, allowed(REVIEWERS, 200)),
    "modeler.proposal_decision": ("POST", 302, allowed(REVIEWERS, 302)),
    "api.list_models": ("GET", 401, allowed(OWNERS, 200)),
    "api.model_xml": ("GET", 401, allowed(OWNERS, 200)),
    # Camunda's REST API: 400 where Camunda answers a refused body, 204 for a done action.
    "engine_rest.start": ("POST", 401, allowed(SALES, 400)),
    "engine_rest.tasks": ("GET", 401, everyone(200)),
    "engine_rest.task": ("GET", 401, allowed(TASK_HOLDER, 200)),
    "engine_rest.claim": ("POST", 401, allowed(TASK_HOLDER, 204)),
    "engine_rest.unclaim": ("POST", 401, allowed(TASK_HOLDER, 204)),
    "engine_rest.complete": ("POST", 401, allowed(TASK_HOLDER, 400)),
    "engine_rest.message": ("POST", 401, allowed(WORKERS, 400)),
    "engine_rest.signal": ("POST", 401, allowed(WORKERS, 400)),
    "engine_rest.not_implemented": ("GET", 401, everyone(501)),
    "engine_rest.external_fetch_and_lock": ("POST", 401, allowed(WORKERS, 400)),
    "engine_rest.external_get_task": ("GET", 401, allowed(WORKERS, 404)),
    "engine_rest.external_complete": ("POST", 401, allowed(WORKERS, 400)),
    "engine_rest.external_failure": ("POST", 401, allowed(WORKERS, 400)),
    "engine_rest.external_bpmn_error": ("POST", 401, allowed(WORKERS, 400)),
    "engine_rest.external_extend_lock": ("POST", 401, allowed(WORKERS, 400)),
    "engine_rest.external_unlock": ("POST", 401, allowed(WORKERS, 404)),
    "inbox.my_list": ("GET", 302, everyone(200)),
    "inbox.my_list_export": ("GET", 302, everyone(200)),
    "inbox.people": ("GET", 302, everyone(200)),
    "messages.index": ("GET", 302, everyone(200)),
    "messages.open_line": ("GET", 302, allowed(TASK_HOLDER, 302, 404)),  # only one's own messages
    "messages.mark_read": ("POST", 302, everyone(302)),
    "api.instances": ("GET", 401, everyone(200)),
    "api.notifications": ("GET", 401, everyone(200)),
    "api.read_notifications": ("POST", 401, everyone(200)),
    "api.users": ("GET", 401, everyone(200)),
    "processes.record_pdf": ("GET", 302, allowed(INSTANCE_VIEWERS, 200)),
    "inbox.tasks_export": ("GET", 302, everyone(200)),
    "customers.export": ("GET", 302, everyone(200)),  # each sees only the files they may read
    "customers.review_sheet": ("GET", 302, allowed(SHEET_READERS, 200)),
    "customers.summary_sheet": ("GET", 302, allowed(SHEET_READERS, 200)),
    "complaints.export": ("GET", 302, everyone(200)),  # each sees only the cases they may read
    "supervision.export": ("GET", 302, everyone(200)),
    "admin.people": ("GET", 302, allowed({"admin"}, 200)),
    "admin.person": ("GET", 302, allowed({"admin"}, 200)),
    "admin.reset_password": ("POST", 302, allowed({"admin"}, 302)),
    "admin.roles": ("GET", 302, allowed({"admin"}, 200)),
    "admin.retire_role": ("POST", 302, allowed({"admin"}, 404)),  # no role named in the form
    "admin.departments": ("GET", 302, allowed({"admin"}, 200)),
    "admin.import_people": ("GET", 302, allowed({"admin"}, 200)),
    "admin.import_template": ("GET", 302, allowed({"admin"}, 200)),
    "admin.audit": ("GET", 302, allowed(AUDITORS, 200)),
    "admin.audit_export": ("GET", 302, allowed(AUDITORS, 200)),
    "api.admin_users": ("GET", 401, allowed({"admin"}, 200)),
    "api.admin_create_user": ("POST", 401, allowed({"admin"}, 422)),
    "api.admin_update_user": ("PATCH", 401, allowed({"admin"}, 200)),  # nothing to change
    "api.admin_reset_password": ("POST", 401, allowed({"admin"}, 200)),
    "api.admin_roles": ("GET", 401, allowed({"admin"}, 200)),
    "api.admin_create_role": ("POST", 401, allowed({"admin"}, 422)),
    "api.admin_retire_role": ("DELETE", 401, allowed({"admin"}, 204)),
    "api.admin_departments": ("GET", 401, allowed({"admin"}, 200)),
    "api.admin_create_department": ("POST", 401, allowed({"admin"}, 422)),
    "api.admin_import": ("POST", 401, allowed({"admin"}, 422)),  # no file
    "api.audit": ("GET", 401, allowed(AUDITORS, 200)),
    "auth.revoke_token": ("POST", 302, everyone(302)),  # no token chosen: told so on the account page
    "api.list_forms": ("GET", 401, allowed(OWNERS, 200)),
    "api.read_form": ("GET", 401, allowed(OWNERS, 200)),
    "api.create_form": ("POST", 401, allowed(OWNERS, 422)),
    "api.update_form": ("PUT", 401, allowed(OWNERS, 422)),
    # Last: it revokes the token the walk uses for every other API route.
    "api.revoke_token": ("DELETE", 401, everyone(200)),
}
SKIPPED = {"static"}  # public files, served the same to everyone


@pytest.fixture
def objects(app: Flask) -> dict[str, Any]:
    # Every role logs in here from one address: the log-in limits are tested in test_accounts.
    app.config.update(LOGIN_LIMIT_PER_ADDRESS="1000 per minute", LOGIN_LIMIT_PER_USER="1000 per minute")
    sales = ApiUser(app.test_client(), "salesperson", PASSWORD)
    instance_id = sales.start_credit(customer_code="AZ1").json["id"]
    sales.start_credit(customer_code="AZ2", bad_record_24m=True)  # decided at once: a credit file exists
    seller = db.session.scalars(db.select(User).where(User.username == "salesperson")).one()
    contact_id = contacts.save("AZ2", seller, {"name": "李经理", "phone": "13812345678"}).id
    task_id = db.session.scalars(db.select(HumanTask.id).where(HumanTask.instance_id == instance_id)).one()
    owner = db.session.scalars(db.select(User).where(User.username == "sales_manager")).one()
    saved = saved_filters.save(owner, "late credit", {"process": "credit_application"})
    admin = db.session.scalars(db.select(User).where(User.username == "admin")).one()
    attachment_id = sales.client.post(
        f"/api/v1/instances/{instance_id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4 test"), "a.pdf")},
        headers=sales.headers,
    ).json["id"]
    delegation_id = (
        ApiUser(app.test_client(), DELEGATOR, PASSWORD)
        .post(
            "/api/v1/delegations",
            {"delegate": "admin", "starts_at": "2027-06-01T09:00", "ends_at": "2027-06-02", "reason": "休假"},
        )
        .json["id"]
    )
    now = app.extensions["clock"].now()
    reviews = [
        CreditReview(kind=k, period="2026-11", subject="*", created_at=now, details={}) for k in ("monthly", "summary")
    ]
    db.session.add_all(reviews)
    db.session.commit()
    notification_id = db.session.scalars(
        db.select(Notification.id).where(Notification.user_id == owner.id, Notification.task_id == task_id)
    ).first()
    # A change waiting for approval, proposed by the process owner.
    app.config["DEPLOY_APPROVAL"] = True
    policy = (
        (ROOT / "bpmn" / "credit_policy.dmn").read_text(encoding="utf-8").replace("<text>30</text>", "<text>20</text>")
    )
    proposer = db.session.scalars(db.select(User).where(User.username == "process_owner")).one()
    proposal = proposals.submit("upload", {"filename": "credit_policy.dmn", "xml": policy}, proposer).proposal
    app.config["DEPLOY_APPROVAL"] = False
    robot_id = chat_robots.add_robot("wecom", "http://127.0.0.1:9/hook", role="finance_director").id
    return {
        "robot_id": robot_id,
        "proposal_id": proposal.id,
        "index": 0,
        "scope": "started",
        "review_id": reviews[0].id,
        "summary_id": reviews[1].id,
        "fmt": "xlsx",
        "notification_id": notification_id,
        "task_id": task_id,
        "instance_id": instance_id,
        "code": "AZ2",
        "contact_id": contact_id,
        "process_key": "credit_application",
        "filter_id": saved.id,
        "attachment_id": attachment_id,
        "delegation_id": delegation_id,
        "version": 1,
        "name": "credit_policy.dmn",
        "form_key": "credit_approval",
        "asset": "bpmn-js/dist/bpmn-navigated-viewer.production.min.js",
        "rest": "deployment/create",
        "docs_file": "swagger-ui.css",
        "username": "salesperson2",  # the administrator resets their password after their own turn
        "key": organisation.add_role(admin, {"key": "retirable", "name": "可撤", "name_en": "Retirable"}).key,
    }


def test_every_route_is_in_the_table(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - SKIPPED
    assert endpoints == set(TABLE), f"add to TABLE: {endpoints - set(TABLE)}; stale: {set(TABLE) - endpoints}"


def _url(app: Flask, endpoint: str, objects: dict[str, Any]) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{arg: objects[arg] for arg in rule.arguments})


def _call(client: FlaskClient, method: str, url: str, headers: dict[str, str] | None = None) -> int:
    if method == "GET":
        return client.get(url, headers=headers).status_code
    if method == "DELETE":
        return client.delete(url, headers=headers).status_code
    if method in ("PUT", "PATCH"):
        return client.open(url, method=method, json={}, headers=headers).status_code
    if url.startswith(("/api/", "/engine-rest/")):
        return client.post(url, json={}, headers=headers).status_code
    page = client.get("/login")
    if page.status_code != 200:  # logged in: the login page redirects, the password page has a form
        page = client.get("/account/password")
    return client.post(url, data={"csrf_token": csrf_token(page.data)}).status_code


def test_anonymous_visitors(app: Flask, objects: dict[str, Any]) -> None:
    failures = []
    for endpoint, (method, expected, _) in TABLE.items():
        client = app.test_client()
        got = _call(client, method, _url(app, endpoint, objects))
        if got != expected:
            failures.append((endpoint, expected, got))
    assert failures == []


def test_every_role(app: Flask, objects: dict[str, Any]) -> None:
    failures = []
    for user in USERS:
        browser, api_client = app.test_client(), app.test_client()
        login(browser, user)
        headers = ApiUser(api_client, user, PASSWORD).headers
        for endpoint, (method, _, expected_by_user) in TABLE.items():
            url = _url(app, endpoint, objects)
            if endpoint == "auth.logout":
                continue  # logging out ends every session of the user: checked in test_accounts
            if endpoint.startswith(("api.", "engine_rest.")):
                got = _call(api_client, method, url, None if endpoint == "api.token" else headers)
            else:
                got = _call(browser, method, url)
            if got != expected_by_user[user]:
                failures.append((user, endpoint, expected_by_user[user], got))
    assert failures == []
