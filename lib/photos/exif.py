"""Camera EXIF of a photo: capture time (+ its offset), make, model, software, GPS and
orientation. Garbage EXIF reads as none. Used by ``validate.analyse`` and ``watermark``;
``ExifInfo`` is what the evidence checks read (``models.visits.evidence``)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from PIL import ExifTags, Image

from lib.geo import GeoPoint


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
