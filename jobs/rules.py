"""The message center's sweeps (C7): every rule in ``models.rule`` as a few set-based SQL
statements, fired exactly once.

How one rule fires, in ONE transaction:

1. ``INSERT INTO rule_firing … SELECT <due rows> … ON CONFLICT DO NOTHING RETURNING`` —
   the due, not-yet-fired occurrences; only the rows this statement really inserted come
   back, so a re-run, a restart or a second scheduler racing it gets nothing back.
2. The side effects for exactly those rows: ``contract.risk_at``, the wake-up tasks.
3. The messages: one outbox row per recipient and channel with a deterministic key
   ``rule:{code}:{subject}:{subject_at epoch}:{occurrence}:{channel}:{user}``; a crash
   before commit rolls all three back, a worker dying mid-delivery is the outbox's
   resend logic.

When (the business calendar, ``Window``): rules fire on Chinese working days only
(chinese_calendar: public holidays off, make-up Saturdays on). A deadline that falls on a
working day fires at the deadline; one that fell on a weekend or holiday — or before
today — fires on the next working day at the rule's ``schedule.time``. Something missed
while the scheduler was down is therefore found and fired once when it comes back. The
72 h review reminder repeats: one occurrence per working day (``occurrence`` = the day)
until the contract leaves ``signed``.

Volume: the rep gets one message per occurrence (the wake-up card carries its task's
button); supervisors and other recipients get ONE list per sweep and rule (keyed by the
first occurrence in it), and zombie notices are lists for everyone. The customer-wide
rules look only at deadlines since their previous sweep (``rule_sweep`` marks, minus a
day's margin) and at every customer weekly and after a rule change — see
docs/BENCHMARKS.md for what that buys at a million customers.

Every sweep reads its rule row afresh (``models.rule.get_rule``), so a threshold changed
on the admin page counts from the next sweep, without a restart."""

from __future__ import annotations

import functools
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
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
    false,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.event import Reply
from cards import render
from cards import rules as cards
from models import contract as contracts
from models import followup as fu
from models import outbox
from models import rule as rules
from models.base import as_utc, utcnow
from models.customer import Customer
from models.rule import RuleConfig, RuleFiring
from models.user import User
from models.visit import Visit
from models.workdays import first_workday_on_or_after, is_workday
from zhongshu import clock
from zhongshu.db import on_commit, session_scope

log = logging.getLogger(__name__)

FIRING = RuleFiring.__table__  # type: ignore[attr-defined]
OUTBOX = outbox.OutboxMessage.__table__  # type: ignore[attr-defined]
TASKS = fu.FollowUpTask.__table__  # type: ignore[attr-defined]
CHUNK = 1000
# Above this many messages, one job creates the delivery jobs (see ``_deliver``).
FAN_OUT_ABOVE = 200


# -- the business calendar ---------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """Where ``now`` falls in the business calendar for a rule whose time of day is
    ``at``: only a working day fires; before ``at`` only deadlines that fell today do."""

    day: date
    workday: bool
    day_start: datetime  # today 00:00 business time, in UTC
    past_time: bool  # now >= today at the rule's time


def window(now: datetime, tz: tzinfo, at: time) -> Window:
    local = now.astimezone(tz)
    day = local.date()
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    return Window(day=day, workday=is_workday(day), day_start=start,
                  past_time=local.time() >= at)


def _due(column: Any, delta: timedelta, now: datetime, win: Window,
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


# Deadlines are looked for from the previous sweep minus this margin: a visit or order
# committed a little after the time it records is still seen.
SWEEP_MARGIN = timedelta(days=1)
# ...and every subject is looked at again at least this often, which catches deadlines
# that moved into the past without a sweep seeing them (a customer's grade changed).
FULL_SWEEP_EVERY = timedelta(days=7)


def _since(session: Session, code: str, now: datetime) -> datetime | None:
    """Where an incremental sweep starts, or None for a full one."""
    state = session.get(rules.RuleSweep, code)
    if state is None or state.swept_at is None or state.full_at is None:
        return None
    if now - state.full_at > FULL_SWEEP_EVERY or state.swept_at > now:
        return None
    return state.swept_at - SWEEP_MARGIN


def _advance(session: Session, code: str, now: datetime, win: Window,
             since: datetime | None) -> None:
    """Record how far this sweep looked. Before the rule's time only today's deadlines
    fired, so the mark stays before today until a sweep after the rule's time has run."""
    state = session.get(rules.RuleSweep, code)
    swept_at = state.swept_at if state else None
    full_at = state.full_at if state else None
    if win.past_time:
        swept_at = now if swept_at is None else max(swept_at, now)
        if since is None:
            full_at = now
    elif swept_at is not None and swept_at >= win.day_start:
        swept_at = max(swept_at, now)
    # An upsert: a second scheduler racing this one must not fail on the primary key.
    table = rules.RuleSweep.__table__  # type: ignore[attr-defined]
    stmt = _insert(session, table).values(code=code, swept_at=swept_at, full_at=full_at)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["code"], set_={"swept_at": swept_at, "full_at": full_at}))


# -- SQL helpers -------------------------------------------------------------------------

def _insert(session: Session, table: Any) -> Any:
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
    stmt = (_insert(session, FIRING)
            .from_select(["rule_code", "subject_id", "subject_at", "occurrence", "fired_at"],
                         source)
            .on_conflict_do_nothing()
            .returning(FIRING.c.subject_id, FIRING.c.subject_at))
    return [(int(r[0]), r[1]) for r in session.execute(stmt).all()]


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _by_ids(session: Session, column: Any, ids: Iterable[int]) -> Iterable[Any]:
    """WHERE clauses covering ``ids``: one ``= ANY(array)`` on PostgreSQL (one bound
    parameter, however many ids), chunks of IN lists on SQLite."""
    unique = sorted(set(ids))
    if not unique:
        return
    if _is_pg(session):
        yield column == any_(bindparam("ids", unique, type_=ARRAY(Integer())))
        return
    for chunk in _chunks(unique):
        yield column.in_(chunk)


def _epoch(at: datetime) -> int:
    return int(as_utc(at).timestamp())


# -- recipients and channels -------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    userid: str
    name: str
    role: str
    dingtalk: str | None
    supervisor: str | None
    region: str | None
    finance_lead: bool


class Directory:
    """Active people, loaded once per sweep, and the recipient tokens resolved on them:
    ``rep`` (the subject's rep), ``supervisor`` (the rep's supervisor; for the digest the
    supervisor it is about), ``finance_lead`` (users marked ``finance_lead``; when none is,
    every active finance user), ``director`` (the directors of the rep's region and those
    without a region) and ``user:<wecom userid>``."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(select(
            User.wecom_userid, User.name, User.role, User.dingtalk_userid,  # type: ignore[call-overload]
            User.supervisor_userid, User.region, User.finance_lead)
            .where(col(User.active).is_(True))).all()
        self.people = {r[0]: Person(*r) for r in rows}

    def get(self, userid: str | None) -> Person | None:
        return self.people.get(userid) if userid else None

    def finance_leads(self) -> list[Person]:
        leads = [p for p in self.people.values() if p.role == "finance" and p.finance_lead]
        leads = leads or [p for p in self.people.values() if p.finance_lead]
        return leads or [p for p in self.people.values() if p.role == "finance"]

    def resolve(self, tokens: Iterable[str], *, rep: str | None = None,
                supervisor: str | None = None) -> list[Person]:
        owner = self.get(rep)
        boss = self.get(supervisor) if supervisor else self.get(owner.supervisor if owner
                                                                else None)
        region = owner.region if owner else boss.region if boss else None
        found: list[Person] = []
        for token in tokens:
            if token == "rep":
                found += [owner] if owner else []
            elif token == "supervisor":
                found += [boss] if boss and boss.role in ("supervisor", "director") else []
            elif token == "finance_lead":
                found += self.finance_leads()
            elif token == "director":
                found += [p for p in self.people.values() if p.role == "director"
                          and (p.region is None or region is None or p.region == region)]
            elif token.startswith("user:"):
                person = self.get(token.removeprefix("user:"))
                found += [person] if person else []
        return list({p.userid: p for p in found}.values())


class Outgoing:
    """The messages of one sweep transaction, written with one bulk insert."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.rows: list[dict[str, Any]] = []
        self.now = utcnow()

    def add(self, rule: RuleConfig, person: Person, reply: Reply, *, subject_id: int,
            subject_at: datetime, occurrence: date, summary: bool = False) -> None:
        """``rule.channel``: wecom, dingtalk or both. A DingTalk recipient without a
        DingTalk account gets it in WeCom instead: a reminder nobody can read is worse
        than one on the other app. ``summary``: one message about many occurrences, keyed
        by the first of them (an occurrence fires in exactly one sweep, so the key is
        still deterministic and unique)."""
        kind = "summary:" if summary else ""
        base = (f"rule:{self.code}:{kind}{subject_id}:{_epoch(subject_at)}:"
                f"{occurrence.isoformat()}")
        targets: list[str] = []
        if rule.channel in ("dingtalk", "both") and person.dingtalk:
            targets.append("dingtalk")
        if rule.channel in ("wecom", "both") or not targets:
            targets.append("wecom")
        now = self.now
        for target in targets:
            if target == "dingtalk":
                channel, recipient = outbox.CHANNEL_DINGTALK_WORK, person.dingtalk
                payload = render.dingtalk_work_message(reply)
            else:
                channel, recipient = outbox.CHANNEL_WECOM_APP, person.userid
                payload = render.wecom_message(reply)
            self.rows.append({
                "dedupe_key": f"{base}:{target}:{person.userid}", "channel": channel,
                "recipient": recipient, "payload": payload, "status": outbox.STATUS_PENDING,
                "attempts": 0, "resend_check": False, "next_attempt_at": now,
                "created_at": now})

    def write(self, session: Session) -> int:
        if not self.rows:
            return 0
        if _is_pg(session):
            # One statement with ONE parameter, the rows as a JSON document: a multi-row
            # VALUES list would carry thousands of placeholders for the driver to parse,
            # and text arrays are escaped element by element.
            rows = [{"k": r["dedupe_key"], "c": r["channel"], "r": r["recipient"],
                     "p": r["payload"]} for r in self.rows]
            result = session.execute(text(
                "INSERT INTO outbox_message (dedupe_key, channel, recipient, payload, status,"
                " attempts, resend_check, next_attempt_at, created_at)"
                " SELECT k, c, r, p, 'pending', 0, false, :t, :t"
                " FROM json_to_recordset(CAST(:rows AS json))"
                " AS u(k text, c text, r text, p json)"
                " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"),
                {"rows": json.dumps(rows, ensure_ascii=False), "t": self.now})
        else:
            result = session.execute(
                _insert(session, OUTBOX).on_conflict_do_nothing(index_elements=["dedupe_key"])
                .returning(OUTBOX.c.id), self.rows)
        ids = [int(i) for i in result.scalars().all()]
        if ids:
            on_commit(session, functools.partial(_deliver, ids))
        return len(ids)


def _deliver(ids: list[int]) -> None:
    """Queue the delivery jobs, a pipeline per thousand, on the LOWEST-priority queue:
    workers take inbound events and chat replies first, so a Monday-morning batch of
    thousands of notices never keeps a rep waiting for an answer. Same job ids as
    ``jobs.deliver.enqueue_delivery``; the delivery claims its row, so a job the outbox
    sweep queues again still sends once."""
    from redis.exceptions import RedisError

    from zhongshu.queues import QUEUE_DEFAULT, get_queue

    try:
        if len(ids) <= FAN_OUT_ABOVE:
            fan_out(ids)
        else:
            # Thousands of jobs take seconds to create: a worker does it, not the sweep.
            get_queue(QUEUE_DEFAULT).enqueue(fan_out, ids, job_id=f"rule-fan-out-{ids[0]}",
                                             failure_ttl=7 * 24 * 3600)
    except RedisError:
        # The outbox sweep re-queues due rows within a minute; nothing is lost.
        log.warning("could not queue %d rule messages; the outbox sweep will", len(ids))


def fan_out(ids: list[int]) -> None:
    """RQ job (and direct call): one delivery job per outbox row, a pipeline per thousand."""
    from rq import Queue

    from jobs.deliver import deliver
    from zhongshu.queues import QUEUE_DEFAULT, get_queue

    queue = get_queue(QUEUE_DEFAULT)
    for chunk in _chunks(ids):
        queue.enqueue_many([
            Queue.prepare_data(deliver, (outbox_id,), job_id=f"outbox-{outbox_id}",
                               failure_ttl=7 * 24 * 3600) for outbox_id in chunk])


# -- the rules ---------------------------------------------------------------------------

def _fmt_day(at: datetime | None, tz: tzinfo) -> str:
    return at.astimezone(tz).date().isoformat() if at else "-"


def _customer_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for where in _by_ids(session, col(Customer.id), ids):
        names.update(session.execute(select(Customer.id, Customer.name)  # type: ignore[call-overload]
                                     .where(where)).all())
    return names


def _contracts(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for where in _by_ids(session, col(contracts.Contract.id), ids):
        for row in session.execute(select(contracts.Contract).where(  # type: ignore[call-overload]
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
                 _due(col(c.signed_at), timedelta(hours=hours), now, win))
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
    for where in _by_ids(session, FIRING.c.subject_id, [cid for cid, _ in fired]):
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
                 _due(col(c.signed_at), timedelta(hours=hours), now, win))
    if not fired:
        return 0
    ids = [cid for cid, _ in fired]
    for where in _by_ids(session, col(c.id), ids):
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


def _grade_threshold(rule: RuleConfig) -> list[tuple[Any, int]]:
    t = rule.threshold
    graded = ("A", "B", "C")
    return [(col(Customer.grade) == g, int(t[g])) for g in graded] + [
        (or_(col(Customer.grade).is_(None), col(Customer.grade).not_in(graded)),
         int(t["other"]))]


WAKEUP_CARDS_PER_SWEEP = 5


def inactive_wakeups(session: Session, rule: RuleConfig, now: datetime, tz: tzinfo,
                     people: Directory) -> int:
    """No visit, communication or order for the grade's days → ONE open wake-up task for
    the rep, told to rep and supervisor. A customer with an open wake-up task gets no
    second; an interaction moves ``last_interaction_at`` and so starts a new occurrence.
    A rep gets a card (with its 标记完成 button) for the ``WAKEUP_CARDS_PER_SWEEP``
    longest-quiet customers of a sweep and one list for the rest: the first sweep over an
    existing customer base must not bury a rep under dozens of cards."""
    win = window(now, tz, rule.at_time)
    if not win.workday:
        return 0
    # A customer nobody interacted with yet counts from its creation (imports leave the
    # column empty); filling it keeps the sweep on one indexed column.
    session.execute(update(Customer).where(col(Customer.last_interaction_at).is_(None))
                    .values(last_interaction_at=Customer.created_at)
                    .execution_options(synchronize_session=False))
    last = col(Customer.last_interaction_at)
    since = _since(session, rule.code, now)
    by_grade = or_(*[and_(cond, _due(last, timedelta(days=days), now, win, since))
                     for cond, days in _grade_threshold(rule)])
    open_task = exists().where(TASKS.c.customer_id == Customer.id,
                               TASKS.c.kind == fu.KIND_WAKEUP,
                               TASKS.c.status == fu.STATUS_OPEN)
    fired = fire(session, rule.code, rules.ONCE, now, col(Customer.id), last,
                 col(Customer.owner).is_not(None), by_grade, ~open_task)
    _advance(session, rule.code, now, win, since)
    if not fired:
        return 0
    info: dict[int, Any] = {}
    for where in _by_ids(session, col(Customer.id), [cid for cid, _ in fired]):
        for row in session.execute(select(Customer.id, Customer.name, Customer.owner,  # type: ignore[call-overload]
                                          Customer.grade).where(where)):
            info[row[0]] = row
    task_rows = []
    for cid, at in fired:
        days = (now - at).days
        task_rows.append({"visit_id": None, "kind": fu.KIND_WAKEUP, "customer_id": cid,
                          "owner": info[cid][2], "action": cards.wakeup_action(days),
                          "due_date": win.day, "status": fu.STATUS_OPEN,
                          "reminded_at": now, "done_at": None, "created_at": now})
    tasks = {int(cid): int(tid) for tid, cid in _insert_tasks(session, task_rows, win.day, now)}
    link = _customer_link()
    out = Outgoing(rule.code)
    others, overflow = _Summaries(), _Summaries()
    cards_to: dict[str, int] = defaultdict(int)
    # The longest-quiet first: they get the cards when a rep has more than a few.
    for cid, at in sorted(fired, key=lambda f: (f[1], f[0])):
        task_id = tasks.get(cid)
        if task_id is None:  # lost a race to another sweep's open task: it told them
            continue
        _, name, owner, grade = info[cid]
        rep = people.get(owner)
        days = (now - at).days
        values = cards.Wakeup(task_id=task_id, customer_name=name, grade=grade or "",
                              days=days, last=_fmt_day(at, tz),
                              owner_name=rep.name if rep else owner,
                              card_task_id=f"wakeup{task_id}x{secrets.token_hex(6)}",
                              url=link(cid))
        for person in people.resolve(rule.recipients, rep=owner):
            if person.userid != owner:
                others.add(person, cid, at, cards.wakeup_line(values))
            elif cards_to[owner] < WAKEUP_CARDS_PER_SWEEP:
                cards_to[owner] += 1
                out.add(rule, person, cards.wakeup_card(values, to_owner=True),
                        subject_id=cid, subject_at=at, occurrence=rules.ONCE)
            else:
                overflow.add(person, cid, at, cards.wakeup_line(values))
    others.queue(out, rule, cards.wakeup_summary)
    overflow.queue(out, rule, cards.wakeup_owner_summary)
    return out.write(session)


class _Summaries:
    """Per recipient other than the rep (supervisor, director…): the occurrences of one
    sweep, sent as ONE message — a team's Monday morning is not 400 cards."""

    def __init__(self) -> None:
        self.by_person: dict[str, tuple[Person, list[tuple[int, datetime, str]]]] = {}

    def add(self, person: Person, subject_id: int, subject_at: datetime, line: str) -> None:
        self.by_person.setdefault(person.userid, (person, []))[1].append(
            (subject_id, subject_at, line))

    def queue(self, out: Outgoing, rule: RuleConfig,
              build: Callable[[Sequence[str]], Reply]) -> None:
        for person, items in self.by_person.values():
            items.sort()
            first_id, first_at, _ = items[0]
            out.add(rule, person, build([line for _, _, line in items]), subject_id=first_id,
                    subject_at=first_at, occurrence=rules.ONCE, summary=True)


def _customer_link() -> Callable[[int], str]:
    """The OAuth link to a customer's 360 page, built once per sweep: thousands of cards
    differ only by the id (a digits-only placeholder survives the URL quoting)."""
    from jobs.visits import customer_path
    from web.links import wecom_oauth_url

    placeholder = "9081726354"
    template = wecom_oauth_url(customer_path(int(placeholder)))
    return lambda customer_id: template.replace(placeholder, str(customer_id))


def _insert_tasks(session: Session, rows: list[dict[str, Any]], day: date,
                  now: datetime) -> list[Any]:
    """The wake-up tasks; returns (id, customer_id) of those created (the open-task
    unique index drops one a racing sweep already made)."""
    if _is_pg(session):
        rows_json = json.dumps([{"cid": r["customer_id"], "owner": r["owner"],
                                 "action": r["action"]} for r in rows], ensure_ascii=False)
        return list(session.execute(text(
            "INSERT INTO followup_task (visit_id, kind, customer_id, owner, action, due_date,"
            " status, reminded_at, done_at, created_at)"
            " SELECT NULL, :kind, cid, owner, action, :day, :status, :now, NULL, :now"
            " FROM json_to_recordset(CAST(:rows AS json)) AS u(cid integer, owner text,"
            " action text)"
            " ON CONFLICT DO NOTHING RETURNING id, customer_id"),
            {"kind": fu.KIND_WAKEUP, "status": fu.STATUS_OPEN, "day": day, "now": now,
             "rows": rows_json}).all())
    stmt = (_insert(session, TASKS).on_conflict_do_nothing()
            .returning(TASKS.c.id, TASKS.c.customer_id))
    return list(session.execute(stmt, rows).all())


def zombie_filter(now: datetime, days: int) -> Any:
    """A zombie customer (僵尸客户): it has ordered, but not for ``days``."""
    return col(Customer.last_order_at) <= now - timedelta(days=days)


def zombies(session: Session, rule: RuleConfig, now: datetime, tz: tzinfo,
            people: Directory) -> int:
    """No order for ``days`` → zombie; rep and supervisor told once per last order."""
    win = window(now, tz, rule.at_time)
    if not win.workday:
        return 0
    days = int(rule.threshold["days"])
    last = col(Customer.last_order_at)
    since = _since(session, rule.code, now)
    fired = fire(session, rule.code, rules.ONCE, now, col(Customer.id), last,
                 col(Customer.owner).is_not(None),
                 _due(last, timedelta(days=days), now, win, since))
    _advance(session, rule.code, now, win, since)
    if not fired:
        return 0
    info: dict[int, Any] = {}
    for where in _by_ids(session, col(Customer.id), [cid for cid, _ in fired]):
        for row in session.execute(select(Customer.id, Customer.name, Customer.owner)  # type: ignore[call-overload]
                                   .where(where)):
            info[row[0]] = row
    out = Outgoing(rule.code)
    summaries = _Summaries()
    for cid, at in fired:
        _, name, owner = info[cid]
        rep = people.get(owner)
        line = cards.zombie_line(customer=name, rep=rep.name if rep else owner,
                                 days=(now - at).days, last=_fmt_day(at, tz))
        # Everyone, the rep included, gets one list per sweep: a zombie is a notice, not
        # a task with a button.
        for person in people.resolve(rule.recipients, rep=owner):
            summaries.add(person, cid, at, line)
    summaries.queue(out, rule, functools.partial(cards.zombie_summary, days=days))
    return out.write(session)


def digest_due(now: datetime, tz: tzinfo, rule: RuleConfig) -> date | None:
    """The week (its Monday) whose digest is due now: from the rule's weekday and time —
    moved to the next working day when that day is off — until the week ends."""
    win = window(now, tz, rule.at_time)
    if not win.workday:
        return None
    week = win.day - timedelta(days=win.day.weekday())
    target = first_workday_on_or_after(week + timedelta(days=int(rule.schedule["weekday"])))
    if target.isocalendar()[:2] != week.isocalendar()[:2]:
        return None  # the whole rest of the week is off: no late digest next week
    if win.day > target or (win.day == target and win.past_time):
        return week
    return None


def supervisor_digests(session: Session, rule: RuleConfig, now: datetime, tz: tzinfo,
                       people: Directory, zombie_days: int) -> int:
    """Each supervisor's team numbers for the past week, once per week."""
    week = digest_due(now, tz, rule)
    if week is None:
        return 0
    week_start = datetime.combine(week, time(0), tz).astimezone(UTC)
    fired = fire(session, rule.code, week, now, col(User.id),
                 literal(week_start, UTCDateTime()),
                 col(User.role) == "supervisor", col(User.active).is_(True))
    if not fired:
        return 0
    ids = [uid for uid, _ in fired]
    sups = dict(session.execute(select(User.id, User.wecom_userid)  # type: ignore[call-overload]
                                .where(col(User.id).in_(ids))).all())
    numbers = _team_numbers(session, now, tz, week, zombie_days)
    team_of: dict[str, set[str]] = defaultdict(set)
    for person in people.people.values():
        if person.supervisor:
            team_of[person.supervisor].add(person.userid)
    start = week - timedelta(days=7)
    out = Outgoing(rule.code)
    for uid, at in fired:
        sup = people.get(sups.get(uid))
        if sup is None:
            continue
        members = team_of[sup.userid] | {sup.userid}
        totals = {k: sum(numbers[k].get(m, 0) for m in members) for k in numbers}
        reply = cards.digest(team=sup.name, start=start.isoformat(),
                             end=(week - timedelta(days=1)).isoformat(),
                             numbers=cards.DigestNumbers(**totals))
        for person in people.resolve(rule.recipients, supervisor=sup.userid):
            out.add(rule, person, reply, subject_id=uid, subject_at=at, occurrence=week)
    return out.write(session)


def _team_numbers(session: Session, now: datetime, tz: tzinfo, week: date,
                  zombie_days: int) -> dict[str, dict[str, int]]:
    """Per owner: last week's new customers, visits and flagged visits; today's overdue
    tasks, zombies and risk contracts. Grouped in SQL, summed per team in Python."""
    start = datetime.combine(week - timedelta(days=7), time(0), tz).astimezone(UTC)
    end = datetime.combine(week, time(0), tz).astimezone(UTC)
    today = now.astimezone(tz).date()
    c = contracts.Contract

    def grouped(stmt: Any) -> dict[str, int]:
        return {str(k): int(n) for k, n in session.execute(stmt).all() if k}

    return {
        "new_customers": grouped(select(Customer.owner, func.count()).where(  # type: ignore[call-overload]
            col(Customer.created_at) >= start, col(Customer.created_at) < end)
            .group_by(Customer.owner)),
        "visits": grouped(select(Visit.rep, func.count()).where(  # type: ignore[call-overload]
            col(Visit.at) >= start, col(Visit.at) < end).group_by(Visit.rep)),
        "flagged": grouped(select(Visit.rep, func.count()).where(  # type: ignore[call-overload]
            col(Visit.at) >= start, col(Visit.at) < end, col(Visit.compliant) == false())
            .group_by(Visit.rep)),
        "overdue": grouped(select(TASKS.c.owner, func.count()).where(
            TASKS.c.status == fu.STATUS_OPEN, TASKS.c.due_date < today)
            .group_by(TASKS.c.owner)),
        "zombies": grouped(select(Customer.owner, func.count()).where(  # type: ignore[call-overload]
            zombie_filter(now, zombie_days)).group_by(Customer.owner)),
        "risk": grouped(select(c.owner, func.count()).where(risk_filter())  # type: ignore[call-overload]
                        .group_by(c.owner)),
    }


# -- running them ------------------------------------------------------------------------

Sweep = Callable[[Session, RuleConfig, datetime, tzinfo, Directory], int]
CONTRACT_AND_CUSTOMER_RULES: dict[str, Sweep] = {
    rules.REVIEW_72H: review_reminders,
    rules.STAMP_24H: stamp_risks,
    rules.INACTIVE: inactive_wakeups,
    rules.ZOMBIE: zombies,
}


def run_rule(code: str, now: datetime) -> int:
    """One rule in its own transaction; returns the messages it queued."""
    tz = clock.business_tz()
    with session_scope() as session:
        rule = rules.get_rule(session, code)
        if not rule.enabled:
            return 0
        people = Directory(session)
        if code == rules.DIGEST:
            zombie_days = int(rules.get_rule(session, rules.ZOMBIE).threshold["days"])
            return supervisor_digests(session, rule, now, tz, people, zombie_days)
        return CONTRACT_AND_CUSTOMER_RULES[code](session, rule, now, tz, people)


def sweep_rules(now: datetime) -> dict[str, int]:
    """The scheduled sweep: every message-center rule as of ``now`` (the plan deadline
    has its own sweep, jobs.plans, which reads its rule row too)."""
    results: dict[str, int] = {}
    for code in (*CONTRACT_AND_CUSTOMER_RULES, rules.DIGEST):
        try:
            results[code] = run_rule(code, now)
        except Exception:
            # One broken rule must not silence the others; the next tick retries it.
            log.exception("rule %s failed", code)
            results[code] = 0
    return results


def run_all(now: datetime) -> dict[str, int]:
    """Every rule, the plan deadline included (``zhongshu rules run --at``)."""
    from jobs.plans import sweep_plan_notices

    results = sweep_rules(now)
    results[rules.PLAN_DEADLINE] = sweep_plan_notices(now)["queued"]
    return results

