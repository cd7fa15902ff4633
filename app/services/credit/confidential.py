"""Credit-file figures inside a credit application: shown only to readers of the credit file, and
every showing recorded as a read of the file (confidentiality, 第三篇 五)."""

from __future__ import annotations

from typing import Any

from ...models import ProcessInstance, User
from ..common.transactions import transactional
from .credit_file import audit_read, find, may_read
from .policy import PROCESS_KEY

# What an application carries from the credit file and the company's books, not from the filer.
CONFIDENTIAL = ("credit_file", "credit_total_granted", "credit_total_cap", "credit_headroom")


def carries_figures(instance: ProcessInstance) -> bool:
    data = instance.data or {}
    return instance.process_key == PROCESS_KEY and any(key in data for key in CONFIDENTIAL)


@transactional
def visible_data(user: User, instance: ProcessInstance, where: str) -> dict[str, Any]:
    """The instance's data as this person may see it; a reader's view is audited."""
    data = dict(instance.data or {})
    if not carries_figures(instance):
        return data
    code = str(data.get("customer_code", ""))
    if may_read(user, find(code)):
        audit_read(user, code, where)
        return data
    return {k: v for k, v in data.items() if k not in CONFIDENTIAL}
