"""The chat check-in's steps (handlers/visits/checkin.py runs the flow): the order they are
asked in, each question as the rep reads it, and reading an answer typed in the chat —
an option by number or by text, a next action with its date, a grade, a question, the
team's own visit fields. A bad answer gets the reason, in Chinese, and the same question."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from handlers.customers.parse import clean_input
from handlers.visits import texts
from models.config import custom_fields as cf
from models.visits import options as vopts
from models.visits import thresholds
from models.visits import visit as vm
from models.visits.evidence import question_problem
from zhongshu import clock

STEPS = ("photo", "location", "grade", "pain_points", "question", "next_action")
STEP_PHOTO_WAIT = "photo_wait"
# The data key that answers each step (the photo is the media row's id).
ANSWER_KEYS = {"photo": "media_pk", "location": "location", "grade": "grade",
               "pain_points": "pain_points", "question": "question", "next_action": "next_action"}
LOCATION_FRESH = timedelta(minutes=10)
SKIP_WORDS = ("跳过", "不定位", "无法定位")
GRADES = ("A", "B", "C")
SHOWN_NAME_MAX = 20
_SPLIT = re.compile(r"[\s,，、;；/]+")
_FULL_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_SHORT_DATE = re.compile(r"(?<!\d)(\d{1,2})[-/.月](\d{1,2})日?$")


def shown(name: str) -> str:
    return name if len(name) <= SHOWN_NAME_MAX else name[:SHOWN_NAME_MAX] + "…"


def numbered(labels: list[str]) -> str:
    return "\n".join(f"{n}. {label}" for n, label in enumerate(labels, 1))


def option_labels(step: str, data: dict[str, Any]) -> list[str]:
    """The option list of ``step`` as numbered for this flow."""
    kind = {"pain_points": vopts.PAIN_POINT, "next_action": vopts.NEXT_ACTION}.get(step)
    return list(data.get("options", {}).get(kind, [])) if kind else []


CUSTOM_STEP = "cf:"


def field_spec(step: str, data: dict[str, Any]) -> dict[str, Any] | None:
    wanted = step.removeprefix(CUSTOM_STEP)
    return next((f for f in data.get("fields", []) if str(f["id"]) == wanted), None)


def as_def(spec: dict[str, Any]) -> cf.FieldDef:
    return cf.FieldDef(id=spec["id"], entity=cf.VISIT, name=spec["name"], kind=spec["kind"],
                       options=list(spec["options"]), required=True)


def step_sequence(data: dict[str, Any]) -> list[str]:
    """The steps this flow asks, in order: the six (less any answered before the flow
    started, e.g. a location reported minutes earlier), then the required visit fields.
    Steps are numbered by their place here, so the numbers the rep reads never jump."""
    preset = set(data.get("preset", ()))
    return [s for s in STEPS if s not in preset] + [
        f"{CUSTOM_STEP}{f['id']}" for f in data.get("fields", [])]


def step_number(step: str, data: dict[str, Any]) -> int:
    sequence = step_sequence(data)
    return sequence.index(step) + 1 if step in sequence else len(sequence)


def ask_field(step: str, data: dict[str, Any]) -> str:
    spec = field_spec(step, data) or {"name": "", "kind": cf.TEXT, "options": []}
    template = texts.CHAT_ASK_FIELD.get(spec["kind"], texts.CHAT_ASK_FIELD[cf.TEXT])
    return template.format(n=step_number(step, data), name=spec["name"],
                           options=numbered(spec["options"]))


def ask(step: str, data: dict[str, Any]) -> str:
    if step.startswith(CUSTOM_STEP):
        return ask_field(step, data)
    if step not in texts.CHAT_ASK:
        step = "photo"
    template = texts.CHAT_ASK[step]
    if step in ("pain_points", "next_action"):
        return template.format(n=step_number(step, data),
                               options=numbered(option_labels(step, data)))
    if step == STEP_PHOTO_WAIT:
        return template
    return template.format(n=step_number(step, data))


def next_step(data: dict[str, Any]) -> str | None:
    step = next((step for step in STEPS if ANSWER_KEYS[step] not in data), None)
    if step is not None:
        return step
    answered = data.get("custom", {})
    return next((f"{CUSTOM_STEP}{f['id']}" for f in data.get("fields", [])
                 if str(f["id"]) not in answered), None)


def pick(raw: str, labels: list[str], *, many: bool) -> tuple[list[str], str | None]:
    """Labels chosen by number or by text, or the reason the answer can't be used."""
    text = raw.strip()
    if text in labels:
        return [text], None
    chosen: list[str] = []
    for token in (t for t in _SPLIT.split(text) if t):
        if token.isdigit():
            number = int(token)
            if not 1 <= number <= len(labels):
                return [], texts.CHAT_BAD_NUMBER.format(number=number)
            label = labels[number - 1]
        elif token in labels:
            label = token
        else:
            return [], texts.CHAT_BAD_OPTION.format(value=shown(token))
        if label not in chosen:
            chosen.append(label)
    if not chosen:
        return [], texts.CHAT_BAD_OPTION.format(value=shown(text))
    if not many and len(chosen) > 1:
        return [], texts.CHAT_NEED_ONE_ACTION
    return chosen, None


def split_date(text: str, today: date) -> tuple[str, date | None, str | None]:
    """``寄送样品 12-05`` → (``寄送样品``, 2026-12-05, None). Only explicit dates: YYYY-MM-DD,
    or MM-DD (this year, next year once the day has passed)."""
    full = _FULL_DATE.search(text)
    short = None if full else _SHORT_DATE.search(text)
    found = full or short
    if found is None:
        return text, None, None
    rest = text[:found.start()].strip()
    if not rest:  # a bare number like "1" is an option, not a date
        return text, None, None
    try:
        if full:
            due = date(int(full[1]), int(full[2]), int(full[3]))
        else:
            assert short is not None
            due = date(today.year, int(short[1]), int(short[2]))
            if due < today:
                due = due.replace(year=today.year + 1)
    except ValueError:
        return rest, None, texts.CHAT_BAD_DATE.format(value=found[0])
    if due < today:
        return rest, None, vm.NEXT_ACTION_DATE_PAST
    return rest, due, None


def take_text(session: Session, step: str, raw: str, data: dict[str, Any],
               notes: list[str]) -> str | None:
    """Store the answer to ``step`` in ``data``; the reason when it can't be used. The
    question is kept as typed (full-width punctuation and all), like the H5 form does."""
    text = clean_input(raw)
    if step.startswith(CUSTOM_STEP):
        return take_field(step, text, data)
    if step == "photo":
        return texts.CHAT_NEED_PHOTO
    if step == "location":
        if text.rstrip("。.!！ ") in SKIP_WORDS:
            data["location"] = None
            notes.append(texts.CHAT_LOCATION_SKIPPED)
            return None
        return texts.CHAT_NEED_LOCATION
    if step == "grade":
        grade = text.strip().upper().rstrip("级类。. ")
        if grade not in GRADES:
            return texts.CHAT_BAD_GRADE.format(value=shown(text))
        data["grade"] = grade
        return None
    labels = option_labels(step, data)
    if step == "pain_points":
        chosen, problem = pick(text, labels, many=True)
        if problem is None:
            data["pain_points"] = chosen
        return problem
    if step == "question":
        rules = thresholds.load_rules(session)
        question = " ".join(raw.split())
        problem = question_problem(question, min_chars=rules.min_question_chars)
        if problem is None and len(question) > vm.QUESTION_MAX:
            problem = vm.QUESTION_TOO_LONG
        if problem is None:
            data["question"] = question
        return problem
    if step == "next_action":
        rest, due, problem = split_date(text, clock.today())
        if problem is not None:
            return problem
        chosen, problem = pick(rest, labels, many=False)
        if problem is None:
            data["next_action"] = chosen[0]
            data["next_action_date"] = due.isoformat() if due else None
        return problem
    return None


def take_field(step: str, text: str, data: dict[str, Any]) -> str | None:
    spec = field_spec(step, data)
    if spec is None:  # the flow's list changed under it: ask whatever is next
        data.setdefault("custom", {})[step.removeprefix(CUSTOM_STEP)] = text
        return None
    answer: Any = text
    if spec["kind"] in (cf.SELECT, cf.MULTI):
        chosen, problem = pick(text, list(spec["options"]), many=spec["kind"] == cf.MULTI)
        if problem is not None:
            return problem
        answer = chosen if spec["kind"] == cf.MULTI else chosen[0]
    try:
        cf.clean_value(as_def(spec), answer)
    except ValueError as error:
        return str(error)
    data.setdefault("custom", {})[str(spec["id"])] = answer
    return None


