"""Forms generated from a diagram's `camunda:formData`, served by the form registry under a key of
their own (`generated:<version id>:<element id>`), so task pages, the API and completion use them
like any form of `forms/`."""

from __future__ import annotations

from ...extensions import db
from ...models import ProcessVersion
from ...taskforms import FormDef, FormNotFound
from ...taskforms.generated import generated_form
from .specs import bundle_for

PREFIX = "generated:"
_cache: dict[tuple[str, str], FormDef] = {}


def form_key(version_id: int, bpmn_id: str) -> str:
    return f"{PREFIX}{version_id}:{bpmn_id}"[:100]


def is_generated(key: object) -> bool:
    return isinstance(key, str) and key.startswith(PREFIX)


def load(key: str) -> FormDef:
    """The generated form a key names; FormNotFound when the version or element has none.

    A deployed version never changes, so each form is compiled once per version's content.
    """
    _, _, rest = key.partition(PREFIX)
    version_text, _, bpmn_id = rest.partition(":")
    version = db.session.get(ProcessVersion, int(version_text)) if version_text.isdigit() else None
    if version is None:
        raise FormNotFound(key, "no such form")
    cached = _cache.get((key, version.content_hash))
    if cached is not None:
        return cached
    bundle = bundle_for(version)
    ext = bundle.extensions_of(bpmn_id) or {}
    if not ext.get("camunda_form_data"):
        raise FormNotFound(key, "no such form")
    form = generated_form(key, bundle.name_of(bpmn_id), ext["camunda_form_data"])
    if len(_cache) > 1000:
        _cache.clear()
    _cache[(key, version.content_hash)] = form
    return form
