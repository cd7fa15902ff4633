"""Models are plain data; behaviour lives in app.services."""

from .calendar import CalendarDay, CalendarYear
from .customers import CreditDecision, Customer
from .processes import AuditEvent, HumanTask, ProcessInstance, ProcessVersion
from .scheduling import OutboxMail, TaskEscalation, Timer
from .users import ApiToken, Role, User, user_roles

__all__ = [
    "ApiToken",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "CreditDecision",
    "Customer",
    "HumanTask",
    "OutboxMail",
    "ProcessInstance",
    "ProcessVersion",
    "Role",
    "TaskEscalation",
    "Timer",
    "User",
    "user_roles",
]
