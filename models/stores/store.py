"""Retail stores (C12): the stores, their hourly foot traffic and POS transactions,
promotions with their execution check-ins, the manager's daily report and the weekly
"busy but not selling" alerts.

Times are aware UTC in the database; an hour of traffic is keyed by the UTC start of
that hour, so the same hour sent twice (counter retry, re-uploaded file) is one row
(``uq_store_traffic_hour``), and a POS receipt number is unique, so re-importing an
export is a no-op. Weekdays and hours people read are in the business time zone.
Money is ``Decimal`` in ``Numeric(14, 2)``."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import utcnow


class Store(SQLModel, table=True):
    __tablename__ = "store"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)  # what counters and POS exports carry
    name: str = Field(max_length=64)
    region: str | None = Field(default=None, max_length=32, index=True)
    manager: str | None = Field(default=None, max_length=64, index=True)  # WeCom userid
    opens_at: time = Field(default=time(7, 0))
    closes_at: time = Field(default=time(21, 0))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class StoreTraffic(SQLModel, table=True):
    __tablename__ = "store_traffic"
    __table_args__ = (UniqueConstraint("store_id", "hour", name="uq_store_traffic_hour"),)

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="store.id")
    hour: datetime = Field(index=True)  # UTC start of the hour
    visitors: int
    source: str = Field(default="counter", max_length=16)  # counter / upload / demo
    updated_at: datetime = Field(default_factory=utcnow)


class StoreSale(SQLModel, table=True):
    """One POS transaction (a receipt)."""

    __tablename__ = "store_sale"
    __table_args__ = (Index("ix_store_sale_store_at", "store_id", "sold_at"),
                      Index("ix_store_sale_member_at", "member_id", "sold_at"))

    id: int | None = Field(default=None, primary_key=True)
    receipt_no: str = Field(max_length=64, unique=True)
    store_id: int = Field(foreign_key="store.id")
    sold_at: datetime
    amount: Decimal = Field(default=Decimal(0), max_digits=14, decimal_places=2)
    member_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class Promotion(SQLModel, table=True):
    """A promotion HQ publishes; every active store (of ``region``, if set) is due to
    carry out each item of ``checklist`` and check in with a photo per item."""

    __tablename__ = "promotion"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=100)
    starts_on: date
    ends_on: date
    region: str | None = Field(default=None, max_length=32)
    checklist: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class PromotionCheckin(SQLModel, table=True):
    """One checklist item done by one store: the latest photo wins (a re-take replaces
    it). ``status``: pending (photo stored, job not run yet) → ok / bad."""

    __tablename__ = "promotion_checkin"
    __table_args__ = (UniqueConstraint("promotion_id", "store_id", "item",
                                       name="uq_promotion_checkin_item"),)

    id: int | None = Field(default=None, primary_key=True)
    promotion_id: int = Field(foreign_key="promotion.id", index=True)
    store_id: int = Field(foreign_key="store.id", index=True)
    item: int  # index into Promotion.checklist
    by: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow)
    photo_path: str = Field(max_length=300)
    photo_marked_path: str | None = Field(default=None, max_length=300)
    sha256: str | None = Field(default=None, max_length=64)
    status: str = Field(default="pending", max_length=16)
    reason: str | None = Field(default=None, max_length=200)


class StoreDailyReport(SQLModel, table=True):
    __tablename__ = "store_daily_report"
    __table_args__ = (UniqueConstraint("store_id", "day", name="uq_store_daily_report_day"),)

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="store.id")
    day: date
    # What the system knew when the manager submitted (kept, so a later import doesn't
    # rewrite what was reported).
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    notes: str = Field(default="", max_length=1000)
    issues: str = Field(default="", max_length=1000)
    submitted_by: str = Field(max_length=64)
    submitted_at: datetime = Field(default_factory=utcnow)


class StoreAlert(SQLModel, table=True):
    """A "busy but not selling" finding for one store and ISO week (its Monday)."""

    __tablename__ = "store_alert"
    __table_args__ = (UniqueConstraint("store_id", "week", name="uq_store_alert_week"),)

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="store.id")
    week: date
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


# -- stores ------------------------------------------------------------------------------

def upsert_store(session: Session, *, code: str, name: str, region: str | None = None,
                 manager: str | None = None, opens_at: time = time(7, 0),
                 closes_at: time = time(21, 0)) -> Store:
    store = session.exec(select(Store).where(Store.code == code)).first()
    if store is None:
        store = Store(code=code, name=name)
        session.add(store)
    store.name, store.region, store.manager = name, region, manager
    store.opens_at, store.closes_at, store.active = opens_at, closes_at, True
    session.flush()
    return store


def store_ids_by_code(session: Session) -> dict[str, int]:
    rows = session.exec(select(Store.code, Store.id).where(col(Store.active).is_(True)))
    return {code: store_id for code, store_id in rows if store_id is not None}
