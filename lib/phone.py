"""Mainland China phone numbers: validate and bring to one stored spelling.

Stored forms (what ``normalise_phone`` returns, and what the unique index compares):
- mobiles: the 11 digits, ``13800138000`` (no +86: the product is mainland-only and reps
  search and dial by the 11 digits);
- landlines: area code, dash, local number, ``0571-88886666``; an extension is appended
  with another dash, ``0571-88886666-123``;
- 400/800 service numbers: ``400-820-8820``.

Validity (allocated mobile ranges, area codes and their local-number lengths) comes from
``phonenumbers``; the checks around it exist to tell people *what* is wrong in Chinese."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from lib import texts as M
from lib.text import halfwidth

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
# Explicit extension markers; a trailing "-123" after a complete landline is handled below.
_EXTENSION = re.compile(r"\s*(?:转|分机号?|ext\.?|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-().]+")
_ALLOWED = re.compile(r"[\d\s\-().+]")
_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


class PhoneError(ValueError):
    """An invalid phone number; ``str(error)`` is the Chinese explanation."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise_phone(raw: str | int | None) -> str:
    """The stored form of a mainland mobile, landline or 400/800 number.

    Accepts full-width digits, spaces, dashes, brackets, +86/0086/86 prefixes and
    extensions (``转123``, ``-123``, ``ext 123``). Raises ``PhoneError`` with a message
    that names the problem (length, number range, area code, missing area code…)."""
    text = halfwidth(str(raw)).strip() if raw is not None else ""
    if not text:
        raise PhoneError(M.PHONE_EMPTY)
    if _SCIENTIFIC.match(text):
        raise PhoneError(M.PHONE_SCIENTIFIC.format(raw=text))

    extension = None
    match = _EXTENSION.search(text)
    if match:
        extension = match.group(1)
        text = text[: match.start()]
    bad = sorted({ch for ch in text if not _ALLOWED.match(ch)})
    if bad:
        raise PhoneError(M.PHONE_BAD_CHARS.format(chars="".join(bad)))

    groups = [g for g in _SEPARATORS.split(text.replace("+", " + ")) if g]
    international = "+" in groups
    groups = [g for g in groups if g != "+"]
    digits = "".join(groups)
    if not digits:
        raise PhoneError(M.PHONE_EMPTY)

    digits = _strip_country_code(digits, international=international, raw=text)
    if digits.startswith("1"):
        if extension:
            raise PhoneError(M.PHONE_MOBILE_EXTENSION)
        return _mobile(digits)
    if digits[:3] in ("400", "800"):
        return _service(digits)
    if digits.startswith("0"):
        if extension is None and len(groups) >= 3 and len(groups[-1]) <= 6:
            # "0571-88886666-123": the last group is an extension only when the number
            # is not already complete with it (so "0571 8888 6666" stays one number).
            whole = _landline_or_none(digits)
            head = _landline_or_none(digits[: -len(groups[-1])])
            if whole is None and head is not None:
                return f"{head}-{groups[-1]}"
        number = _landline(digits)
        return f"{number}-{extension}" if extension else number
    if len(digits) in (7, 8):
        raise PhoneError(M.PHONE_NEEDS_AREA_CODE)
    raise PhoneError(M.PHONE_UNRECOGNISED.format(raw=text))


def mask_phone(phone: str) -> str:
    """``138****8000`` for showing someone else's customer without revealing the number."""
    if len(phone) == 11 and phone.isdigit():
        return f"{phone[:3]}****{phone[-4:]}"
    head, _, tail = phone.rpartition("-")
    if head and len(tail) > 4:
        return f"{head}-{'*' * (len(tail) - 4)}{tail[-4:]}"
    return phone


def _strip_country_code(digits: str, *, international: bool, raw: str) -> str:
    if digits.startswith("0086"):
        digits, international = digits[4:], True
    elif international:
        if not digits.startswith("86"):
            raise PhoneError(M.PHONE_NOT_MAINLAND.format(raw=raw))
        digits = digits[2:]
    elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        return digits[2:]  # "86 138…" typed without the plus
    # After +86 landlines drop their trunk 0 ("+86 571 8888 6666", "+86 10 …"); an
    # 11-digit number starting with 1 is a mobile, 400/800 numbers have no trunk 0.
    is_mobile = digits.startswith("1") and len(digits) == 11
    if international and digits and not digits.startswith("0") and not is_mobile \
            and digits[:3] not in ("400", "800"):
        digits = "0" + digits
    return digits


def _parse(digits: str) -> tuple[phonenumbers.PhoneNumber | None, int]:
    """The number and its type; UNKNOWN means invalid.

    ``digits`` is already plain national digits, so the PhoneNumber is built directly
    (the trunk 0 is not part of the national number) rather than through
    ``phonenumbers.parse``, and ``number_type`` — which for +86 is exactly
    ``is_valid_number``'s test — runs once: imports call this 100k times."""
    national = digits.removeprefix("0")
    if not national.isdigit() or len(national) > 17:
        return None, PhoneNumberType.UNKNOWN
    number = phonenumbers.PhoneNumber(country_code=86, national_number=int(national))
    return number, phonenumbers.number_type(number)


def _mobile(digits: str) -> str:
    if len(digits) != 11:
        raise PhoneError(M.PHONE_MOBILE_LENGTH.format(n=len(digits)))
    _number, kind = _parse(digits)
    if kind not in _MOBILE_TYPES:
        raise PhoneError(M.PHONE_MOBILE_PREFIX.format(prefix=digits[:3]))
    return digits


def _service(digits: str) -> str:
    _number, kind = _parse(digits) if len(digits) == 10 else (None, PhoneNumberType.UNKNOWN)
    if kind == PhoneNumberType.UNKNOWN:
        raise PhoneError(M.PHONE_SERVICE_INVALID)
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _landline_or_none(digits: str) -> str | None:
    number, kind = _parse(digits)
    if number is None or kind == PhoneNumberType.UNKNOWN or kind in _MOBILE_TYPES:
        return None
    area, _, local = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL).partition(" ")
    return f"{area}-{local.replace(' ', '')}"


def _landline(digits: str) -> str:
    number = _landline_or_none(digits)
    if number is not None:
        return number
    # Beijing (010) and the 02x cities have 3-character area codes, the rest 4.
    area_len = 3 if digits[1:2] in ("1", "2") else 4
    area, local = digits[:area_len], digits[area_len:]
    if len(local) not in (7, 8):
        raise PhoneError(M.PHONE_LANDLINE_LENGTH.format(n=len(local)))
    raise PhoneError(M.PHONE_LANDLINE_INVALID.format(area=area, local=local))
