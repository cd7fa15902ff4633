"""One language at a time: every page, fetched by every demo user in Chinese and in English over the
demo's working day, shows no word of the other language beyond what people typed and an allow-list
(codes, numbers, product names such as BPMN, PDF, Excel)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import (
    AuditEvent,
    Customer,
    CustomerContact,
    Delegation,
    DeploymentProposal,
    HumanTask,
    InstanceComment,
    ProcessInstance,
    ProcessVersion,
    User,
)
from app.services.demo.working_day import seed_working_day
from app.services.modeling import proposals
from app.services.people.directory import DEMO_SUPERVISORS

from .conftest import ROOT, login

# Latin words a Chinese page may carry: product and format names, units, the language switch
# (each language named in itself), and the page's own product name for the diagram notation.
ALLOWED_LATIN = {
    "BPMN",
    "DMN",
    "PDF",
    "Excel",
    "CSV",
    "XML",
    "JSON",
    "API",
    "KB",
    "MB",
    "English",
    "CN",
    "AABBCCDDD",
}
ALLOWED_CHINESE = {"简体中文"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]+")
# Written the same in both languages: customer codes, complaint numbers, e-mail addresses, folder names,
# file name endings (.bpmn, .json).
CODE = re.compile(r"\S*[\d/@]\S*|\.[a-z]{2,5}\b")
SKIP_ENDPOINTS = {
    "static",
    "modeler.vendor",
    "collaboration.download",
    "complaints.stats_csv",
    "modeler.instance_state",
    "modeler.decision_xml",
    "modeler.version_xml",
    "modeler.version_diagram",
    "modeler.proposal_diagram",
    "inbox.apply_filter",
    "_healthz",
    # Excel and PDF, not pages (tests/test_credit_reviews.py reads their headings).
    "customers.review_sheet",
    "customers.summary_sheet",
}


def _visible(page: str) -> str:
    """The text a reader sees or hears: element text, placeholders, titles and labels for screen readers."""
    # Scripts aside, and what is code for the process owner: element ids and a form's JSON source.
    body = re.sub(r"(?is)<(head|script|style|template|code)\b.*?</\1>", " ", page)
    body = re.sub(r'(?is)<textarea[^>]*class="json-editor"[^>]*>.*?</textarea>', " ", body)
    said = " ".join(re.findall(r'(?:placeholder|title|aria-label|data-confirm)="([^"]*)"', body))
    text = re.sub(r"<[^>]+>", " ", body)
    return html.unescape(f"{text} {said}")


def _typed() -> list[str]:
    """What people typed (and the system copied from it): allowed in either language, longest first."""
    found: set[str] = set()

    def collect(value: Any) -> None:
        # A value that is a lower-case key ("approve", "long_term") is the system's, not typed: it must
        # never show as it is, so it is not allowed through.
        if isinstance(value, str) and not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for instance in db.session.scalars(db.select(ProcessInstance)):
        collect({k: v for k, v in (instance.data or {}).items()})
    found.update(c for c in db.session.scalars(db.select(AuditEvent.comment)) if c)
    found.update(db.session.scalars(db.select(InstanceComment.body)))
    found.update(db.session.scalars(db.select(Delegation.reason)))
    found.update(db.session.scalars(db.select(Customer.name)))
    found.update(db.session.scalars(db.select(Customer.code)))  # codes people gave (DEMO-K203)
    # What a process owner drew or wrote in a proposed change: element names, decision-table cells.
    for proposal in db.session.scalars(db.select(DeploymentProposal)):
        for item in proposal.plan:
            collect(item["names"])
            collect([item["name"]])
            collect([[c["decision"], c["column"], c["old"], c["new"]] for c in item["cells"]])
    for contact in db.session.scalars(db.select(CustomerContact)):
        found.update(v for v in (contact.name, contact.position, contact.phone, contact.website, contact.note) if v)
    # Login names are identifiers, written the same in both languages (the account page shows one's own).
    found.update(db.session.scalars(db.select(User.username)))
    return sorted((f for f in found if f.strip()), key=len, reverse=True)


def _propose_a_change(app: Flask) -> None:
    """A change to the credit policy waiting for approval, so its review pages are crawled too."""
    app.config["DEPLOY_APPROVAL"] = True
    policy = (
        (ROOT / "bpmn" / "credit_policy.dmn").read_text(encoding="utf-8").replace("<text>30</text>", "<text>20</text>")
    )
    owner = db.session.scalars(db.select(User).where(User.username == "process_owner")).one()
    proposals.submit("upload", {"filename": "credit_policy.dmn", "xml": policy}, owner)


def _one_of_each(key: Any, *kinds: Any) -> list[int]:
    return sorted(db.session.scalars(db.select(db.func.min(key)).group_by(*kinds)))


def _urls(app: Flask) -> Iterator[str]:
    values: dict[str, list[Any]] = {
        # One of each kind is enough to read every wording: an instance per process and state, a task per
        # step and state (pages differ by kind, not by which of many alike they show).
        "instance_id": _one_of_each(ProcessInstance.id, ProcessInstance.process_key, ProcessInstance.status),
        "task_id": _one_of_each(HumanTask.id, HumanTask.process_key, HumanTask.bpmn_id, HumanTask.status),
        "code": list(db.session.scalars(db.select(Customer.code))),
        "process_key": sorted(set(db.session.scalars(db.select(ProcessVersion.process_key)))),
        "form_key": ["credit_application", "credit_approval"],
        "name": ["credit_grade.dmn"],
        "proposal_id": list(db.session.scalars(db.select(DeploymentProposal.id))),
    }
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint in SKIP_ENDPOINTS or rule.rule.startswith("/api/"):
            continue
        if "version" in rule.arguments:
            for key in values["process_key"]:
                yield rule.rule.replace("<process_key>", key).replace("<int:version>", "1")
            continue
        if not rule.arguments:
            yield rule.rule
            continue
        [argument] = rule.arguments
        for value in values.get(argument, []):
            yield re.sub(r"<[^>]+>", str(value), rule.rule)
    yield "/instances/999999"  # the not-found page
    yield "/no-such-page"


def _leaks(text: str, locale: str, typed: list[str]) -> set[str]:
    for value in typed:
        if len(value) > 1:  # a single letter (a grade) is never a word, and would cut "API" to "PI"
            text = text.replace(value, " ")
    text = CODE.sub(" ", text)
    if locale == "zh_CN":
        return {w for w in LATIN_WORD.findall(text) if w not in ALLOWED_LATIN}
    return {w for w in CJK.findall(text) if w not in ALLOWED_CHINESE}


def _a_contact_on_every_file() -> None:
    """The customer files show their contacts too (the demo's working day records none)."""
    for customer in db.session.scalars(db.select(Customer)):
        db.session.add(
            CustomerContact(
                customer_id=customer.id,
                name="李经理",
                position="采购部经理",
                phone="021-5555 1234",
                email="li@example.com",
                website="www.example.com",
                note="每周二上午联系。",
                updated_at=customer.updated_at,
            )
        )
    db.session.commit()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_no_page_speaks_the_other_language(app: Flask, locale: str) -> None:
    assert seed_working_day()
    _propose_a_change(app)
    _a_contact_on_every_file()
    typed = _typed()
    urls = list(_urls(app))
    found: dict[str, set[str]] = {}
    for username in DEMO_SUPERVISORS:
        db.session.scalars(db.select(User).where(User.username == username)).one().locale = locale
        db.session.commit()
        client: FlaskClient = app.test_client()
        client.set_cookie("locale", locale)
        for url in ["/login"]:
            for word in _leaks(_visible(client.get(url).get_data(as_text=True)), locale, typed):
                found.setdefault(word, set()).add(f"{username} {url}")
        login(client, username)
        for url in urls:
            response = client.get(url)
            if response.status_code in (301, 302) or not response.mimetype == "text/html":
                continue
            for word in _leaks(_visible(response.get_data(as_text=True)), locale, typed):
                found.setdefault(word, set()).add(f"{username} {url}")
    report = "\n".join(f"  {word!r}: {sorted(where)[:4]}" for word, where in sorted(found.items()))
    assert not found, f"words of the other language on {locale} pages:\n{report}"


def test_refusals_and_error_pages_speak_the_readers_language(app: Flask) -> None:
    assert seed_working_day()
    filer = db.session.scalars(db.select(User).where(User.username == "salesperson")).one()
    instance = db.session.scalars(
        db.select(ProcessInstance).where(ProcessInstance.status == "running", ProcessInstance.started_by_id == filer.id)
    ).first()
    other = db.session.scalars(db.select(HumanTask).where(HumanTask.role == "general_manager")).first()
    client = app.test_client()
    login(client, "salesperson")
    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    # A copy without its note: the refusal names the field as 意见, never as "comment:".
    refused = client.post(f"/instances/{instance.id}/copy-to", data={"csrf_token": token, "user": "", "comment": ""})
    assert refused.status_code == 422
    flashed = _visible(refused.get_data(as_text=True))
    assert "意见：" in flashed and "user:" not in flashed and "comment:" not in flashed
    forbidden = client.get(f"/tasks/{other.id}" if other else "/modeler")
    missing = client.get("/no-such-page")
    for response, title in ((forbidden, "无权访问"), (missing, "未找到")):
        text = _visible(response.get_data(as_text=True))
        assert title in text and not _leaks(text, "zh_CN", []), text
    db.session.scalars(db.select(User).where(User.username == "salesperson")).one().locale = "en"
    db.session.commit()
    english = app.test_client()
    login(english, "salesperson")
    text = _visible(english.get("/no-such-page").get_data(as_text=True))
    assert "Not found" in text and not _leaks(text, "en", [])
