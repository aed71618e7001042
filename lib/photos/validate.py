"""Photo validation: ``analyse`` accepts JPEG and PNG only and refuses, with a Chinese
message a rep can act on, anything else (empty or oversized files, other formats,
disguised files, decompression bombs, truncated or damaged files); for a good photo it
returns a ``PhotoInfo`` with its hashes, signature and EXIF.

Called from jobs (never on the ack path) and, through ``lib.photos``, by the visit and
store models that evaluate uploads; ``PhotoLimits`` come from the caller's rules."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from lib.photos.exif import ExifInfo, read_exif
from lib.photos.formats import ACCEPTED_FORMATS, JPEG, claimed_format, sniff_format
from lib.photos.hashing import format_phash, phash, signature, window_hashes
from lib.photos.pixels import flatten, upright

# -- what reps and supervisors read (Chinese, one place for this module) -------------------
PHOTO_EMPTY = "照片文件为空，请重新拍摄上传"
PHOTO_MISSING = "找不到照片文件“{name}”"
PHOTO_UNREADABLE = "无法读取照片文件“{name}”"
PHOTO_TOO_MANY_BYTES = "照片文件 {size} 超过上限 {limit}，请用手机相机直接拍摄上传"
PHOTO_NOT_IMAGE = "文件不是图片，只接受 JPEG 或 PNG 照片"
PHOTO_WRONG_FORMAT = "只接受 JPEG 或 PNG 照片，收到的是 {kind} 文件"
PHOTO_DISGUISED = "文件内容是 {actual}，却标称为 {claimed}（{source}），疑似改过扩展名或类型的文件"
PHOTO_TOO_MANY_PIXELS = "照片尺寸 {width}×{height}（{mp} 百万像素）超过上限 {limit} 百万像素"
PHOTO_BOMB = ("照片声明尺寸 {width}×{height}（{mp} 百万像素）而文件只有 {size}，"
              "疑似解压炸弹，已拒收")
PHOTO_BOMB_UNKNOWN = ("照片声明的像素数（{mp} 百万像素）远超上限 {limit} 百万像素，疑似解压炸弹，"
                      "已拒收")
PHOTO_TRUNCATED = "照片文件不完整（可能上传中断），请重新拍摄上传"
PHOTO_DAMAGED = "照片文件已损坏，无法解码"

# A header claiming this many pixels per byte of file is not a photo: real JPEGs and PNGs
# of camera pictures hold well under 20 pixels per byte.
_BOMB_PIXELS_PER_BYTE = 1000


class PhotoError(ValueError):
    """A photo refused as evidence. ``code`` is stable for programs, ``message`` is the
    Chinese reason shown to people (the ``bad_photo`` flag's reason)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class PhotoLimits:
    max_bytes: int = 15 * 1024 * 1024
    max_pixels: int = 40_000_000


@dataclass(frozen=True, slots=True)
class PhotoInfo:
    format: str
    width: int  # as stored; orientation is applied when the photo is shown or hashed
    height: int
    size: int  # bytes
    sha256: str
    phash: int
    exif: ExifInfo = field(default_factory=ExifInfo)
    signature: bytes | None = None  # see ``signature``; None only for hand-built infos
    windows: tuple[int, ...] = ()  # ``window_hashes`` of the signature

    @property
    def short_hash(self) -> str:
        return self.sha256[:8]

    @property
    def phash_hex(self) -> str:
        return format_phash(self.phash)


def human_bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def _mp(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}" if pixels < 10**7 else f"{pixels / 1_000_000:.0f}"


def analyse(data: bytes, *, limits: PhotoLimits | None = None, filename: str | None = None,
            content_type: str | None = None) -> PhotoInfo:
    """Validate a photo and read its evidence; raises ``PhotoError``."""
    limits = limits or PhotoLimits()
    if not data:
        raise PhotoError("empty", PHOTO_EMPTY)
    if len(data) > limits.max_bytes:
        raise PhotoError("too_large", PHOTO_TOO_MANY_BYTES.format(
            size=human_bytes(len(data)), limit=human_bytes(limits.max_bytes)))
    actual = sniff_format(data)
    if actual is None:
        raise PhotoError("not_image", PHOTO_NOT_IMAGE)
    if actual not in ACCEPTED_FORMATS:
        raise PhotoError("wrong_format", PHOTO_WRONG_FORMAT.format(kind=actual))
    claim = claimed_format(filename, content_type)
    if claim is not None and claim[0] != actual:
        raise PhotoError("disguised", PHOTO_DISGUISED.format(
            actual=actual, claimed=claim[0], source=claim[1]))

    image = _open(data, actual, limits)
    width, height = image.size
    pixels = width * height
    if pixels > limits.max_pixels:
        if pixels > len(data) * _BOMB_PIXELS_PER_BYTE:
            raise PhotoError("bomb", PHOTO_BOMB.format(
                width=width, height=height, mp=_mp(pixels), size=human_bytes(len(data))))
        raise PhotoError("too_many_pixels", PHOTO_TOO_MANY_PIXELS.format(
            width=width, height=height, mp=_mp(pixels), limit=_mp(limits.max_pixels)))
    if actual == JPEG:
        # Decode at 1/2…1/8 scale (libjpeg's DCT scaling): every byte of scan data is
        # still read, so truncation is still caught, at a fraction of the time.
        image.draft("RGB", (256, 256))
    try:
        image.load()
    except OSError as exc:
        code, message = (("truncated", PHOTO_TRUNCATED) if "truncated" in str(exc)
                         else ("damaged", PHOTO_DAMAGED))
        raise PhotoError(code, message) from exc
    except (SyntaxError, EOFError, ValueError, MemoryError) as exc:
        raise PhotoError("damaged", PHOTO_DAMAGED) from exc
    exif = read_exif(image)
    grey = flatten(upright(image, exif.orientation)).convert("L")
    sig = signature(grey)
    return PhotoInfo(format=actual, width=width, height=height, size=len(data),
                     sha256=hashlib.sha256(data).hexdigest(),
                     phash=phash(grey), exif=exif, signature=sig, windows=window_hashes(sig))


def analyse_file(path: Path, *, limits: PhotoLimits | None = None,
                 content_type: str | None = None) -> PhotoInfo:
    """``analyse`` for a file on disk; the size cap is checked before reading it."""
    limits = limits or PhotoLimits()
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise PhotoError("missing", PHOTO_MISSING.format(name=path.name)) from exc
    except OSError as exc:
        raise PhotoError("unreadable", PHOTO_UNREADABLE.format(name=path.name)) from exc
    if not path.is_file():
        raise PhotoError("unreadable", PHOTO_UNREADABLE.format(name=path.name))
    if size > limits.max_bytes:
        raise PhotoError("too_large", PHOTO_TOO_MANY_BYTES.format(
            size=human_bytes(size), limit=human_bytes(limits.max_bytes)))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PhotoError("unreadable", PHOTO_UNREADABLE.format(name=path.name)) from exc
    return analyse(data, limits=limits, filename=path.name, content_type=content_type)


def _open(data: bytes, fmt: str, limits: PhotoLimits) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=[fmt])
    except Image.DecompressionBombError as exc:
        # Pillow's own hard stop (2× its MAX_IMAGE_PIXELS) fires inside open().
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(found.group(1)) if found else 0
        raise PhotoError("bomb", PHOTO_BOMB_UNKNOWN.format(
            mp=_mp(pixels), limit=_mp(limits.max_pixels))) from exc
    except (UnidentifiedImageError, SyntaxError, EOFError, ValueError) as exc:
        raise PhotoError("damaged", PHOTO_DAMAGED) from exc
    except OSError as exc:
        code, message = (("truncated", PHOTO_TRUNCATED) if "truncated" in str(exc)
                         else ("damaged", PHOTO_DAMAGED))
        raise PhotoError(code, message) from exc
