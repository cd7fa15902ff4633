"""The reviews a granted credit goes through after the grant (chapters 5 and 6 of the credit policy):
the quarterly refresh of the investigation (第十二条), the monthly review (第三十八–四十一条) and the
quarterly summary for the general manager and the chairman (第二十九、三十条)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .customers import Customer
from .types import UTCDateTime

# The subject of a review that covers the whole company rather than one customer.
COMPANY = "*"


class CreditReview(db.Model):
    """One review of one period: of one customer (subject = its code) or of the company (subject "*").

    The unique (kind, period, subject) is what keeps two scheduler passes from starting the same review.
    """

    __tablename__ = "credit_reviews"
    __table_args__ = (UniqueConstraint("kind", "period", "subject", name="uq_credit_reviews_period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # quarterly | monthly | summary
    period: Mapped[str] = mapped_column(String(10))  # 2026-Q4 | 2026-11
    subject: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # unchanged | adjustment_started | adjustment_not_started | evaluated | approved | rejected
    outcome: Mapped[str | None] = mapped_column(String(30))
    grade: Mapped[str | None] = mapped_column(String(1))
    limit_before: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    proposed_limit: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    note: Mapped[str | None] = mapped_column(Text)
    # What the review read and what was written in it (the investigation, the sheet's rows, opinions).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    adjustment_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[Customer | None] = relationship()
