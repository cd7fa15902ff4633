"""People, roles, the org chart and API tokens."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime

user_roles = Table(
    "user_roles",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Integer, ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Role(db.Model):
    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")


class Department(db.Model):
    """A unit of the org chart; its head receives the work addressed to "the department involved"."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    head_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    head: Mapped[User | None] = relationship(foreign_keys=[head_id])
    parent: Mapped[Department | None] = relationship(remote_side=[id])


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    display_name_en: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    department: Mapped[str] = mapped_column(String(64), default="")
    last_digest_on: Mapped[date | None] = mapped_column(Date)
    # Bumped to end every session at once: logout, a password change, being disabled.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # The interface language, chosen in the profile: zh_CN or en.
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN", server_default="zh_CN")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when an administrator resets the password: the next log-in goes to the password page first.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # "local" (password kept here) or "ldap" (the company directory checks the password).
    auth_source: Mapped[str] = mapped_column(String(10), default="local", server_default="local")

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")
    supervisor: Mapped[User | None] = relationship(remote_side=[id])

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    @property
    def role_keys(self) -> set[str]:
        return {r.key for r in self.roles}

    def has_role(self, key: str) -> bool:
        return key in self.role_keys


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")
