"""Drill-down (C10): region → grade → repurchasing customers → one customer.

A repurchasing customer (复购客户) has at least two orders. Every level comes with the
weekly trend of the last 12 weeks for what is on screen: order amount, repeat-order
amount (orders of a customer who had ordered before) and customers with a repeat order.
Levels read the roll-ups (``models.dashboard``) except the last, which reads the
customer's own orders and lines live. Everything is inside ``metrics.Selection``; a
region or customer outside it reads as "not found" (None)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from analytics.metrics import TREND_WEEKS, Selection, WeekSums, week_trend
from models.customer import GRADES, Customer
from models.dashboard import DashCustomer, DashSegment, DashWeek
from models.order import OrderLine, SalesOrder
from models.plan import week_of
from models.regions import REGIONS

REPURCHASE_MIN_ORDERS = 2
CUSTOMER_LIST_LIMIT = 200
NO_REGION = "未划区"
NO_GRADE = "未分级"


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


def _buckets(session: Session, sel: Selection, column: str, last_week: date,
             where: list[Any]) -> dict[str | None, tuple[int, int, Decimal]]:
    dim_c = getattr(DashSegment, column)
    counts = session.exec(
        select(dim_c, func.sum(DashSegment.buying), func.sum(DashSegment.repurchasing))
        .where(sel.rollup_filter(DashSegment), *[w(DashSegment) for w in where])
        .group_by(dim_c)).all()
    dim_w = getattr(DashWeek, column)
    amounts = dict(session.exec(
        select(dim_w, func.coalesce(func.sum(DashWeek.order_amount), 0))
        .where(sel.week_filter(), col(DashWeek.week) >= _window(last_week),
               col(DashWeek.week) <= last_week, *[w(DashWeek) for w in where])
        .group_by(dim_w)).all())
    keys = {k for k, *_ in counts} | set(amounts)
    found = {k: (int(n or 0), int(r or 0)) for k, n, r in counts}
    return {k: (*found.get(k, (0, 0)), Decimal(amounts.get(k, 0))) for k in keys}


def _region_is_visible(session: Session, sel: Selection, region: str) -> bool:
    """The selection sees a customer of the region (``dash_segment`` counts every one)."""
    if region not in REGIONS:
        return False
    stmt = select(DashSegment.id).where(sel.rollup_filter(DashSegment),
                                        DashSegment.region == region)
    return session.exec(stmt.limit(1)).first() is not None


def regions(session: Session, sel: Selection, last_week: date) -> Level:
    found = _buckets(session, sel, "region", last_week, [])
    buckets = [Bucket(r, r, *found[r]) for r in REGIONS if r in found]
    trend = _trend(week_trend(session, sel, week_of(last_week)))
    return Level("区域", buckets, trend)


def grades(session: Session, sel: Selection, region: str, last_week: date) -> Level | None:
    if not _region_is_visible(session, sel, region):
        return None
    where = [lambda t: t.region == region]
    found = _buckets(session, sel, "grade", last_week, where)
    buckets = [Bucket(g, f"{g} 级", *found[g]) for g in GRADES if g in found]
    if None in found:
        buckets.append(Bucket("-", NO_GRADE, *found[None]))
    trend = _trend(week_trend(session, sel, week_of(last_week),
                              extra=DashWeek.region == region))
    return Level(region, buckets, trend)


@dataclass(frozen=True)
class RepurchaseRow:
    customer_id: int
    name: str
    orders: int
    amount: Decimal
    last_order_at: datetime | None

    def as_json(self, tz: tzinfo) -> dict[str, Any]:
        last = self.last_order_at.astimezone(tz).strftime("%Y-%m-%d") if self.last_order_at \
            else None
        return {"id": self.customer_id, "name": self.name, "orders": self.orders,
                "amount": str(self.amount), "last_order": last}


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
    if grade not in (*GRADES, "-") or not _region_is_visible(session, sel, region):
        return None
    where = and_(sel.customer_filter(), DashCustomer.region == region,
                 _grade_clause(DashCustomer, grade),
                 col(DashCustomer.order_count) >= REPURCHASE_MIN_ORDERS)
    total = session.exec(select(func.coalesce(func.sum(DashSegment.repurchasing), 0)).where(
        sel.rollup_filter(DashSegment), DashSegment.region == region,
        _grade_clause(DashSegment, grade))).one()
    rows = session.exec(
        select(DashCustomer.customer_id, Customer.name, DashCustomer.order_count,
               DashCustomer.order_amount, DashCustomer.last_order_at)
        .join(Customer, col(Customer.id) == col(DashCustomer.customer_id))
        .where(where)
        .order_by(col(DashCustomer.order_amount).desc(), col(DashCustomer.customer_id).desc())
        .limit(CUSTOMER_LIST_LIMIT)).all()
    trend = _trend(week_trend(session, sel, week_of(last_week),
                              extra=and_(DashWeek.region == region,
                                         _grade_clause(DashWeek, grade))))
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
    orders = session.exec(select(SalesOrder.id, SalesOrder.order_no, SalesOrder.ordered_at,
                                 SalesOrder.amount)
                          .where(SalesOrder.customer_id == customer_id)
                          .order_by(col(SalesOrder.ordered_at).desc(),
                                    col(SalesOrder.id).desc())).all()
    models: dict[int, list[str]] = defaultdict(list)
    ids = [order_id for order_id, *_ in orders]
    if ids:
        for order_id, model in session.exec(
                select(OrderLine.order_id, OrderLine.product_model)
                .where(col(OrderLine.order_id).in_(ids)).order_by(col(OrderLine.id))):
            if model and model not in models[order_id]:
                models[order_id].append(model)
    purchases = [Purchase(oid, no, at, amount, models[oid]) for oid, no, at, amount in orders]
    first = _window(week_of(last_week))
    weeks = [first + timedelta(weeks=n) for n in range(TREND_WEEKS)]
    amount: dict[date, float] = defaultdict(float)
    repeat: dict[date, float] = defaultdict(float)
    chronological = sorted(purchases, key=lambda p: (p.at, p.order_id))
    for n, p in enumerate(chronological):
        wk = week_of(p.at.astimezone(tz).date())
        amount[wk] += float(p.amount)
        if n and p.at > chronological[0].at:
            repeat[wk] += float(p.amount)
    trend = Trend([w.isoformat() for w in weeks], [amount[w] for w in weeks],
                  [repeat[w] for w in weeks], [1 if repeat[w] else 0 for w in weeks])
    return CustomerRepurchases(customer_id, name, region, grade, purchases, trend)
