"""Files attached to an instance: recognised by their content, stored on disk under a random name."""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from ... import clock
from ...extensions import db
from ...models import InstanceAttachment, User
from ..common.errors import NotFound, ValidationFailed
from ..common.transactions import transactional
from .comments import open_to_contributions, visible_instance

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ALLOWED_TYPES = "PDF, PNG, JPEG, GIF, WebP, DOCX, XLSX, PPTX, DOC, XLS"


def _office_zip(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()  # the directory only: nothing is extracted
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, content_type in _OOXML.items():
        if any(name.startswith(prefix) for name in names):
            return content_type
    return None


def _legacy_office(content: bytes) -> str | None:
    # Stream names sit in the compound file's directory in UTF-16.
    if "WordDocument".encode("utf-16-le") in content:
        return "application/msword"
    if "Workbook".encode("utf-16-le") in content or "Book".encode("utf-16-le") in content:
        return "application/vnd.ms-excel"
    return None


def sniff(content: bytes) -> str | None:
    """The content type the bytes really are, from their magic numbers; None when not an allowed kind."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(b"PK\x03\x04"):
        return _office_zip(content)
    if content.startswith(_OLE):
        return _legacy_office(content)
    return None


def storage_dir() -> Path:
    path = Path(current_app.config["ATTACHMENT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _safe_filename(name: object) -> str:
    text = name if isinstance(name, str) else ""
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if ch.isprintable() and ch not in '"<>')
    return text.strip()[:255] or "attachment"


def upload(instance_id: int, user: User, filename: object, stream: BinaryIO | None) -> InstanceAttachment:
    """Read at most the size limit (plus one byte to notice more), then store it in one transaction."""
    open_to_contributions(user, instance_id)
    if stream is None:
        raise ValidationFailed({"file": [_l("choose a file to upload")]})
    limit = int(current_app.config["ATTACHMENT_MAX_BYTES"])
    content = stream.read(limit + 1)
    if not content:
        raise ValidationFailed({"file": [_l("the file is empty")]})
    if len(content) > limit:
        raise ValidationFailed({"file": [_l("the file is larger than %(limit)s bytes", limit=limit)]})
    return _store(instance_id, user, filename, content)


@transactional
def _store(instance_id: int, user: User, filename: object, content: bytes) -> InstanceAttachment:
    instance = open_to_contributions(user, instance_id)
    content_type = sniff(content)
    if content_type is None:
        raise ValidationFailed({"file": [_l("only these kinds of file are accepted: %(types)s", types=ALLOWED_TYPES)]})
    storage_name = secrets.token_hex(16)
    path = storage_dir() / storage_name
    path.write_bytes(content)
    try:
        attachment = InstanceAttachment(
            instance_id=instance.id,
            uploaded_by_id=user.id,
            filename=_safe_filename(filename),
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            storage_name=storage_name,
            created_at=clock.now(),
        )
        db.session.add(attachment)
        db.session.flush()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment


def list_for(user: User, instance_id: int) -> list[InstanceAttachment]:
    instance = visible_instance(user, instance_id)
    return list(
        db.session.scalars(
            db.select(InstanceAttachment)
            .where(InstanceAttachment.instance_id == instance.id)
            .order_by(InstanceAttachment.created_at, InstanceAttachment.id)
        )
    )


def for_download(user: User, attachment_id: int) -> tuple[InstanceAttachment, Path]:
    attachment = db.session.get(InstanceAttachment, attachment_id)
    if attachment is None:
        raise NotFound(_l("attachment %(id)s does not exist", id=attachment_id))
    visible_instance(user, attachment.instance_id)
    path = storage_dir() / attachment.storage_name
    if not path.is_file():
        raise NotFound(_l("the file of attachment %(id)s is missing", id=attachment_id))
    return attachment, path
