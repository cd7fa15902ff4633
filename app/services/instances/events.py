"""What a running instance announces to the areas that react to it.

Projection only announces; whoever cares subscribes. This keeps the instance machinery free of
imports of the areas built on it (escalation starts instances, so instances must not import it).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the step (``Step``) as sender and ``task_ids``: open task rows that were completed or
# cancelled by that step, in the step's transaction.
tasks_ended = _signals.signal("tasks-ended")
