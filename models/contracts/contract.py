"""Contracts and the money behind them (C6): lifecycle, payments, collection forecasts.

Lifecycle (``status``)::

    draft ──sign──▶ signed ──finance review──▶ approved (receivable) ──payments──▶
                      ▲   └──────return (reason)──▶ returned ──re-sign──┘   partly_collected
                                                                          └─▶ collected

The stamped page (盖章页) is orthogonal to the status: ``stamped_at`` is set when its scan
arrives. A contract signed more than 24 h ago without it is a risk contract (风险单):
``risk_at`` records when the rule flagged it; it counts as at risk while ``stamped_at``
is still empty, so the page arriving clears it without another write.

Money is ``Decimal`` in ``Numeric(14, 2)``; ``collected_amount`` is kept equal to the sum
of the contract's payments in the transaction that books them, so the aging and
collection-rate queries read one row per contract. Every status change is one
``ContractEvent`` row (the 360 timeline and the approval-time measure read them)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from models.base import utcnow
from models.contracts import texts as CM

DRAFT = "draft"
SIGNED = "signed"
RETURNED = "returned"
APPROVED = "approved"
PARTLY_COLLECTED = "partly_collected"
COLLECTED = "collected"
STATUSES = (DRAFT, SIGNED, RETURNED, APPROVED, PARTLY_COLLECTED, COLLECTED)
#: Statuses whose amount is a receivable (finance approved it).
RECEIVABLE_STATUSES = (APPROVED, PARTLY_COLLECTED, COLLECTED)


class Contract(SQLModel, table=True):
    __tablename__ = "contract"
    __table_args__ = (
        # The review and stamped-page rules look for signed contracts by signing time.
        Index("ix_contract_status_signed", "status", "signed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_no: str = Field(max_length=64, unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    owner: str = Field(max_length=64, index=True)  # the rep's WeCom userid
    amount: Decimal = Field(default=Decimal(0), max_digits=14, decimal_places=2)
    status: str = Field(default=DRAFT, max_length=16)
    signed_at: datetime | None = None
    stamped_at: datetime | None = None
    stamped_media_id: int | None = Field(default=None, foreign_key="media.id")
    reviewed_at: datetime | None = None
    reviewed_by: str | None = Field(default=None, max_length=64)
    return_reason: str | None = Field(default=None, max_length=200)
    risk_at: datetime | None = None
    collected_amount: Decimal = Field(default=Decimal(0), max_digits=14, decimal_places=2)
    source: str = Field(default="manual", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ContractEvent(SQLModel, table=True):
    """One status change (or page upload) of a contract, who did it and why."""

    __tablename__ = "contract_event"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(sa_column=Column(
        Integer, ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True))
    at: datetime = Field(default_factory=utcnow)
    actor: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=24)  # a status name, or "stamped_page"
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, max_length=200)


class Payment(SQLModel, table=True):
    """Money received against a contract, booked by finance (by hand or from a bank
    export; ``bank_ref`` makes re-importing the same export a no-op)."""

    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    amount: Decimal = Field(max_digits=14, decimal_places=2)
    paid_on: date = Field(index=True)
    source: str = Field(default="manual", max_length=16)
    bank_ref: str | None = Field(default=None, max_length=64, unique=True)
    booked_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class CollectionForecast(SQLModel, table=True):
    """A rep's promise: this much of the contract will arrive by that date."""

    __tablename__ = "collection_forecast"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    owner: str = Field(max_length=64, index=True)
    amount: Decimal = Field(max_digits=14, decimal_places=2)
    expected_on: date = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow)


# -- reading a contract (actions, the finance notices, pages and reports all need these) --
def status_label(status: str) -> str:
    return CM.STATUS_LABELS.get(status, status)


def outstanding(contract: Contract) -> Decimal:
    """What finance still expects for an approved contract."""
    return max(Decimal(0), Decimal(contract.amount) - Decimal(contract.collected_amount))


def is_risk(contract: Contract) -> bool:
    return contract.risk_at is not None and contract.stamped_at is None
