"""Collection reports (C6) as set-based SQL: the aging of receivables per rep, forecast
accuracy per month and the approval time of contracts. Every query is grouped in the
database and restricted by models.customers.scope.contract_filter, so the H5 pages and a future
dashboard read the same few rows whatever the number of contracts.

Definitions
- **Outstanding** of a contract: ``amount − collected_amount`` for approved and partly
  collected contracts (a receivable finance accepted).
- **Aging buckets**: calendar days, in the business time zone, from the review day
  (``reviewed_at``; an imported contract without a review time ages from ``signed_at``)
  to today: 0–30, 31–60, 61–90, 90+. Month boundaries are computed in Python and the
  buckets are ``CASE`` over plain comparisons, so SQLite and PostgreSQL agree.
- **Forecast accuracy** of month M: F = the forecasts whose expected date falls in M;
  A = the payments received in M on the contracts that have such a forecast.
  ``accuracy = max(0, 1 − |A − F| / F)``: 100 % when exactly the forecast amount arrived,
  0 % when nothing (or double or more) arrived; undefined (None) without forecasts.
  Money arriving a month early counts in the month it arrived, i.e. against M's miss.
- **Approval time**: from ``signed_at`` (the latest signing) to ``reviewed_at`` (finance's
  approval) of approved contracts, grouped by the month of approval; in calendar days
  (averaged by the database) and in working days: the elapsed time counting only the
  hours that fall on Chinese working days (chinese_calendar: public holidays off, make-up
  Saturdays on), divided by 24 — signed Friday 17:00, approved Monday 10:00 is 2.7 days
  but 0.7 working days."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import and_, case, func, literal
from sqlmodel import Session, col, select

from lib.workdays import is_workday
from models.base import as_utc, utcnow
from models.contracts.contract import (
    APPROVED,
    PARTLY_COLLECTED,
    RECEIVABLE_STATUSES,
    CollectionForecast,
    Contract,
    Payment,
)
from models.customers.customer import Customer
from models.customers.scope import contract_filter
from models.org.user import User
from zhongshu import clock

BUCKETS = ("0-30", "31-60", "61-90", "90+")
ZERO = Decimal("0.00")


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The start of ``day`` in the business time zone, as UTC (what the columns hold)."""
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def last_months(count: int, *, today: date) -> list[date]:
    """The first days of the ``count`` months ending with ``today``'s, oldest first."""
    months = [month_start(today)]
    while len(months) < count:
        months.insert(0, month_start(months[0] - timedelta(days=1)))
    return months


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


# -- aging ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AgingRow:
    owner: str
    name: str
    buckets: tuple[Decimal, Decimal, Decimal, Decimal]  # 0–30, 31–60, 61–90, 90+
    contracts: int

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO)


def aging(session: Session, user: User, *, now: datetime | None = None) -> list[AgingRow]:
    """Outstanding receivables per rep in the four buckets, biggest total first."""
    tz = clock.business_tz()
    today = (now or utcnow()).astimezone(tz).date()
    c30, c60, c90 = (local_midnight(today - timedelta(days=n), tz) for n in (30, 60, 90))
    since = func.coalesce(col(Contract.reviewed_at), col(Contract.signed_at))
    owed = col(Contract.amount) - col(Contract.collected_amount)

    def bucket(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, owed), else_=literal(0))), 0)

    # sqlalchemy's select: sqlmodel's is typed for at most 4 entities.
    stmt = (sa.select(col(Contract.owner),
                      bucket(since >= c30),
                      bucket(and_(since < c30, since >= c60)),
                      bucket(and_(since < c60, since >= c90)),
                      bucket(since < c90),
                      func.count())
            .where(col(Contract.status).in_((APPROVED, PARTLY_COLLECTED)),
                   since.is_not(None), contract_filter(user))
            .group_by(col(Contract.owner)))
    rows = session.execute(stmt).all()
    names = _names(session, [r[0] for r in rows])
    out = [AgingRow(owner, names.get(owner, owner),
                    (_money(a), _money(b), _money(c), _money(d)), int(n))
           for owner, a, b, c, d, n in rows]
    return sorted(out, key=lambda r: (-r.total, r.owner))


def aging_totals(rows: list[AgingRow]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    a, b, c, d = (sum((r.buckets[i] for r in rows), ZERO) for i in range(4))
    return a, b, c, d


def _names(session: Session, userids: list[str]) -> dict[str, str]:
    if not userids:
        return {}
    return dict(session.exec(select(User.wecom_userid, User.name)
                             .where(col(User.wecom_userid).in_(sorted(set(userids))))).all())


# -- forecast accuracy -------------------------------------------------------------------------
@dataclass(frozen=True)
class MonthAccuracy:
    month: date
    forecast: Decimal
    actual: Decimal

    @property
    def accuracy(self) -> float | None:
        if self.forecast <= 0:
            return None
        return max(0.0, 1.0 - float(abs(self.actual - self.forecast) / self.forecast))


def _month_case(column: Any, months: list[date]) -> Any:
    """The month label ("2026-11") of a date column, as SQL every backend runs."""
    return case(*[(and_(column >= m, column < next_month(m)), literal(m.strftime("%Y-%m")))
                  for m in months], else_=None)


def forecast_accuracy(session: Session, user: User, months: list[date]) -> list[MonthAccuracy]:
    """F and A (see the module docstring) for each month in ``months`` (first days), over
    the contracts ``user`` may see."""
    scoped = select(Contract.id).where(contract_filter(user))
    return forecast_accuracy_within(
        session, lambda column: column.in_(scoped), months)


def forecast_accuracy_within(session: Session, in_scope: Callable[[Any], Any],
                             months: list[date]) -> list[MonthAccuracy]:
    """F and A per month for the contracts ``in_scope(contract_id_column)`` admits — the
    one definition the finance report and the dashboard's roll-up share."""
    found = forecast_and_actual(session, in_scope, months)
    return [MonthAccuracy(m, *found.get((m.strftime("%Y-%m"),), (ZERO, ZERO))) for m in months]


def forecast_and_actual(session: Session, in_scope: Callable[[Any], Any], months: list[date],
                        by: tuple[Any, ...] = ()) -> dict[tuple[Any, ...],
                                                         tuple[Decimal, Decimal]]:
    """(F, A) keyed by (month label "2026-11", *``by``), where ``by`` are columns of the
    forecast contract's customer (the dashboard groups by owner, region and grade)."""
    if not months:
        return {}
    start, end = months[0], next_month(months[-1])

    def customer_of(stmt: Any) -> Any:
        if not by:
            return stmt
        return (stmt.join(Contract, col(Contract.id) == col(CollectionForecast.contract_id))
                .join(Customer, col(Customer.id) == col(Contract.customer_id)))

    f_month = _month_case(CollectionForecast.expected_on, months).label("m")
    # sqlalchemy's select: sqlmodel's has no overload for a variable number of entities.
    forecast_rows = session.execute(customer_of(
        sa.select(f_month, *by, func.sum(col(CollectionForecast.amount)))
        .where(col(CollectionForecast.expected_on) >= start,
               col(CollectionForecast.expected_on) < end,
               in_scope(CollectionForecast.contract_id))).group_by(f_month, *by)).all()
    promised = customer_of(
        select(CollectionForecast.contract_id,
               _month_case(CollectionForecast.expected_on, months).label("m"),
               *[c.label(f"by{n}") for n, c in enumerate(by)])
        .where(CollectionForecast.expected_on >= start, CollectionForecast.expected_on < end,
               in_scope(CollectionForecast.contract_id))).distinct().subquery()
    p_month = _month_case(Payment.paid_on, months)
    groups = [promised.c[f"by{n}"] for n in range(len(by))]
    actual_rows = session.execute(
        sa.select(promised.c.m, *groups, func.sum(col(Payment.amount)))
        .join(Payment, and_(col(Payment.contract_id) == promised.c.contract_id,
                            p_month == promised.c.m))
        .group_by(promised.c.m, *groups)).all()
    out: dict[tuple[Any, ...], tuple[Decimal, Decimal]] = {}
    for *key, value in forecast_rows:
        out[tuple(key)] = (_money(value), ZERO)
    for *key, value in actual_rows:
        out[tuple(key)] = (out.get(tuple(key), (ZERO, ZERO))[0], _money(value))
    return out


# -- approval time -----------------------------------------------------------------------------
@dataclass(frozen=True)
class MonthApproval:
    month: date | None  # None: all months together
    count: int
    avg_days: float | None
    avg_working_days: float | None


def days_between(session: Session) -> Any:
    """Calendar days from signing to approval, as SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return (func.extract("epoch", col(Contract.reviewed_at) - col(Contract.signed_at))
                / 86400.0)
    return func.julianday(Contract.reviewed_at) - func.julianday(Contract.signed_at)


@functools.cache
def _workdays_before_in_year(year: int) -> tuple[int, ...]:
    """For each day of ``year`` (by ordinal offset), the working days before it that year;
    the last entry is the year's total."""
    first = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - first).days
    counts = [0]
    for offset in range(days):
        counts.append(counts[-1] + is_workday(first + timedelta(days=offset)))
    return tuple(counts)


_EPOCH_YEAR = 2024  # any year works; only differences of _work_seconds are used


@functools.cache
def _workdays_before_year(year: int) -> int:
    """Working days from 1 Jan of _EPOCH_YEAR to 1 Jan of ``year`` (negative before it)."""
    if year == _EPOCH_YEAR:
        return 0
    if year > _EPOCH_YEAR:
        return _workdays_before_year(year - 1) + _workdays_before_in_year(year - 1)[-1]
    return _workdays_before_year(year + 1) - _workdays_before_in_year(year)[-1]


def _work_seconds(moment: datetime) -> float:
    """Working seconds from 1 Jan of _EPOCH_YEAR to ``moment`` (naive local time): differences of
    this give the working time between two moments in O(1) per contract."""
    day = moment.date()
    before = _workdays_before_year(day.year)
    before += _workdays_before_in_year(day.year)[(day - date(day.year, 1, 1)).days]
    seconds = before * 86400.0
    if is_workday(day):
        seconds += (moment - datetime.combine(day, time(0))).total_seconds()
    return seconds


def working_days(start: datetime, end: datetime, tz: ZoneInfo) -> float:
    """Elapsed time between two moments counting only Chinese working days, in days
    (chinese_calendar; outside its years, Monday to Friday)."""
    # Naive local wall-clock times; a day counts 24 h (exact for Asia/Shanghai, no DST).
    start = start.astimezone(tz).replace(tzinfo=None)
    end = end.astimezone(tz).replace(tzinfo=None)
    if end <= start:
        return 0.0
    return (_work_seconds(end) - _work_seconds(start)) / 86400


def approved() -> Any:
    """The contracts whose approval time counts: signed, then approved by finance (a
    receivable since); ``reviewed_at`` is the approval."""
    return and_(col(Contract.status).in_(RECEIVABLE_STATUSES),
                col(Contract.signed_at).is_not(None))


def approval_time(session: Session, user: User, months: list[date]) -> list[MonthApproval]:
    """Per month of approval (oldest first), then one row for all of ``months``."""
    if not months:
        return []
    tz = clock.business_tz()
    start, end = local_midnight(months[0], tz), local_midnight(next_month(months[-1]), tz)
    bounds = [(m, local_midnight(m, tz), local_midnight(next_month(m), tz)) for m in months]
    reviewed_at = col(Contract.reviewed_at)
    label = case(*[(and_(reviewed_at >= lo, reviewed_at < hi),
                    literal(m.strftime("%Y-%m"))) for m, lo, hi in bounds], else_=None)
    window = and_(approved(), reviewed_at >= start, reviewed_at < end, contract_filter(user))
    days = days_between(session)
    grouped = {m: (int(n), float(avg) if avg is not None else None)
               for m, n, avg in session.exec(
                   select(label.label("m"), func.count(), func.avg(days))
                   .where(window).group_by(label)).all()}
    # Working days need the holiday calendar, which lives in Python (chinese_calendar):
    # the per-contract pairs of this window are read once and summed here.
    work: dict[str, list[float]] = {m.strftime("%Y-%m"): [] for m in months}
    for signed, reviewed in session.exec(select(Contract.signed_at, Contract.reviewed_at)
                                         .where(window)).all():
        if signed is None or reviewed is None:  # never: the window requires both
            continue
        start, end = _local(signed, tz), _local(reviewed, tz)
        key = f"{end.year:04d}-{end.month:02d}"
        if key in work:
            work[key].append(max(0.0, (_work_seconds(end) - _work_seconds(start)) / 86400))
    out: list[MonthApproval] = []
    for m in months:
        key = m.strftime("%Y-%m")
        count, avg = grouped.get(key, (0, None))
        wd = work.get(key, [])
        out.append(MonthApproval(m, count, avg, sum(wd) / len(wd) if wd else None))
    total = sum(r.count for r in out)
    all_days = [(r.avg_days or 0) * r.count for r in out]
    all_work = [w for key in work for w in work[key]]
    out.append(MonthApproval(None, total, sum(all_days) / total if total else None,
                             sum(all_work) / len(all_work) if all_work else None))
    return out


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A column value as naive wall-clock time in ``tz``."""
    return as_utc(moment).astimezone(tz).replace(tzinfo=None)




# -- headline numbers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Receivables:
    receivable: Decimal  # amount of approved contracts
    collected: Decimal
    outstanding: Decimal
    pending_review: int
    risk: int


def receivables(session: Session, user: User) -> Receivables:
    """The page header (and the dashboard's) in one grouped query."""
    receivable = col(Contract.status).in_(RECEIVABLE_STATUSES)
    row = session.exec(select(
        func.coalesce(func.sum(case((receivable, Contract.amount), else_=literal(0))), 0),
        func.coalesce(func.sum(case((receivable, Contract.collected_amount),
                                    else_=literal(0))), 0),
        func.coalesce(func.sum(case((col(Contract.status) == "signed", 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(col(Contract.risk_at).is_not(None),
                                          col(Contract.stamped_at).is_(None)), 1),
                                    else_=0)), 0),
    ).where(contract_filter(user))).one()
    amount, collected, pending, risk = row
    return Receivables(_money(amount), _money(collected), _money(amount) - _money(collected),
                       int(pending), int(risk))
