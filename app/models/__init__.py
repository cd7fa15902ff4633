"""Models are plain data; behaviour lives in app.services."""

from .customers import CreditDecision, Customer
from .processes import AuditEvent, HumanTask, ProcessInstance, ProcessVersion
from .users import ApiToken, Role, User, user_roles

__all__ = [
    "ApiToken",
    "AuditEvent",
    "CreditDecision",
    "Customer",
    "HumanTask",
    "ProcessInstance",
    "ProcessVersion",
    "Role",
    "User",
    "user_roles",
]
