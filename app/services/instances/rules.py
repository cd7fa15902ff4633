"""Business rules a process area plugs into the generic start and completion paths.

Starting an instance and completing a task are the same code for every process; what a
particular policy adds (the credit policy's caps, ownership of customers) is registered here
by its own package, keyed by process, so this package never imports any business area.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ...models import HumanTask, ProcessInstance, User


class ProcessRules(Protocol):
    def refused_fields(self, data: dict[str, Any]) -> dict[str, list[Any]]:
        """Field errors that replace the generic ones, before the form is checked (e.g. a derived fact)."""

    def before_start(self, user: User, clean: dict[str, Any]) -> dict[str, Any]:
        """Check a filing beyond its form; returns values to add to the instance's data."""

    def before_complete(
        self, user: User, task: HumanTask, instance: ProcessInstance, clean: dict[str, Any]
    ) -> dict[str, Any]:
        """Check a completion beyond its form; returns values to add to the task's data."""

    def material_change(self, instance: ProcessInstance, clean: dict[str, Any]) -> bool:
        """Whether a resubmission after a return changed what earlier approvals were given on."""


# What a start page opened with query arguments (a customer's code) fills in before anyone types.
Prefill = Callable[[User, Mapping[str, str]], dict[str, Any]]


@dataclass
class _Registry:
    by_process: dict[str, ProcessRules]
    prefills: dict[str, Prefill] = field(default_factory=dict)


_REGISTRY = _Registry(by_process={})


def register(process_key: str, rules: ProcessRules) -> None:
    _REGISTRY.by_process[process_key] = rules


def for_process(process_key: str) -> ProcessRules | None:
    return _REGISTRY.by_process.get(process_key)


def register_prefill(process_key: str, prefill: Prefill) -> None:
    _REGISTRY.prefills[process_key] = prefill


def prefill_for(process_key: str, user: User, args: Mapping[str, str]) -> dict[str, Any]:
    prefill = _REGISTRY.prefills.get(process_key)
    return prefill(user, args) if prefill is not None else {}
