"""Sales orders and their lines (product model, quantity, amount).

Money is ``Decimal`` in ``Numeric(14, 2)`` columns, never float. An order's ``amount`` is
the sum of its lines when it has lines; orders imported without product detail have an
amount and no lines. A customer's ``last_order_at`` is kept equal to its latest order
(``refresh_last_order_at``), so the zombie-customer rule reads one indexed column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Integer, func, or_, update
from sqlmodel import Field, Session, SQLModel, select

from models.base import utcnow
from models.customers.customer import Customer


class SalesOrder(SQLModel, table=True):
    __tablename__ = "sales_order"
    __table_args__ = (
        # A customer's order history and repurchase analysis read by (customer, time).
        Index("ix_sales_order_customer_ordered", "customer_id", "ordered_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_no: str = Field(max_length=64, unique=True)
    customer_id: int = Field(foreign_key="customer.id")
    ordered_at: datetime = Field(index=True)
    amount: Decimal = Field(default=Decimal(0), max_digits=14, decimal_places=2)
    owner: str | None = Field(default=None, max_length=64, index=True)
    source: str = Field(default="manual", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    # Indexed: the dashboard's five-minute refresh reads the orders written since its last.
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class OrderLine(SQLModel, table=True):
    __tablename__ = "sales_order_line"

    id: int | None = Field(default=None, primary_key=True)
    # Lines belong to their order: deleting or re-importing an order replaces its lines.
    order_id: int = Field(sa_column=Column(
        Integer, ForeignKey("sales_order.id", ondelete="CASCADE"), nullable=False, index=True))
    product_model: str | None = Field(default=None, max_length=64, index=True)
    quantity: Decimal | None = Field(default=None, max_digits=14, decimal_places=3)
    amount: Decimal = Field(default=Decimal(0), max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class Line:
    product_model: str | None
    quantity: Decimal | None
    amount: Decimal


def add_order(session: Session, *, order_no: str, customer_id: int, ordered_at: datetime,
              owner: str | None, lines: Sequence[Line], source: str = "manual") -> SalesOrder:
    """Create an order with its lines in the caller's transaction."""
    order = SalesOrder(order_no=order_no, customer_id=customer_id, ordered_at=ordered_at,
                       owner=owner, source=source,
                       amount=sum((line.amount for line in lines), Decimal(0)))
    session.add(order)
    session.flush()
    assert order.id is not None
    session.add_all(OrderLine(order_id=order.id, product_model=line.product_model,
                              quantity=line.quantity, amount=line.amount) for line in lines)
    session.flush()
    refresh_last_order_at(session, [customer_id])
    return order


def lines_of(session: Session, order_id: int) -> list[OrderLine]:
    return list(session.exec(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id)  # type: ignore[arg-type]
    ))


def refresh_last_order_at(session: Session, customer_ids: Iterable[int]) -> None:
    """Set each customer's last_order_at to its latest order (None when it has none)."""
    ids = sorted(set(customer_ids))
    latest = (select(func.max(SalesOrder.ordered_at))
              .where(SalesOrder.customer_id == Customer.id)
              .scalar_subquery())
    for start in range(0, len(ids), 1000):
        session.exec(
            update(Customer)
            .where(Customer.id.in_(ids[start:start + 1000]))  # type: ignore[union-attr]
            .values(last_order_at=latest)
            .execution_options(synchronize_session=False)
        )
        # An order is an interaction too (the wake-up rule): move it forward only.
        session.exec(
            update(Customer)
            .where(Customer.id.in_(ids[start:start + 1000]),  # type: ignore[union-attr]
                   Customer.last_order_at.is_not(None),  # type: ignore[union-attr]
                   or_(Customer.last_interaction_at.is_(None),  # type: ignore[union-attr]
                       Customer.last_interaction_at < Customer.last_order_at))  # type: ignore[operator,arg-type]
            .values(last_interaction_at=Customer.last_order_at)
            .execution_options(synchronize_session=False)
        )
