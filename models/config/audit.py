"""The audit log of every configuration change (C8) and who owns what.

``config_change``: one row per change — who, when, area (field / rule / config / preset),
key, before and after as JSON. ``record_change`` is the one way in, for the team settings
(``models.config.team_config``), the custom fields (``models.config.custom_fields``), the
rules (``models.rules.rule.update_rule``) and the presets. Changes made together (a
preset switch) share a ``batch`` id and are undone together (``models.config.undo``).

Ownership: every field, setting and change has a ``team`` — ``COMPANY`` ("") for the
whole company, else the supervisor's userid whose team it belongs to; ``may_change`` says
who may make (and undo) a change of an area owned by a team."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import utcnow

AREA_FIELD = "field"
AREA_RULE = "rule"
AREA_CONFIG = "config"
AREA_PRESET = "preset"
AREA_NAMES = {AREA_FIELD: "字段", AREA_RULE: "规则", AREA_CONFIG: "团队设置",
              AREA_PRESET: "团队预设"}

# -- who owns what ------------------------------------------------------------------------
COMPANY = ""  # the team of company-wide fields, settings and changes
RULE_EDITORS = ("admin",)  # the message-center rules (the /admin/rules page's editors)
COMPANY_EDITORS = ("admin", "director")  # company-wide fields, settings and presets
CONFIG_ROLES = ("supervisor", "director", "admin")
ADMIN_NAME, DIRECTOR_NAME = "管理员", "销售总监"


def team_of(user: Any) -> str:
    """The team whose configuration applies to ``user``'s own forms and checks: a
    supervisor's own, a rep's supervisor's; everyone else works company-wide."""
    if user.role == "supervisor":
        return str(user.wecom_userid)
    if user.role == "rep" and user.supervisor_userid:
        return str(user.supervisor_userid)
    return COMPANY


def scope_of(user: Any) -> str:
    """Where ``user``'s configuration changes apply: a supervisor's own team; an admin's
    or a director's, the whole company."""
    return str(user.wecom_userid) if user.role == "supervisor" else COMPANY


def sees_every_team(user: Any) -> bool:
    return user.role in COMPANY_EDITORS


def may_change(user: Any, *, area: str, team: str) -> bool:
    """Whether ``user`` may make (or undo) a change of ``area`` owned by ``team``."""
    if area == AREA_RULE:
        return user.role in RULE_EDITORS
    if user.role in COMPANY_EDITORS:
        return True
    return user.role == "supervisor" and team != COMPANY and team == user.wecom_userid


def owners_text(area: str, team: str, team_name: str | None = None) -> str:
    """Who may change (and undo) a change of ``area`` owned by ``team``, as people read it."""
    if area == AREA_RULE:
        return ADMIN_NAME
    if team == COMPANY:
        return f"{ADMIN_NAME}、{DIRECTOR_NAME}"
    return f"{ADMIN_NAME}、{DIRECTOR_NAME}、{team_name or team}（主管）"


class ConfigChange(SQLModel, table=True):
    __tablename__ = "config_change"
    __table_args__ = (Index("ix_config_change_batch", "batch"),
                      Index("ix_config_change_area_key", "area", "key"))

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=64)
    area: str = Field(max_length=16)
    key: str = Field(max_length=64)
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    batch: str | None = Field(default=None, max_length=36)
    undo_of: int | None = None  # the change (or first change of the batch) this undid
    undone_by: int | None = None
    # Whose configuration it changed: COMPANY or a supervisor's team (see may_change).
    team: str = Field(default=COMPANY, max_length=64,
                      sa_column_kwargs={"server_default": COMPANY})


def new_batch() -> str:
    return uuid.uuid4().hex


def record_change(session: Session, *, actor: str, area: str, key: str, before: Any,
                  after: Any, batch: str | None = None,
                  undo_of: int | None = None, team: str = COMPANY) -> ConfigChange:
    """Append one change to the audit log (in the caller's transaction)."""
    row = ConfigChange(actor=actor, area=area, key=key, before=before, after=after,
                       batch=batch, undo_of=undo_of, team=team)
    session.add(row)
    session.flush()
    return row


# -- the log ------------------------------------------------------------------------------

def visible_changes(user: Any | None) -> Any:
    """The changes ``user`` may see, as a query condition: an admin's and a director's,
    all; a supervisor's, the company's and their own team's."""
    if user is None or sees_every_team(user):
        return True
    return col(ConfigChange.team).in_([COMPANY, scope_of(user)])


def history(session: Session, *, limit: int = 100, user: Any | None = None
            ) -> list[ConfigChange]:
    return list(session.exec(select(ConfigChange).where(visible_changes(user))
                             .order_by(col(ConfigChange.id).desc()).limit(limit)))
