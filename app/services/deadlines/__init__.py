"""Deadlines and what happens when they pass: working days by the official calendar, deadline parsing,
durable timers and the leases that fire them once, overdue escalation up the org chart, the supervisor's
desk of late work, the scheduler's pass and the daily digest. "A task became overdue" starts in
``scheduling`` and climbs in ``escalation``."""
