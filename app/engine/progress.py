"""How far an instance got, read from its stored state as plain JSON: no workflow is rebuilt."""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.util.task import TaskState


def completed_spec_names(state: str) -> set[str]:
    """Names of the task specs (for BPMN elements: their ids) that have completed, subprocesses included."""
    try:
        stored: dict[str, Any] = json.loads(state)
    except (TypeError, ValueError):
        return set()
    task_maps = [stored.get("tasks") or {}]
    task_maps += [(sub or {}).get("tasks") or {} for sub in (stored.get("subprocesses") or {}).values()]
    return {
        task.get("task_spec")
        for tasks in task_maps
        for task in tasks.values()
        if isinstance(task, dict) and task.get("state") == TaskState.COMPLETED
    }
