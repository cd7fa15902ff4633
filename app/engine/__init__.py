"""The only part of the application that talks to SpiffWorkflow."""

from .camunda import expression_text, timer_text, web_app_form
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

__all__ = [
    "DiagramError",
    "EngineError",
    "ExpressionError",
    "PendingTimer",
    "ProcessRuntime",
    "ReadyTask",
    "SpecBundle",
    "TaskNotReady",
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
    "timer_text",
    "web_app_form",
    "parse_xml",
    "process_ids",
]
