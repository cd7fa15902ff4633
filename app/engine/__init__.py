"""The only part of the application that talks to SpiffWorkflow."""

from .camunda import expression_text, form_data, timer_text, web_app_form
from .clock import configure_expression_clock
from .juel import refusal as expression_refusal
from .limits import configure as configure_limits
from .parsing import (
    DiagramError,
    SpecBundle,
    XmlRefused,
    build_bundle,
    called_elements,
    decision_ids,
    decision_refs,
    parse_xml,
    process_ids,
)
from .runtime import EngineError, PendingTimer, ProcessRuntime, ReadyTask, TaskNotReady
from .scripting import ExpressionError, check_expression, check_script, evaluate
from .signing import SigningRule
from .start_timers import TimerStart, next_firing, timer_starts

__all__ = [
    "DiagramError",
    "EngineError",
    "ExpressionError",
    "PendingTimer",
    "ProcessRuntime",
    "ReadyTask",
    "SigningRule",
    "SpecBundle",
    "TaskNotReady",
    "TimerStart",
    "XmlRefused",
    "build_bundle",
    "called_elements",
    "configure_expression_clock",
    "configure_limits",
    "check_expression",
    "check_script",
    "decision_ids",
    "decision_refs",
    "evaluate",
    "expression_refusal",
    "expression_text",
    "form_data",
    "next_firing",
    "timer_starts",
    "timer_text",
    "web_app_form",
    "parse_xml",
    "process_ids",
]
