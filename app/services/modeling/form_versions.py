"""Task forms edited in the browser: saved as numbered versions, the newest one served to everyone."""

from __future__ import annotations

import json
from time import monotonic
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ... import clock
from ...extensions import db
from ...models import AuditEvent, FormVersion, User
from ...taskforms import FormDef, FormDefinitionError, FormNotFound, FormRegistry, parse_form
from ...taskforms.definitions import _NAME
from ..common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..common.transactions import transactional
from . import generated_forms

MAX_FORM_BYTES = 64 * 1024


def _latest_row(key: str) -> FormVersion | None:
    return db.session.scalars(
        db.select(FormVersion).where(FormVersion.form_key == key).order_by(FormVersion.version.desc()).limit(1)
    ).first()


class VersionedFormRegistry(FormRegistry):
    """The forms folder, overlaid by the versions saved in the database (the newest wins)."""

    # Which forms have saved versions is read again at most this often, so completing a task does
    # not ask on every step; the worker that saves a form forgets at once, the others within this time.
    SAVED_IDS_TTL_SECONDS = 5.0

    def __init__(self, directory: Any) -> None:
        super().__init__(directory)
        self._saved: dict[str, tuple[int, FormDef]] = {}
        self._ids: tuple[float, dict[str, int]] | None = None

    def forget_saved_ids(self) -> None:
        self._ids = None

    def forget_parsed(self) -> None:
        """Drop parsed saved forms too: rows of a rolled-back trial may hand their ids to other forms."""
        self._ids = None
        self._saved = {}

    def _saved_ids(self) -> dict[str, int]:
        if not has_app_context():
            return {}
        cached = self._ids
        if cached is not None and monotonic() - cached[0] < self.SAVED_IDS_TTL_SECONDS:
            return cached[1]
        ids = self._read_saved_ids()
        self._ids = (monotonic(), ids)
        return ids

    def _read_saved_ids(self) -> dict[str, int]:
        try:
            rows = db.session.execute(
                db.select(FormVersion.form_key, func.max(FormVersion.id)).group_by(FormVersion.form_key)
            ).all()
        except SQLAlchemyError:
            # A database built before form versions existed: the folder alone answers.
            db.session.rollback()
            return {}
        return {key: row_id for key, row_id in rows}

    def keys(self) -> list[str]:
        return sorted(set(super().keys()) | set(self._saved_ids()))

    def has(self, key: str) -> bool:
        return key in self._saved_ids() or super().has(key)

    def get(self, key: str) -> FormDef:
        if generated_forms.is_generated(key):
            return generated_forms.load(key)
        return super().get(key)

    def _load(self, key: str, chain: tuple[str, ...]) -> tuple[FormDef, tuple]:
        if not isinstance(key, str) or not _NAME.match(key):
            raise FormNotFound(str(key), "no such form")
        row_id = self._saved_ids().get(key)
        if row_id is None:
            return super()._load(key, chain)
        cached = self._saved.get(key)
        if cached and cached[0] == row_id:
            return cached[1], ()
        if key in chain:
            raise FormDefinitionError(chain[0], f"extends itself: {' -> '.join((*chain, key))}")
        row = db.session.get(FormVersion, row_id)
        form = parse_form(key, row.definition, lambda parent: self._load(parent, (*chain, key))[0])
        self._saved[key] = (row_id, form)
        return form, ()


def forget_parsed_forms() -> None:
    registry = current_app.extensions.get("forms")
    if isinstance(registry, VersionedFormRegistry):
        registry.forget_parsed()


def _forget_saved_ids() -> None:
    registry = current_app.extensions.get("forms")
    if isinstance(registry, VersionedFormRegistry):
        registry.forget_saved_ids()


@event.listens_for(Session, "after_flush")
def _forget_on_flush(session: Session, _context: object) -> None:
    if has_app_context() and any(isinstance(row, FormVersion) for row in session.new):
        session.info["form_saved"] = True
        _forget_saved_ids()


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    # Again after the commit: another thread may have read the ids between the flush and the commit.
    if session.info.pop("form_saved", False) and has_app_context():
        _forget_saved_ids()


def check_definition(key: str, text: str) -> tuple[dict[str, Any], FormDef]:
    """The parsed JSON and form, or ValidationFailed naming what is wrong."""
    if not _NAME.match(key or ""):
        raise ValidationFailed({"key": [_l("a form key is lower-case letters, digits and _ (at most 64)")]})
    if len(text.encode()) > MAX_FORM_BYTES:
        raise ValidationFailed({"definition": [_l("the form is larger than %(size)s KB", size=MAX_FORM_BYTES // 1024)]})
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValidationFailed(
            {
                "definition": [
                    _l(
                        "not valid JSON: line %(line)s, column %(column)s: %(reason)s",
                        line=err.lineno,
                        column=err.colno,
                        reason=err.msg,
                    )
                ]
            }
        ) from err
    if not isinstance(raw, dict):
        raise ValidationFailed({"definition": [_l("the form must be a JSON object")]})
    registry = current_app.extensions["forms"]
    try:
        form = parse_form(key, raw, registry.get)
    except FormDefinitionError as err:
        raise ValidationFailed({"definition": [str(err)]}) from err
    return raw, form


def current_text(key: str) -> str:
    """The JSON a process owner edits: the newest saved version, else the file in forms/."""
    row = _latest_row(key)
    if row is not None:
        return json.dumps(row.definition, ensure_ascii=False, indent=2)
    path = current_app.extensions["forms"].directory / f"{key}.json"
    if not _NAME.match(key) or not path.is_file():
        raise FormNotFound(key, "no such form")
    return path.read_text(encoding="utf-8")


def versions(key: str) -> list[FormVersion]:
    return list(
        db.session.scalars(
            db.select(FormVersion).where(FormVersion.form_key == key).order_by(FormVersion.version.desc())
        )
    )


@transactional
def save(key: str, text: str, actor: User) -> FormVersion:
    if not actor.has_role("process_owner"):
        raise Forbidden(_l("only a process owner may change forms"))
    return save_version(key, text, actor)


def save_version(key: str, text: str, actor: User) -> FormVersion:
    """A checked form definition as the form's next version; part of the caller's transaction."""
    raw, _form = check_definition(key, text)
    latest = _latest_row(key)
    row = FormVersion(
        form_key=key,
        version=(latest.version + 1) if latest else 1,
        definition=raw,
        saved_at=clock.now(),
        saved_by_id=actor.id,
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as err:
        raise Conflict(_l("someone saved this form at the same time; reload and try again")) from err
    db.session.add(
        AuditEvent(
            at=clock.now(),
            actor_id=actor.id,
            action="form_saved",
            subject=f"form:{key}",
            details={"version": row.version},
        )
    )
    return row


def exists(key: str) -> bool:
    return bool(_NAME.match(key or "")) and key in current_app.extensions["forms"].keys()


def current_version(key: str) -> int:
    """The newest saved version's number; 0 for a form only in the forms/ folder."""
    row = _latest_row(key)
    return row.version if row is not None else 0


def current_definition(key: str) -> dict[str, Any]:
    """The definition as saved (a designer schema or a JSON form), FormNotFound if there is none."""
    return json.loads(current_text(key))


def summaries() -> list[dict[str, Any]]:
    """Every form with its newest version, its format and its title in both languages."""
    registry = current_app.extensions["forms"]
    latest = dict(
        db.session.execute(
            db.select(FormVersion.form_key, func.max(FormVersion.version)).group_by(FormVersion.form_key)
        ).all()
    )
    found = []
    for key in registry.keys():
        try:
            form = registry.get(key)
        except FormDefinitionError:
            continue  # a broken file in the folder is reported where it is used, not here
        found.append({"key": key, "version": latest.get(key, 0), "title": form.title, "form": form})
    return found


def _as_text(definition: Any) -> str:
    if isinstance(definition, str):
        return definition
    return json.dumps(definition, ensure_ascii=False)


def _require_owner(actor: User) -> None:
    if not actor.has_role("process_owner"):
        raise Forbidden(_l("only a process owner may change forms"))


@transactional
def create(key: str, definition: Any, actor: User) -> FormVersion:
    """A new form (version 1); Conflict if the key is taken."""
    _require_owner(actor)
    if exists(key):
        raise Conflict(_l("a form with the key %(key)s already exists", key=key))
    return save_version(key, _as_text(definition), actor)


@transactional
def update(key: str, definition: Any, based_on: int | None, actor: User) -> FormVersion:
    """The next version of an existing form; Conflict if someone saved one since `based_on`."""
    _require_owner(actor)
    if not exists(key):
        raise NotFound(_l("there is no form %(key)s", key=key))
    if based_on is not None and based_on != current_version(key):
        raise Conflict(
            _l("version %(version)s of this form was saved meanwhile; reload it", version=current_version(key))
        )
    return save_version(key, _as_text(definition), actor)
