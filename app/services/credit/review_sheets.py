"""The credit reviews' sheets as tables: the monthly 客户授信额度执行评价表 (第四十条) and the quarterly
《预付、赊销客户汇总表》 (第二十九条). Only the credit roles and the chairman read them; every read is
recorded, as a read of a credit file is (第三篇 五)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import AuditEvent, CreditReview, User
from ...models.credit_reviews import COMPANY
from ..common.errors import Forbidden, NotFound
from ..common.transactions import transactional
from ..people.access import roles_of
from ..people.accounts import display_name_of
from ..people.directory import CREDIT_FILE_ROLES

SHEET_READERS = CREDIT_FILE_ROLES | {"chairman"}

EVALUATION_HEADERS = (
    _l("Code"),
    _l("Customer"),
    _l("Salesperson"),
    _l("Grade"),
    _l("Limit"),
    _l("Balance"),
    _l("Overdue"),
    _l("Use of the limit (%)"),
    _l("Over the limit"),
    _l("Record as of"),
    _l("Age of the record (days)"),
    _l("Salesperson's report"),
    _l("Sales manager's evaluation"),
    _l("Proposed limit"),
)
SUMMARY_HEADERS = (
    _l("Code"),
    _l("Customer"),
    _l("Grade"),
    _l("Limit"),
    _l("Term (days)"),
    _l("Balance"),
    _l("Overdue"),
    _l("Valid until"),
)


@transactional
def read(user: User, review_id: int, kind: str) -> CreditReview:
    if not roles_of(user) & SHEET_READERS:
        raise Forbidden(_l("your role does not give access to credit files"))
    review = db.session.scalars(
        db.select(CreditReview).where(
            CreditReview.id == review_id, CreditReview.kind == kind, CreditReview.subject == COMPANY
        )
    ).first()
    if review is None:
        raise NotFound(_l("no such credit review"))
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=user.id,
            action="read_credit_review_sheet",
            subject=f"credit_review:{review.id}",
            details={"kind": kind, "period": review.period},
        )
    )
    return review


def _yes_no(value: Any) -> str:
    return str(_l("yes")) if value else str(_l("no"))


def evaluation_rows(review: CreditReview) -> list[list[Any]]:
    """The sheet as finance's records made it, with each report and evaluation once they are in."""
    reports = review.details.get("reports") or {}
    evaluations = review.details.get("evaluations") or {}
    rows = []
    for row in review.details.get("sheet") or []:
        report = reports.get(row["code"]) or {}
        evaluation = evaluations.get(row["code"]) or {}
        rows.append(
            [
                row["code"],
                row["name"],
                display_name_of(row["responsible"]) if row.get("responsible") else "",
                row.get("grade") or "",
                row.get("limit"),
                row.get("balance"),
                row.get("overdue"),
                row.get("use_percent"),
                _yes_no(row.get("over_limit")),
                row.get("as_of") or "",
                row.get("age_days"),
                report.get("report") or "",
                evaluation.get("evaluation") or "",
                evaluation.get("proposed_limit"),
            ]
        )
    return rows


def summary_rows(review: CreditReview) -> list[list[Any]]:
    return [
        [
            r["code"],
            r["name"],
            r.get("grade") or "",
            r.get("limit"),
            r.get("term_days"),
            r.get("balance"),
            r.get("overdue"),
            r.get("valid_until") or "",
        ]
        for r in review.details.get("rows") or []
    ]
