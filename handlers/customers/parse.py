"""Reading what a rep typed after ``新客户`` into the five registration fields.

Pure functions (no database, no settings), so every way people actually type the command
is pinned down by table tests. CONTRACT.md fixes the command as
``新客户 <客户名称> <联系人> <电话> <行业> <初步意向>`` with fields separated by spaces,
``，`` ``,`` ``/`` or ``|``. Splitting on those alone is not enough:

- phones are typed in groups (``138 0000 1234``, ``0571-8888 6666``, ``+86 138…``), so the
  phone is found by pattern, as the run of number-like tokens that reads as one number,
  and the fields are assigned around it: before it the name and the contact, after it
  the industry and the intent;
- company names contain spaces (``Acme Co., Ltd.``, ``绍兴 华滤 环保``): when more than two
  tokens precede the phone, the last is the contact and the rest, as typed, the name;
- the intent is free text: everything after the industry, as typed, commas included;
- input methods produce full-width spaces and punctuation, zero-width and control
  characters: text is brought to half-width and those characters are dropped.

Values come back raw (only trimmed): validation and cleaning are
``models.customers.registration.clean_field``'s job."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields

from handlers.general import texts  # wording lives with the handlers' other sentences
from lib.phone import PhoneError, normalise_phone
from lib.text import halfwidth

FIELDS = ("name", "contact", "phone", "industry", "intent")

_SEPARATOR_CHARS = ",/|"  # after halfwidth(): "，" "／" "｜" are already these
_TOKEN = re.compile(r"[^\s,/|]+")
# "0571-88886666 转 123": keep the extension attached, so the number stays one token run.
_EXTENSION_GAP = re.compile(r"(?<=\d)\s*(转|分机号?|ext\.?)\s*(?=\d)", re.IGNORECASE)
# A token that can be (part of) a phone number: digits with the punctuation people put in
# numbers, optionally ending in an extension.
_PHONE_TOKEN = re.compile(
    r"^\+?[\d()\-]*\d[\d()\-]*(?:(?:转|分机号?|ext\.?|x|#)\d{1,6})?$", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
# A run with fewer digits than the shortest real number (7-digit local landline) is only
# taken for the phone where the phone is expected: the 2nd or 3rd field.
_MIN_PHONE_DIGITS = 7


@dataclass(frozen=True)
class ParsedRegistration:
    """The fields found, as typed; None for a field the text did not contain."""

    name: str | None = None
    contact: str | None = None
    phone: str | None = None
    industry: str | None = None
    intent: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def missing(self) -> list[str]:
        return [name for name, value in self.as_dict().items() if value is None]


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int


def clean_input(text: str) -> str:
    """Half-width, whitespace-normalised text without invisible characters.

    Control characters (a pasted NUL, a BEL), zero-width spaces, bidi marks and BOMs are
    dropped: they make two equal names compare different. A zero-width joiner is kept
    only inside an emoji sequence, where it is part of the picture. Line breaks and
    every kind of space become one ASCII space each."""
    out: list[str] = []
    for ch in halfwidth(text):
        category = unicodedata.category(ch)
        if ch.isspace() or category in ("Zs", "Zl", "Zp"):
            out.append(" ")
        elif category in ("Cc", "Cs"):
            continue
        elif category == "Cf":
            if ch == "\u200d" and out and unicodedata.category(out[-1]) in ("So", "Sk", "Mn"):
                out.append(ch)
        else:
            out.append(ch)
    return "".join(out).strip()


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _span(text: str, tokens: list[_Token]) -> str:
    """The tokens as typed, separators between them included."""
    return text[tokens[0].start:tokens[-1].end].strip(" " + _SEPARATOR_CHARS)


def _digits(tokens: list[_Token]) -> int:
    return sum(len(_DIGIT.findall(t.text)) for t in tokens)


def _phone_runs(text: str, tokens: list[_Token]) -> list[tuple[int, int]]:
    """(first, last+1) index pairs of maximal runs of phone-like tokens that are separated
    by spaces only (a comma, slash or bar between numbers means two fields)."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if not _PHONE_TOKEN.match(tokens[i].text):
            i += 1
            continue
        j = i + 1
        while (j < len(tokens) and _PHONE_TOKEN.match(tokens[j].text)
               and text[tokens[j - 1].end:tokens[j].start].isspace()):
            j += 1
        runs.append((i, j))
        i = j
    return runs


def _valid(number: str) -> bool:
    try:
        normalise_phone(number)
    except PhoneError:
        return False
    return True


def _phone_slice(text: str, tokens: list[_Token]) -> tuple[int, int] | None:
    """Where the phone is: the first run with enough digits for a number, else a shorter
    run standing where the phone belongs (so "12345" there is reported as a bad phone,
    not taken for a name). Within a run, the longest leading part that is a valid number
    ("13800001234 2024" → the mobile); if no part is, the whole run, to be reported."""
    runs = _phone_runs(text, tokens)
    chosen = next((r for r in runs if _digits(tokens[r[0]:r[1]]) >= _MIN_PHONE_DIGITS), None)
    if chosen is None:
        chosen = next((r for r in runs if r[0] in (1, 2)), None)
    if chosen is None:
        return None
    first, last = chosen
    for end in range(last, first, -1):
        if _valid(_span(text, tokens[first:end])):
            return first, end
    return first, last


def parse_registration(args: str) -> ParsedRegistration:
    """The fields of ``新客户 …`` from the text after the command word."""
    text = _EXTENSION_GAP.sub(r"\1", clean_input(args))
    tokens = _tokens(text)
    if not tokens:
        return ParsedRegistration()
    where = _phone_slice(text, tokens)
    if where is None:
        # No number at all: the phone was left out, the rest keeps its order.
        before, phone, after = tokens[:2], None, tokens[2:]
    else:
        before, after = tokens[:where[0]], tokens[where[1]:]
        phone = _span(text, tokens[where[0]:where[1]])
    name = contact = None
    if len(before) == 1:
        name = before[0].text
    elif len(before) >= 2:
        name, contact = _span(text, before[:-1]), before[-1].text
    industry = after[0].text if after else None
    intent = _span(text, after[1:]) if len(after) > 1 else None
    return ParsedRegistration(name=name, contact=contact, phone=phone, industry=industry,
                              intent=intent)


# -- one answer in the step-by-step dialog -----------------------------------------------------
# Replies that answer no question: acknowledgements, hesitations, "no idea".
_NOT_ANSWERS = frozenset({
    "好", "好的", "好滴", "好吧", "嗯", "嗯嗯", "恩", "哦", "噢", "喔", "是", "是的", "对", "对的",
    "行", "可以", "ok", "okay", "收到", "谢谢", "多谢", "不知道", "不清楚", "不确定", "没有",
    "没", "啊", "呃", "额", "啥", "什么", "算了", "算了吧", "等等", "稍等", "等一下", "hi", "hello",
    "你好",
    "在吗", "?", "??", "???",
})
_LETTER = re.compile(r"[^\W\d_]")
_MIN_LETTERS = {"name": 2, "contact": 2, "industry": 2, "intent": 2}
STEP_FIELDS = ("name", "contact", "industry", "intent")  # the phone has its own check


def answer_problem(field: str, value: str) -> str | None:
    """Why ``value`` is not an answer to the question for ``field`` (a reason the rep can
    act on, in Chinese), or None. On top of the field's own rules (length, required):
    a filler word, a phone number where a name belongs, digits in a person's name, too
    few letters for a name — so a stray reply is never stored as the customer's name."""
    if field not in STEP_FIELDS:
        return None
    label = texts.REGISTER_LABELS[field]
    shown = value if len(value) <= 20 else value[:20] + "…"
    compact = re.sub(r"[\s,，。.!！~～]+", "", value).lower()
    if compact in _NOT_ANSWERS or compact.strip("?？") == "":
        return texts.REGISTER_NOT_AN_ANSWER.format(value=shown, label=label)
    if _phone_in(value):
        return texts.REGISTER_PHONE_HERE.format(value=shown, label=label)
    if field == "contact" and _DIGIT.search(value):
        return texts.REGISTER_CONTACT_DIGITS
    if len(_LETTER.findall(value)) < _MIN_LETTERS[field]:
        return texts.REGISTER_TOO_SHORT.format(label=label, n=_MIN_LETTERS[field])
    return None


def _phone_in(value: str) -> bool:
    """Whether ``value`` is, or mainly is, a phone number."""
    digits = _digits(_tokens(value))
    if digits < _MIN_PHONE_DIGITS:
        return False
    letters = len(_LETTER.findall(value))
    return letters <= 2 or _valid(value)
