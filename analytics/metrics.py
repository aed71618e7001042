"""The sales health metrics (C9) for what a user may see, per team, rep and week.

Definitions (each is a ratio of sums, so a team's figure is never an average of rates):

| metric | numerator / denominator | source |
|---|---|---|
| visit coverage | planned customers with a countable visit that week / plan items | dash_week |
| process compliance | visits with record, need and next action filled / visits | dash_week |
| fake-visit rate | evaluated visits with a sign of a fake visit (an evidence flag other than an incomplete record: far from the customer, reused or non-camera photo, impossible travel, …) / evaluated visits | dash_week |
| lead conversion cycle | median days from customer creation to first order, over the customers whose first order fell in the period | dash_customer |
| collection rate | payments booked (paid_on) this month on receivable contracts / what was receivable this month: the amount of every contract in a receivable status (approved, partly_collected, collected) reviewed before the month's end, less what was paid on it before the month began | dash_month |
| zombie ratio | customers created ≥ N days ago with no order in the last N days / customers created ≥ N days ago, as of the last refresh; N is the zombie rule's threshold (``customer_zombie``, 90 by default) | dash_segment |
| approval time | mean days from signed_at to reviewed_at, contracts approved in the period (``analytics.collections.approved``) | dash_week |
| forecast accuracy | per month: F = forecasts expected that month, A = payments that month on the forecast contracts; accuracy = max(0, 1 − abs(A − F) / F) (``analytics.collections``) | dash_month |

Scope: ``models.customers.scope`` — the roll-ups through ``owner_region_filter``, the drill-down's
last level (one customer's orders) through ``customer_filter``. A team is a supervisor and
the reps reporting to it; ``team``/``rep`` arguments only narrow the user's scope, never
widen it. Every figure of a page is a sum over roll-up rows: nothing scans the customers,
contracts or payments per click."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import ColumnElement, and_, func, or_, true
from sqlmodel import Session, col, select

from analytics.collections import MonthAccuracy, month_start
from models.customers import scope
from models.customers.customer import Customer
from models.dashboard.tables import WEEK_COUNTS, DashCustomer, DashMonth, DashSegment, DashWeek
from models.org.user import User
from models.visits.plan import week_of

TREND_WEEKS = 12
DASHBOARD_ROLES = ("supervisor", "director")


def ratio(num: float | Decimal, den: float | Decimal) -> float | None:
    return float(num) / float(den) if den else None


@dataclass(frozen=True)
class WeekSums:
    week: date | None
    values: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name, 0)

    @property
    def coverage(self) -> float | None:
        return ratio(self["covered"], self["planned"])

    @property
    def compliance(self) -> float | None:
        return ratio(self["complete_visits"], self["visits"])

    @property
    def fake_rate(self) -> float | None:
        return ratio(self["suspect_visits"], self["evaluated_visits"])

    @property
    def approval_days(self) -> float | None:
        mean = ratio(self["approval_days"], self["approvals"])
        return None if mean is None else round(mean, 2)


@dataclass(frozen=True)
class Selection:
    """What the figures are about: the user's scope, optionally one team or one rep."""

    user: User
    team: str | None = None
    rep: str | None = None

    def week_filter(self) -> ColumnElement[bool]:
        return self.rollup_filter(DashWeek)

    def customer_filter(self) -> ColumnElement[bool]:
        return self.rollup_filter(DashCustomer)

    def rollup_filter(self, table: Any) -> ColumnElement[bool]:
        """The selection over a roll-up table carrying the customer's owner and region."""
        clause = scope.owner_region_filter(self.user, table.owner, table.region)
        return and_(clause, self.narrow(table.owner))

    def live_customer_filter(self) -> ColumnElement[bool]:
        return and_(scope.customer_filter(self.user), self.narrow(Customer.owner))

    @property
    def sees_all(self) -> bool:
        """A company-wide director with no narrowing: every customer is in scope."""
        return (self.user.active and self.user.role == "director" and self.user.region is None
                and self.team is None and self.rep is None)

    def narrow(self, owner: Any) -> ColumnElement[bool]:
        if self.rep is not None:
            return owner == self.rep
        if self.team is not None:
            team = select(User.wecom_userid).where(User.supervisor_userid == self.team)
            return or_(owner == self.team, owner.in_(team))
        return true()


def may_view(user: User) -> bool:
    """Directors and supervisors. Finance is refused on purpose: its money views are the
    receivables/aging pages of C6, and a half dashboard would mislead."""
    return user.active and user.role in DASHBOARD_ROLES


class Person(NamedTuple):
    """A team lead or rep as the dashboard lists them (columns, not ORM objects: a company
    has hundreds of reps, read on every page)."""

    wecom_userid: str
    name: str
    supervisor_userid: str | None


PERSON = (col(User.wecom_userid), col(User.name), col(User.supervisor_userid))


def _people(session: Session, stmt: Any) -> list[Person]:
    ordered = stmt.order_by(col(User.name), col(User.wecom_userid))
    return [Person(*row) for row in session.exec(ordered).all()]


def teams(session: Session, user: User) -> list[Person]:
    """The supervisors whose team the user may look at (read once per session)."""
    if not may_view(user):
        return []
    if user.role == "supervisor":
        return [Person(user.wecom_userid, user.name, user.supervisor_userid)]
    key = ("dash-teams", user.wecom_userid)
    if key not in session.info:
        stmt = select(*PERSON).where(User.role == "supervisor", col(User.active).is_(True))
        if user.region is not None:
            stmt = stmt.where(User.region == user.region)
        session.info[key] = _people(session, stmt)
    return list(session.info[key])


def reps(session: Session, user: User, team: str | None = None) -> list[Person]:
    """The reps the user may look at (of one of its teams when ``team`` is given)."""
    if not may_view(user):
        return []
    stmt = select(*PERSON).where(User.role == "rep", col(User.active).is_(True))
    if user.role == "supervisor":
        stmt = stmt.where(User.supervisor_userid == user.wecom_userid)
    elif user.region is not None:
        stmt = stmt.where(User.region == user.region)
    if team is not None:
        stmt = stmt.where(User.supervisor_userid == team)
    return _people(session, stmt)


def selection(session: Session, user: User, *, team: str | None = None,
              rep: str | None = None) -> Selection | None:
    """The user's view narrowed to ``team``/``rep``; None when either is outside its scope
    (the page answers 404, so nobody learns whether that team or rep exists)."""
    if not may_view(user):
        return None
    if team is not None and team not in {t.wecom_userid for t in teams(session, user)}:
        return None
    if rep is not None and rep not in {r.wecom_userid for r in reps(session, user, team)}:
        return None
    return Selection(user, team, rep)


# Built once: the same column expressions serve every statement (and its cache key).
SUMS = {n: func.coalesce(func.sum(getattr(DashWeek, n)), 0).label(n) for n in WEEK_COUNTS}
SUM_COLUMNS = list(SUMS.values())
OWNER_SUMS = ("visits", "complete_visits", "evaluated_visits", "flagged_visits",
              "suspect_visits", "planned", "covered")


def week_trend(session: Session, sel: Selection, last_week: date,
               weeks: int = TREND_WEEKS, extra: ColumnElement[bool] | None = None,
               names: tuple[str, ...] = WEEK_COUNTS) -> list[WeekSums]:
    """One ``WeekSums`` per week, oldest first, ending with ``last_week`` (zeros included);
    ``names``: only these sums (the others read as 0)."""
    first = last_week - timedelta(weeks=weeks - 1)
    # sqlalchemy's select: sqlmodel's has no overload for a variable number of entities.
    stmt = (sa.select(col(DashWeek.week), *[SUMS[n] for n in names])
            .where(col(DashWeek.week) >= first, col(DashWeek.week) <= last_week,
                   sel.week_filter(), extra if extra is not None else true())
            .group_by(col(DashWeek.week)))
    found = {row[0]: dict(zip(names, row[1:], strict=True))
             for row in session.execute(stmt)}
    return [WeekSums(first + timedelta(weeks=n), found.get(first + timedelta(weeks=n), {}))
            for n in range(weeks)]


def period_sums(session: Session, sel: Selection, first: date, last: date) -> WeekSums:
    stmt = (select(*SUM_COLUMNS)
            .where(col(DashWeek.week) >= first, col(DashWeek.week) <= last, sel.week_filter()))
    row = session.exec(stmt).one()
    return WeekSums(None, dict(zip(WEEK_COUNTS, row, strict=True)))


def by_owner(session: Session, sel: Selection, week: date) -> dict[str, WeekSums]:
    """The week's visit and plan sums (``OWNER_SUMS``: what the team and rep rows and the
    coaching list show) per customer owner (rep or supervisor)."""
    stmt = (sa.select(col(DashWeek.owner), *[SUMS[n] for n in OWNER_SUMS])
            .where(col(DashWeek.week) == week, sel.week_filter(),
                   col(DashWeek.owner).is_not(None))
            .group_by(col(DashWeek.owner)))
    return {row[0]: WeekSums(week, dict(zip(OWNER_SUMS, row[1:], strict=True)))
            for row in session.execute(stmt)}


# -- the live, money and customer metrics -------------------------------------------------

def bounds(first: date, last_inclusive: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), tz).astimezone(UTC)
    end = datetime.combine(last_inclusive + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


def conversion_days(session: Session, sel: Selection, start: datetime,
                    end: datetime) -> float | None:
    """Median days from creation to first order, for customers first ordering in
    [start, end)."""
    where = (col(DashCustomer.first_order_at) >= start, col(DashCustomer.first_order_at) < end,
             sel.customer_filter())
    if session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", col(DashCustomer.first_order_at)
                               - col(DashCustomer.created_at))
        median = session.exec(select(func.percentile_cont(0.5).within_group(
            func.greatest(seconds, 0))).where(*where)).one()
        return None if median is None else round(float(median) / 86400, 1)
    # SQLite has no percentile_cont: the middle one or two of the sorted day differences
    # (julianday), averaged — the same value, without fetching every customer.
    diff = func.max(func.julianday(DashCustomer.first_order_at)
                    - func.julianday(DashCustomer.created_at), 0.0).label("d")
    days = select(diff).where(*where).subquery()
    count = select(func.count()).select_from(days).scalar_subquery()
    middle = (select(days.c.d).order_by(days.c.d)
              .limit(2 - count % 2).offset((count - 1) // 2).subquery())
    median = session.exec(select(func.avg(middle.c.d))).one()
    return None if median is None else round(float(median), 1)


@dataclass(frozen=True)
class MonthMoney:
    collected: Decimal
    receivable: Decimal
    forecast: Decimal
    actual: Decimal

    @property
    def collection_rate(self) -> float | None:
        return ratio(self.collected, self.receivable)

    @property
    def forecast_accuracy(self) -> float | None:
        return MonthAccuracy(date.min, self.forecast, self.actual).accuracy


def month_money(session: Session, sel: Selection, month: date) -> MonthMoney:
    """Collected, receivable, forecast and actual of the month containing ``month``."""
    sums = [func.coalesce(func.sum(getattr(DashMonth, n)), 0)
            for n in ("collected", "receivable", "forecast", "forecast_actual")]
    row = session.exec(select(*sums).where(
        DashMonth.month == month_start(month), sel.rollup_filter(DashMonth))).one()
    return MonthMoney(*(Decimal(v) for v in row))


def zombie_ratio(session: Session, sel: Selection) -> tuple[int, int, float | None]:
    """(zombies, customers, ratio) — customers old enough to have ordered in the zombie
    rule's days, as of the last refresh."""
    aged, zombies = session.exec(select(
        func.coalesce(func.sum(DashSegment.aged), 0),
        func.coalesce(func.sum(DashSegment.zombies), 0)).where(
        sel.rollup_filter(DashSegment))).one()
    return int(zombies), int(aged), ratio(zombies, aged)


# -- the whole dashboard ------------------------------------------------------------------

@dataclass(frozen=True)
class Health:
    week: date
    sums: WeekSums
    conversion_days: float | None
    collected: Decimal
    receivable: Decimal
    collection_rate: float | None
    zombies: int
    customers: int
    zombie_ratio: float | None
    approval_days: float | None
    forecast: Decimal
    actual: Decimal
    forecast_accuracy: float | None

    def as_json(self) -> dict[str, Any]:
        return {"week": self.week.isoformat(), "coverage": self.sums.coverage,
                "compliance": self.sums.compliance, "fake_rate": self.sums.fake_rate,
                "conversion_days": self.conversion_days,
                "collection_rate": self.collection_rate, "collected": str(self.collected),
                "receivable": str(self.receivable), "zombie_ratio": self.zombie_ratio,
                "zombies": self.zombies, "customers": self.customers,
                "approval_days": self.approval_days,
                "forecast_accuracy": self.forecast_accuracy,
                "visits": self.sums["visits"], "planned": self.sums["planned"],
                "covered": self.sums["covered"],
                "complete_visits": self.sums["complete_visits"]}


def health(session: Session, sel: Selection, week: date, *, tz: tzinfo,
           trend: list[WeekSums] | None = None) -> Health:
    """Every metric for ``week`` (weekly ones) and its month (money ones); the conversion
    cycle and approval time over the trend window ending with the week (``trend``, when
    the caller has read it already)."""
    week = week_of(week)
    if trend is None or trend[-1].week != week:
        trend = week_trend(session, sel, week)
    window = WeekSums(None, {n: sum(w[n] for w in trend) for n in WEEK_COUNTS})
    start, end = bounds(week - timedelta(weeks=TREND_WEEKS - 1), week + timedelta(days=6), tz)
    money = month_money(session, sel, week)
    zombies, customers, zratio = zombie_ratio(session, sel)
    return Health(week=week, sums=trend[-1],
                  conversion_days=conversion_days(session, sel, start, end),
                  collected=money.collected, receivable=money.receivable,
                  collection_rate=money.collection_rate, zombies=zombies, customers=customers,
                  zombie_ratio=zratio, approval_days=window.approval_days,
                  forecast=money.forecast, actual=money.actual,
                  forecast_accuracy=money.forecast_accuracy)


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    sums: WeekSums


def breakdown(session: Session, sel: Selection, week: date, *,
              owners: dict[str, WeekSums] | None = None,
              all_reps: list[Person] | None = None) -> tuple[list[Row], list[Row]]:
    """(per team, per rep) rows for the week, inside the selection. Reps are listed when
    the view is one team (a supervisor's, or narrowed to one); a company or a region is
    listed by team, and a click on a team lists its reps."""
    owners = by_owner(session, sel, week) if owners is None else owners
    all_reps = reps(session, sel.user, sel.team) if all_reps is None else all_reps
    empty = WeekSums(week, {})
    one_team = sel.team is not None or sel.rep is not None or sel.user.role == "supervisor"
    rep_rows = [Row(r.wecom_userid, r.name, owners.get(r.wecom_userid, empty))
                for r in all_reps if one_team and (sel.rep is None or r.wecom_userid == sel.rep)]
    team_rows: list[Row] = []
    if sel.rep is None:
        totals: dict[str, dict[str, Any]] = {}
        for r in all_reps:
            sums = owners.get(r.wecom_userid)
            if sums is None or r.supervisor_userid is None:
                continue
            total = totals.setdefault(r.supervisor_userid, dict.fromkeys(OWNER_SUMS, 0))
            values = sums.values
            for name in OWNER_SUMS:
                total[name] += values[name]
        for sup in teams(session, sel.user):
            if sel.team is not None and sup.wecom_userid != sel.team:
                continue
            own = owners.get(sup.wecom_userid, empty)
            team = totals.get(sup.wecom_userid, {})
            team_rows.append(Row(sup.wecom_userid, sup.name, WeekSums(week, {
                n: own[n] + team.get(n, 0) for n in OWNER_SUMS})))
    return team_rows, rep_rows
