"""Starting a limit adjustment (第四十一、四十二条) from a review: by its process key, with the file's
current limit, the proposed lower one and the reason. A review never fails because the adjustment
process is missing: the file says so and the review's instance becomes an incident until it starts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ... import clock
from ...extensions import db
from ...models import AuditEvent, ProcessInstance
from ..common.errors import Conflict, ValidationFailed
from ..instances import rows
from ..modeling.specs import latest_version
from . import adjustments
from .adjustments import start_from_process

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
    try:
        started = start_from_process(code, proposed, reason[:2000], current_limit=current)
    except Conflict:
        # One adjustment per customer at a time: the one already under way carries the review's point.
        return Started(adjustments.open_adjustment(code), "")
    except ValidationFailed:
        # The file's limit is already at or below the proposal (an earlier adjustment landed): nothing to cut.
        return Started(None, "")
    if review_instance.error:
        rows.mark_incident(review_instance, None)  # started after all: the incident is over
    return Started(started.id, "")
