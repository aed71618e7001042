"""Helpers for the contract tests: read contracts, their events, payments and the outbox
back, and drive a contract through its lifecycle with the real functions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select

from handlers.contracts import actions as ops
from models.contracts.contract import Contract, ContractEvent, Payment
from models.org import user as users
from models.platform.outbox import OutboxMessage
from zhongshu.db import session_scope


def user(userid: str) -> users.User:
    with session_scope() as session:
        return session.exec(select(users.User).where(users.User.wecom_userid == userid)).one()


def contract(contract_id: int) -> Contract:
    with session_scope() as session:
        row = session.get(Contract, contract_id)
        assert row is not None
        return row


def events(contract_id: int) -> list[tuple[str, str | None, str | None]]:
    with session_scope() as session:
        return [(e.kind, e.from_status, e.to_status) for e in session.exec(
            select(ContractEvent).where(ContractEvent.contract_id == contract_id)
            .order_by(ContractEvent.id))]  # type: ignore[arg-type]


def payments(contract_id: int | None = None) -> list[Payment]:
    with session_scope() as session:
        stmt = select(Payment).order_by(Payment.id)  # type: ignore[arg-type]
        if contract_id is not None:
            stmt = stmt.where(Payment.contract_id == contract_id)
        return list(session.exec(stmt))


def outbox() -> list[OutboxMessage]:
    with session_scope() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))  # type: ignore[arg-type]


def sign(contract_id: int, by: str = "zhangwei", *, now: datetime | None = None) -> Contract:
    with session_scope() as session:
        return ops.sign(session, user=user(by), contract_id=contract_id, now=now)


def approve(contract_id: int, by: str = "chenjing", **kw: Any) -> Contract:
    with session_scope() as session:
        return ops.review(session, user=user(by), contract_id=contract_id, approve=True, **kw)


def pay(contract_id: int, amount: str, by: str = "chenjing", **kw: Any) -> Payment | None:
    with session_scope() as session:
        return ops.book_payment(session, user=user(by), contract_id=contract_id,
                                amount=amount, **kw)


