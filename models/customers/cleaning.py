"""Field-by-field cleaning of customer input, shared by registration and import.

Each function takes what a person typed (or a spreadsheet cell) and returns the stored
value, or raises ``FieldError`` naming the field and saying in Chinese what is wrong. No
database access here: uniqueness and owners are checked by the callers."""

from __future__ import annotations

import re
from typing import Any

from lib.phone import PhoneError, normalise_phone
from lib.regions import REGIONS, canonical_province, canonical_region
from lib.text import clean_text
from models import messages as M
from models.customers.customer import (
    ADDRESS_MAX,
    CONTACT_MAX,
    GRADES,
    INDUSTRY_MAX,
    INTENT_MAX,
    NAME_MAX,
    clean_name,
)

_HAS_LETTER = re.compile(r"[^\W\d_]")  # any letter or CJK character
_GRADE = re.compile(r"^([abc])\s*(?:类|级|类客户|级客户)?$", re.IGNORECASE)
_COORD_ALIASES = {
    "wgs84": "wgs84", "wgs": "wgs84", "gps": "wgs84",
    "gcj02": "gcj02", "gcj": "gcj02", "火星坐标": "gcj02", "国测局": "gcj02",
    "高德": "gcj02", "腾讯": "gcj02",
}
_BAIDU = ("bd09", "bd09ll", "bd", "百度")
DEFAULT_COORD = "gcj02"  # what Amap / Tencent maps and WeCom location events give


class FieldError(ValueError):
    """One field's problem; ``message`` is shown to the person who typed it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def label(field: str) -> str:
    return M.FIELD_LABELS.get(field, field)


def text(field: str, value: Any, *, max_len: int, required: bool = False) -> str | None:
    cleaned = clean_text(value)
    if cleaned is None:
        if required:
            raise FieldError(field, M.REQUIRED.format(label=label(field)))
        return None
    if len(cleaned) > max_len:
        raise FieldError(field, M.TOO_LONG.format(label=label(field), max=max_len))
    return cleaned


def name(value: Any) -> str:
    cleaned = text("name", value, max_len=NAME_MAX, required=True)
    assert cleaned is not None
    if not _HAS_LETTER.search(cleaned):
        raise FieldError("name", M.NAME_NO_LETTERS)
    return clean_name(cleaned)


def contact(value: Any, *, required: bool = False) -> str | None:
    return text("contact", value, max_len=CONTACT_MAX, required=required)


def industry(value: Any, *, required: bool = False) -> str | None:
    return text("industry", value, max_len=INDUSTRY_MAX, required=required)


def intent(value: Any, *, required: bool = False) -> str | None:
    return text("intent", value, max_len=INTENT_MAX, required=required)


def address(value: Any) -> str | None:
    return text("address", value, max_len=ADDRESS_MAX)


def city(value: Any) -> str | None:
    return text("city", value, max_len=32)


def phone(value: Any) -> str:
    try:
        return normalise_phone(clean_text(value))
    except PhoneError as error:
        raise FieldError("phone", error.message) from None


def grade(value: Any) -> str | None:
    cleaned = clean_text(value)
    if cleaned is None:
        return None
    match = _GRADE.match(cleaned)
    if not match:
        raise FieldError("grade", M.GRADE_INVALID.format(value=cleaned))
    result = match.group(1).upper()
    assert result in GRADES
    return result


def region(value: Any) -> str | None:
    cleaned = clean_text(value)
    if cleaned is None:
        return None
    found = canonical_region(cleaned)
    if found is None:
        raise FieldError("region", M.REGION_INVALID.format(value=cleaned,
                                                           choices=M.LIST_SEP.join(REGIONS)))
    return found


def province(value: Any) -> str | None:
    cleaned = clean_text(value)
    if cleaned is None:
        return None
    found = canonical_province(cleaned)
    if found is None:
        raise FieldError("province", M.PROVINCE_INVALID.format(value=cleaned))
    return found


def _number(field: str, value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    cleaned = clean_text(value)
    if cleaned is None:
        return None
    try:
        return float(cleaned)
    except ValueError:
        raise FieldError(field, M.COORD_NOT_NUMBER.format(label=label(field),
                                                          value=cleaned)) from None


def coordinates(lat_value: Any, lng_value: Any,
                coord_value: Any) -> tuple[float | None, float | None, str | None]:
    """(latitude, longitude, coord system), all None when no coordinates were given.
    The coordinate system defaults to GCJ-02, what Chinese map apps show."""
    lat = _number("latitude", lat_value)
    lng = _number("longitude", lng_value)
    if lat is None and lng is None:
        return None, None, None
    if lat is None or lng is None:
        raise FieldError("latitude" if lat is None else "longitude", M.COORD_PAIR)
    if 73 <= lat <= 136 and 3 <= lng <= 54:
        raise FieldError("latitude", M.COORD_SWAPPED.format(lat=lat, lng=lng))
    if not 3 <= lat <= 54:
        raise FieldError("latitude", M.LATITUDE_RANGE.format(value=lat))
    if not 73 <= lng <= 136:
        raise FieldError("longitude", M.LONGITUDE_RANGE.format(value=lng))
    return lat, lng, coord_system(coord_value) or DEFAULT_COORD


def coord_system(value: Any) -> str | None:
    cleaned = clean_text(value)
    if cleaned is None:
        return None
    key = re.sub(r"[\s\-_]", "", cleaned.lower()).removesuffix("坐标系")
    if key in _BAIDU or key.startswith("百度"):
        raise FieldError("coord", M.COORD_SYSTEM_BAIDU)
    found = _COORD_ALIASES.get(key) or _COORD_ALIASES.get(key.removesuffix("坐标"))
    if found is None:
        raise FieldError("coord", M.COORD_SYSTEM_INVALID.format(value=cleaned))
    return found
