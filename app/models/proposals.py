"""Deployments waiting for a second person's approval (maker–checker)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .processes import ProcessInstance
from .types import UTCDateTime
from .users import User


class DeploymentProposal(db.Model):
    """A checked deployment that becomes current only once someone other than its proposer approves it.

    `payload` is what was sent (the files, or the version to restore), deployed again on approval;
    `plan` is what it would change, per process, as it was checked: the base version it was compared
    with and the new XML, so the review page draws the difference without running anything.
    """

    __tablename__ = "deployment_proposals"
    __table_args__ = (Index("ix_deployment_proposals_state", "state", "proposed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending | approved | rejected
    kind: Mapped[str] = mapped_column(String(20))  # upload | files | restore
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    plan: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(Text)
    # The approval runs as an instance of the deployment_approval process.
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), index=True)

    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    instance: Mapped[ProcessInstance | None] = relationship()
