"""Moving running instances to another version of their process, over the API (process owners)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from ..services.common.errors import Forbidden, ValidationFailed
from ..services.modeling import instance_migration
from .auth import api_user, token_required
from .blueprint import bp

Reply = tuple[Any, int]


def _require_owner() -> None:
    if not api_user().has_role("process_owner"):
        raise Forbidden(_l("only a process owner may move running instances"))


def _version(raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, bool) or not str(raw).isdigit() or int(raw) < 1:
        raise ValidationFailed({"to_version": [_l("must be a version number")]})
    return int(raw)


def _instance_ids(raw: Any) -> list[int]:
    if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
        raise ValidationFailed({"instance_ids": [_l("must be a list of instance ids")]})
    if len(raw) > instance_migration.MAX_INSTANCES:
        raise ValidationFailed(
            {"instance_ids": [_l("at most %(n)s instances at a time", n=instance_migration.MAX_INSTANCES)]}
        )
    return raw


@bp.get("/process-models/<process_key>/migrations")
@token_required
def migration_plan(process_key: str) -> Reply:
    """Every instance running on another version, and whether it could move to the chosen one (default: newest)."""
    _require_owner()
    plans = instance_migration.plan(api_user(), process_key, _version(request.args.get("to_version")))
    return jsonify(instances=[p.as_json() for p in plans]), 200


@bp.post("/process-models/<process_key>/migrations")
@token_required
def migrate_instances(process_key: str) -> Reply:
    _require_owner()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_l("must be a JSON object")]})
    to_version = _version(body.get("to_version"))
    ids = _instance_ids(body.get("instance_ids"))
    mapping = instance_migration.clean_mapping(body.get("mapping"))
    if body.get("dry_run") is True:
        plans = instance_migration.plan(api_user(), process_key, to_version, ids, mapping)
        return jsonify(instances=[p.as_json() for p in plans]), 200
    try:
        moved = instance_migration.migrate(api_user(), process_key, to_version, ids, mapping)
    except instance_migration.MigrationRefused as err:
        errors = [
            {"instance_id": p.instance_id, "element_id": el or None, "message": msg}
            for p in err.plans
            for el, msg in p.problems
        ]
        return jsonify(error=err.message, errors=errors), 422
    return jsonify(migrated=[p.as_json() for p in moved]), 200
