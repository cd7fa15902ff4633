"""Company corrections to the official working-day calendar."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class CalendarDay(db.Model):
    """A day the company treats differently from the official calendar (a company day off, a correction)."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(String(200), default="")


class CalendarYear(db.Model):
    """A year the official calendar library does not know yet, declared by an admin.

    For such a year a day is a working day if an admin entered it as one, or if it
    is a Monday to Friday not entered as a day off: the admin, not the code, has
    vouched for that year's holidays and make-up days.
    """

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(String(200), default="")
