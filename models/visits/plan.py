"""Weekly visit plans (C5) and the measures built on them.

A plan belongs to one rep and one ISO week (Monday to Sunday in the business time zone,
``settings.timezone``); it lists the rep's own customers, each optionally on a day of
that week. Next week's plan is due on Friday 17:00 (business time) of the week before:
from that moment it is locked, read-only on every path. The lock stays on Friday 17:00
even when that Friday is a public holiday — the rule reps learn is "Friday 17:00"; only
the supervisor's morning notice moves to the next working day (``notice_at``).

Also here: the supervisor's live view of high-potential customers not yet visited this
week, and coverage and process compliance per rep and week (for the dashboard). Visits
count toward coverage only when ``models.visits.visit.countable()``.

Times: every function takes ``now`` (aware) or a ``week`` (its Monday as a date); nothing
here reads the clock."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import UniqueConstraint, func, or_
from sqlmodel import Field, Session, SQLModel, col, select

from lib.workdays import first_workday_after
from models.base import utcnow
from models.customers.customer import Customer
from models.org.user import User
from models.platform.outbox import OutboxMessage
from models.visits import evidence as ev
from models.visits.visit import Visit, countable

PLAN_ROLES = ("rep", "supervisor")
LOCK_WEEKDAY_OFFSET = 3  # the Friday before the planned week's Monday
LOCK_TIME = time(17, 0)
NOTICE_TIME = time(8, 30)
HIGH_GRADE = "A"
# Registration offers "意向高·近期采购"; imports may say just "高".
HIGH_INTENT_PREFIXES = ("意向高", "高")


class VisitPlan(SQLModel, table=True):
    __tablename__ = "visit_plan"
    __table_args__ = (UniqueConstraint("rep", "week", name="uq_visit_plan_rep_week"),)

    id: int | None = Field(default=None, primary_key=True)
    rep: str = Field(max_length=64, index=True)  # WeCom userid
    week: date = Field(index=True)  # the Monday of the planned week
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class VisitPlanItem(SQLModel, table=True):
    __tablename__ = "visit_plan_item"
    __table_args__ = (UniqueConstraint("plan_id", "customer_id",
                                       name="uq_visit_plan_item_customer"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="visit_plan.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    day: date | None = None  # optional: the day of the week it is planned for
    created_at: datetime = Field(default_factory=utcnow)


class PlanLocked(Exception):
    """The plan's deadline has passed; it is read-only."""


# -- calendar ---------------------------------------------------------------------------

def week_of(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def current_week(now: datetime, tz: tzinfo) -> date:
    return week_of(now.astimezone(tz).date())


def next_week(now: datetime, tz: tzinfo) -> date:
    return current_week(now, tz) + timedelta(days=7)


def lock_at(week: date, tz: tzinfo) -> datetime:
    """Friday 17:00 (business time) before ``week`` — also when that Friday is a public
    holiday (see the module docstring)."""
    friday = week - timedelta(days=LOCK_WEEKDAY_OFFSET)
    return datetime.combine(friday, LOCK_TIME, tz)


def is_locked(week: date, now: datetime, tz: tzinfo) -> bool:
    return now >= lock_at(week, tz)


def notice_at(week: date, tz: tzinfo, notice_time: time = NOTICE_TIME) -> datetime:
    """When the supervisor's morning-meeting notice about ``week`` goes out: 08:30 on the
    first working day after the lock's Friday (a make-up Saturday counts; a holiday
    Monday pushes it to the next working day)."""
    friday = lock_at(week, tz).date()
    return datetime.combine(first_workday_after(friday), notice_time, tz)


def week_bounds(week: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(week, time(0), tz)
    end = datetime.combine(week + timedelta(days=7), time(0), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


# -- plans ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlannedCustomer:
    customer_id: int
    name: str
    day: date | None


@dataclass(frozen=True)
class PlanView:
    rep: str
    week: date
    locked: bool
    lock_at: datetime
    customers: tuple[PlannedCustomer, ...]


def may_plan(user: User) -> bool:
    return user.active and user.role in PLAN_ROLES


def own_customers(session: Session, user: User) -> list[Customer]:
    """The customers ``user`` may put on a plan: their own (never the team's)."""
    if not may_plan(user):
        return []
    stmt = (select(Customer).where(Customer.owner == user.wecom_userid)
            .order_by(col(Customer.name), col(Customer.id)))
    return list(session.exec(stmt).all())


def find_own_customer(session: Session, user: User, name: str) -> Customer | None:
    """The user's own customer called ``name``: the exact name, else the only one whose
    name contains it. None when unknown, ambiguous or someone else's — the caller can't
    tell those apart, so nothing leaks."""
    if not may_plan(user) or not name.strip():
        return None
    wanted = name.strip()
    mine = select(Customer).where(Customer.owner == user.wecom_userid)
    exact = session.exec(mine.where(Customer.name == wanted).limit(2)).all()
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    partial = session.exec(mine.where(col(Customer.name).icontains(wanted, autoescape=True))
                           .limit(2)).all()
    return partial[0] if len(partial) == 1 else None


def _plan(session: Session, rep: str, week: date) -> VisitPlan | None:
    return session.exec(select(VisitPlan).where(VisitPlan.rep == rep,
                                                VisitPlan.week == week)).first()


def get_plan(session: Session, user: User, week: date, *, now: datetime,
             tz: tzinfo) -> PlanView:
    plan = _plan(session, user.wecom_userid, week)
    items: list[PlannedCustomer] = []
    if plan is not None:
        rows = session.exec(
            select(VisitPlanItem, Customer)
            .join(Customer, col(Customer.id) == col(VisitPlanItem.customer_id))
            .where(VisitPlanItem.plan_id == plan.id)
            .order_by(col(VisitPlanItem.day).is_(None), col(VisitPlanItem.day),
                      col(VisitPlanItem.id))).all()
        items = [PlannedCustomer(c.id or 0, c.name, item.day) for item, c in rows]
    return PlanView(rep=user.wecom_userid, week=week, locked=is_locked(week, now, tz),
                    lock_at=lock_at(week, tz), customers=tuple(items))


def _check_open(user: User, week: date, now: datetime, tz: tzinfo) -> None:
    if not may_plan(user):
        raise PermissionError(user.role)
    if is_locked(week, now, tz):
        raise PlanLocked(week)


def add_customers(session: Session, user: User, week: date, customers: Iterable[Customer], *,
                  now: datetime, tz: tzinfo, day: date | None = None) -> list[Customer]:
    """Put ``customers`` (the user's own) on the plan; returns the ones newly added.
    Raises PlanLocked after the deadline, PermissionError for a role without plans."""
    _check_open(user, week, now, tz)
    if day is not None and week_of(day) != week:
        raise ValueError("day outside the planned week")
    plan = _plan(session, user.wecom_userid, week)
    if plan is None:
        plan = VisitPlan(rep=user.wecom_userid, week=week)
        session.add(plan)
        session.flush()
    existing = set(session.exec(select(VisitPlanItem.customer_id)
                                .where(VisitPlanItem.plan_id == plan.id)).all())
    added = []
    for customer in customers:
        if customer.owner != user.wecom_userid:
            raise PermissionError("not the user's customer")
        assert customer.id is not None and plan.id is not None
        if customer.id in existing:
            continue
        existing.add(customer.id)
        session.add(VisitPlanItem(plan_id=plan.id, customer_id=customer.id, day=day))
        added.append(customer)
    plan.updated_at = utcnow()
    session.flush()
    return added


def remove_customer(session: Session, user: User, week: date, customer_id: int, *,
                    now: datetime, tz: tzinfo) -> bool:
    _check_open(user, week, now, tz)
    plan = _plan(session, user.wecom_userid, week)
    if plan is None:
        return False
    item = session.exec(select(VisitPlanItem).where(VisitPlanItem.plan_id == plan.id,
                                                    VisitPlanItem.customer_id == customer_id)
                        ).first()
    if item is None:
        return False
    session.delete(item)
    plan.updated_at = utcnow()
    session.flush()
    return True


# -- the supervisor's notice ------------------------------------------------------------

def team(session: Session, supervisor: str) -> list[User]:
    return list(session.exec(select(User).where(User.supervisor_userid == supervisor,
                                                col(User.active).is_(True),
                                                User.role == "rep")
                             .order_by(col(User.name), col(User.wecom_userid))).all())


def supervisors_with_teams(session: Session) -> list[str]:
    sups = select(User.wecom_userid).where(col(User.active).is_(True),
                                           User.role == "supervisor")
    stmt = (select(User.supervisor_userid)
            .where(col(User.supervisor_userid).in_(sups), col(User.active).is_(True),
                   User.role == "rep")
            .distinct())
    return sorted(s for s in session.exec(stmt).all() if s)


def reps_without_plan(session: Session, supervisor: str, week: date) -> list[User]:
    """The supervisor's active reps whose plan for ``week`` is missing or empty."""
    planned = set(session.exec(
        select(VisitPlan.rep).join(VisitPlanItem,
                                   col(VisitPlanItem.plan_id) == col(VisitPlan.id))
        .where(VisitPlan.week == week)).all())
    return [rep for rep in team(session, supervisor) if rep.wecom_userid not in planned]


def notice_queued(session: Session, dedupe_key: str) -> bool:
    """Whether the notice with this outbox key was already queued (a cheap pre-check;
    the key's UNIQUE constraint is what guarantees one notice)."""
    return session.exec(select(OutboxMessage.id)
                        .where(OutboxMessage.dedupe_key == dedupe_key)).first() is not None


def due_notice_weeks(now: datetime, tz: tzinfo,
                     notice_time: time = NOTICE_TIME) -> list[date]:
    """The planned weeks whose notice is due at ``now`` and still worth sending (until
    the planned week ends): this week's and next week's. ``notice_time`` is the
    plan_deadline rule's ``schedule.time``."""
    this = current_week(now, tz)
    weeks = []
    for week in (this, this + timedelta(days=7)):
        if notice_at(week, tz, notice_time) <= now < week_bounds(week, tz)[1]:
            weeks.append(week)
    return weeks


# -- the supervisor's live view ----------------------------------------------------------

def _high_potential() -> object:
    return or_(Customer.grade == HIGH_GRADE,  # type: ignore[arg-type]
               *[col(Customer.intent).startswith(p, autoescape=True)
                 for p in HIGH_INTENT_PREFIXES])


def uncovered_high_potential(session: Session, supervisor: User, *, now: datetime,
                             tz: tzinfo) -> list[Customer]:
    """This week's high-potential customers (grade A or high initial intent) of the
    supervisor's team with no countable visit since Monday 00:00 business time."""
    if not supervisor.active or supervisor.role != "supervisor":
        return []
    start, end = week_bounds(current_week(now, tz), tz)
    reps = select(User.wecom_userid).where(User.supervisor_userid == supervisor.wecom_userid)
    visited = (select(Visit.customer_id)
               .where(countable(), col(Visit.at) >= start, col(Visit.at) < end))
    stmt = (select(Customer)
            .where(col(Customer.owner).in_(reps), _high_potential(),  # type: ignore[arg-type]
                   col(Customer.id).not_in(visited))
            .order_by(col(Customer.owner), col(Customer.grade), col(Customer.name)))
    return list(session.exec(stmt).all())


@dataclass(frozen=True)
class Coverage:
    rep: str
    week: date
    planned: int  # customers on the plan
    covered: int  # planned customers with at least one countable visit that week
    countable_visits: int  # all countable visits of the rep that week

    @property
    def rate(self) -> float | None:
        return self.covered / self.planned if self.planned else None


def coverage(session: Session, rep: str, week: date, tz: tzinfo) -> Coverage:
    """Visit coverage (C9: actual / planned visits) for one rep and week."""
    start, end = week_bounds(week, tz)
    plan = _plan(session, rep, week)
    planned_ids: set[int] = set()
    if plan is not None:
        planned_ids = set(session.exec(select(VisitPlanItem.customer_id)
                                       .where(VisitPlanItem.plan_id == plan.id)).all())
    visited = session.exec(select(Visit.customer_id).where(
        Visit.rep == rep, countable(), col(Visit.at) >= start, col(Visit.at) < end)).all()
    return Coverage(rep=rep, week=week, planned=len(planned_ids),
                    covered=len(planned_ids & set(visited)), countable_visits=len(visited))


@dataclass(frozen=True)
class Compliance:
    rep: str
    week: date
    visits: int
    complete: int  # record, customer need and next action all present

    @property
    def rate(self) -> float | None:
        return self.complete / self.visits if self.visits else None


def visit_is_complete(visit: Visit) -> bool:
    """Process compliance of one visit: the record (grade and photo), the customer's
    need (pain points and a concrete question) and the next action are all there — the
    same rule as the ``incomplete_record`` check."""
    return not ev.record_problems(
        grade=visit.grade, pain_points=visit.pain_points or [], question=visit.question,
        next_action=visit.next_action,
        has_photo=bool(visit.photo_path or visit.photo_error))


def compliance(session: Session, rep: str, week: date, tz: tzinfo) -> Compliance:
    start, end = week_bounds(week, tz)
    visits = session.exec(select(Visit).where(Visit.rep == rep, col(Visit.at) >= start,
                                              col(Visit.at) < end)).all()
    return Compliance(rep=rep, week=week, visits=len(visits),
                      complete=sum(visit_is_complete(v) for v in visits))


def team_report(session: Session, supervisor: str, week: date,
                tz: tzinfo) -> list[tuple[User, Coverage, Compliance]]:
    """Coverage and compliance of every rep of the team, for the dashboard."""
    return [(rep, coverage(session, rep.wecom_userid, week, tz),
             compliance(session, rep.wecom_userid, week, tz))
            for rep in team(session, supervisor)]


def plan_counts(session: Session, reps: Sequence[str], week: date) -> dict[str, int]:
    rows = session.exec(
        select(VisitPlan.rep, func.count(col(VisitPlanItem.id)))
        .join(VisitPlanItem, col(VisitPlanItem.plan_id) == col(VisitPlan.id))
        .where(VisitPlan.week == week, col(VisitPlan.rep).in_(reps))
        .group_by(col(VisitPlan.rep))).all()
    return {rep: int(n) for rep, n in rows}
