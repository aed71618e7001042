"""Downloading photos users send, off the ack path. Never trusts the platform's claims:
the bytes are size-capped and must look like an image. The transaction that marks a
photo stored (or failed) also settles a chat check-in waiting for it
(handlers.visits.checkin.photo_settled), whose messages are delivered after commit. The image
handler (handlers/general/media.py) queues ``fetch_media`` once the media row commits."""

from __future__ import annotations

import hashlib
import logging

from bot.delivery import Rejected, RetryLater
from bot.wecom.client import get_client
from handlers.visits.checkin import photo_settled
from models.base import utcnow
from models.platform import media
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

MAX_MEDIA_BYTES = 20 * 1024 * 1024
IMAGE_SIGNATURES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}


def _image_extension(data: bytes) -> str | None:
    for signature, ext in IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            return ext
    return None


def fetch_media(media_pk: int) -> str:
    with session_scope() as session:
        row = session.get(media.Media, media_pk)
        if row is None or row.status == media.STATUS_STORED:
            return "skipped"
        platform, media_id = row.platform, row.media_id

    if platform != "wecom":
        _fail(media_pk, "该平台的图片下载尚未接入")
        return "unsupported"

    try:
        data, content_type, _filename = get_client().media_get(media_id,
                                                               max_bytes=MAX_MEDIA_BYTES)
    except Rejected as exc:  # expired / unknown media id, or larger than the cap
        _fail(media_pk, f"下载失败：{exc.message}")
        return "failed"
    except RetryLater:
        raise  # transient: RQ's retry runs it again
    ext = _image_extension(data)
    if ext is None:
        _fail(media_pk, "不是 JPEG 或 PNG 图片")
        return "not-an-image"

    digest = hashlib.sha256(data).hexdigest()
    folder = get_settings().instance_dir / "media" / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.{ext}"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    with session_scope() as session:
        row = session.get(media.Media, media_pk)
        assert row is not None
        row.status = media.STATUS_STORED
        row.sha256 = digest
        row.size = len(data)
        row.content_type = content_type
        row.path = str(path)
        row.stored_at = utcnow()
        session.add(row)
        session.flush()
        photo_settled(session, row)
    return "stored"


def _fail(media_pk: int, reason: str) -> None:
    with session_scope() as session:
        row = session.get(media.Media, media_pk)
        if row is not None:
            row.status = media.STATUS_FAILED
            row.error = reason
            session.add(row)
            session.flush()
            photo_settled(session, row)
