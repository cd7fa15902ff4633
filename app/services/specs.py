"""Parsed specs, cached per deployed version: parsing is far slower than running."""

from __future__ import annotations

import threading
from collections import OrderedDict

from ..engine import SpecBundle, build_bundle
from ..extensions import db
from ..models import ProcessVersion

_CACHE_SIZE = 256
# Keyed by content, not row id: two databases (or a restored one) may give one id to different diagrams.
_cache: OrderedDict[str, SpecBundle] = OrderedDict()
_lock = threading.Lock()


def bundle_for(version: ProcessVersion) -> SpecBundle:
    key = version.content_hash
    with _lock:
        bundle = _cache.get(key)
        if bundle is not None:
            _cache.move_to_end(key)
            return bundle
    bundle = build_bundle(version.bpmn_xml, version.dmn_xml, filename=version.source_name)
    with _lock:
        _cache[key] = bundle
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return bundle


def bundle_for_id(version_id: int) -> SpecBundle:
    return bundle_for(db.session.get(ProcessVersion, version_id))


def latest_version(process_key: str) -> ProcessVersion | None:
    return db.session.scalars(
        db.select(ProcessVersion)
        .where(ProcessVersion.process_key == process_key)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    ).first()
