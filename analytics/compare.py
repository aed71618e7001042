"""The article's before/after table, from the product's own data, for two date ranges.

| row | definition |
|---|---|
| management time on chores (proxy) | exceptions a manager handles by hand / process items: (flagged visits + contracts returned by finance + risk contracts + contracts reviewed more than 72 h after signing) / (evaluated visits + contracts signed), in the range. The article measures hours; the product cannot see a director's calendar, so it counts the hand-handled exceptions that ate those hours. |
| process data completeness | visits with record, need and next action filled / visits |
| contract approval days | mean days signed → reviewed, contracts reviewed in the range |
| collection-forecast accuracy | F = forecasts expected in the range, A = payments in the range on those contracts; max(0, 1 − abs(A − F) / F) |

Visit figures come from the weekly roll-up, so a range is taken as the whole business
weeks it touches (Monday of the first day to Sunday of the last)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, true
from sqlmodel import Session, col, select

from analytics import collections
from analytics.collections import MonthAccuracy
from analytics.metrics import Selection, bounds, period_sums, ratio
from models.contracts.contract import RETURNED, CollectionForecast, Contract, Payment
from models.customers.customer import Customer
from models.visits.plan import week_of

REVIEW_SLA = timedelta(hours=72)


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    chores_share: float | None
    completeness: float | None
    approval_days: float | None
    forecast_accuracy: float | None


def _scoped(sel: Selection) -> Any:
    """Contracts of the customers the selection sees (no filter for the whole company)."""
    if sel.sees_all:
        return true()
    return col(Contract.customer_id).in_(select(Customer.id).where(sel.live_customer_filter()))


def period(session: Session, sel: Selection, first: date, last: date, tz: tzinfo) -> Period:
    """One column of the table; every figure is one aggregate statement."""
    sums = period_sums(session, sel, week_of(first), week_of(last))
    start, end = bounds(first, last, tz)
    scoped = _scoped(sel)
    days = collections.days_between(session)
    late = and_(col(Contract.reviewed_at).is_not(None), days > REVIEW_SLA.total_seconds() / 86400)
    exception = or_(col(Contract.status) == RETURNED, col(Contract.risk_at).is_not(None), late)
    signed, exceptions = session.exec(select(
        func.count(), func.coalesce(func.sum(case((exception, 1), else_=0)), 0))
        .where(scoped, col(Contract.signed_at) >= start, col(Contract.signed_at) < end)).one()
    chores = ratio(int(sums["flagged_visits"]) + int(exceptions),
                   int(sums["evaluated_visits"]) + int(signed))
    approval = session.exec(select(func.avg(days)).where(
        collections.approved(), scoped, col(Contract.reviewed_at) >= start,
        col(Contract.reviewed_at) < end)).one()
    in_range = and_(col(CollectionForecast.expected_on) >= first,
                    col(CollectionForecast.expected_on) <= last,
                    col(CollectionForecast.contract_id).in_(select(Contract.id).where(scoped)))
    forecast = session.exec(select(func.coalesce(
        func.sum(CollectionForecast.amount), 0)).where(in_range)).one()
    promised = select(CollectionForecast.contract_id).where(in_range)
    actual = session.exec(select(
        func.coalesce(func.sum(Payment.amount), 0)).where(
        col(Payment.contract_id).in_(promised), col(Payment.paid_on) >= first,
        col(Payment.paid_on) <= last)).one()
    accuracy = MonthAccuracy(first, Decimal(forecast), Decimal(actual)).accuracy
    return Period(first, last, chores, sums.compliance,
                  None if approval is None else round(float(approval), 2), accuracy)
