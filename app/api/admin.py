"""Administration over the API: people, roles, departments, the spreadsheet import, the audit trail."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_babel import lazy_gettext as _l

from ..models import Department, Role, User
from ..services.audit import trail
from ..services.common.errors import ValidationFailed
from ..services.people import organisation, spreadsheet, staff
from .auth import api_user, token_required
from .blueprint import bp
from .bodies import PeopleQuery

Reply = tuple[Any, int]


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_l("must be a JSON object")]})
    return body


def user_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.name_zh,
        "display_name_en": user.display_name_en,
        "email": user.email,
        "department": user.department or None,
        "supervisor": user.supervisor.username if user.supervisor else None,
        "roles": sorted(user.role_keys),
        "locale": user.locale,
        "active": user.active,
        "must_change_password": user.must_change_password,
    }


def role_json(role: Role) -> dict[str, Any]:
    return {"key": role.key, "name": role.name_zh, "name_en": role.name_en, "description": role.description}


def department_json(department: Department) -> dict[str, Any]:
    return {
        "key": department.key,
        "name": department.name_zh,
        "name_en": department.name_en,
        "head": department.head.username if department.head else None,
        "parent": department.parent.key if department.parent else None,
    }


@bp.get("/admin/users")
@token_required
@bp.input(PeopleQuery, location="query", arg_name="filters")
def admin_users(filters: dict[str, Any]) -> Reply:
    user = api_user()
    staff.require_admin(user)  # before the page number is checked: a refusal says nothing about it
    listed = staff.listing(
        user,
        filters.get("q") or "",
        no_supervisor=filters.get("no_supervisor") == "1",
        no_role=filters.get("no_role") == "1",
        page=staff.page_number(filters.get("page")),
    )
    users = [user_json(u) for u in listed.people]
    return jsonify(users=users, page=listed.page, pages=listed.pages, total=listed.total), 200


@bp.post("/admin/users")
@token_required
def admin_create_user() -> Reply:
    body = _body()
    user, secret = staff.create(api_user(), body)
    answer = user_json(user)
    if not body.get("password"):
        answer["password"] = secret  # generated: shown this once, never stored in clear
    return jsonify(answer), 201


@bp.patch("/admin/users/<username>")
@token_required
def admin_update_user(username: str) -> Reply:
    return jsonify(user_json(staff.edit(api_user(), username, _body()))), 200


@bp.post("/admin/users/<username>/password")
@token_required
def admin_reset_password(username: str) -> Reply:
    body = request.get_json(silent=True)
    chosen = body.get("password") if isinstance(body, dict) else None
    if chosen is not None and not isinstance(chosen, str):
        raise ValidationFailed({"password": [_l("must be text")]})
    secret = staff.reset_password(api_user(), username, chosen or None)
    return jsonify(username=username, password=None if chosen else secret, must_change_password=True), 200


@bp.get("/admin/roles")
@token_required
def admin_roles() -> Reply:
    staff.require_admin(api_user())
    return jsonify(roles=[role_json(r) for r in organisation.roles()]), 200


@bp.post("/admin/roles")
@token_required
def admin_create_role() -> Reply:
    return jsonify(role_json(organisation.add_role(api_user(), _body()))), 201


@bp.delete("/admin/roles/<key>")
@token_required
def admin_retire_role(key: str) -> Response:
    organisation.retire_role(api_user(), key)
    return Response(status=204)


@bp.get("/admin/departments")
@token_required
def admin_departments() -> Reply:
    staff.require_admin(api_user())
    return jsonify(departments=[department_json(d) for d in organisation.departments()]), 200


@bp.post("/admin/departments")
@token_required
def admin_create_department() -> Reply:
    return jsonify(department_json(organisation.add_department(api_user(), _body()))), 201


@bp.post("/admin/import")
@token_required
def admin_import() -> Reply:
    staff.require_admin(api_user())
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed({"file": [_l("attach the spreadsheet as the multipart field 'file'")]})
    dry_run = request.args.get("dry_run") == "1"
    result = spreadsheet.import_people(api_user(), upload.read(spreadsheet.MAX_BYTES + 1), dry_run=dry_run)
    return jsonify(dry_run=dry_run, people=result), (200 if dry_run else 201)


@bp.get("/audit")
@token_required
def audit() -> Reply | Response:
    args = {k: v for k, v in request.args.items()}
    if request.args.get("format") == "xlsx":
        return _xlsx(trail.export_xlsx(api_user(), args, trail.export_headers()))
    rows, after = trail.page(api_user(), args)
    return jsonify(events=[r.as_json() for r in rows], next=after), 200


def _xlsx(data: bytes) -> Response:
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=audit.xlsx"},
    )
