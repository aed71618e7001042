"""One key for "the same company, spelt another way" — pure, no database.

``company_key`` is what the duplicate checks compare (customer registration in chat and on
the H5 form, the import, and anything else that matches company names, such as WeCom
contacts' corporate names). Two spellings of one company give one key:

- width and compatibility forms (Unicode NFKC: ``（苏州）`` → ``(苏州)``, ``１２３`` → ``123``),
  case, spaces and punctuation;
- legal forms at the end: 股份有限公司, 有限责任公司, 有限公司, 股份, 集团, 厂 …;
- where the place is written: a province or city prefix (``江苏省苏州市``, ``苏州``) or a
  bracketed place (``（苏州）``) become one leading city — the province is dropped when a
  city is named; other bracketed words (``（集团）``, ``（中国）``) are dropped.

So ``恒达精密机械（苏州）有限公司``, ``苏州恒达精密机械有限公司`` and
``江苏省苏州市恒达精密机械股份有限公司`` all give ``苏州恒达精密机械``, while
``杭州恒达精密机械有限公司`` stays another company. Province names come from
lib.regions; city names (prefecture- and county-level cities) from the
``china-cities`` package."""

from __future__ import annotations

import re
from functools import lru_cache

from lib.regions import PROVINCES
from lib.text import halfwidth

KEY_MAX = 100

LEGAL_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "股份公司", "集团有限公司", "集团公司", "集团",
    "公司", "股份", "总厂", "工厂", "厂",
)
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省",
                      "市")
_BRACKETS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]|【([^【】]*)】|〔([^〔〕]*)〕")
_NOISE = re.compile(r"[\s()\[\]【】〔〕<>《》·.,、\-_/&'\"“”‘’]+")


@lru_cache(maxsize=1)
def _cities() -> dict[str, tuple[str, ...]]:
    """Short city names (``苏州``, ``昆山``) by their first two characters, longest first;
    provinces' own names (the four municipalities) are left to the province table."""
    from china_cities import get_cities_cn  # lazy: its city table loads on the first lookup

    by_start: dict[str, set[str]] = {}
    for full in get_cities_cn():
        short = full.removesuffix("市")
        if len(short) >= 2 and short not in PROVINCES:
            by_start.setdefault(short[:2], set()).add(short)
    return {start: tuple(sorted(names, key=len, reverse=True))
            for start, names in by_start.items()}


_PROVINCES_BY_START: dict[str, tuple[str, ...]] = {
    start: tuple(sorted((p for p in PROVINCES if p.startswith(start)), key=len, reverse=True))
    for start in {p[:2] for p in PROVINCES}}


def _place(text: str) -> tuple[str | None, str | None, str]:
    """(province, city, rest) for a name that starts with a place."""
    province = city = None
    for name in _PROVINCES_BY_START.get(text[:2], ()):
        if text.startswith(name):
            rest = text[len(name):]
            for suffix in _PROVINCE_SUFFIXES:
                if rest.startswith(suffix):
                    rest = rest[len(suffix):]
                    break
            if rest:
                province, text = name, rest
            break
    for name in _cities().get(text[:2], ()):
        if text.startswith(name):
            rest = text[len(name):]
            rest = rest.removeprefix("市")
            if rest:
                city, text = name, rest
            break
    return province, city, text


def _bracketed_place(inner: str) -> tuple[str | None, str | None]:
    province, city, rest = _place(inner + "\0")
    return (province, city) if rest == "\0" else (None, None)


def company_key(name: str) -> str:
    """The key two spellings of one company share (see the module docstring). Falls back
    to the cleaned name when stripping would leave nothing (a company called ``公司``)."""
    text = halfwidth(name).lower()
    province = city = None
    for match in _BRACKETS.finditer(text):
        inner = _NOISE.sub("", next(g for g in match.groups() if g is not None))
        p, c = _bracketed_place(inner)
        province, city = province or p, city or c
    text = _NOISE.sub("", _BRACKETS.sub("", text))
    stripped = True
    while stripped:
        stripped = False
        for suffix in LEGAL_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                stripped = True
    p, c, core = _place(text)
    province, city = p or province, c or city
    key = (city or province or "") + core
    return key[:KEY_MAX] or " ".join(halfwidth(name).split()).lower()[:KEY_MAX]
