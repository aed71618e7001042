"""Visit photos as evidence: validation, EXIF, hashes and the server-side watermark.

Pure functions over bytes and paths — no database, no settings — called from a job,
never on the ack path. ``analyse`` accepts JPEG and PNG only and refuses, with a message a
rep can act on, anything else: empty or oversized files, other image formats, files whose
name or declared type says one format while the bytes are another (a screenshot renamed
to ``.jpg``), dimension headers that would decode to gigapixels (decompression bombs,
checked from the header before any pixel is decoded) and truncated or damaged files.

For a good photo it returns the sha256 of the original bytes (exact reuse), a 64-bit DCT
perceptual hash (near-identical reuse: a re-encoded, resized or recompressed copy lands a
few bits away, a different photo about 32) and the camera EXIF that tells a camera shot
from a screenshot or album picture: DateTimeOriginal (+ OffsetTimeOriginal), Make, Model
and GPS.

The perceptual hash is implemented here on Pillow and numpy (a 32×32 DCT, a few lines)
instead of the ``ImageHash`` package, which would pull scipy and PyWavelets into a web
service for one 64-bit number.

A perceptual hash alone cannot tell a copy from a new photo of the same storefront taken
from about the same spot a week later: both land a few bits away. So every photo also
keeps a ``signature`` (its upright greyscale picture squeezed to 64×64, 4 KB), and
``similarity`` confirms a hash candidate with an aligned comparison: the correlation of
the two normalised thumbnails, the earlier one cropped where the new one is best explained
as a crop of it. A re-encoded, resized, recompressed, brightened or darkened copy, or a
crop, correlates above 0.965; a new shot (another framing, a few degrees of tilt, other
light, people and cars that moved) stays below it (calibration:
``bench/evidence_accuracy.py``, figures in docs/BENCHMARKS.md).

``watermark`` burns server time, rep, customer, distance and a short hash into a copy;
that copy is what supervisors see, the original is kept untouched as evidence. The text
always carries the ASCII facts (time, ids, km, hash) in Pillow's built-in font, so it works
on a machine with no fonts installed; names in Chinese are added when a CJK font file is
found (``find_cjk_font``)."""

from __future__ import annotations

import hashlib
import io
import math
import re
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageDraw, ImageFont, UnidentifiedImageError

from models.geo import GeoPoint

JPEG = "JPEG"
PNG = "PNG"
ACCEPTED_FORMATS = (JPEG, PNG)

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
class ExifInfo:
    """The camera facts in a photo. ``taken_at`` is as the camera wrote it (EXIF has no
    zone); ``offset`` is OffsetTimeOriginal when present. Use ``taken_at_in``."""

    taken_at: datetime | None = None
    offset: timedelta | None = None
    make: str | None = None
    model: str | None = None
    software: str | None = None
    gps: GeoPoint | None = None
    orientation: int = 1

    @property
    def has_camera(self) -> bool:
        """A camera wrote this: it names itself (Make or Model) and the capture time."""
        return bool(self.make or self.model) and self.taken_at is not None

    def taken_at_in(self, business_tz: tzinfo) -> datetime | None:
        """Capture time as an aware datetime: with its own offset when the camera recorded
        one, else read in the business time zone (phones in China run on UTC+8)."""
        if self.taken_at is None:
            return None
        if self.offset is not None:
            return self.taken_at.replace(tzinfo=timezone(self.offset))
        return self.taken_at.replace(tzinfo=business_tz)


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


# -- validation -------------------------------------------------------------------------

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
    grey = _flatten(_upright(image, exif.orientation)).convert("L")
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


# -- EXIF -------------------------------------------------------------------------------

_TAG_MAKE, _TAG_MODEL, _TAG_SOFTWARE, _TAG_ORIENTATION = 271, 272, 305, 274
_TAG_DATETIME_ORIGINAL, _TAG_DATETIME_DIGITIZED = 36867, 36868
_TAG_OFFSET_ORIGINAL, _TAG_OFFSET_DIGITIZED = 36881, 36882
_EXIF_DT = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def _exif_datetime(value: Any) -> datetime | None:
    found = _EXIF_DT.match(_text(value) or "")
    if not found:
        return None
    year, month, day, hour, minute, second = (int(part) for part in found.groups())
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:  # "0000:00:00 00:00:00" and other blanks cameras write
        return None


def _exif_offset(value: Any) -> timedelta | None:
    found = _EXIF_OFFSET.match(_text(value) or "")
    if not found:
        return None
    sign, hours, minutes = found.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return -delta if sign == "-" else delta


def _dms(value: Any) -> float | None:
    try:
        parts = [float(part) for part in value] if isinstance(value, (tuple, list)) \
            else [float(value)]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    parts = (parts + [0.0, 0.0])[:3]
    if not all(math.isfinite(part) for part in parts):
        return None
    return parts[0] + parts[1] / 60 + parts[2] / 3600


def _gps(ifd: dict[int, Any]) -> GeoPoint | None:
    lat, lng = _dms(ifd.get(2)), _dms(ifd.get(4))
    if lat is None or lng is None:
        return None
    if (_text(ifd.get(1)) or "N").upper().startswith("S"):
        lat = -lat
    if (_text(ifd.get(3)) or "E").upper().startswith("W"):
        lng = -lng
    if (lat == 0 and lng == 0) or abs(lat) > 90 or abs(lng) > 180:
        return None  # "0,0" is what phones write when they had no fix
    # Cameras record what the GNSS chip reports, which is WGS-84.
    return GeoPoint(lat, lng, "wgs84")


def read_exif(image: Image.Image) -> ExifInfo:
    """The camera facts in an opened image (JPEG APP1 or PNG eXIf); empty when absent or
    unparseable — garbage EXIF is treated like no EXIF, never as an error."""
    try:
        exif = image.getexif()
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # noqa: BLE001 - malformed EXIF from odd apps: same as none
        return ExifInfo()
    taken, offset = _exif_datetime(sub.get(_TAG_DATETIME_ORIGINAL)), \
        _exif_offset(sub.get(_TAG_OFFSET_ORIGINAL))
    if taken is None:
        taken, offset = _exif_datetime(sub.get(_TAG_DATETIME_DIGITIZED)), \
            _exif_offset(sub.get(_TAG_OFFSET_DIGITIZED))
    orientation = exif.get(_TAG_ORIENTATION)
    return ExifInfo(
        taken_at=taken, offset=offset if taken else None,
        make=_text(exif.get(_TAG_MAKE)), model=_text(exif.get(_TAG_MODEL)),
        software=_text(exif.get(_TAG_SOFTWARE)), gps=_gps(gps_ifd),
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8
        else 1,
    )


_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,), 3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,), 5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,), 7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    for step in _TRANSPOSE.get(orientation, ()):
        image = image.transpose(step)
    return image


# -- perceptual hash --------------------------------------------------------------------

_N, _K = 32, 8
_COS = [[math.cos(math.pi * k * (2 * n + 1) / (2 * _N)) for n in range(_N)] for k in range(_K)]


def _dct_hash(px: Any) -> int:
    """The 64 bits of a 32×32 grey array: 2-D DCT-II, the 8×8 lowest frequencies, one bit
    per coefficient above their median, (0, 0) first."""
    import numpy as np

    cos = np.array(_COS)
    coeffs = (cos @ px @ cos.T).ravel()
    ordered = np.sort(coeffs)
    median = (ordered[31] + ordered[32]) / 2
    value = 0
    for bit in coeffs > median:
        value = (value << 1) | int(bit)
    return value


def phash(image: Image.Image) -> int:
    """64-bit DCT perceptual hash (the classic pHash, as ImageHash computes it): grey
    32×32, 2-D DCT-II, the 8×8 lowest frequencies, one bit per coefficient above their
    median. Bit 63 is coefficient (0, 0)."""
    import numpy as np

    small = _flatten(image).convert("L").resize((_N, _N), Image.Resampling.LANCZOS)
    return _dct_hash(np.frombuffer(small.tobytes(), dtype=np.uint8).astype(np.float64)
                     .reshape(_N, _N))


SIGNATURE_SIDE = 64
_COARSE, _FINE = 16, 32
# Crops searched: the new photo as a window of the earlier one keeping this share of its
# width and of its height (at most 8 points apart), anywhere inside it.
_CROP_SCALES = (1.0, 0.96, 0.92, 0.88, 0.84, 0.80)
_CROP_STEPS = 5
# A coarse correlation this far below the verdict's threshold is not refined.
_REFINE_MARGIN = 0.04


def signature(image: Image.Image) -> bytes:
    """The upright picture in grey, squeezed to 64×64 (box filter): 4,096 bytes."""
    grey = _flatten(image).convert("L")
    return grey.resize((SIGNATURE_SIDE, SIGNATURE_SIDE), Image.Resampling.BOX).tobytes()


# Centre windows of a photo whose hashes are kept besides its own: a crop of the photo
# (a few per cent off each side) hashes close to one of them, though far from the whole.
WINDOWS = (0.9, 0.8)


@lru_cache(maxsize=len(WINDOWS))
def _window_cos(n: int) -> Any:
    import numpy as np

    return np.array([[math.cos(math.pi * k * (2 * i + 1) / (2 * n)) for i in range(n)]
                     for k in range(_K)])


def window_hashes(sig: bytes) -> tuple[int, ...]:
    """The perceptual hash (as ``phash``: 8×8 lowest DCT frequencies against their
    median, here taken on the window's own grid) of the centre 90 % and 80 % of a
    signature."""
    import numpy as np

    grid = np.frombuffer(sig, dtype=np.uint8).reshape(SIGNATURE_SIDE, SIGNATURE_SIDE) \
        .astype(np.float64)
    out = []
    for share in WINDOWS:
        margin = round(SIGNATURE_SIDE * (1 - share) / 2)
        window = grid[margin:SIGNATURE_SIDE - margin, margin:SIGNATURE_SIDE - margin]
        cos = _window_cos(window.shape[0])
        coeffs = (cos @ window @ cos.T).ravel()
        ordered = np.sort(coeffs)
        median = (ordered[31] + ordered[32]) / 2
        value = 0
        for bit in coeffs > median:
            value = (value << 1) | int(bit)
        out.append(value)
    return tuple(out)


def format_hashes(values: Sequence[int]) -> str:
    return ",".join(format_phash(v) for v in values)


def parse_hashes(text: str | None) -> tuple[int, ...]:
    return tuple(parse_phash(part) for part in (text or "").split(",") if part)


@lru_cache(maxsize=1)
def _search() -> tuple[Any, Any, Any]:
    """The crop windows (x0, y0, width, height in signature pixels) and, for each, the
    flat indices of its 16×16 cells' corners in a (side+1)² integral image and the
    cells' areas."""
    import numpy as np

    side = SIGNATURE_SIDE
    boxes = [(0.0, 0.0, float(side), float(side))]
    for sx in _CROP_SCALES:
        for sy in _CROP_SCALES:
            if sx == sy == 1.0 or abs(sx - sy) > 0.081:
                continue
            for x in np.linspace(0, side * (1 - sx), _CROP_STEPS if sx < 1 else 1):
                for y in np.linspace(0, side * (1 - sy), _CROP_STEPS if sy < 1 else 1):
                    boxes.append((float(x), float(y), side * sx, side * sy))
    array = np.array(boxes)
    steps = np.arange(_COARSE + 1) / _COARSE
    xs = np.rint(array[:, 0:1] + array[:, 2:3] * steps).astype(np.intp)
    ys = np.rint(array[:, 1:2] + array[:, 3:4] * steps).astype(np.intp)
    areas = (np.diff(ys)[:, :, None] * np.diff(xs)[:, None, :]).clip(min=1) \
        .astype(np.float32)
    corners = ys[:, :, None] * (side + 1) + xs[:, None, :]
    return array, corners, areas


def _normalised(rows: Any) -> Any:
    """Each row → zero mean, unit length (brightness and contrast cancel out)."""
    import numpy as np

    flat = rows.reshape(rows.shape[0], -1).astype(np.float32, copy=False)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(flat, axis=1, keepdims=True)
    return flat / np.where(norm == 0, 1.0, norm)


def _pooled(grid: Any, n: int) -> Any:
    k = SIGNATURE_SIDE // n
    return grid.reshape(n, k, n, k).mean(axis=(1, 3))


@lru_cache(maxsize=4)
def _as_new(sig: bytes) -> tuple[Any, Any]:
    """The new photo's normalised 32×32 and 16×16 pictures (one photo is compared with
    all its candidates in a row)."""
    import numpy as np

    a = np.frombuffer(sig, dtype=np.uint8).reshape(SIGNATURE_SIDE, SIGNATURE_SIDE) \
        .astype(np.float32)
    return _normalised(_pooled(a, _FINE)[None])[0], _normalised(_pooled(a, _COARSE)[None])[0]


@lru_cache(maxsize=2048)
def _as_old(sig: bytes) -> tuple[Any, Any]:
    """An earlier photo's normalised 32×32 picture and its integral image (flat)."""
    import numpy as np

    side = SIGNATURE_SIDE
    b = np.frombuffer(sig, dtype=np.uint8).reshape(side, side).astype(np.float32)
    integral = np.zeros((side + 1, side + 1), dtype=np.float32)
    integral[1:, 1:] = b.cumsum(0).cumsum(1)
    return _normalised(_pooled(b, _FINE)[None])[0], integral.ravel()


def similarity(new: bytes, old: bytes, *, threshold: float = 0.0) -> float:
    """How well the photo with signature ``new`` is explained as a copy of ``old``: the
    best correlation (−1…1) of the normalised greyscale thumbnails on a 32×32 grid,
    ``old`` taken whole or as a crop (80–100 % of its width and of its height, anywhere
    inside it; found on a 16×16 grid, then refined). Brightness and contrast changes
    cancel out; re-encoding, resizing and recompression barely move it. A ``threshold``
    lets the search stop early: a result below it is only known to be below it."""
    import numpy as np

    fine, coarse_new = _as_new(new)
    fine_old, integral = _as_old(old)
    whole = float(fine_old @ fine)
    if whole >= max(threshold, 0.999):
        return whole
    boxes, corners, areas = _search()
    c = integral[corners]
    cells = (c[:, 1:, 1:] - c[:, :-1, 1:] - c[:, 1:, :-1] + c[:, :-1, :-1]) / areas
    coarse = _normalised(cells) @ coarse_new
    best = int(np.argmax(coarse))
    if best == 0 or coarse[best] < threshold - _REFINE_MARGIN:
        return whole
    # Refine around the best window on the 32×32 grid with exact (fractional) boxes.
    side = SIGNATURE_SIDE
    x0, y0, w0, h0 = boxes[best]
    picture = Image.frombytes("L", (side, side), old)
    best_score = whole
    for step in (side * 0.02, side * 0.01):
        crops, windows = [], []
        for dw, dh in ((0.0, 0.0), (-step, -step), (step, step), (-step, 0.0),
                       (step, 0.0), (0.0, -step), (0.0, step)):
            w, h = min(side, w0 + dw), min(side, h0 + dh)
            for dx in (-step, 0.0, step):
                for dy in (-step, 0.0, step):
                    x = min(max(0.0, x0 + dx), side - w)
                    y = min(max(0.0, y0 + dy), side - h)
                    windows.append((x, y, w, h))
                    crops.append(picture.resize((_FINE, _FINE), Image.Resampling.BOX,
                                                box=(x, y, x + w, y + h)).tobytes())
        scores = _normalised(np.frombuffer(b"".join(crops), dtype=np.uint8)
                             .reshape(len(crops), -1).astype(np.float32)) @ fine
        top = int(np.argmax(scores))
        x0, y0, w0, h0 = windows[top]
        best_score = max(best_score, float(scores[top]))
        # The finer step moves a score by a point or two, no more.
        if best_score >= max(threshold, 0.999) or best_score < threshold - 0.02:
            break
    return best_score


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def format_phash(value: int) -> str:
    return f"{value:016x}"


def parse_phash(text: str) -> int:
    return int(text, 16)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: transparent PNG areas must not turn black (or differ by encoder)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode not in ("RGB", "L"):
        return image.convert("RGB")
    return image


# -- watermark --------------------------------------------------------------------------

# Common CJK font files on Linux servers, macOS and Windows; ``fc-match`` is asked when
# none of these exists. Nothing is downloaded: without a CJK font the watermark is ASCII.
_CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """A font file that can draw Chinese, or None."""
    for candidate in _CJK_FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"],
                                   capture_output=True, text=True, timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        path = found.stdout.strip()
        if path and Path(path).is_file() and _draws_chinese(path):
            return path
    return None


def _draws_chinese(path: str) -> bool:
    # fc-match always answers with *some* font; make sure this one has the glyphs.
    try:
        font = ImageFont.truetype(path, 20)
        return font.getmask("中").getbbox() is not None
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class Stamp:
    """What the watermark says. ``server_time`` is aware (shown in the business zone)."""

    server_time: datetime
    rep_id: str
    customer_id: str
    short_hash: str
    distance_km: float | None = None
    rep_name: str | None = None
    customer_name: str | None = None


def _ascii(text: str | None) -> str | None:
    if text and text.isascii() and text.isprintable():
        return text
    return None


def stamp_lines(stamp: Stamp, *, business_tz: tzinfo, cjk: bool) -> list[str]:
    """The watermark's lines: Chinese labels and names with a CJK font, ASCII without."""
    local = stamp.server_time.astimezone(business_tz)
    offset = local.strftime("%z")
    when = f"{local:%Y-%m-%d %H:%M:%S} UTC{offset[:3]}:{offset[3:]}"
    km = stamp.distance_km
    rep_id = _ascii(stamp.rep_id) or "?"
    customer_id = _ascii(stamp.customer_id) or "?"
    if cjk:
        rep = f"{stamp.rep_name} ({rep_id})" if stamp.rep_name else rep_id
        customer = (f"{stamp.customer_name} (#{customer_id})" if stamp.customer_name
                    else f"#{customer_id}")
        return [f"服务器时间 {when}",
                f"业务员 {rep}  客户 {customer}",
                f"距客户 {_distance(km, '米', '公里') if km is not None else '未知'}  "
                + f"校验 {stamp.short_hash}"]
    rep_name, customer_name = _ascii(stamp.rep_name), _ascii(stamp.customer_name)
    rep = f"{rep_name} ({rep_id})" if rep_name else rep_id
    customer = f"{customer_name} (#{customer_id})" if customer_name else f"#{customer_id}"
    return [f"SERVER {when}",
            f"REP {rep}  CUSTOMER {customer}",
            f"DIST {_distance(km, 'm', 'km') if km is not None else 'n/a'}  "
            + f"SHA {stamp.short_hash}"]


def _distance(km: float, metre: str, kilometre: str) -> str:
    return f"{km * 1000:.0f} {metre}" if km < 1 else f"{km:.1f} {kilometre}"


def _font(font_path: str | None, size: int) -> Any:
    if font_path:
        return ImageFont.truetype(font_path, size)
    try:
        return ImageFont.load_default(size=size)  # scalable when Pillow has FreeType
    except (OSError, TypeError):
        return ImageFont.load_default()


def watermark(data: bytes, stamp: Stamp, *, business_tz: tzinfo,
              font_path: str | None = None, quality: int = 88) -> bytes:
    """A JPEG copy of an (already validated) photo, upright per its EXIF orientation and
    of the same upright size, with a dark band along the bottom carrying ``stamp``.
    Pass ``font_path=find_cjk_font()`` to include names in Chinese. The copy carries no
    EXIF: orientation is baked in and the GPS stays with the original."""
    with Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS)) as opened:
        orientation = read_exif(opened).orientation
        image = _flatten(_upright(opened, orientation)).convert("RGB")
        icc = opened.info.get("icc_profile")
    lines = stamp_lines(stamp, business_tz=business_tz, cjk=font_path is not None)
    return _burn(image, lines, font_path=font_path, quality=quality, icc_profile=icc)


def _burn(image: Image.Image, lines: Sequence[str], *, font_path: str | None,
          quality: int, icc_profile: bytes | None) -> bytes:
    """Draw ``lines`` white on a translucent black band at the bottom of ``image`` (an RGB
    image the caller owns: it is changed in place) and encode it as JPEG."""
    width, height = image.size
    # Readable on a phone: the photo is shown ~1080 px wide, so ~1/30 of the short side
    # gives ~30 px text there; shrink until the longest line fits the width.
    size = max(12, round(min(width, height) / 30))
    pad = max(4, size // 2)
    font = _font(font_path, size)
    probe = ImageDraw.Draw(image)
    widest = max(probe.textlength(line, font=font) for line in lines)
    if widest > width - 2 * pad:
        size = max(8, int(size * (width - 2 * pad) / widest))
        pad = max(3, size // 2)
        font = _font(font_path, size)
    line_height = round(size * 1.3)
    band = min(height, line_height * len(lines) + 2 * pad)

    # Only the band is composited: a 40 MP photo never gets a full-size RGBA twin.
    box = (0, height - band, width, height)
    overlay = Image.new("RGBA", (width, band), (0, 0, 0, 170))
    draw = ImageDraw.Draw(overlay)
    y = pad
    for line in lines:
        draw.text((pad, y), line, font=font, fill=(255, 255, 255, 255))
        y += line_height
    strip = Image.alpha_composite(image.crop(box).convert("RGBA"), overlay).convert("RGB")
    image.paste(strip, box)
    out = io.BytesIO()
    options: dict[str, Any] = {"quality": quality, "optimize": True}
    if icc_profile:
        options["icc_profile"] = icc_profile
    image.save(out, "JPEG", **options)
    return out.getvalue()


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
