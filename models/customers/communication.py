"""Communication records (沟通记录): who talked to a customer, when, how, and about what.

Recording one moves the customer's ``last_interaction_at`` forward, which the 30-day
wake-up rule reads; visits and orders move it through ``touch_interaction`` too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, or_, update
from sqlmodel import Field, Session, SQLModel

from models.base import utcnow
from models.customers.customer import Customer

CHANNELS = ("visit", "phone", "wechat", "dingtalk", "email", "meeting")  # labels: messages.py


class Communication(SQLModel, table=True):
    __tablename__ = "communication"
    __table_args__ = (Index("ix_communication_customer_at", "customer_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    user_id: str = Field(max_length=64, index=True)  # WeCom userid of the rep
    at: datetime = Field(default_factory=utcnow)
    channel: str = Field(default="wechat", max_length=16)
    summary: str = Field(max_length=2000)


def record_communication(session: Session, *, customer_id: int, user_id: str, channel: str,
                         summary: str, at: datetime | None = None) -> Communication:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}")
    row = Communication(customer_id=customer_id, user_id=user_id, channel=channel,
                        summary=summary, at=at or utcnow())
    session.add(row)
    session.flush()
    touch_interaction(session, customer_id=customer_id, at=row.at)
    return row


def touch_interaction(session: Session, *, customer_id: int, at: datetime) -> None:
    """Move the customer's ``last_interaction_at`` to ``at`` — a visit, a communication
    record or an order. Only ever forward: back-filling an old record must not make a
    customer look stale."""
    session.exec(
        update(Customer)
        .where(Customer.id == customer_id,  # type: ignore[arg-type]
               or_(Customer.last_interaction_at.is_(None),  # type: ignore[union-attr]
                   Customer.last_interaction_at < at))  # type: ignore[operator,arg-type]
        .values(last_interaction_at=at)
        .execution_options(synchronize_session=False)
    )
