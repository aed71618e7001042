"""Photo file formats: which formats are accepted, what the bytes really are (magic
numbers), what a file name or a declared content type claims, and content-addressed
storage of the original upload.

Called by ``lib.photos.validate`` (format checks) and, through ``lib.photos``, by the
request path that stores an upload before any decoding (``store_original``)."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

JPEG = "JPEG"
PNG = "PNG"
ACCEPTED_FORMATS = (JPEG, PNG)


_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, JPEG),
    (b"\x89PNG\r\n\x1a\n", 0, PNG),
    (b"GIF87a", 0, "GIF"),
    (b"GIF89a", 0, "GIF"),
    (b"BM", 0, "BMP"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"%PDF", 0, "PDF"),
)
_FTYP_BRANDS = {b"heic": "HEIC", b"heix": "HEIC", b"hevc": "HEIC", b"mif1": "HEIC",
                b"msf1": "HEIC", b"avif": "AVIF"}
_EXTENSIONS = {".jpg": JPEG, ".jpeg": JPEG, ".jpe": JPEG, ".jfif": JPEG, ".png": PNG,
               ".gif": "GIF", ".webp": "WEBP", ".heic": "HEIC", ".heif": "HEIC",
               ".avif": "AVIF", ".bmp": "BMP", ".tif": "TIFF", ".tiff": "TIFF"}
_CONTENT_TYPES = {"image/jpeg": JPEG, "image/jpg": JPEG, "image/pjpeg": JPEG,
                  "image/png": PNG, "image/x-png": PNG, "image/gif": "GIF",
                  "image/webp": "WEBP", "image/heic": "HEIC", "image/heif": "HEIC",
                  "image/avif": "AVIF", "image/bmp": "BMP", "image/tiff": "TIFF"}


def sniff_format(data: bytes) -> str | None:
    """The format the bytes really are (by magic number), or None for "not an image"."""
    for magic, offset, name in _SIGNATURES:
        if data[offset:offset + len(magic)] == magic:
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in _FTYP_BRANDS:
        return _FTYP_BRANDS[data[8:12]]
    return None


def claimed_format(filename: str | None = None,
                   content_type: str | None = None) -> tuple[str, str] | None:
    """(format, where the claim comes from) that a name or a declared type asserts.
    Unknown extensions and ``application/octet-stream`` assert nothing."""
    if content_type:
        kind = _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
        if kind:
            return kind, f"类型 {content_type.split(';')[0].strip()}"
    if filename:
        suffix = Path(filename).suffix.lower()
        if suffix in _EXTENSIONS:
            return _EXTENSIONS[suffix], f"扩展名 {suffix}"
    return None


def store_original(data: bytes, folder: Path) -> Path:
    """Keep the uploaded bytes untouched, content-addressed under ``folder``
    (``ab/abcdef….jpg``); cheap enough for the request path — nothing is decoded here."""
    digest = hashlib.sha256(data).hexdigest()
    kind = sniff_format(data)
    suffix = {JPEG: ".jpg", PNG: ".png"}.get(kind or "", ".bin")
    target = folder / digest[:2] / f"{digest}{suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own per writer: two uploads of the same bytes never share a file.
        part = target.with_name(f"{target.name}.{uuid.uuid4().hex}.part")
        part.write_bytes(data)
        part.replace(target)
    return target
