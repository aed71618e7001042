"""Team configuration a manager changes without code (C8): the settings and the rule
switches a preset flips.

- ``team_config``: small key → JSON settings (the chosen preset, whether the visit
  evidence checks are enforced, whether the dashboard shows health KPIs per department).
  Read with ``get``; a missing key means the default in ``DEFAULTS``.
- the audit log (``config_change``, ``record_change``) and who owns what live in
  ``models.config.audit``; their names are re-exported here for the callers that read
  settings and ownership together. ``models.config.undo`` undoes a change.

Ownership: every field, setting and change has a ``team`` — ``COMPANY`` ("") for the
whole company, else the supervisor's userid whose team it belongs to. A supervisor's
changes apply to their own team (a team setting overrides the company's for that team's
people); company-wide settings and fields are changed by an admin or a director, rules
by an admin only. Undoing a change needs the right the change itself needed
(``may_change``), so an undo never reaches further than its author could."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, select

from models.base import utcnow

# The audit log and ownership, re-exported: callers read settings and who owns them
# together (tc.team_of, tc.COMPANY, tc.record_change ...).
from models.config.audit import (  # noqa: F401
    ADMIN_NAME,
    AREA_CONFIG,
    AREA_FIELD,
    AREA_NAMES,
    AREA_PRESET,
    AREA_RULE,
    COMPANY,
    COMPANY_EDITORS,
    CONFIG_ROLES,
    DIRECTOR_NAME,
    RULE_EDITORS,
    ConfigChange,
    history,
    may_change,
    new_batch,
    owners_text,
    record_change,
    scope_of,
    sees_every_team,
    team_of,
    visible_changes,
)
from models.rules.rule import Rule, update_rule

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


