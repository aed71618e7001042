"""Refreshing the dashboard roll-ups (``models.dashboard.tables``).

``refresh(session, now=…)`` rebuilds this week and last of ``dash_week`` (what check-ins,
orders, plans and approvals change), the ``dash_customer`` rows of customers whose orders
or record changed since the last refresh, ``dash_segment`` (customer counts and
zombies, as of ``now``) and ``dash_month`` for last, this and next month (payments and
forecasts); the scheduler queues it every
``REFRESH_EVERY`` (so the page is at most that old, and says so). ``refresh(…,
all_weeks=True)`` rebuilds everything; the scheduler queues it every ``FULL_EVERY`` (it
catches back-dated or deleted rows), and ``zhongshu dashboard refresh --all`` runs it by
hand after importing history. Rebuilding a week is a DELETE + INSERT of its rows in one
transaction, so readers never see a half-built week.

Money follows the finance report's definitions (``analytics.collections``: which contracts
count as approved, days between signing and approval, forecast F and actual A).
Visit completeness is ``models.visits.plan.visit_is_complete`` itself, evaluated in Python over
the window's visits (its question check is not expressible in SQL); everything else is
grouped in SQL. Rows are keyed by the *customer's* owner, region and grade: reps check in
only at their own customers, so the customer's owner is the visiting rep."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import (
    Date,
    and_,
    case,
    cast,
    delete,
    distinct,
    exists,
    func,
    insert,
    literal,
    or_,
    union,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from analytics import collections
from models.contracts.contract import RECEIVABLE_STATUSES, CollectionForecast, Contract, Payment
from models.customers.customer import Customer
from models.customers.orders import SalesOrder
from models.dashboard.tables import (
    WEEK_COUNTS,
    DashCustomer,
    DashMonth,
    DashSegment,
    DashState,
    DashWeek,
)
from models.rules import rule as rules
from models.visits import evidence as ev
from models.visits.plan import VisitPlan, VisitPlanItem, visit_is_complete, week_bounds, week_of
from models.visits.visit import Visit, VisitFlag
from zhongshu import clock

RECENT_WEEKS = 2  # this week and last: what live check-ins and orders change
REFRESH_EVERY = timedelta(minutes=5)
FULL_EVERY = timedelta(hours=24)
CHANGE_MARGIN = timedelta(minutes=10)  # overlap between incremental refreshes
WEEK_STATE = "dash_week"
CUSTOMER_STATE = "dash_customer"
MONTH_STATE = "dash_month"
Key = tuple[date, str | None, str | None, str | None]
MONEY = ("receivable", "collected", "forecast", "forecast_actual")
SEGMENT = (col(Customer.owner), col(Customer.region), col(Customer.grade))


def week_expr(session: Session, column: Any, tz: tzinfo) -> Any:
    """The business-week Monday of a timestamp column, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        name = getattr(tz, "key", "UTC")
        return cast(func.date_trunc("week", func.timezone(name, column)), Date)
    # SQLite stores UTC text; the business zone (Asia/Shanghai) has had no DST since 1991,
    # so a fixed offset is exact for the data this product holds.
    offset = tz.utcoffset(datetime.now(UTC)) or timedelta(0)
    hours = int(offset.total_seconds() // 3600)
    return func.date(column, f"{hours:+d} hours", "weekday 0", "-6 days")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _rows() -> dict[Key, dict[str, Any]]:
    return defaultdict(lambda: dict.fromkeys(WEEK_COUNTS, 0))


@functools.lru_cache(maxsize=65536)
def _complete(grade: str | None, pains: tuple[str, ...], question: str | None,
              action: str | None, has_photo: bool) -> bool:
    """``models.visits.plan.visit_is_complete`` on a visit's plain values (no ORM object per row;
    cached, since many visits share their answers)."""
    probe = Visit(rep="", customer_id=0, at=datetime.now(UTC), grade=grade,
                  pain_points=list(pains), question=question, next_action=action,
                  photo_path="x" if has_photo else None)
    return visit_is_complete(probe)


def _visits(session: Session, start: datetime, tz: tzinfo, rows: dict[Key, dict[str, Any]],
            progress: Callable[[str], None] | None) -> None:
    suspect = exists().where(col(VisitFlag.visit_id) == col(Visit.id),
                             col(VisitFlag.code).in_(sorted(ev.FRAUD_CODES)))
    # sqlalchemy's select: sqlmodel's is typed for at most 4 entities.
    stmt = (sa.select(col(Visit.at), col(Visit.grade), col(Visit.pain_points),
                      col(Visit.question), col(Visit.next_action), col(Visit.photo_path),
                      col(Visit.photo_error), col(Visit.compliant), suspect, *SEGMENT)
            .join(Customer, col(Customer.id) == col(Visit.customer_id))
            .where(col(Visit.at) >= start)
            .execution_options(yield_per=20000))
    for done, (at, grade, pains, question, action, photo, photo_error, compliant, suspicious,
               owner, region, cgrade) in enumerate(session.execute(stmt), 1):
        row = rows[(week_of(at.astimezone(tz).date()), owner, region, cgrade)]
        row["visits"] += 1
        row["complete_visits"] += _complete(grade, tuple(pains or ()), question, action,
                                            bool(photo or photo_error))
        if compliant is not None:
            row["evaluated_visits"] += 1
            row["flagged_visits"] += not compliant
            row["suspect_visits"] += bool(suspicious) and not compliant
        if progress and done % 200000 == 0:
            progress(f"visits {done:,}")


def _orders(session: Session, start: datetime, tz: tzinfo,
            rows: dict[Key, dict[str, Any]]) -> None:
    earlier = aliased(SalesOrder)
    repeat = exists().where(col(earlier.customer_id) == col(SalesOrder.customer_id),
                            col(earlier.ordered_at) < col(SalesOrder.ordered_at))
    is_repeat = case((repeat, 1), else_=0)
    week = week_expr(session, SalesOrder.ordered_at, tz)
    inner = (sa.select(week.label("week"), col(SalesOrder.customer_id), col(SalesOrder.amount),
                       is_repeat.label("rep"), *SEGMENT)
             .join(Customer, col(Customer.id) == col(SalesOrder.customer_id))
             .where(col(SalesOrder.ordered_at) >= start).subquery())
    stmt = sa.select(inner.c.week, inner.c.owner, inner.c.region, inner.c.grade,
                     func.count(), func.sum(inner.c.amount), func.sum(inner.c.rep),
                     func.sum(case((inner.c.rep == 1, inner.c.amount), else_=0)),
                     func.count(distinct(inner.c.customer_id)),
                     func.count(distinct(case((inner.c.rep == 1, inner.c.customer_id)))),
                     ).group_by(inner.c.week, inner.c.owner, inner.c.region, inner.c.grade)
    for wk, owner, region, grade, n, amount, reps, rep_amount, custs, rep_custs in \
            session.execute(stmt):
        row = rows[(_as_date(wk), owner, region, grade)]
        row.update(orders=n, order_amount=Decimal(amount or 0), repeat_orders=int(reps or 0),
                   repeat_amount=Decimal(rep_amount or 0), ordering_customers=custs,
                   repeat_customers=rep_custs)


def _plans(session: Session, since: date, tz: tzinfo, rows: dict[Key, dict[str, Any]]) -> None:
    items = (sa.select(col(VisitPlan.week), col(VisitPlan.rep), col(VisitPlanItem.customer_id),
                       *SEGMENT)
             .join(VisitPlanItem, col(VisitPlanItem.plan_id) == col(VisitPlan.id))
             .join(Customer, col(Customer.id) == col(VisitPlanItem.customer_id))
             .where(col(VisitPlan.week) >= since))
    found = session.execute(items).all()
    if not found:
        return
    start, _ = week_bounds(since, tz)
    # (rep, customer, week) of countable visits since the first planned week.
    visited = {(rep, cid, week_of(at.astimezone(tz).date())) for rep, cid, at in session.exec(
        select(Visit.rep, Visit.customer_id, Visit.at)
        .where(col(Visit.compliant).is_(True), col(Visit.at) >= start))}
    for wk, rep, cid, owner, region, grade in found:
        row = rows[(_as_date(wk), owner, region, grade)]
        row["planned"] += 1
        row["covered"] += (rep, cid, _as_date(wk)) in visited


def _new_customers(session: Session, start: datetime, tz: tzinfo,
                   rows: dict[Key, dict[str, Any]]) -> None:
    week = week_expr(session, Customer.created_at, tz)
    stmt = (sa.select(week, *SEGMENT, func.count())
            .where(col(Customer.created_at) >= start)
            .group_by(week, *SEGMENT))
    for wk, owner, region, grade, n in session.execute(stmt):
        rows[(_as_date(wk), owner, region, grade)]["new_customers"] = n


def _approvals(session: Session, start: datetime, tz: tzinfo,
               rows: dict[Key, dict[str, Any]]) -> None:
    week = week_expr(session, Contract.reviewed_at, tz)
    stmt = (sa.select(week, *SEGMENT, func.count(), func.sum(collections.days_between(session)))
            .join(Customer, col(Customer.id) == col(Contract.customer_id))
            .where(collections.approved(), col(Contract.reviewed_at) >= start)
            .group_by(week, *SEGMENT))
    for wk, owner, region, grade, n, days in session.execute(stmt):
        row = rows[(_as_date(wk), owner, region, grade)]
        row.update(approvals=n, approval_days=float(days or 0))


def _week_key(item: tuple[Key, Any]) -> tuple[date, str, str, str]:
    (wk, owner, region, grade), _ = item
    return wk, owner or "", region or "", grade or ""


def _stamp(session: Session, name: str, now: datetime, count: int) -> None:
    state = session.get(DashState, name)
    if state is None:
        session.add(DashState(name=name, refreshed_at=now, rows=count))
    else:
        state.refreshed_at, state.rows = now, count
        session.add(state)


def refresh_weeks(session: Session, *, since: date, tz: tzinfo, now: datetime,
                  progress: Callable[[str], None] | None = None) -> int:
    """Rebuild ``dash_week`` from the week of ``since`` on; returns the rows written."""
    since = week_of(since)
    start, _ = week_bounds(since, tz)
    rows = _rows()
    _visits(session, start, tz, rows, progress)
    _orders(session, start, tz, rows)
    _plans(session, since, tz, rows)
    _new_customers(session, start, tz, rows)
    _approvals(session, start, tz, rows)
    session.exec(delete(DashWeek).where(col(DashWeek.week) >= since))
    # Written week by week, so a week's rows share pages: the 12-week trend of a whole
    # company then reads a few hundred pages instead of one per row.
    values = [{"week": wk, "owner": owner, "region": region, "grade": grade, **counts}
              for (wk, owner, region, grade), counts in sorted(rows.items(), key=_week_key)
              if wk >= since]
    for chunk in range(0, len(values), 5000):
        session.execute(insert(DashWeek), values[chunk:chunk + 5000])
    _stamp(session, WEEK_STATE, now, len(values))
    if progress:
        progress(f"dash_week: {len(values):,} rows from {since}")
    return len(values)


def refresh_customers(session: Session, *, now: datetime, incremental: bool = False) -> int:
    """Rebuild ``dash_customer`` (one set-based INSERT … SELECT): all of it, or with
    ``incremental`` only the customers with an order written (created, re-imported) or
    a customer record changed since the last refresh — a handful every five minutes,
    whatever the size of the base; deleted orders wait for the daily full refresh."""
    touched: Any = None
    state = session.get(DashState, CUSTOMER_STATE)
    if incremental and state is not None:
        changed_since = state.refreshed_at - CHANGE_MARGIN
        touched = union(
            select(SalesOrder.customer_id).where(col(SalesOrder.updated_at) >= changed_since),
            select(Customer.id).where(col(Customer.updated_at) >= changed_since))
        ids = [row[0] for row in session.execute(touched)]
        for chunk in range(0, len(ids), 5000):
            part = ids[chunk:chunk + 5000]
            session.exec(delete(DashCustomer)
                         .where(col(DashCustomer.customer_id).in_(part)))
            _insert_customers(session, part)
    else:
        session.exec(delete(DashCustomer))
        _insert_customers(session, None)
    refresh_segments(session, now=now)
    count = session.exec(select(func.count()).select_from(DashCustomer)).one()
    _stamp(session, CUSTOMER_STATE, now, int(count))
    return int(count)


def zombie_days(session: Session) -> int:
    """No order for this many days makes a customer a zombie (the ``customer_zombie``
    rule's threshold, 90 unless an admin changed it)."""
    return int(rules.get_rule(session, rules.ZOMBIE).threshold["days"])


def refresh_segments(session: Session, *, now: datetime) -> int:
    """Recount ``dash_segment``: every customer per (owner, region, grade), the buying and
    repurchasing ones (``dash_customer``) and the zombies as of ``now`` — one group-by.
    Zombie means no order for the zombie rule's days (the message center's setting, so the
    dashboard and the reminders agree)."""
    session.exec(delete(DashSegment))
    cutoff = now - timedelta(days=zombie_days(session))
    aged = col(Customer.created_at) <= cutoff
    zombie = and_(aged, or_(col(Customer.last_order_at).is_(None),
                            col(Customer.last_order_at) < cutoff))
    source = (sa.select(*SEGMENT, func.count(col(DashCustomer.customer_id)),
                        func.coalesce(func.sum(case((col(DashCustomer.order_count) >= 2, 1),
                                                    else_=0)), 0),
                        func.count(), func.sum(case((aged, 1), else_=0)),
                        func.sum(case((zombie, 1), else_=0)))
              .select_from(Customer)
              .outerjoin(DashCustomer, col(DashCustomer.customer_id) == col(Customer.id))
              .group_by(*SEGMENT))
    # exec, not execute: an INSERT is typed to give a CursorResult (its rowcount).
    result = session.exec(insert(DashSegment).from_select(
        ["owner", "region", "grade", "buying", "repurchasing", "customers", "aged", "zombies"],
        source))
    return int(result.rowcount or 0)


def refresh_months(session: Session, months: list[date], *, tz: tzinfo, now: datetime) -> int:
    """Rebuild ``dash_month`` for ``months`` (first days, ascending)."""
    out: dict[Key, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(MONEY, Decimal(0)))
    for first in months:
        _collections(session, first, tz, out)
    found = collections.forecast_and_actual(session, lambda _c: literal(True), months,
                                            by=SEGMENT)
    by_label = {m.strftime("%Y-%m"): m for m in months}
    for (label, owner, region, grade), (forecast, actual) in found.items():
        if label in by_label:
            row = out[(by_label[label], owner, region, grade)]
            row.update(forecast=forecast, forecast_actual=actual)
    session.exec(delete(DashMonth)
                 .where(col(DashMonth.month).in_(months)))
    values = [{"month": m, "owner": owner, "region": region, "grade": grade, **money}
              for (m, owner, region, grade), money in out.items()]
    for chunk in range(0, len(values), 5000):
        session.execute(insert(DashMonth), values[chunk:chunk + 5000])
    _stamp(session, MONTH_STATE, now, len(values))
    return len(values)


def _collections(session: Session, first: date, tz: tzinfo,
                 out: dict[Key, dict[str, Decimal]]) -> None:
    """Receivable and collected of the month starting ``first``, per segment."""
    nxt = collections.next_month(first)
    receivable = and_(col(Contract.status).in_(RECEIVABLE_STATUSES),
                      col(Contract.reviewed_at) < collections.local_midnight(nxt, tz))
    amounts = (select(*SEGMENT, func.sum(col(Contract.amount)))
               .join(Customer, col(Customer.id) == col(Contract.customer_id))
               .where(receivable).group_by(*SEGMENT))
    for owner, region, grade, amount in session.exec(amounts):
        out[(first, owner, region, grade)]["receivable"] += Decimal(amount or 0)
    before = func.sum(case((col(Payment.paid_on) < first, col(Payment.amount)), else_=0))
    during = func.sum(case((col(Payment.paid_on) >= first, col(Payment.amount)), else_=0))
    paid = (sa.select(*SEGMENT, before, during)
            .join(Contract, col(Contract.id) == col(Payment.contract_id))
            .join(Customer, col(Customer.id) == col(Contract.customer_id))
            .where(receivable, col(Payment.paid_on) < nxt).group_by(*SEGMENT))
    for owner, region, grade, paid_before, paid_during in \
            session.execute(paid):
        row = out[(first, owner, region, grade)]
        row["receivable"] -= Decimal(paid_before or 0)
        row["collected"] += Decimal(paid_during or 0)


def _months_between(first: date, last: date) -> list[date]:
    months, month = [], collections.month_start(first)
    while month <= last:
        months.append(month)
        month = collections.next_month(month)
    return months


def _insert_customers(session: Session, ids: list[int] | None) -> None:
    # sa.label: the stubs type Mapped.label() as Label[Never], so select() could not be inferred.
    orders = sa.select(sa.label("cid", col(SalesOrder.customer_id)), func.count().label("n"),
                       func.sum(col(SalesOrder.amount)).label("amount"),
                       func.min(col(SalesOrder.ordered_at)).label("first"),
                       func.max(col(SalesOrder.ordered_at)).label("last"))
    if ids is not None:
        orders = orders.where(col(SalesOrder.customer_id).in_(ids))
    agg = orders.group_by(col(SalesOrder.customer_id)).subquery()
    source = (sa.select(col(Customer.id), *SEGMENT, col(Customer.created_at),
                        agg.c.n, agg.c.amount, agg.c.first, agg.c.last)
              .join(agg, and_(agg.c.cid == col(Customer.id), literal(True))))
    session.execute(insert(DashCustomer).from_select(
        ["customer_id", "owner", "region", "grade", "created_at", "order_count",
         "order_amount", "first_order_at", "last_order_at"], source))


def refresh(session: Session, *, now: datetime, tz: tzinfo, all_weeks: bool = False,
            progress: Callable[[str], None] | None = None) -> dict[str, int]:
    this_month = collections.month_start(now.astimezone(tz).date())
    if all_weeks:
        first = session.exec(select(func.min(Visit.at))).one()
        first_order = session.exec(select(func.min(SalesOrder.ordered_at))).one()
        first_customer = session.exec(select(func.min(Customer.created_at))).one()
        first_review = session.exec(select(func.min(Contract.reviewed_at))).one()
        candidates = [t for t in (first, first_order, first_customer, first_review)
                      if t is not None]
        since = min(candidates).astimezone(tz).date() if candidates else now.date()
        weeks = refresh_weeks(session, since=since, tz=tz, now=now, progress=progress)
        customers = refresh_customers(session, now=now)
        # NULL (None) when there is no forecast at all.
        last_forecast: date | None = session.exec(
            select(func.max(CollectionForecast.expected_on))).one()
        last = max(collections.next_month(this_month),
                   last_forecast if last_forecast is not None else this_month)
        months = refresh_months(session, _months_between(since, last), tz=tz, now=now)
        return {"weeks": weeks, "customers": customers, "months": months}
    since = week_of(now.astimezone(tz).date()) - timedelta(weeks=RECENT_WEEKS - 1)
    weeks = refresh_weeks(session, since=since, tz=tz, now=now, progress=progress)
    customers = refresh_customers(session, now=now, incremental=True)
    recent = _months_between(this_month - timedelta(days=1),
                             collections.next_month(this_month))
    months = refresh_months(session, recent, tz=tz, now=now)
    return {"weeks": weeks, "customers": customers, "months": months}


def refreshed_at(session: Session) -> datetime | None:
    state = session.get(DashState, WEEK_STATE)
    return state.refreshed_at if state else None


REFRESHED = "数据更新于 {at}（近两周每 {minutes} 分钟刷新，更早的每天刷新）"
NEVER_REFRESHED = "统计数据尚未生成，稍后再看"


def freshness(db: Session) -> str:
    """When the figures were last refreshed, as the dashboard and the 健康度 card say it."""
    at = refreshed_at(db)
    if at is None:
        return NEVER_REFRESHED
    tz = clock.business_tz()
    minutes = int(REFRESH_EVERY.total_seconds() // 60)
    return REFRESHED.format(at=at.astimezone(tz).strftime("%m-%d %H:%M"), minutes=minutes)
