"""The contract rules (C7): the 72 h review reminder to the finance lead (every working
day until reviewed) and the 24 h missing-stamp risk notice. Run by ``handlers.rules.runner``;
``risk_filter`` is also the digest's and the dashboard's definition of a risk contract."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlmodel import Session, col

from cards import rules as cards
from handlers.rules.outgoing import Outgoing
from lib.workdays import window
from models.contracts import contract as contracts
from models.customers.customer import Customer
from models.rules import rule as rules
from models.rules.recipients import Directory
from models.rules.rule import RuleConfig
from models.rules.sql import FIRING, by_ids, due, fire


def _customer_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for where in by_ids(session, col(Customer.id), ids):
        names.update(session.execute(select(Customer.id, Customer.name)  # type: ignore[call-overload]
                                     .where(where)).all())
    return names


def _contracts(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for where in by_ids(session, col(contracts.Contract.id), ids):
        for row in session.execute(select(contracts.Contract).where(
                where)).scalars():
            found[row.id] = row
    return found


def review_reminders(session: Session, rule: RuleConfig, now: datetime, tz: tzinfo,
                     people: Directory) -> int:
    """Signed and not reviewed for ``hours`` → the finance lead, every working day."""
    win = window(now, tz, rule.at_time)
    if not win.workday:
        return 0
    hours = int(rule.threshold["hours"])
    c = contracts.Contract
    fired = fire(session, rule.code, win.day, now, col(c.id), col(c.signed_at),
                 col(c.status) == contracts.SIGNED,
                 due(col(c.signed_at), timedelta(hours=hours), now, win))
    if not fired:
        return 0
    rows = _contracts(session, [cid for cid, _ in fired])
    names = _customer_names(session, [r.customer_id for r in rows.values()])
    counts = _firing_counts(session, rule.code, fired)
    out = Outgoing(rule.code)
    for cid, signed_at in fired:
        contract = rows[cid]
        rep = people.get(contract.owner)
        elapsed = int((now - signed_at).total_seconds() // 3600)
        reply = cards.review_reminder(
            no=contract.contract_no, customer=names.get(contract.customer_id, ""),
            amount=f"{contract.amount:,.2f}", rep=rep.name if rep else contract.owner,
            hours=elapsed, count=counts.get((cid, signed_at), 1),
            day=win.day.isoformat())
        for person in people.resolve(rule.recipients, rep=contract.owner):
            out.add(rule, person, reply, subject_id=cid, subject_at=signed_at,
                    occurrence=win.day)
    return out.write(session)


def _firing_counts(session: Session, code: str,
                   fired: Sequence[tuple[int, datetime]]) -> dict[tuple[int, datetime], int]:
    """How many reminders each (contract, signing) has had, this one included."""
    counts: dict[tuple[int, datetime], int] = {}
    for where in by_ids(session, FIRING.c.subject_id, [cid for cid, _ in fired]):
        for cid, at, n in session.execute(
                select(FIRING.c.subject_id, FIRING.c.subject_at, func.count())
                .where(FIRING.c.rule_code == code, where)
                .group_by(FIRING.c.subject_id, FIRING.c.subject_at)).all():
            counts[(int(cid), at)] = int(n)
    return counts


def stamp_risks(session: Session, rule: RuleConfig, now: datetime, tz: tzinfo,
                people: Directory) -> int:
    """No stamped page ``hours`` after signing → risk contract; rep and supervisor told.
    The page arriving (``stamped_at``) clears it with no write here; a re-signed contract
    (a new ``signed_at``) is a new occurrence, never a repeat of the old one."""
    win = window(now, tz, rule.at_time)
    if not win.workday:
        return 0
    hours = int(rule.threshold["hours"])
    c = contracts.Contract
    fired = fire(session, rule.code, rules.ONCE, now, col(c.id), col(c.signed_at),
                 col(c.stamped_at).is_(None), col(c.status) != contracts.DRAFT,
                 due(col(c.signed_at), timedelta(hours=hours), now, win))
    if not fired:
        return 0
    ids = [cid for cid, _ in fired]
    for where in by_ids(session, col(c.id), ids):
        session.execute(update(c).where(where, col(c.stamped_at).is_(None))
                        .values(risk_at=now))
    rows = _contracts(session, ids)
    names = _customer_names(session, [r.customer_id for r in rows.values()])
    out = Outgoing(rule.code)
    for cid, signed_at in fired:
        contract = rows[cid]
        rep = people.get(contract.owner)
        for person in people.resolve(rule.recipients, rep=contract.owner):
            reply = cards.risk_notice(no=contract.contract_no,
                                      customer=names.get(contract.customer_id, ""),
                                      rep=rep.name if rep else contract.owner, hours=hours,
                                      day=win.day.isoformat(),
                                      to_owner=person.userid == contract.owner)
            out.add(rule, person, reply, subject_id=cid, subject_at=signed_at,
                    occurrence=rules.ONCE)
    return out.write(session)


def risk_filter() -> Any:
    """A risk contract (风险单): flagged by the 24 h rule and still without its page."""
    c = contracts.Contract
    return and_(col(c.risk_at).is_not(None), col(c.stamped_at).is_(None))
