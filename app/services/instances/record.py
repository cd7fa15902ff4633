"""The approval record (审批单): one instance on paper, with its application, its chain of opinions and its
files, for the filing cabinet and the auditor. Reading it is audited like any read of the instance."""

from __future__ import annotations

from dataclasses import dataclass

from ... import clock
from ...extensions import db
from ...models import AuditEvent, InstanceAttachment, ProcessInstance, User
from ..common.transactions import transactional
from .lifecycle import get_for, history

# The steps of the chain a reader of the record wants: decisions and hand-overs, each with its opinion.
CHAIN_ACTIONS = (
    "start",
    "approve",
    "reject",
    "return",
    "complete",
    "skip",
    "transfer",
    "reassign",
    "urge",
    "withdraw",
    "copy_to",
    "escalate",
    "add_signer",
    "signing_result",
)


@dataclass(frozen=True)
class Record:
    instance: ProcessInstance
    chain: list[AuditEvent]
    files: list[InstanceAttachment]
    printed_by: User


@transactional
def read(user: User, instance_id: int) -> Record:
    """Gather what the record shows, and note who printed it."""
    instance = get_for(user, instance_id)
    chain = [e for e in history(instance) if e.action in CHAIN_ACTIONS]
    files = list(
        db.session.scalars(
            db.select(InstanceAttachment)
            .where(InstanceAttachment.instance_id == instance.id)
            .order_by(InstanceAttachment.created_at, InstanceAttachment.id)
        )
    )
    # Kept out of the instance's own history (as a credit file read is), so its timeline shows the work.
    db.session.add(
        AuditEvent(at=clock.now(), actor_id=user.id, action="print_record", subject=f"instance:{instance.id}")
    )
    return Record(instance, chain, files, user)


def to_pdf(html: str, base_url: str) -> bytes:
    """Lay the record's page out as PDF; the CJK font comes from the system (Noto CJK)."""
    from weasyprint import HTML  # loaded on first print: it pulls in Pango, which no other page needs

    return HTML(string=html, base_url=base_url).write_pdf()
