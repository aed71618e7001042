"""Custom field definitions (C8): the ``field_def`` and ``field_value`` tables, the
entity and kind names, the Chinese messages, reading the fields that apply to a team and
validating a definition's name, kind and options. Changing definitions is
``custom_fields.changes``, values ``custom_fields.values``; callers use the package."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import utcnow
from models.config import glossary
from models.config.audit import COMPANY, team_of
from models.org.user import record_user

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
    # The owning team (a supervisor's userid), or audit.COMPANY for everyone's.
    team: str = Field(default=COMPANY, max_length=64,
                      sa_column_kwargs={"server_default": COMPANY})
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

def in_team(team: str | None) -> Any:
    """The fields that apply to ``team``: the company's and the team's own (``None``:
    every team's)."""
    if team is None:
        return True
    return col(FieldDef.team).in_({COMPANY, team})


def fields_of(session: Session, entity: str, *, include_retired: bool = False,
              team: str | None = None) -> list[FieldDef]:
    """The entity's fields as ``team`` sees them (company-wide first, then the team's);
    ``team=None``: every team's."""
    stmt = select(FieldDef).where(FieldDef.entity == entity).where(in_team(team))
    if not include_retired:
        stmt = stmt.where(col(FieldDef.active).is_(True))
    return list(session.exec(stmt.order_by(col(FieldDef.active).desc(),
                                           col(FieldDef.team) != COMPANY,
                                           col(FieldDef.team), col(FieldDef.position),
                                           col(FieldDef.id))))


def form_fields(session: Session, entity: str, user: Any) -> list[FieldDef]:
    """The fields ``user``'s own forms ask for (and their cards show): the company's and
    their team's."""
    return fields_of(session, entity, team=team_of(user))


def visible_fields(session: Session, entity: str, user: Any) -> list[FieldDef]:
    """The columns ``user`` reads in lists and exports: a rep's or a supervisor's team
    and the company's; everyone else (directors, admins, finance) every team's."""
    team = team_of(user) if user.role in ("rep", "supervisor") else None
    return fields_of(session, entity, team=team)


def record_fields(session: Session, entity: str, owner: str | None) -> list[FieldDef]:
    """The fields of a record owned by ``owner`` (a userid): its owner's team's and the
    company's."""
    user = record_user(session, owner) if owner else None
    return form_fields(session, entity, user) if user is not None else fields_of(
        session, entity, team=COMPANY)


def get_field(session: Session, field_id: int, team: str | None = None) -> FieldDef | None:
    return session.exec(select(FieldDef).where(FieldDef.id == field_id)
                        .where(in_team(team))).first()


def find_field(session: Session, entity: str, name: str,
               team: str | None = None) -> FieldDef | None:
    """The field of that name that applies to ``team`` (its own before the company's)."""
    return session.exec(select(FieldDef).where(FieldDef.entity == entity,
                                               FieldDef.name == name.strip())
                        .where(in_team(team))
                        .order_by(col(FieldDef.team) == COMPANY if team is not None
                                  else col(FieldDef.team) != COMPANY)).first()


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


def describe(field: FieldDef) -> str:
    """One line for lists in chat: ``竞品品牌（单选：A牌/B牌/其他，必填）``."""
    parts = [KIND_NAMES[field.kind] + ("：" + "/".join(field.options) if field.options else "")]
    if field.required:
        parts.append("必填")
    if not field.active:
        parts.append("已停用")
    return f"{field.name}（{'，'.join(parts)}）"
