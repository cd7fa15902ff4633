"""Credit-file figures inside a credit application: shown only to readers of the credit file, and
every showing recorded as a read of the file (confidentiality, 第三篇 五)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...models import ProcessInstance, User
from ..common.transactions import transactional
from ..people.directory import CREDIT_FILE_ROLES
from .credit_file import audit_read, find, may_read
from .decisions import file_facts
from .ledger import Totals, company_today, totals
from .policy import PROCESS_KEY

CREDIT_ROLES = CREDIT_FILE_ROLES

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


@dataclass(frozen=True)
class Figures:
    """What a reader of the file sees beside an application: the file now and the company's totals."""

    grade: str | None
    current_limit: float | None
    receivables_balance: float | None
    overdue_balance: float | None
    receivables_as_of: str | None
    receivables_out_of_date: bool
    totals: Totals


def figures_for(user: User, instance: ProcessInstance, where: str) -> Figures | None:
    """The live figures for a page, or None for someone who may not read the file."""
    if instance.process_key != PROCESS_KEY:
        return None
    code = str((instance.data or {}).get("customer_code", ""))
    return _figures(user, code, where)


@transactional
def _figures(user: User, code: str, where: str) -> Figures | None:
    customer = find(code)
    if not may_read(user, customer):
        return None
    audit_read(user, code, where)
    facts = file_facts(customer, company_today())
    return Figures(
        grade=facts["grade"],
        current_limit=facts["current_limit"],
        receivables_balance=facts["receivables_balance"],
        overdue_balance=facts["overdue_balance"],
        receivables_as_of=facts["receivables_as_of"],
        receivables_out_of_date=facts["receivables_out_of_date"],
        totals=totals(),
    )
