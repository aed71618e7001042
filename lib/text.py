"""Text clean-up shared by forms, chat input and imported spreadsheets.

Chinese users type full-width digits (１３８), ideographic spaces and full-width brackets
depending on their input method; everything that is compared or stored goes through
``halfwidth`` first so the same value always has the same spelling."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_SPACES = re.compile(r"\s+")
# Control characters (C0 and C1, after whitespace became spaces): never meant, invisible,
# and PostgreSQL refuses NUL in text outright.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Dashes that input methods produce instead of ASCII "-" (NFKC keeps these as they are).
_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "‐": "-", "‑": "-", "─": "-"})


def halfwidth(value: str) -> str:
    """NFKC-normalise: full-width digits/letters/brackets/spaces become ASCII."""
    return unicodedata.normalize("NFKC", value).translate(_DASHES)


def clean_text(value: Any) -> str | None:
    """A trimmed, half-width, single-spaced string; None for empty input.

    Numbers from spreadsheet cells arrive as int/float: integral floats lose their
    ".0" so an ID typed into a numeric cell reads back as typed."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _CONTROLS.sub("", _SPACES.sub(" ", halfwidth(str(value)))).strip()
    return text or None
