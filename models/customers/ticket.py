"""After-sales service tickets (服务工单) raised for a customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, Session, SQLModel

from models.base import utcnow

TICKET_STATUSES = ("open", "in_progress", "resolved", "closed")  # labels: messages.py


class ServiceTicket(SQLModel, table=True):
    __tablename__ = "service_ticket"
    __table_args__ = (Index("ix_service_ticket_customer_opened", "customer_id", "opened_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    subject: str = Field(max_length=200)
    detail: str | None = None
    status: str = Field(default="open", max_length=16, index=True)
    opened_by: str = Field(max_length=64)  # WeCom userid
    assignee: str | None = Field(default=None, max_length=64, index=True)
    opened_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


def open_ticket(session: Session, *, customer_id: int, subject: str, opened_by: str,
                detail: str | None = None, assignee: str | None = None,
                opened_at: datetime | None = None) -> ServiceTicket:
    ticket = ServiceTicket(customer_id=customer_id, subject=subject, detail=detail,
                           opened_by=opened_by, assignee=assignee,
                           opened_at=opened_at or utcnow())
    session.add(ticket)
    session.flush()
    return ticket
