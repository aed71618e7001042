"""Customers: the table, its fixed vocabularies and the name key used to spot duplicates.

Reading customers for a user goes through ``models.customers.scope`` (never a bare select), so the
permission rule lives in one place. Registration with duplicate checks is in
``models.customers.registration``; spreadsheet import in ``models.imports.importer``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from lib.company_names import company_key
from lib.text import halfwidth
from models.base import utcnow

GRADES = ("A", "B", "C")
# Sales pipeline, in order. Codes are stored; labels are in models.messages.STAGE_LABELS.
STAGES = ("lead", "intent", "quote", "won", "lost")
SOURCES = ("quick_register", "chat", "import", "manual", "demo", "wechat")
COORD_SYSTEMS = ("wgs84", "gcj02")

NAME_MAX = 100
CONTACT_MAX = 32
INDUSTRY_MAX = 32
INTENT_MAX = 200
ADDRESS_MAX = 255

# Import columns nobody mapped are kept here. JSONB on PostgreSQL so a re-import can merge
# keys with ``||``; SQL NULL (not JSON null) when empty, so COALESCE/json_patch work.
EXTRA_TYPE = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class Customer(SQLModel, table=True):
    __tablename__ = "customer"
    __table_args__ = (
        # Drill-down "region → grade" and the director's scope filter.
        Index("ix_customer_region_grade", "region", "grade"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=NAME_MAX, index=True)
    # ``name_key(name)``: legal-form suffixes, spaces and punctuation removed, for the
    # "similar name" duplicate check (an indexed equality instead of a table scan).
    name_key: str = Field(max_length=NAME_MAX, index=True)
    contact: str | None = Field(default=None, max_length=CONTACT_MAX)
    # Normalised by lib.phone.normalise_phone; unique so import can upsert on it and
    # registration can refuse a second customer with the same number.
    phone: str | None = Field(default=None, max_length=32, unique=True)
    industry: str | None = Field(default=None, max_length=INDUSTRY_MAX)
    intent: str | None = Field(default=None, max_length=INTENT_MAX)
    grade: str | None = Field(default=None, max_length=1)
    region: str | None = Field(default=None, max_length=16)
    province: str | None = Field(default=None, max_length=16)
    city: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=ADDRESS_MAX)
    latitude: float | None = None
    longitude: float | None = None
    coord: str | None = Field(default=None, max_length=8)
    # The responsible rep's WeCom userid; None for customers nobody owns yet.
    owner: str | None = Field(default=None, max_length=64, index=True)
    source: str = Field(default="manual", max_length=16)
    stage: str = Field(default="lead", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_interaction_at: datetime | None = Field(default=None, index=True)
    last_order_at: datetime | None = Field(default=None, index=True)
    extra: dict[str, Any] | None = Field(default=None, sa_column=Column(EXTRA_TYPE))


def clean_name(value: str) -> str:
    """The stored spelling of a customer name: half-width, trimmed, single spaces."""
    return " ".join(halfwidth(value).split())


def name_key(name: str) -> str:
    """Key for "probably the same company" (lib.company_names.company_key):
    ``恒达精密机械（苏州）有限公司`` and ``苏州 恒达精密机械有限公司`` both give
    ``苏州恒达精密机械``."""
    return company_key(name)[:NAME_MAX]


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _keep_name_key(_mapper: Any, _connection: Any, target: Customer) -> None:
    # ORM writes keep the key in step with the name; bulk paths compute it themselves.
    target.name_key = name_key(target.name)


@event.listens_for(Customer, "before_update")
def _touch(_mapper: Any, _connection: Any, target: Customer) -> None:
    target.updated_at = utcnow()
