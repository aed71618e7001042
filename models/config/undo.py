"""Undoing configuration changes (C8): ``undo`` applies the audit rows' ``before`` states
(``models.config.audit``), newest first, and records that as new changes (with
``undo_of``), so an undo can itself be undone. One restorer per area: team settings,
rules (through ``update_rule``), presets and custom fields. Called by the admin pages
(web/admin/fields.py) and the chat's field commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from models.config import team_config
from models.config.audit import (
    AREA_CONFIG,
    AREA_FIELD,
    AREA_PRESET,
    AREA_RULE,
    ConfigChange,
    may_change,
    new_batch,
    owners_text,
    record_change,
    visible_changes,
)
from models.config.custom_fields.changes import restore as restore_field
from models.rules.rule import update_rule

UNDO_NOT_FOUND = "找不到这条修改记录"
UNDO_ALREADY = "这条修改已撤销过"
UNDO_UNSUPPORTED = "这类修改暂不支持撤销，请到对应页面手动改回"
UNDO_FORBIDDEN = "这条修改只有{who}可以撤销"


class UndoRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Restorer = Callable[[Session, ConfigChange, str, str], None]
_RESTORERS: dict[str, Restorer] = {}


def restorer(area: str) -> Callable[[Restorer], Restorer]:
    """Register how changes of ``area`` are put back."""
    def register(fn: Restorer) -> Restorer:
        _RESTORERS[area] = fn
        return fn
    return register


@restorer(AREA_CONFIG)
def _restore_config(session: Session, change: ConfigChange, actor: str, batch: str) -> None:
    team_config.set_value(session, change.key, change.before, actor=actor, batch=batch,
                          team=change.team)


RULE_COLUMNS = ("enabled", "threshold", "schedule", "recipients", "channel")


@restorer(AREA_RULE)
def _restore_rule(session: Session, change: ConfigChange, actor: str, batch: str) -> None:
    """Put back whatever columns of the rule the change recorded (the preset logs
    ``enabled``; the rule admin page thresholds, schedules, recipients, channel), through
    ``update_rule`` so the undo is validated, logged and re-sweeps like any edit."""
    rule = team_config.rule_by_code(session, change.key)
    before = {k: v for k, v in (change.before or {}).items() if k in RULE_COLUMNS}
    if rule is None or not before:
        return
    update_rule(session, code=change.key, changes=before, actor=actor, batch=batch)


@restorer(AREA_FIELD)
def _restore_field(session: Session, change: ConfigChange, actor: str, batch: str) -> None:
    restore_field(session, change.before, int(change.key), actor=actor, batch=batch)


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
    if any(row.area not in _RESTORERS for row in group):
        raise UndoRefused(UNDO_UNSUPPORTED)
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
