"""Numbers as people type them in Chinese: ``50万``, ``1.2万``, ``3千``, ``1,200``,
``１２００``, ``5k``, ``¥3,000.50元``, ``五十万``, ``2万5``.

``parse_number`` is what every number field reads with (custom number fields in forms,
chat and imports; contract and payment amounts; imported order amounts; POS amounts).
Digits with a unit are computed exactly here (Decimal: ``1.23456万`` is 12345.6); text
with Chinese numerals (``五十万``, ``三万五``, ``2万5``) goes to the cn2an package."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from lib.text import halfwidth

UNITS: dict[str, Decimal] = {
    "亿": Decimal(100_000_000), "百万": Decimal(1_000_000), "万": Decimal(10_000),
    "w": Decimal(10_000), "千": Decimal(1_000), "k": Decimal(1_000),
}
# Currency marks and spaces around a number; "1,200" / "1，200" thousands separators.
_NOISE = re.compile(r"[\s¥￥$]|元|块钱|块|rmb|cny", re.IGNORECASE)
_GROUPED = re.compile(r"(?<=\d)[,，'](?=\d{3}(?:\D|$))")
_PLAIN = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(亿|百万|万|w|千|k)?$")
_CHINESE = re.compile(r"[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点]")


def parse_number(value: object) -> Decimal:
    """The number ``value`` means, exactly; ValueError when it is not one. Sign and range
    are the caller's to check."""
    if isinstance(value, bool):
        raise ValueError(value)  # noqa: TRY004 - callers catch ValueError for "not a number"
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        number = _parse_text(str(value))
    if not number.is_finite():
        raise ValueError(value)
    return number


def _parse_text(raw: str) -> Decimal:
    text = halfwidth(raw).strip().lower()
    text = _NOISE.sub("", _GROUPED.sub("", text))
    if not text:
        raise ValueError(raw)
    match = _PLAIN.match(text)
    if match:
        number = Decimal(match[1])
        return number * UNITS[match[2]] if match[2] else number
    if _CHINESE.search(text) and re.fullmatch(r"[+-]?[\d.]*[\d.零〇一二两三四五六七八九十百千万亿"
                                              r"壹贰叁肆伍陆柒捌玖拾佰仟点]+", text):
        import cn2an  # lazy: a slow import, needed only for numbers written in Chinese

        try:
            result = cn2an.cn2an(text, "smart")
        except (ValueError, KeyError, IndexError, TypeError):
            raise ValueError(raw) from None
        try:
            return Decimal(str(result))
        except InvalidOperation:
            raise ValueError(raw) from None
    raise ValueError(raw)
