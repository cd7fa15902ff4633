"""Notices about work (assignment, escalation, digest), queued in the caller's transaction, and their
delivery from the outbox with retries."""
