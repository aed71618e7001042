"""Custom field values (C8): cleaning what people type or choose (forms, chat, imports),
storing it as typed ``field_value`` rows, reading it back as people read it, and filtering
records by it. Callers use the ``models.config.custom_fields`` package."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from lib.numbers import parse_number
from models.base import utcnow
from models.config.custom_fields.definitions import (
    BAD_DATE,
    BAD_NUMBER,
    BAD_OPTION,
    DATE,
    FORM_PREFIX,
    MULTI,
    NUMBER,
    ONE_OPTION,
    OPTION_MAX,
    PHOTO,
    REQUIRED,
    REQUIRED_CHOOSE,
    SELECT,
    TEXT_MAX,
    TOO_LONG_VALUE,
    FieldDef,
    FieldValue,
)

DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")

# -- values -------------------------------------------------------------------------------

def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def to_number(text: str) -> float:
    """"50万", "1.2万", "3千", "1,200", full-width digits … (lib.numbers)."""
    return float(parse_number(text))


def to_date(text: str) -> date:
    match = DATE_RE.match(text.strip())
    if not match:
        raise ValueError(text)
    return date(int(match[1]), int(match[2]), int(match[3]))


@dataclass(frozen=True)
class Cleaned:
    """One field's value as stored: texts (one per option for a multi-select), or a
    number, or a date; empty means "no value"."""

    texts: tuple[str, ...] = ()
    num: float | None = None
    day: date | None = None

    @property
    def empty(self) -> bool:
        return not self.texts and self.num is None and self.day is None


def clean_value(field: FieldDef, raw: Any) -> Cleaned:
    """A typed or chosen value → what is stored; ValueError with the Chinese message. For
    a multi-select ``raw`` may be a list or text separated by / 、 , or spaces."""
    if isinstance(raw, list | tuple):
        parts = [str(p).strip() for p in raw if str(p).strip()]
        text = "/".join(parts)
    elif raw is None:
        parts, text = [], ""
    elif isinstance(raw, datetime):
        parts, text = [raw.date().isoformat()], raw.date().isoformat()
    elif isinstance(raw, date):
        parts, text = [raw.isoformat()], raw.isoformat()
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        parts, text = [number_text(float(raw))], number_text(float(raw))
    else:
        text = str(raw).strip()
        parts = [text] if text else []
    if not text:
        if field.required:
            template = REQUIRED_CHOOSE if field.is_select or field.kind == PHOTO else REQUIRED
            raise ValueError(template.format(name=field.name))
        return Cleaned()
    if field.kind == NUMBER:
        try:
            return Cleaned(num=to_number(text))
        except ValueError:
            raise ValueError(BAD_NUMBER.format(name=field.name, value=text[:20])) from None
    if field.kind == DATE:
        try:
            return Cleaned(day=to_date(text))
        except ValueError:
            raise ValueError(BAD_DATE.format(name=field.name, value=text[:20])) from None
    if field.kind in (SELECT, MULTI):
        if len(parts) == 1 and field.kind == MULTI:
            parts = [p for p in re.split(r"[/、,，;；\s]+", parts[0]) if p]
        if field.kind == SELECT and len(parts) > 1:
            raise ValueError(ONE_OPTION.format(name=field.name))
        for part in parts:
            if part not in field.options:
                raise ValueError(BAD_OPTION.format(name=field.name, value=part[:20],
                                                   options="、".join(field.options)))
        return Cleaned(texts=tuple(dict.fromkeys(parts)))
    if len(text) > TEXT_MAX:
        raise ValueError(TOO_LONG_VALUE.format(name=field.name))
    return Cleaned(texts=(text,))


CHAT_BAD_NUMBER = "“{name}”没有第{number}项，请按列表里的编号回复"


def from_chat(field: FieldDef, text: str) -> Any:
    """A chat answer → the value to keep: for a select, numbers ("2", "1 3") are the
    listed options. Validated; ValueError with the Chinese reason."""
    answer: Any = text.strip()
    if field.kind in (SELECT, MULTI) and answer not in field.options:
        parts = [p for p in re.split(r"[\s,，、;；/]+", answer) if p]
        chosen = []
        for part in parts:
            if part.isdigit() and part not in field.options:
                number = int(part)
                if not 1 <= number <= len(field.options):
                    raise ValueError(CHAT_BAD_NUMBER.format(name=field.name, number=number))
                part = field.options[number - 1]
            chosen.append(part)
        answer = chosen if field.kind == MULTI or len(chosen) != 1 else chosen[0]
    clean_value(field, answer)
    return answer


def numbered(field: FieldDef) -> str:
    return "\n".join(f"{n}. {option}" for n, option in enumerate(field.options, 1))


def clean_values(fields: Iterable[FieldDef], raw: Mapping[str, Any]
                 ) -> tuple[dict[int, Cleaned], dict[str, str]]:
    """Every field's value from ``raw`` (keyed ``f_<id>``) → (values by field id, errors
    by ``f_<id>``). A field missing from ``raw`` counts as empty."""
    values: dict[int, Cleaned] = {}
    errors: dict[str, str] = {}
    for field in fields:
        assert field.id is not None
        try:
            values[field.id] = clean_value(field, raw.get(field.key))
        except ValueError as error:
            errors[field.key] = str(error)
    return values, errors


def save_values(session: Session, entity: str, entity_id: int,
                values: Mapping[int, Cleaned]) -> None:
    """Replace the stored values of the given fields for one record."""
    if not values:
        return
    session.execute(delete(FieldValue).where(
        col(FieldValue.entity) == entity, col(FieldValue.entity_id) == entity_id,
        col(FieldValue.field_id).in_(list(values))))
    for field_id, value in values.items():
        rows = [FieldValue(entity=entity, entity_id=entity_id, field_id=field_id,
                           value_text=t) for t in value.texts]
        if value.num is not None or value.day is not None:
            rows.append(FieldValue(entity=entity, entity_id=entity_id, field_id=field_id,
                                   value_num=value.num, value_date=value.day))
        session.add_all(rows)
    session.flush()


def save_many(session: Session, entity: str,
              rows: Mapping[int, Mapping[int, Cleaned]]) -> None:
    """``save_values`` for many records at once (the importer's batches): one DELETE per
    chunk and one bulk INSERT. Empty values are skipped, so an empty cell never blanks a
    stored value."""
    wanted = {eid: {fid: v for fid, v in by.items() if not v.empty} for eid, by in rows.items()}
    wanted = {eid: by for eid, by in wanted.items() if by}
    if not wanted:
        return
    field_ids = sorted({fid for by in wanted.values() for fid in by})
    ids = sorted(wanted)
    for start in range(0, len(ids), 1000):
        session.execute(delete(FieldValue).where(
            col(FieldValue.entity) == entity,
            col(FieldValue.entity_id).in_(ids[start:start + 1000]),
            col(FieldValue.field_id).in_(field_ids)))
    now = utcnow()
    params: list[dict[str, Any]] = []
    for eid, by in wanted.items():
        for fid, value in by.items():
            base = {"entity": entity, "entity_id": eid, "field_id": fid, "updated_at": now,
                    "value_text": None, "value_num": value.num, "value_date": value.day}
            if value.texts:
                params += [{**base, "value_text": t} for t in value.texts]
            else:
                params.append(base)
    session.execute(FieldValue.__table__.insert(), params)  # type: ignore[attr-defined]


def value_text(value: Cleaned) -> str:
    """A cleaned value as people read it, as ``values_for`` shows a stored one."""
    if value.num is not None:
        return number_text(value.num)
    if value.day is not None:
        return value.day.isoformat()
    return "、".join(value.texts)


def values_for(session: Session, entity: str, ids: Sequence[int]
               ) -> dict[int, dict[int, str]]:
    """{entity_id: {field_id: the value as people read it}} (multi-select joined by 、)."""
    out: dict[int, dict[int, list[str]]] = {}
    for start in range(0, len(ids), 1000):
        chunk = list(ids[start:start + 1000])
        rows = session.exec(select(FieldValue).where(
            FieldValue.entity == entity, col(FieldValue.entity_id).in_(chunk))
            .order_by(col(FieldValue.id))).all()
        for row in rows:
            if row.value_num is not None:
                text = number_text(row.value_num)
            elif row.value_date is not None:
                text = row.value_date.isoformat()
            else:
                text = row.value_text or ""
            out.setdefault(row.entity_id, {}).setdefault(row.field_id, []).append(text)
    return {eid: {fid: "、".join(v) for fid, v in by.items()} for eid, by in out.items()}


def shown(fields: Iterable[FieldDef], values: Mapping[int, str]) -> list[tuple[str, str]]:
    """(name, value) of the active fields that have a value, in form order; photos are
    shown as 已上传 (the path is not for people)."""
    return [(f.name, "已上传" if f.kind == PHOTO else values[f.id])
            for f in fields if f.id is not None and values.get(f.id)]


def matching_ids(session: Session, field: FieldDef, raw: str) -> Any:
    """A subquery of the ids of ``field.entity`` records whose value equals ``raw``
    (for a select: has that option) — an indexed lookup on (field_id, value_*). Raises
    ValueError for a value the field can't hold."""
    probe = FieldDef(id=field.id, entity=field.entity, name=field.name, kind=field.kind,
                     options=field.options, required=True)
    value = clean_value(probe, raw)
    stmt = select(FieldValue.entity_id).where(FieldValue.field_id == field.id)
    if value.num is not None:
        stmt = stmt.where(FieldValue.value_num == value.num)
    elif value.day is not None:
        stmt = stmt.where(FieldValue.value_date == value.day)
    else:
        stmt = stmt.where(col(FieldValue.value_text).in_(list(value.texts)))
    return stmt


def filter_by_fields(session: Session, stmt: Any, id_column: Any, entity: str,
                     wanted: Mapping[int, str]) -> Any:
    """``stmt`` narrowed to records whose custom fields equal ``wanted`` ({field id: value});
    unknown, retired or other-entity fields and unusable values are ignored."""
    for field_id, raw in wanted.items():
        field = session.get(FieldDef, field_id)
        if field is None or field.entity != entity or not field.active or not raw:
            continue
        try:
            stmt = stmt.where(id_column.in_(matching_ids(session, field, raw)))
        except ValueError:
            continue
    return stmt


def field_filters(args: Mapping[str, str]) -> dict[int, str]:
    """``f_<id>=value`` pairs of a query string."""
    out: dict[int, str] = {}
    for key, value in args.items():
        if key.startswith(FORM_PREFIX) and key[len(FORM_PREFIX):].isdigit() and value.strip():
            out[int(key[len(FORM_PREFIX):])] = value.strip()[:OPTION_MAX * 2]
    return out
