"""The customer-wide rules (C7): the wake-up task for a customer nobody has talked to for
its grade's days, and the zombie notice for one that has not ordered for the rule's days.
Both sweep incrementally (``models.rules.sql.since``/``advance``). Run by
``handlers.rules.runner``; ``zombie_filter`` is also the digest's definition."""

from __future__ import annotations

import functools
import json
import secrets
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, exists, or_, select, text, update
from sqlmodel import Session, col

from cards import rules as cards
from cards.links import customer_path, wecom_oauth_url
from handlers.rules.outgoing import Outgoing, Summaries, fmt_day
from lib.workdays import window
from models.customers.customer import Customer
from models.rules import rule as rules
from models.rules import sql
from models.rules.recipients import Directory
from models.rules.rule import RuleConfig
from models.rules.sql import by_ids, due, fire, insert, is_pg
from models.visits import followup as fu

TASKS = fu.FollowUpTask.__table__  # type: ignore[attr-defined]

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
    since = sql.since(session, rule.code, now)
    by_grade = or_(*[and_(cond, due(last, timedelta(days=days), now, win, since))
                     for cond, days in _grade_threshold(rule)])
    open_task = exists().where(TASKS.c.customer_id == Customer.id,
                               TASKS.c.kind == fu.KIND_WAKEUP,
                               TASKS.c.status == fu.STATUS_OPEN)
    fired = fire(session, rule.code, rules.ONCE, now, col(Customer.id), last,
                 col(Customer.owner).is_not(None), by_grade, ~open_task)
    sql.advance(session, rule.code, now, win, since)
    if not fired:
        return 0
    info: dict[int, Any] = {}
    for where in by_ids(session, col(Customer.id), [cid for cid, _ in fired]):
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
    others, overflow = Summaries(), Summaries()
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
                              days=days, last=fmt_day(at, tz),
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


def _customer_link() -> Callable[[int], str]:
    """The OAuth link to a customer's 360 page, built once per sweep: thousands of cards
    differ only by the id (a digits-only placeholder survives the URL quoting)."""
    placeholder = "9081726354"
    template = wecom_oauth_url(customer_path(int(placeholder)))
    return lambda customer_id: template.replace(placeholder, str(customer_id))


def _insert_tasks(session: Session, rows: list[dict[str, Any]], day: date,
                  now: datetime) -> list[Any]:
    """The wake-up tasks; returns (id, customer_id) of those created (the open-task
    unique index drops one a racing sweep already made)."""
    if is_pg(session):
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
    stmt = (insert(session, TASKS).on_conflict_do_nothing()
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
    since = sql.since(session, rule.code, now)
    fired = fire(session, rule.code, rules.ONCE, now, col(Customer.id), last,
                 col(Customer.owner).is_not(None),
                 due(last, timedelta(days=days), now, win, since))
    sql.advance(session, rule.code, now, win, since)
    if not fired:
        return 0
    info: dict[int, Any] = {}
    for where in by_ids(session, col(Customer.id), [cid for cid, _ in fired]):
        for row in session.execute(select(Customer.id, Customer.name, Customer.owner)  # type: ignore[call-overload]
                                   .where(where)):
            info[row[0]] = row
    out = Outgoing(rule.code)
    summaries = Summaries()
    for cid, at in fired:
        _, name, owner = info[cid]
        rep = people.get(owner)
        line = cards.zombie_line(customer=name, rep=rep.name if rep else owner,
                                 days=(now - at).days, last=fmt_day(at, tz))
        # Everyone, the rep included, gets one list per sweep: a zombie is a notice, not
        # a task with a button.
        for person in people.resolve(rule.recipients, rep=owner):
            summaries.add(person, cid, at, line)
    summaries.queue(out, rule, functools.partial(cards.zombie_summary, days=days))
    return out.write(session)
