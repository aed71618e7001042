"""Drill-down (C10): region → grade → repurchasing customers → one customer.

A repurchasing customer (复购客户) has at least two orders. Every level comes with the
weekly trend of the last 12 weeks for what is on screen: order amount, repeat-order
amount (orders of a customer who had ordered before) and customers with a repeat order.
Levels read the roll-ups (``models.dashboard.tables``) except the last, which reads the
customer's own orders and lines live. Everything is inside ``metrics.Selection``; a
region or customer outside it reads as "not found" (None)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from analytics.metrics import SUMS, TREND_WEEKS, Selection, WeekSums, week_trend
from lib.regions import REGIONS
from models.config import glossary
from models.customers.customer import GRADES, Customer
from models.customers.orders import OrderLine, SalesOrder
from models.dashboard.tables import DashCustomer, DashSegment, DashWeek
from models.visits.plan import week_of

REPURCHASE_MIN_ORDERS = 2
CUSTOMER_LIST_LIMIT = 200
NO_REGION = "未划区"
NO_GRADE = glossary.NO_GRADE


@dataclass(frozen=True)
class Trend:
    weeks: list[str]
    amount: list[float]
    repeat_amount: list[float]
    repeat_customers: list[int]

    def as_json(self) -> dict[str, Any]:
        return {"weeks": self.weeks, "amount": self.amount, "repeat_amount": self.repeat_amount,
                "repeat_customers": self.repeat_customers}


def _trend(rows: list[WeekSums]) -> Trend:
    return Trend([r.week.isoformat() for r in rows if r.week],
                 [float(r["order_amount"]) for r in rows],
                 [float(r["repeat_amount"]) for r in rows],
                 [int(r["repeat_customers"]) for r in rows])


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    buying_customers: int  # customers with at least one order, ever
    repurchasing: int  # customers with at least two orders, ever
    amount: Decimal  # order amount of the trend window

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "buying": self.buying_customers,
                "repurchasing": self.repurchasing, "amount": str(self.amount)}


@dataclass(frozen=True)
class Level:
    title: str
    buckets: list[Bucket]
    trend: Trend

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "rows": [b.as_json() for b in self.buckets],
                "trend": self.trend.as_json()}


def _window(last_week: date) -> date:
    return last_week - timedelta(weeks=TREND_WEEKS - 1)


TREND_SUMS = ("order_amount", "repeat_amount", "repeat_customers")
Counts = dict[str | None, tuple[int, int, Decimal]]


def _level(session: Session, sel: Selection, column: str, last_week: date,
           where: list[Any]) -> tuple[Counts, Trend]:
    """Buying and repurchasing customers (``dash_segment``) and the window's order amount
    per value of ``column``, with the trend of what is on screen: two statements (one,
    with no counts, when the selection sees no customer there)."""
    dim_c = getattr(DashSegment, column)
    counts = session.exec(
        select(dim_c, func.sum(DashSegment.buying), func.sum(DashSegment.repurchasing))
        .where(sel.rollup_filter(DashSegment), *[w(DashSegment) for w in where])
        .group_by(dim_c)).all()
    first = _window(last_week)
    if not counts:
        return {}, _trend([WeekSums(first + timedelta(weeks=n)) for n in range(TREND_WEEKS)])
    dim_w = getattr(DashWeek, column)
    # sqlalchemy's select: sqlmodel's has no overload for a variable number of entities.
    rows = session.execute(
        sa.select(col(DashWeek.week), dim_w, *[SUMS[n] for n in TREND_SUMS])
        .where(sel.week_filter(), col(DashWeek.week) >= first,
               col(DashWeek.week) <= last_week, *[w(DashWeek) for w in where])
        .group_by(col(DashWeek.week), dim_w)).all()
    amounts: dict[str | None, Decimal] = defaultdict(Decimal)
    weeks: dict[date, dict[str, Any]] = {}
    for wk, key, amount, repeat_amount, repeat_customers in rows:
        amounts[key] += Decimal(amount)
        week = weeks.setdefault(wk, dict.fromkeys(TREND_SUMS, 0))
        week["order_amount"] += amount
        week["repeat_amount"] += repeat_amount
        week["repeat_customers"] += repeat_customers
    found = {k: (int(n or 0), int(r or 0)) for k, n, r in counts}
    keys = set(found) | set(amounts)
    trend = _trend([WeekSums(first + timedelta(weeks=n), weeks.get(first + timedelta(weeks=n),
                                                                     {}))
                    for n in range(TREND_WEEKS)])
    return {k: (*found.get(k, (0, 0)), amounts.get(k, Decimal(0))) for k in keys}, trend


def regions(session: Session, sel: Selection, last_week: date) -> Level:
    found, trend = _level(session, sel, "region", week_of(last_week), [])
    buckets = [Bucket(r, r, *found[r]) for r in REGIONS if r in found]
    return Level("区域", buckets, trend)


def grades(session: Session, sel: Selection, region: str, last_week: date) -> Level | None:
    if region not in REGIONS:
        return None
    found, trend = _level(session, sel, "grade", week_of(last_week),
                          [lambda t: t.region == region])
    if not found:
        return None
    buckets = [Bucket(g, glossary.grade_label(g), *found[g]) for g in GRADES if g in found]
    if None in found:
        buckets.append(Bucket("-", NO_GRADE, *found[None]))
    return Level(region, buckets, trend)


@dataclass(frozen=True)
class RepurchaseRow:
    customer_id: int
    name: str
    orders: int
    amount: Decimal
    last_order_at: datetime | None

    def last_order_day(self, tz: tzinfo) -> str | None:
        return self.last_order_at.astimezone(tz).date().isoformat() if self.last_order_at \
            else None

    def as_json(self, tz: tzinfo) -> dict[str, Any]:
        return {"id": self.customer_id, "name": self.name, "orders": self.orders,
                "amount": str(self.amount), "last_order": self.last_order_day(tz)}


@dataclass(frozen=True)
class Repurchasers:
    region: str
    grade: str
    total: int
    rows: list[RepurchaseRow]
    trend: Trend


def _grade_clause(table: Any, grade: str) -> Any:
    column = table.grade
    return column.is_(None) if grade == "-" else column == grade


def repurchasers(session: Session, sel: Selection, region: str, grade: str,
                 last_week: date) -> Repurchasers | None:
    if grade not in (*GRADES, "-") or region not in REGIONS:
        return None
    # One statement: whether the selection sees the region at all, and the grade's total.
    segments, total = session.exec(select(
        func.count(), func.coalesce(func.sum(case((_grade_clause(DashSegment, grade),
                                                   DashSegment.repurchasing), else_=0)), 0))
        .where(sel.rollup_filter(DashSegment), DashSegment.region == region)).one()
    if not segments:
        return None
    where = and_(sel.customer_filter(), col(DashCustomer.region) == region,
                 _grade_clause(DashCustomer, grade),
                 col(DashCustomer.order_count) >= REPURCHASE_MIN_ORDERS)
    # sqlalchemy's select: sqlmodel's is typed for at most 4 entities.
    rows = session.execute(
        sa.select(col(DashCustomer.customer_id), col(Customer.name),
                  col(DashCustomer.order_count), col(DashCustomer.order_amount),
                  col(DashCustomer.last_order_at))
        .join(Customer, col(Customer.id) == col(DashCustomer.customer_id))
        .where(where)
        .order_by(col(DashCustomer.order_amount).desc(), col(DashCustomer.customer_id).desc())
        .limit(CUSTOMER_LIST_LIMIT)).all()
    trend = _trend(week_trend(session, sel, week_of(last_week),
                              extra=and_(col(DashWeek.region) == region,
                                         _grade_clause(DashWeek, grade)), names=TREND_SUMS))
    return Repurchasers(region, grade, int(total),
                        [RepurchaseRow(*r) for r in rows], trend)


@dataclass(frozen=True)
class Purchase:
    order_id: int
    order_no: str
    at: datetime
    amount: Decimal
    models: list[str]


@dataclass(frozen=True)
class CustomerRepurchases:
    customer_id: int
    name: str
    region: str | None
    grade: str | None
    purchases: list[Purchase]  # newest first
    trend: Trend

    def as_json(self, tz: tzinfo) -> dict[str, Any]:
        return {"id": self.customer_id, "name": self.name, "region": self.region,
                "grade": self.grade, "trend": self.trend.as_json(),
                "orders": [{"order_no": p.order_no,
                            "at": p.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                            "amount": str(p.amount), "models": p.models}
                           for p in self.purchases]}


def customer(session: Session, sel: Selection, customer_id: int, last_week: date,
             tz: tzinfo) -> CustomerRepurchases | None:
    """One customer's orders with product models — None unless the selection sees it."""
    # Columns, not ORM objects: this is the hot path of the last drill level.
    found = session.exec(select(Customer.name, Customer.region, Customer.grade).where(
        Customer.id == customer_id, sel.live_customer_filter())).first()
    if found is None:
        return None
    name, region, grade = found
    orders = session.exec(select(col(SalesOrder.id), col(SalesOrder.order_no),
                                 col(SalesOrder.ordered_at), col(SalesOrder.amount))
                          .where(SalesOrder.customer_id == customer_id)
                          .order_by(col(SalesOrder.ordered_at).desc(),
                                    col(SalesOrder.id).desc())).all()
    models: dict[int, list[str]] = defaultdict(list)
    if orders:
        # Joined on the customer (one statement of a fixed shape, however many orders).
        for order_id, model in session.exec(
                select(OrderLine.order_id, OrderLine.product_model)
                .join(SalesOrder, col(SalesOrder.id) == col(OrderLine.order_id))
                .where(SalesOrder.customer_id == customer_id).order_by(col(OrderLine.id))):
            if model and model not in models[order_id]:
                models[order_id].append(model)
    # (``oid is not None`` only narrows the primary key's type: a stored order has an id.)
    purchases = [Purchase(oid, no, at, amount, models[oid]) for oid, no, at, amount in orders
                 if oid is not None]
    first = _window(week_of(last_week))
    weeks = [first + timedelta(weeks=n) for n in range(TREND_WEEKS)]
    window_start = datetime.combine(first, time(0), tz)
    amount: dict[date, float] = defaultdict(float)
    repeat: dict[date, float] = defaultdict(float)
    earliest = purchases[-1].at if purchases else None
    for p in purchases:  # newest first; only the window's weeks are charted
        if p.at < window_start:
            break
        wk = week_of(p.at.astimezone(tz).date())
        amount[wk] += float(p.amount)
        if earliest is not None and p.at > earliest:  # never None here: purchases exist
            repeat[wk] += float(p.amount)
    trend = Trend([w.isoformat() for w in weeks], [amount[w] for w in weeks],
                  [repeat[w] for w in weeks], [1 if repeat[w] else 0 for w in weeks])
    return CustomerRepurchases(customer_id, name, region, grade, purchases, trend)
