"""Parsed specs, cached per deployed version: parsing is far slower than running."""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import bindparam

from ...engine import SpecBundle, build_bundle
from ...extensions import db
from ...models import ProcessVersion

_CACHE_SIZE = 256
# Keyed by content, not row id: two databases (or a restored one) may give one id to different diagrams.
_cache: OrderedDict[str, SpecBundle] = OrderedDict()
_lock = threading.Lock()


def _cached(key: str) -> SpecBundle | None:
    with _lock:
        bundle = _cache.get(key)
        if bundle is not None:
            _cache.move_to_end(key)
        return bundle


def bundle_for(version: ProcessVersion) -> SpecBundle:
    key = version.content_hash
    bundle = _cached(key)
    if bundle is not None:
        return bundle
    bundle = build_bundle(version.bpmn_xml, version.dmn_xml, filename=version.source_name, called=version.called_bpmn)
    with _lock:
        _cache[key] = bundle
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return bundle


def bundle_for_id(version_id: int, content_hash: str | None = None) -> SpecBundle:
    """The parsed spec of a version; given its content hash (read with the instance), a cache hit needs no query."""
    if content_hash is not None:
        bundle = _cached(content_hash)
        if bundle is not None:
            return bundle
    return bundle_for(db.session.get(ProcessVersion, version_id))


# Every start reads it: built once, bound per call.
_LATEST_VERSION = (
    db.select(ProcessVersion)
    .where(ProcessVersion.process_key == bindparam("process_key"))
    .order_by(ProcessVersion.version.desc())
    .limit(1)
)


def latest_version(process_key: str) -> ProcessVersion | None:
    return db.session.scalars(_LATEST_VERSION, {"process_key": process_key}).first()
