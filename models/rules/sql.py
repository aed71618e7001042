"""The SQL the message-center sweeps share (C7): the exactly-once ``rule_firing`` insert,
the due-deadline condition in the business calendar, the incremental-sweep marks
(``rule_sweep``) and dialect helpers (PostgreSQL or SQLite). Called by the rules in
``handlers.rules``; see that package for how one rule fires."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    Date,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    exists,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session
from sqlmodel.sql.sqltypes import UTCDateTime

from lib.workdays import Window
from models.base import as_utc
from models.rules.rule import RuleFiring, RuleSweep

FIRING = RuleFiring.__table__  # type: ignore[attr-defined]
CHUNK = 1000

# Deadlines are looked for from the previous sweep minus this margin: a visit or order
# committed a little after the time it records is still seen.
SWEEP_MARGIN = timedelta(days=1)
# ...and every subject is looked at again at least this often, which catches deadlines
# that moved into the past without a sweep seeing them (a customer's grade changed).
FULL_SWEEP_EVERY = timedelta(days=7)


def due(column: Any, delta: timedelta, now: datetime, win: Window,
        since: datetime | None = None) -> Any:
    """``column + delta`` (the deadline) has passed and may fire now: it fell today, or
    earlier and today's rule time has come. ``since``: only deadlines after it (the
    incremental sweep of the customer-wide rules)."""
    passed = column <= now - delta
    if since is not None:
        passed = and_(passed, column > since - delta)
    if win.past_time:
        return passed
    return and_(passed, column >= win.day_start - delta)


def since(session: Session, code: str, now: datetime) -> datetime | None:
    """Where an incremental sweep starts, or None for a full one."""
    state = session.get(RuleSweep, code)
    if state is None or state.swept_at is None or state.full_at is None:
        return None
    if now - state.full_at > FULL_SWEEP_EVERY or state.swept_at > now:
        return None
    return state.swept_at - SWEEP_MARGIN


def advance(session: Session, code: str, now: datetime, win: Window,
            since: datetime | None) -> None:
    """Record how far this sweep looked. Before the rule's time only today's deadlines
    fired, so the mark stays before today until a sweep after the rule's time has run."""
    state = session.get(RuleSweep, code)
    swept_at = state.swept_at if state else None
    full_at = state.full_at if state else None
    if win.past_time:
        swept_at = now if swept_at is None else max(swept_at, now)
        if since is None:
            full_at = now
    elif swept_at is not None and swept_at >= win.day_start:
        swept_at = max(swept_at, now)
    # An upsert: a second scheduler racing this one must not fail on the primary key.
    table = RuleSweep.__table__  # type: ignore[attr-defined]
    stmt = insert(session, table).values(code=code, swept_at=swept_at, full_at=full_at)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["code"], set_={"swept_at": swept_at, "full_at": full_at}))


def insert(session: Session, table: Any) -> Any:
    """An INSERT with ``ON CONFLICT`` support on the session's dialect."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table))


def _not_fired(code: str, subject_id: Any, subject_at: Any, occurrence: date) -> Any:
    return ~exists().where(FIRING.c.rule_code == code, FIRING.c.subject_id == subject_id,
                           FIRING.c.subject_at == subject_at,
                           FIRING.c.occurrence == occurrence)


def fire(session: Session, code: str, occurrence: date, now: datetime, subject_id: Any,
         subject_at: Any, *where: Any) -> list[tuple[int, datetime]]:
    """Record every due occurrence not yet fired; returns (subject id, subject_at) of the
    rows THIS call inserted — the only ones to act on."""
    source = select(literal(code, String()), subject_id, subject_at,
                    literal(occurrence, Date()), literal(now, UTCDateTime())).where(
        subject_at.is_not(None), *where, _not_fired(code, subject_id, subject_at, occurrence))
    stmt = (insert(session, FIRING)
            .from_select(["rule_code", "subject_id", "subject_at", "occurrence", "fired_at"],
                         source)
            .on_conflict_do_nothing()
            .returning(FIRING.c.subject_id, FIRING.c.subject_at))
    return [(int(r[0]), r[1]) for r in session.execute(stmt).all()]


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def by_ids(session: Session, column: Any, ids: Iterable[int]) -> Iterable[Any]:
    """WHERE clauses covering ``ids``: one ``= ANY(array)`` on PostgreSQL (one bound
    parameter, however many ids), chunks of IN lists on SQLite."""
    unique = sorted(set(ids))
    if not unique:
        return
    if is_pg(session):
        yield column == any_(bindparam("ids", unique, type_=ARRAY(Integer())))
        return
    for chunk in _chunks(unique):
        yield column.in_(chunk)


def epoch(at: datetime) -> int:
    return int(as_utc(at).timestamp())
