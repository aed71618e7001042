"""Team configuration a manager changes without code (C8), and the audit log of every
configuration change with its undo.

- ``team_config``: small key → JSON settings (the chosen preset, whether the visit
  evidence checks are enforced, whether the dashboard shows health KPIs per department).
  Read with ``get``; a missing key means the default in ``DEFAULTS``.
- ``config_change``: one row per change — who, when, area (field / rule / config /
  preset), key, before and after as JSON. ``record_change`` is the one way in, for this
  package and for other configuration pages (e.g. the rule admin page). Changes made
  together (a preset switch) share a ``batch`` id and are undone together.
- ``undo``: applies the rows' ``before`` states, newest first, and records that as new
  changes (with ``undo_of``), so an undo can itself be undone.

Ownership: every field, setting and change has a ``team`` — ``COMPANY`` ("") for the
whole company, else the supervisor's userid whose team it belongs to. A supervisor's
changes apply to their own team (a team setting overrides the company's for that team's
people); company-wide settings and fields are changed by an admin or a director, rules
by an admin only. Undoing a change needs the right the change itself needed
(``may_change``), so an undo never reaches further than its author could."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import utcnow
from models.rule import Rule, update_rule

AREA_FIELD = "field"
AREA_RULE = "rule"
AREA_CONFIG = "config"
AREA_PRESET = "preset"
AREA_NAMES = {AREA_FIELD: "字段", AREA_RULE: "规则", AREA_CONFIG: "团队设置",
              AREA_PRESET: "团队预设"}

PRESET = "preset"
VISIT_VALIDATION = "visit_validation"
HEALTH_KPIS = "health_kpis_by_department"
FOLLOWUP_BOARD = "followup_board"
DEFAULTS: dict[str, Any] = {
    PRESET: None,
    # On by default: the evidence checks existed (and were enforced) before presets.
    VISIT_VALIDATION: True,
    HEALTH_KPIS: False,
    FOLLOWUP_BOARD: False,
}
CONFIG_NAMES = {PRESET: "团队预设", VISIT_VALIDATION: "拜访验真", HEALTH_KPIS: "部门健康指标",
                FOLLOWUP_BOARD: "跟进看板"}

UNDO_NOT_FOUND = "找不到这条修改记录"
UNDO_ALREADY = "这条修改已撤销过"
UNDO_UNSUPPORTED = "这类修改暂不支持撤销，请到对应页面手动改回"
UNDO_FORBIDDEN = "这条修改只有{who}可以撤销"

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


class UndoRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TeamConfig(SQLModel, table=True):
    __tablename__ = "team_config"

    key: str = Field(primary_key=True, max_length=64)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=64)


class TeamSetting(SQLModel, table=True):
    """A team's own value of a setting; it overrides ``team_config`` for that team."""

    __tablename__ = "team_setting"

    team: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=64)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=64)


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


# -- settings -----------------------------------------------------------------------------

def get(session: Session, key: str, team: str = COMPANY) -> Any:
    """The setting as it applies to ``team``: the team's own value, else the company's,
    else the default."""
    if team != COMPANY:
        own = session.get(TeamSetting, (team, key))
        if own is not None:
            return own.value
    row = session.get(TeamConfig, key)
    return DEFAULTS.get(key) if row is None else row.value


def all_settings(session: Session, team: str = COMPANY) -> dict[str, Any]:
    stored = {row.key: row.value for row in session.exec(select(TeamConfig))}
    if team != COMPANY:
        stored.update({row.key: row.value for row in session.exec(
            select(TeamSetting).where(TeamSetting.team == team))})
    return {**DEFAULTS, **stored}


def set_value(session: Session, key: str, value: Any, *, actor: str,
              batch: str | None = None, team: str = COMPANY) -> bool:
    """Set one setting for ``team`` (the company's when COMPANY), audited; False when it
    already had that value there."""
    before = get(session, key, team)
    if before == value:
        return False
    row: TeamConfig | TeamSetting
    if team == COMPANY:
        row = session.get(TeamConfig, key) or TeamConfig(key=key)
    else:
        row = session.get(TeamSetting, (team, key)) or TeamSetting(team=team, key=key)
    row.value, row.updated_at, row.updated_by = value, utcnow(), actor
    session.add(row)
    session.flush()
    record_change(session, actor=actor, area=AREA_CONFIG, key=key, before=before,
                  after=value, batch=batch, team=team)
    return True


def visit_validation_on(session: Session, team: str = COMPANY) -> bool:
    return bool(get(session, VISIT_VALIDATION, team))


# -- rules (rows seeded by the message-center module; switched here by code) -------------

def rule_by_code(session: Session, code: str) -> Rule | None:
    return session.exec(select(Rule).where(Rule.code == code)).first()


def set_rule_enabled(session: Session, code: str, enabled: bool, *, actor: str,
                     batch: str | None = None) -> bool:
    """Switch a rule on or off by code (audited by ``update_rule``). A missing code
    changes nothing."""
    rule = rule_by_code(session, code)
    if rule is None or rule.enabled == enabled:
        return False
    update_rule(session, code=code, changes={"enabled": enabled}, actor=actor, batch=batch)
    return True


# -- the log and undo ---------------------------------------------------------------------

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


Restorer = Callable[[Session, ConfigChange, str, str], None]
_RESTORERS: dict[str, Restorer] = {}


def restorer(area: str) -> Callable[[Restorer], Restorer]:
    """Register how changes of ``area`` are put back (fields register theirs)."""
    def register(fn: Restorer) -> Restorer:
        _RESTORERS[area] = fn
        return fn
    return register


@restorer(AREA_CONFIG)
def _restore_config(session: Session, change: ConfigChange, actor: str, batch: str) -> None:
    set_value(session, change.key, change.before, actor=actor, batch=batch, team=change.team)


RULE_COLUMNS = ("enabled", "threshold", "schedule", "recipients", "channel")


@restorer(AREA_RULE)
def _restore_rule(session: Session, change: ConfigChange, actor: str, batch: str) -> None:
    """Put back whatever columns of the rule the change recorded (the preset logs
    ``enabled``; the rule admin page thresholds, schedules, recipients, channel), through
    ``update_rule`` so the undo is validated, logged and re-sweeps like any edit."""
    rule = rule_by_code(session, change.key)
    before = {k: v for k, v in (change.before or {}).items() if k in RULE_COLUMNS}
    if rule is None or not before:
        return
    update_rule(session, code=change.key, changes=before, actor=actor, batch=batch)


@restorer(AREA_PRESET)
def _restore_preset(session: Session, change: ConfigChange, actor: str, batch: str) -> None:
    # The preset row is a marker; its settings, rules and fields are rows of the batch.
    record_change(session, actor=actor, area=AREA_PRESET, key=change.key,
                  before=change.after, after=change.before, batch=batch, team=change.team)


def undo(session: Session, change_id: int, *, actor: str,
         user: Any | None = None) -> list[ConfigChange]:
    """Undo a change and every change made with it (same batch): each one's ``before``
    is applied, newest first. Returns the new audit rows. With ``user`` (a person asking),
    only a change they can see is found, and every change of the batch must be one they
    may make (``may_change``) — the undo of an undo included, since it is logged with the
    same area and team."""
    change = session.exec(select(ConfigChange).where(ConfigChange.id == change_id)
                          .where(visible_changes(user))).first()
    if change is None:
        raise UndoRefused(UNDO_NOT_FOUND)
    group = [change] if change.batch is None else list(session.exec(
        select(ConfigChange).where(ConfigChange.batch == change.batch)
        .order_by(col(ConfigChange.id).desc())))
    if user is not None:
        for row in group:
            if not may_change(user, area=row.area, team=row.team):
                raise UndoRefused(UNDO_FORBIDDEN.format(who=owners_text(row.area, row.team)))
    if any(row.undone_by is not None for row in group):
        raise UndoRefused(UNDO_ALREADY)
    if any(row.area not in _RESTORERS and row.area != AREA_FIELD for row in group):
        raise UndoRefused(UNDO_UNSUPPORTED)
    # Importing here registers the field restorer (fields import this module).
    import models.custom_fields  # noqa: F401

    batch = new_batch()
    for row in group:
        before_ids = set(session.exec(select(ConfigChange.id)
                                      .where(ConfigChange.batch == batch)))
        _RESTORERS[row.area](session, row, actor, batch)
        for new in session.exec(select(ConfigChange).where(ConfigChange.batch == batch)):
            if new.id not in before_ids:
                new.undo_of = row.id
                session.add(new)
    made = list(session.exec(select(ConfigChange).where(ConfigChange.batch == batch)
                             .order_by(col(ConfigChange.id))))
    for row in group:
        row.undone_by = made[0].id if made else None
        session.add(row)
    session.flush()
    return made
