"""Roll-up tables behind the sales health dashboard and the drill-down (C9, C10).

The dashboard reads these instead of scanning a million visits and orders per click:

- ``dash_week``: one row per (business week, customer owner, customer region, customer
  grade) with visit, plan, order and new-customer counts. Owner and region are the
  *customer's*, so the permission rule of ``models.customers.scope`` (owner in the team, region or
  owner's region for a director) applies to the roll-up exactly as to the customers.
  Every count is additive across rows — a customer belongs to one row per week, so
  distinct-customer counts add up too.
- ``dash_customer``: one row per customer with at least one order (order count, amount,
  first and last order), with the customer's owner, region and grade copied in so the
  drill-down "region → grade → repurchasing customers" is one index range.
- ``dash_segment``: customers counted per owner, region and grade — buying and
  repurchasing (from ``dash_customer``), and how many are old enough to judge and how many
  of those are zombies (no order in 90 days), as of the refresh.
- ``dash_month``: the money figures per (month, owner, region, grade): what was
  receivable and what was collected that month, and the month's collection forecast with
  the payments on the forecast contracts. Keyed by the contract's customer, like the rest.
- ``dash_state``: when each roll-up was last refreshed (shown on the page).

``analytics.rollup`` refreshes them (the scheduler's sweep, and ``zhongshu dashboard
refresh``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.visits.visit import Visit

#: The additive counts of a dash_week row, in the order the roll-up and the sums use.
WEEK_COUNTS = ("visits", "complete_visits", "evaluated_visits", "flagged_visits",
               "suspect_visits", "planned", "covered", "orders", "order_amount",
               "repeat_orders", "repeat_amount", "ordering_customers", "repeat_customers",
               "new_customers", "approvals", "approval_days")


class DashWeek(SQLModel, table=True):
    __tablename__ = "dash_week"
    __table_args__ = (
        Index("ix_dash_week_week_region_grade", "week", "region", "grade"),
        Index("ix_dash_week_owner_week", "owner", "week"),
    )

    id: int | None = Field(default=None, primary_key=True)
    week: date  # Monday, business time zone
    owner: str | None = Field(default=None, max_length=64)
    region: str | None = Field(default=None, max_length=16)
    grade: str | None = Field(default=None, max_length=1)
    visits: int = 0
    complete_visits: int = 0  # record, customer need and next action all filled
    evaluated_visits: int = 0  # evidence checks done (compliant is not NULL)
    # Evaluated and flagged for any reason (incomplete record included): each one is a
    # review card for the supervisor — the chores proxy of the before/after table.
    flagged_visits: int = 0
    # Evaluated with a sign of a fake visit (any flag but an incomplete record,
    # models.visits.evidence.FRAUD_CODES): the fake-visit rate's numerator.
    suspect_visits: int = 0
    planned: int = 0  # plan items of the week
    covered: int = 0  # plan items whose customer got a countable visit that week
    orders: int = 0
    order_amount: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2)
    repeat_orders: int = 0  # orders of a customer who had ordered before
    repeat_amount: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2)
    ordering_customers: int = 0
    repeat_customers: int = 0  # customers with a repeat order that week
    new_customers: int = 0
    approvals: int = 0  # contracts approved by finance that week (signed before)
    approval_days: float = 0.0  # their days from signing to approval, summed


class DashCustomer(SQLModel, table=True):
    __tablename__ = "dash_customer"
    __table_args__ = (
        # The repurchasing list: one region and grade, biggest buyers first (read backwards).
        Index("ix_dash_customer_region_grade_amount", "region", "grade", "order_amount",
              "customer_id"),
        # The conversion median of a period: covering, so it reads the index alone.
        Index("ix_dash_customer_first_order_cover", "first_order_at", "created_at", "owner",
              "region"),
    )

    customer_id: int = Field(primary_key=True)
    owner: str | None = Field(default=None, max_length=64, index=True)
    region: str | None = Field(default=None, max_length=16)
    grade: str | None = Field(default=None, max_length=1)
    created_at: datetime
    order_count: int = 0
    order_amount: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2)
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None


class DashSegment(SQLModel, table=True):
    """Customers counted per (owner, region, grade): the first two drill levels and the
    zombie ratio sum a few hundred of these rows instead of counting 100k customers."""

    __tablename__ = "dash_segment"
    __table_args__ = (Index("ix_dash_segment_region_grade", "region", "grade"),)

    id: int | None = Field(default=None, primary_key=True)
    owner: str | None = Field(default=None, max_length=64, index=True)
    region: str | None = Field(default=None, max_length=16)
    grade: str | None = Field(default=None, max_length=1)
    buying: int = 0  # customers with at least one order
    repurchasing: int = 0  # customers with at least two
    customers: int = 0  # every customer of the segment
    # The zombie rule's days (models.rules.rule, customer_zombie; the article's 90 by default)
    # as of the refresh:
    aged: int = 0  # created at least that many days before the refresh
    zombies: int = 0  # aged, and no order in those days


class DashMonth(SQLModel, table=True):
    """The month's money per (owner, region, grade); every figure adds up across rows."""

    __tablename__ = "dash_month"
    __table_args__ = (
        Index("ix_dash_month_month_region", "month", "region"),
        Index("ix_dash_month_owner_month", "owner", "month"),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: date  # first day
    owner: str | None = Field(default=None, max_length=64)
    region: str | None = Field(default=None, max_length=16)
    grade: str | None = Field(default=None, max_length=1)
    # receivable: the amount of every contract approved before the month's end, less what
    # was paid on it before the month began; collected: paid on those during the month.
    receivable: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2)
    collected: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2)
    # forecast: collection forecasts expected in the month; forecast_actual: payments in
    # the month on the contracts with such a forecast (analytics.collections' definition).
    forecast: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2)
    forecast_actual: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2)


class DashState(SQLModel, table=True):
    __tablename__ = "dash_state"

    name: str = Field(primary_key=True, max_length=32)
    refreshed_at: datetime
    rows: int = 0


# The weekly refresh reads the last weeks of visits by time across all reps; the visit
# table's own indexes all lead with rep or customer.
Index("ix_visit_at", Visit.at)  # type: ignore[arg-type]
