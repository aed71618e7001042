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

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from analytics.metrics import (
    Selection,
    approval_days,
    bounds,
    contract_clause,
    period_sums,
    ratio,
)
from models.contract import RETURNED, CollectionForecast, Contract, Payment
from models.plan import week_of

REVIEW_SLA = timedelta(hours=72)


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    chores_share: float | None
    completeness: float | None
    approval_days: float | None
    forecast_accuracy: float | None


def period(session: Session, sel: Selection, first: date, last: date, tz: tzinfo) -> Period:
    sums = period_sums(session, sel, week_of(first), week_of(last))
    start, end = bounds(first, last, tz)
    scoped = contract_clause(session, sel, Contract.id)
    signed = session.exec(select(func.count()).select_from(Contract).where(
        scoped, col(Contract.signed_at) >= start, col(Contract.signed_at) < end)).one()
    signed_rows = session.exec(select(Contract.status, Contract.risk_at, Contract.signed_at,
                                      Contract.reviewed_at).where(
        scoped, col(Contract.signed_at) >= start, col(Contract.signed_at) < end)).all()
    exceptions = sum(1 for status, risk, s, r in signed_rows
                     if status == RETURNED or risk is not None
                     or (s is not None and r is not None and r - s > REVIEW_SLA))
    chores = ratio(int(sums["flagged_visits"]) + exceptions,
                   int(sums["evaluated_visits"]) + int(signed))
    in_range = and_(col(CollectionForecast.expected_on) >= first,
                    col(CollectionForecast.expected_on) <= last)
    forecast = Decimal(session.exec(select(func.coalesce(func.sum(CollectionForecast.amount), 0))
                                    .where(in_range, col(CollectionForecast.contract_id).in_(
                                        select(Contract.id).where(scoped)))).one())
    forecast_ids = select(CollectionForecast.contract_id).where(
        in_range, col(CollectionForecast.contract_id).in_(select(Contract.id).where(scoped)))
    actual = Decimal(session.exec(select(func.coalesce(func.sum(Payment.amount), 0)).where(
        col(Payment.contract_id).in_(forecast_ids), col(Payment.paid_on) >= first,
        col(Payment.paid_on) <= last)).one())
    accuracy = (max(0.0, 1 - float(abs(actual - forecast) / forecast)) if forecast else None)
    return Period(first, last, chores, sums.compliance,
                  approval_days(session, sel, start, end), accuracy)

