"""The emulator's media store (WeCom temporary media: shared by the corp, lives 3 days)."""

from __future__ import annotations

import secrets

from bot.emulator.state import EmulatorState, Media

# Magic bytes -> (Content-Type, file extension). Enough to tell photos from anything else.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
    (b"%PDF", "application/pdf", "pdf"),
)


def sniff(data: bytes) -> tuple[str, str]:
    """(Content-Type, extension) from the content, never from what the sender claims."""
    for magic, content_type, ext in _SIGNATURES:
        if data.startswith(magic):
            return content_type, ext
    return "application/octet-stream", "bin"


def is_photo(data: bytes) -> bool:
    # WeCom takes JPG and PNG for type=image uploads.
    return sniff(data)[0] in ("image/jpeg", "image/png")


def store_media(state: EmulatorState, data: bytes, media_type: str = "image") -> Media:
    content_type, ext = sniff(data)
    # Real media_ids are ~50 url-safe characters starting with a digit.
    media_id = "1" + secrets.token_urlsafe(40)
    media = Media(media_id=media_id, data=data, content_type=content_type,
                  filename=f"{media_id}.{ext}", created_at=state.now(), media_type=media_type)
    with state.lock:
        state.media[media_id] = media
    return media


def live_media(state: EmulatorState, media_id: str) -> Media | None:
    """The media if it exists and is younger than ``media_ttl``."""
    with state.lock:
        media = state.media.get(media_id)
    if media is None or media.created_at + state.config.media_ttl <= state.now():
        return None
    return media
