"""Decision-table files a process owner saved before any process calls them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime
from .users import User


class DecisionTableFile(db.Model):
    """A new decision table kept until the first diagram that calls it is deployed, which freezes a copy
    of it into that process version (as every version keeps the tables it uses)."""

    __tablename__ = "decision_table_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    xml: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    saved_by: Mapped[User | None] = relationship()
