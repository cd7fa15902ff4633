"""Starting a limit adjustment (第四十一、四十二条) from a review: by its process key, with the file's
current limit, the proposed lower one and the reason. A review never fails because the adjustment
process is missing: the file says so and the review's instance becomes an incident until it starts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ... import clock
from ...extensions import db
from ...models import AuditEvent, ProcessInstance
from ..instances import rows
from ..instances.lifecycle import start_system_instance
from ..modeling.specs import latest_version

ADJUSTMENT_PROCESS = "credit_limit_adjustment"


@dataclass(frozen=True)
class Started:
    instance_id: int | None
    note: str


def start_adjustment(
    review_instance: ProcessInstance, code: str, current: Decimal, proposed: Decimal, reason: str
) -> Started:
    """Start the adjustment, or leave the reviewing instance an incident naming why it could not."""
    if latest_version(ADJUSTMENT_PROCESS) is None:
        note = (
            f"额度调整流程（{ADJUSTMENT_PROCESS}）尚未部署，未能发起调整：建议额度 {proposed}，原额度 {current}。"
            f" The limit adjustment process ({ADJUSTMENT_PROCESS}) is not deployed; the adjustment to {proposed}"
            f" (from {current}) has not started."
        )
        rows.mark_incident(review_instance, note)
        db.session.add(
            AuditEvent(
                at=clock.now(),
                action="incident",
                instance_id=review_instance.id,
                comment=note,
                subject=f"customer:{code}",
            )
        )
        return Started(None, note)
    started = start_system_instance(
        ADJUSTMENT_PROCESS,
        {
            "customer_code": code,
            "current_limit": float(current),
            "proposed_limit": float(proposed),
            "reason": reason[:2000],
        },
        business_key=code,
    )
    if review_instance.error:
        rows.mark_incident(review_instance, None)  # started after all: the incident is over
    return Started(started.id, "")
