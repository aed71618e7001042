"""Custom fields (C8): fields a supervisor adds to customers, visits and contracts without
code, and the values people fill in.

Storage: one ``field_def`` row per field and one typed ``field_value`` row per value
(entity, entity_id, field_id, value_text | value_num | value_date). Chosen over JSON
columns on each entity table because
- filters and reports hit a plain B-tree index, the same on SQLite and PostgreSQL:
  ``(field_id, value_text)``, ``(field_id, value_num)``, ``(field_id, value_date)`` — a
  "竞品品牌 = A牌" filter is an index range scan feeding ``customer.id IN (…)``;
- numbers and dates are compared as numbers and dates (no casts in expression indexes
  that differ per dialect);
- a multi-select stores one row per chosen option, so "has option X" is the same
  indexed equality as a single select;
- the entity tables (customer, visit, contract) are owned by other modules and keep
  their schema: adding a field is one INSERT, never a migration or a table rewrite.

Ownership (``team``): a field a supervisor adds belongs to their team — it shows on the
forms, cards and chat of that team's people only, and only that supervisor (or an admin
or a director) changes it; a field an admin or a director adds is company-wide and only
they change it (``models.team_config.may_change``). Exports and lists show what the
viewer may see: their team's and the company's fields, every field for directors and
admins.

A retired field keeps its values (``active = False``): it disappears from forms, cards,
chat and exports; restoring it brings everything back. Exports list active fields only.

Every definition change goes through this module, validates first and changes nothing
when refused (``FieldRefused`` with a Chinese message), and is written to the audit log
(``models.team_config.record_change``) so it can be undone."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, delete, func
from sqlmodel import Field, Session, SQLModel, col, select

from models import glossary
from models import team_config as tc
from models.base import utcnow
from models.numbers import parse_number

CUSTOMER = "customer"
VISIT = "visit"
CONTRACT = "contract"
ENTITIES = (CUSTOMER, VISIT, CONTRACT)
ENTITY_NAMES = {CUSTOMER: "客户", VISIT: "拜访", CONTRACT: "合同"}
ENTITY_BY_NAME = {v: k for k, v in ENTITY_NAMES.items()}

TEXT, NUMBER, DATE, SELECT, MULTI, PHOTO = "text", "number", "date", "select", "multi", "photo"
KINDS = (TEXT, NUMBER, DATE, SELECT, MULTI, PHOTO)
KIND_NAMES = {TEXT: "文本", NUMBER: "数字", DATE: "日期", SELECT: "单选", MULTI: "多选",
              PHOTO: "照片"}
KIND_BY_NAME = {v: k for k, v in KIND_NAMES.items()} | {"多选项": MULTI, "图片": PHOTO,
                                                        "文字": TEXT}

NAME_MAX = 20
OPTION_MAX = 32
OPTIONS_MAX = 50
TEXT_MAX = 500
FORM_PREFIX = "f_"  # form inputs and list filters are named f_<field id>

# -- what supervisors and reps read -------------------------------------------------------
NAME_BLANK = "字段名称不能为空"
NAME_TOO_LONG = f"字段名称过长，最多{NAME_MAX}个字"
NAME_BAD = "字段名称不能包含空格或 / | , ， 等分隔符"
NAME_FORMULA = "字段名称不能以 = + - @ 开头，也不能包含控制字符（导出到 Excel 时会被当作公式）"
NAME_TAKEN = "{entity}已有名为“{name}”的字段，请换一个名称"
NAME_TAKEN_RETIRED = "{entity}已有名为“{name}”的字段（已停用），可在字段管理中恢复"
KIND_BAD = "字段类型“{kind}”无效，可选：文本、数字、日期、单选、多选、照片"
ENTITY_BAD = "对象“{entity}”无效，可选：客户、拜访、合同"
OPTIONS_MISSING = "单选和多选字段需要选项，用 / 分隔，例如：A牌/B牌/其他"
OPTIONS_EMPTY = "选项不能为空（两个 / 之间没有内容）"
OPTIONS_DUPLICATE = "选项“{option}”重复"
OPTION_TOO_LONG = f"选项“{{option}}”过长，最多{OPTION_MAX}个字"
OPTIONS_TOO_MANY = f"选项最多{OPTIONS_MAX}个"
OPTIONS_NOT_ALLOWED = "只有单选和多选字段可以设置选项"
OPTION_IN_USE = "选项“{option}”已有{count}条记录在用，不能删除（可以改名或保留）"
KIND_CHANGE_LOSES = "已有{count}条记录的值不是{kind}（例如“{example}”），改类型会丢数据，未修改"
KIND_CHANGE_PHOTO = "照片字段不能和其他类型互相转换"
NOT_FOUND = "找不到该字段"
COMPANY_FIELD = "“{name}”是全公司字段，只有管理员或销售总监可以修改"
NOT_IN_ENTITY = "{entity}没有使用中的字段“{name}”"
ORDER_DUPLICATE = "排序里有重复的字段名"
ALREADY_RETIRED = "字段“{name}”已停用"
ALREADY_ACTIVE = "字段“{name}”正在使用中"
REQUIRED = glossary.FILL.format(label="“{name}”")
REQUIRED_CHOOSE = glossary.CHOOSE.format(label="“{name}”")
BAD_NUMBER = "“{name}”应为数字，“{value}”不是数字"
BAD_DATE = "“{name}”应为日期（如 2026-12-05），“{value}”不是日期"
BAD_OPTION = "“{name}”没有选项“{value}”，可选：{options}"
ONE_OPTION = "“{name}”只能选一项"
TOO_LONG_VALUE = f"“{{name}}”过长，最多{TEXT_MAX}个字"
BAD_PHOTO = "“{name}”应为照片（JPEG 或 PNG）"

_NAME_BAD = re.compile(r"[\s/|,，、;；]")
# What a spreadsheet reads as the start of a formula, and characters nobody types.
_NAME_FORMULA_START = ("=", "+", "-", "@")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_OPTION_SPLIT = re.compile(r"[/|｜、]")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class FieldRefused(ValueError):
    """A definition change refused; ``message`` says why, in Chinese. Nothing changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FieldDef(SQLModel, table=True):
    __tablename__ = "field_def"
    __table_args__ = (UniqueConstraint("entity", "team", "name", name="uq_field_def_team_name"),
                      Index("ix_field_def_entity_active", "entity", "active", "position"))

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=16)
    name: str = Field(max_length=NAME_MAX)
    kind: str = Field(max_length=16)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    required: bool = False
    position: int = 0
    active: bool = True
    preset: str | None = Field(default=None, max_length=16)  # the preset that added it
    # The owning team (a supervisor's userid), or team_config.COMPANY for everyone's.
    team: str = Field(default=tc.COMPANY, max_length=64,
                      sa_column_kwargs={"server_default": tc.COMPANY})
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def key(self) -> str:
        return f"{FORM_PREFIX}{self.id}"

    @property
    def is_select(self) -> bool:
        return self.kind in (SELECT, MULTI)

    def snapshot(self) -> dict[str, Any]:
        """What the audit log keeps; ``restore`` puts it back."""
        return {"id": self.id, "entity": self.entity, "name": self.name, "kind": self.kind,
                "options": list(self.options), "required": self.required,
                "position": self.position, "active": self.active, "preset": self.preset}


class FieldValue(SQLModel, table=True):
    __tablename__ = "field_value"
    __table_args__ = (Index("ix_field_value_entity", "entity", "entity_id"),
                      # entity_id last: the filter's IN (…) subquery reads the index only.
                      Index("ix_field_value_text", "field_id", "value_text", "entity_id"),
                      Index("ix_field_value_num", "field_id", "value_num", "entity_id"),
                      Index("ix_field_value_date", "field_id", "value_date", "entity_id"))

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=16)
    entity_id: int
    field_id: int = Field(foreign_key="field_def.id")
    value_text: str | None = Field(default=None, max_length=TEXT_MAX)
    value_num: float | None = None
    value_date: date | None = None
    updated_at: datetime = Field(default_factory=utcnow)


# -- reading definitions ------------------------------------------------------------------

def _in_team(team: str | None) -> Any:
    """The fields that apply to ``team``: the company's and the team's own (``None``:
    every team's)."""
    if team is None:
        return True
    return col(FieldDef.team).in_({tc.COMPANY, team})


def fields_of(session: Session, entity: str, *, include_retired: bool = False,
              team: str | None = None) -> list[FieldDef]:
    """The entity's fields as ``team`` sees them (company-wide first, then the team's);
    ``team=None``: every team's."""
    stmt = select(FieldDef).where(FieldDef.entity == entity).where(_in_team(team))
    if not include_retired:
        stmt = stmt.where(col(FieldDef.active).is_(True))
    return list(session.exec(stmt.order_by(col(FieldDef.active).desc(),
                                           col(FieldDef.team) != tc.COMPANY,
                                           col(FieldDef.team), col(FieldDef.position),
                                           col(FieldDef.id))))


def form_fields(session: Session, entity: str, user: Any) -> list[FieldDef]:
    """The fields ``user``'s own forms ask for (and their cards show): the company's and
    their team's."""
    return fields_of(session, entity, team=tc.team_of(user))


def visible_fields(session: Session, entity: str, user: Any) -> list[FieldDef]:
    """The columns ``user`` reads in lists and exports: a rep's or a supervisor's team
    and the company's; everyone else (directors, admins, finance) every team's."""
    team = tc.team_of(user) if user.role in ("rep", "supervisor") else None
    return fields_of(session, entity, team=team)


def record_fields(session: Session, entity: str, owner: str | None) -> list[FieldDef]:
    """The fields of a record owned by ``owner`` (a userid): its owner's team's and the
    company's."""
    from models.user import by_platform_id

    user = by_platform_id(session, "wecom", owner, include_inactive=True) if owner else None
    return form_fields(session, entity, user) if user is not None else fields_of(
        session, entity, team=tc.COMPANY)


def get_field(session: Session, field_id: int, team: str | None = None) -> FieldDef | None:
    return session.exec(select(FieldDef).where(FieldDef.id == field_id)
                        .where(_in_team(team))).first()


def find_field(session: Session, entity: str, name: str,
               team: str | None = None) -> FieldDef | None:
    """The field of that name that applies to ``team`` (its own before the company's)."""
    return session.exec(select(FieldDef).where(FieldDef.entity == entity,
                                               FieldDef.name == name.strip())
                        .where(_in_team(team))
                        .order_by(col(FieldDef.team) == tc.COMPANY if team is not None
                                  else col(FieldDef.team) != tc.COMPANY)).first()


def _for_change(session: Session, field_id: int, scope: str | None) -> FieldDef:
    """The field ``field_id`` if a person changing ``scope`` may change it (``None``: any
    field — an admin's or a director's change, or an undo already checked)."""
    field = get_field(session, field_id, scope)
    if field is None:
        raise FieldRefused(NOT_FOUND)
    if scope is not None and field.team != scope:
        raise FieldRefused(COMPANY_FIELD.format(name=field.name))
    return field


def values_count(session: Session, field_id: int) -> int:
    """How many records hold a value in this field (a multi-select counts once)."""
    return int(session.exec(select(func.count(func.distinct(FieldValue.entity_id)))
                            .where(FieldValue.field_id == field_id)).one())


# -- validating definitions ---------------------------------------------------------------

def clean_entity(value: str) -> str:
    entity = ENTITY_BY_NAME.get(value.strip(), value.strip())
    if entity not in ENTITIES:
        raise FieldRefused(ENTITY_BAD.format(entity=value))
    return entity


def clean_kind(value: str) -> str:
    kind = KIND_BY_NAME.get(value.strip(), value.strip())
    if kind not in KINDS:
        raise FieldRefused(KIND_BAD.format(kind=value))
    return kind


def clean_field_name(value: str | None) -> str:
    name = (value or "").strip()
    if not name:
        raise FieldRefused(NAME_BLANK)
    # Before the separator check: a tab is a control character first. A field's name is
    # an export's column header, read by spreadsheets.
    if name.startswith(_NAME_FORMULA_START) or _CONTROL.search(name):
        raise FieldRefused(NAME_FORMULA)
    if len(name) > NAME_MAX:
        raise FieldRefused(NAME_TOO_LONG)
    if _NAME_BAD.search(name):
        raise FieldRefused(NAME_BAD)
    return name


def parse_options(value: str | Sequence[str] | None) -> list[str]:
    """``A牌/B牌/其他`` (or a list) → the options; empty or repeated ones are refused."""
    if value is None:
        return []
    parts = _OPTION_SPLIT.split(value) if isinstance(value, str) else list(value)
    if isinstance(value, str) and not value.strip():
        return []
    options = [p.strip() for p in parts]
    if any(not o for o in options):
        raise FieldRefused(OPTIONS_EMPTY)
    seen: set[str] = set()
    for option in options:
        if len(option) > OPTION_MAX:
            raise FieldRefused(OPTION_TOO_LONG.format(option=option))
        if option in seen:
            raise FieldRefused(OPTIONS_DUPLICATE.format(option=option))
        seen.add(option)
    if len(options) > OPTIONS_MAX:
        raise FieldRefused(OPTIONS_TOO_MANY)
    return options


def _check_name_free(session: Session, entity: str, name: str,
                     except_id: int | None = None, team: str = tc.COMPANY) -> None:
    # A team's field may not shadow a company one; a company field may not take a name
    # any team uses (its people would see two fields of one name).
    stmt = select(FieldDef).where(FieldDef.entity == entity, FieldDef.name == name.strip())
    if team != tc.COMPANY:
        stmt = stmt.where(_in_team(team))
    if except_id is not None:
        stmt = stmt.where(FieldDef.id != except_id)
    other = session.exec(stmt.order_by(col(FieldDef.active).desc())).first()
    if other is not None:
        template = NAME_TAKEN if other.active else NAME_TAKEN_RETIRED
        raise FieldRefused(template.format(entity=ENTITY_NAMES[entity], name=name))


def _check_options(kind: str, options: list[str]) -> None:
    if kind in (SELECT, MULTI) and not options:
        raise FieldRefused(OPTIONS_MISSING)
    if kind not in (SELECT, MULTI) and options:
        raise FieldRefused(OPTIONS_NOT_ALLOWED)


# -- changing definitions (each one audited) ----------------------------------------------

def _audit(session: Session, actor: str, before: dict[str, Any] | None, field: FieldDef,
           batch: str | None) -> None:
    tc.record_change(session, actor=actor, area=tc.AREA_FIELD, key=str(field.id),
                     before=before, after=field.snapshot(), batch=batch, team=field.team)


def create_field(session: Session, *, actor: str, entity: str, name: str, kind: str,
                 options: str | Sequence[str] | None = None, required: bool = False,
                 preset: str | None = None, batch: str | None = None,
                 team: str = tc.COMPANY) -> FieldDef:
    """A new field owned by ``team`` (the company's when COMPANY)."""
    entity = clean_entity(entity)
    kind = clean_kind(kind)
    name = clean_field_name(name)
    opts = parse_options(options)
    _check_options(kind, opts)
    _check_name_free(session, entity, name, team=team)
    last = session.exec(select(func.max(FieldDef.position))
                        .where(FieldDef.entity == entity, FieldDef.team == team)).one()
    field = FieldDef(entity=entity, name=name, kind=kind, options=opts, required=required,
                     position=(last or 0) + 1, preset=preset, created_by=actor, team=team)
    session.add(field)
    session.flush()
    _audit(session, actor, None, field, batch)
    return field


def _values_not_fitting(session: Session, field: FieldDef, kind: str,
                        options: list[str]) -> tuple[int, str | None]:
    """How many stored values of ``field`` the new kind/options could not hold."""
    rows = session.exec(select(FieldValue).where(FieldValue.field_id == field.id)).all()
    bad = [r for r in rows if not _fits(r, field.kind, kind, options)]
    return len({r.entity_id for r in bad}), (_shown(bad[0], field.kind) if bad else None)


def _shown(row: FieldValue, kind: str) -> str:
    if kind == NUMBER and row.value_num is not None:
        return _number_text(row.value_num)
    if kind == DATE and row.value_date is not None:
        return row.value_date.isoformat()
    return row.value_text or ""


def _fits(row: FieldValue, old: str, new: str, options: list[str]) -> bool:
    text = _shown(row, old)
    try:
        if new == NUMBER:
            _to_number(text)
        elif new == DATE:
            _to_date(text)
        elif new in (SELECT, MULTI):
            return text in options
        elif new == TEXT:
            return len(text) <= TEXT_MAX
    except ValueError:
        return False
    return True


def _check_retype(session: Session, field: FieldDef, new_kind: str,
                  new_options: list[str]) -> None:
    """Refuse a type or option change that would lose stored values; else convert them."""
    if new_kind != field.kind and PHOTO in (new_kind, field.kind):
        raise FieldRefused(KIND_CHANGE_PHOTO)
    if new_kind != field.kind or (new_kind in (SELECT, MULTI)
                                  and set(new_options) != set(field.options)):
        if new_kind in (SELECT, MULTI) and new_kind == field.kind:
            for option in set(field.options) - set(new_options):
                used = int(session.exec(select(func.count()).select_from(FieldValue).where(
                    FieldValue.field_id == field.id, FieldValue.value_text == option)).one())
                if used:
                    raise FieldRefused(OPTION_IN_USE.format(option=option, count=used))
        else:
            count, example = _values_not_fitting(session, field, new_kind, new_options)
            if count:
                raise FieldRefused(KIND_CHANGE_LOSES.format(
                    count=count, kind=KIND_NAMES[new_kind], example=example))
            if new_kind == SELECT and field.kind == MULTI:
                multi = session.exec(select(FieldValue.entity_id).where(
                    FieldValue.field_id == field.id).group_by(col(FieldValue.entity_id))
                    .having(func.count() > 1)).first()
                if multi is not None:
                    raise FieldRefused(KIND_CHANGE_LOSES.format(
                        count=1, kind=KIND_NAMES[SELECT], example="多个选项"))
            _retype_values(session, field, new_kind)


def update_field(session: Session, field_id: int, *, actor: str, name: str | None = None,
                 kind: str | None = None, options: str | Sequence[str] | None = None,
                 required: bool | None = None, batch: str | None = None,
                 scope: str | None = None) -> FieldDef:
    """Rename, change type, options or required. A change that would lose data (a value
    the new type cannot hold, an option still in use) is refused and nothing changes.
    ``scope``: the team the person changing it owns (None: any field)."""
    field = _for_change(session, field_id, scope)
    before = field.snapshot()
    new_name = clean_field_name(name) if name is not None else field.name
    new_kind = clean_kind(kind) if kind is not None else field.kind
    new_options = parse_options(options) if options is not None else (
        list(field.options) if new_kind in (SELECT, MULTI) else [])
    _check_options(new_kind, new_options)
    if new_name != field.name:
        _check_name_free(session, field.entity, new_name, except_id=field.id, team=field.team)
    _check_retype(session, field, new_kind, new_options)
    field.name, field.kind, field.options = new_name, new_kind, new_options
    if required is not None:
        field.required = required
    field.updated_at = utcnow()
    session.add(field)
    session.flush()
    if field.snapshot() != before:
        _audit(session, actor, before, field, batch)
    return field


def _retype_values(session: Session, field: FieldDef, kind: str) -> None:
    for row in session.exec(select(FieldValue).where(FieldValue.field_id == field.id)).all():
        text = _shown(row, field.kind)
        row.value_text = row.value_num = row.value_date = None
        if kind == NUMBER:
            row.value_num = _to_number(text)
        elif kind == DATE:
            row.value_date = _to_date(text)
        else:
            row.value_text = text
        session.add(row)


def set_active(session: Session, field_id: int, *, actor: str, active: bool,
               batch: str | None = None, scope: str | None = None) -> FieldDef:
    """Retire (values kept, hidden everywhere) or restore a field."""
    field = _for_change(session, field_id, scope)
    if field.active == active:
        raise FieldRefused((ALREADY_ACTIVE if active else ALREADY_RETIRED).format(
            name=field.name))
    if active:
        _check_name_free(session, field.entity, field.name, except_id=field.id,
                         team=field.team)
    before = field.snapshot()
    field.active = active
    field.updated_at = utcnow()
    session.add(field)
    session.flush()
    _audit(session, actor, before, field, batch)
    return field


def _set_order(session: Session, order: list[FieldDef], actor: str) -> None:
    batch = tc.new_batch()  # one reorder, one undo
    for position, item in enumerate(order, 1):
        if item.position != position:
            before = item.snapshot()
            item.position = position
            item.updated_at = utcnow()
            session.add(item)
            session.flush()
            _audit(session, actor, before, item, batch)


def _owned(session: Session, entity: str, team: str) -> list[FieldDef]:
    """The active fields ``team`` owns (their order is the team's own)."""
    return [f for f in fields_of(session, entity, team=team) if f.team == team]


def move_field(session: Session, field_id: int, *, actor: str, offset: int,
               scope: str | None = None) -> FieldDef:
    """Move a field up (-1) or down (+1) among the active fields of its entity and team."""
    field = _for_change(session, field_id, scope)
    if not field.active:
        raise FieldRefused(NOT_FOUND)
    order = _owned(session, field.entity, field.team)
    index = next(i for i, f in enumerate(order) if f.id == field.id)
    target = index + offset
    if 0 <= target < len(order):
        order.insert(target, order.pop(index))
        _set_order(session, order, actor)
    return field


def reorder_fields(session: Session, entity: str, names: Sequence[str], *,
                   actor: str, scope: str = tc.COMPANY) -> list[FieldDef]:
    """The named active fields of ``scope`` first, in the given order, then the others as
    they were; returns the fields as ``scope`` sees them."""
    entity = clean_entity(entity)
    order = _owned(session, entity, scope)
    by_name = {f.name: f for f in order}
    for name in names:
        if name not in by_name:
            raise FieldRefused(NOT_IN_ENTITY.format(entity=ENTITY_NAMES[entity], name=name))
    if len(set(names)) != len(names):
        raise FieldRefused(ORDER_DUPLICATE)
    first = [by_name[n] for n in names]
    _set_order(session, first + [f for f in order if f.name not in names], actor)
    return fields_of(session, entity, team=scope)


def restore(session: Session, snapshot: Mapping[str, Any] | None, field_id: int, *,
            actor: str, batch: str | None) -> None:
    """Put a field back as ``snapshot`` says (the undo of a change); a field that did not
    exist before is retired (its values are kept, as with any retirement)."""
    field = _for_change(session, field_id, None)
    if snapshot is None:
        if field.active:
            set_active(session, field_id, actor=actor, active=False, batch=batch)
        return
    before = field.snapshot()
    if snapshot["name"] != field.name:
        _check_name_free(session, field.entity, snapshot["name"], except_id=field.id,
                         team=field.team)
    _check_retype(session, field, snapshot["kind"], list(snapshot["options"]))
    field.kind = snapshot["kind"]
    field.name, field.required = snapshot["name"], bool(snapshot["required"])
    field.position, field.active = int(snapshot["position"]), bool(snapshot["active"])
    field.options = list(snapshot["options"])
    field.updated_at = utcnow()
    session.add(field)
    session.flush()
    _audit(session, actor, before, field, batch)


# -- values -------------------------------------------------------------------------------

def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _to_number(text: str) -> float:
    """"50万", "1.2万", "3千", "1,200", full-width digits … (models.numbers)."""
    return float(parse_number(text))


def _to_date(text: str) -> date:
    match = _DATE.match(text.strip())
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
        parts, text = [_number_text(float(raw))], _number_text(float(raw))
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
            return Cleaned(num=_to_number(text))
        except ValueError:
            raise ValueError(BAD_NUMBER.format(name=field.name, value=text[:20])) from None
    if field.kind == DATE:
        try:
            return Cleaned(day=_to_date(text))
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
        return _number_text(value.num)
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
                text = _number_text(row.value_num)
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


def describe(field: FieldDef) -> str:
    """One line for lists in chat: ``竞品品牌（单选：A牌/B牌/其他，必填）``."""
    parts = [KIND_NAMES[field.kind] + ("：" + "/".join(field.options) if field.options else "")]
    if field.required:
        parts.append("必填")
    if not field.active:
        parts.append("已停用")
    return f"{field.name}（{'，'.join(parts)}）"


@tc.restorer(tc.AREA_FIELD)
def _restore_field(session: Session, change: tc.ConfigChange, actor: str, batch: str) -> None:
    restore(session, change.before, int(change.key), actor=actor, batch=batch)
