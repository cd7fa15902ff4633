"""Models are plain data; behaviour lives in app.services."""

from .calendar import CalendarDay, CalendarYear
from .collaboration import AddedSigner, Delegation, InstanceAttachment, InstanceComment, TaskDraft, TaskReturn
from .complaints import Complaint, ComplaintCounter, ComplaintReport, RoleStandIn
from .contacts import CustomerContact
from .credit_cases import CreditAllowance, LimitAdjustment, OverLimitCase
from .credit_reviews import CreditReview
from .customer_service import PenaltyReview, PhoneCallLog, PhoneInquiry, SatisfactionSurvey
from .customers import CreditDecision, Customer, ReceivablesRecord
from .decisions import DecisionTableFile
from .external import ExternalTask
from .forms import FormVersion
from .inbox import SavedFilter
from .messages import ChatWebhook, Notification
from .processes import AuditEvent, HumanTask, InstanceWatcher, ProcessInstance, ProcessVersion, TaskCandidate
from .proposals import DeploymentProposal
from .scheduling import OutboxMail, StartTimer, TaskEscalation, Timer
from .users import ApiToken, Department, Role, User, user_roles

__all__ = [
    "AddedSigner",
    "TaskReturn",
    "TaskDraft",
    "InstanceComment",
    "InstanceAttachment",
    "Delegation",
    "DecisionTableFile",
    "DeploymentProposal",
    "Department",
    "ApiToken",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "Complaint",
    "ComplaintCounter",
    "ComplaintReport",
    "CreditAllowance",
    "CreditDecision",
    "LimitAdjustment",
    "OverLimitCase",
    "CreditReview",
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
    "TaskCandidate",
    "StartTimer",
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
