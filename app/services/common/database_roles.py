"""The database role the app should run as on PostgreSQL: it may add audit rows, never change or remove them.

The owner of the schema runs the migrations; the app connects as a second role given these grants,
so even a bug or an injected statement in the app cannot rewrite the audit trail.
"""

from __future__ import annotations

import re

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def app_role_grants(role: str) -> list[str]:
    """The statements that give `role` what the app needs, minus UPDATE, DELETE and TRUNCATE on audit_events."""
    if not _ROLE_NAME.fullmatch(role):
        raise ValueError(f"not a plain PostgreSQL role name: {role!r}")
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {role}",
    ]
