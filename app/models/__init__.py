"""Models are plain data; behaviour lives in app.services."""

from .calendar import CalendarDay, CalendarYear
from .collaboration import Delegation, InstanceAttachment, InstanceComment, TaskDraft, TaskReturn
from .complaints import Complaint, ComplaintCounter, ComplaintReport, RoleStandIn
from .contacts import CustomerContact
from .customer_service import PenaltyReview, PhoneCallLog, PhoneInquiry, SatisfactionSurvey
from .customers import CreditDecision, Customer, ReceivablesRecord
from .external import ExternalTask
from .forms import FormVersion
from .inbox import SavedFilter
from .messages import ChatWebhook, Notification
from .processes import AuditEvent, HumanTask, InstanceWatcher, ProcessInstance, ProcessVersion
from .scheduling import OutboxMail, TaskEscalation, Timer
from .users import ApiToken, Department, Role, User, user_roles

__all__ = [
    "TaskReturn",
    "TaskDraft",
    "InstanceComment",
    "InstanceAttachment",
    "Delegation",
    "Department",
    "ApiToken",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "Complaint",
    "ComplaintCounter",
    "ComplaintReport",
    "CreditDecision",
    "Customer",
    "CustomerContact",
    "ExternalTask",
    "PenaltyReview",
    "PhoneCallLog",
    "PhoneInquiry",
    "SatisfactionSurvey",
    "FormVersion",
    "ChatWebhook",
    "HumanTask",
    "Notification",
    "InstanceWatcher",
    "OutboxMail",
    "ProcessInstance",
    "ProcessVersion",
    "ReceivablesRecord",
    "Role",
    "RoleStandIn",
    "SavedFilter",
    "TaskEscalation",
    "Timer",
    "User",
    "user_roles",
]
