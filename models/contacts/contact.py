"""Tables for WeCom external contacts and the queries over them.

``WeChatContact`` is one WeChat (or WeCom) person, keyed by WeCom's ``external_userid`` and
linked to exactly one CRM customer; several contacts may share a customer (two buyers of the
same company). ``WeChatFollow`` is one rep's side of the friendship: remark, tags, when and
how they were added, and whether it still holds (the customer may delete the rep).
``ContactSyncState`` keeps a full sync's cursor per batch of reps, so an interrupted sync
resumes where it stopped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Table, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import utcnow

FOLLOW_ACTIVE = "active"
FOLLOW_DELETED_BY_CUSTOMER = "deleted_by_customer"  # del_follow_user
FOLLOW_DELETED_BY_REP = "deleted_by_rep"  # del_external_contact
FOLLOW_TRANSFERRED = "transferred"  # del_external_contact with Source=DELETE_BY_TRANSFER
FOLLOW_STATUSES = (FOLLOW_ACTIVE, FOLLOW_DELETED_BY_CUSTOMER, FOLLOW_DELETED_BY_REP,
                   FOLLOW_TRANSFERRED)

EXTERNAL_ID_MAX = 64


# Plain functions rather than ``list`` / ``dict``: pydantic inspects a default factory's
# signature at every construction, and a builtin's costs ~0.5 ms (a full sync builds 100k).
def _no_items() -> list[str]:
    return []


def _no_report() -> dict[str, Any]:
    return {}


class WeChatContact(SQLModel, table=True):
    __tablename__ = "wechat_contact"

    id: int | None = Field(default=None, primary_key=True)
    external_userid: str = Field(max_length=EXTERNAL_ID_MAX, unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str = Field(default="", max_length=100)
    # 1 a WeChat user, 2 a WeCom user of another company.
    type: int = Field(default=1)
    corp_name: str = Field(default="", max_length=100)
    gender: int = Field(default=0)
    avatar: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WeChatFollow(SQLModel, table=True):
    __tablename__ = "wechat_follow"
    __table_args__ = (UniqueConstraint("external_userid", "userid",
                                       name="uq_wechat_follow_contact_rep"),)

    id: int | None = Field(default=None, primary_key=True)
    external_userid: str = Field(max_length=EXTERNAL_ID_MAX, index=True)
    userid: str = Field(max_length=64, index=True)
    remark: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=300)
    remark_corp_name: str = Field(default="", max_length=100)
    remark_mobiles: list[str] = Field(default_factory=_no_items, sa_column=Column(JSON))
    tag_ids: list[str] = Field(default_factory=_no_items, sa_column=Column(JSON))
    added_at: datetime | None = None
    add_way: int = Field(default=0)
    state: str = Field(default="", max_length=64)
    status: str = Field(default=FOLLOW_ACTIVE, max_length=24)
    status_at: datetime = Field(default_factory=utcnow)


class ContactSyncState(SQLModel, table=True):
    """Where a full sync stands for one batch of reps (``batch_key``: their userids)."""

    __tablename__ = "contact_sync_state"

    batch_key: str = Field(primary_key=True, max_length=64)
    run_id: str = Field(max_length=32)
    cursor: str = Field(default="", max_length=256)
    done: bool = Field(default=False)
    report: dict[str, Any] = Field(default_factory=_no_report, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow)


def by_external_ids(session: Session, ids: list[str]) -> dict[str, WeChatContact]:
    if not ids:
        return {}
    rows = session.exec(select(WeChatContact).where(col(WeChatContact.external_userid).in_(ids)))
    return {row.external_userid: row for row in rows}


def follows_of(session: Session, ids: list[str]) -> dict[tuple[str, str], WeChatFollow]:
    """Every follow record of these contacts, by (external_userid, userid)."""
    if not ids:
        return {}
    rows = session.exec(select(WeChatFollow).where(col(WeChatFollow.external_userid).in_(ids)))
    return {(row.external_userid, row.userid): row for row in rows}


def wechat_customer_ids(session: Session, customer_ids: list[int], *,
                        userid: str | None = None) -> set[int]:
    """Which of these customers are someone's WeChat friend (``userid``'s, if given) now."""
    if not customer_ids:
        return set()
    stmt = (select(col(WeChatContact.customer_id))
            .join(WeChatFollow, col(WeChatFollow.external_userid)
                  == col(WeChatContact.external_userid))
            .where(col(WeChatContact.customer_id).in_(customer_ids),
                   col(WeChatFollow.status) == FOLLOW_ACTIVE))
    if userid is not None:
        stmt = stmt.where(col(WeChatFollow.userid) == userid)
    return set(session.exec(stmt))


def follow_of(session: Session, external_userid: str, userid: str) -> WeChatFollow | None:
    return session.exec(select(WeChatFollow).where(
        col(WeChatFollow.external_userid) == external_userid,
        col(WeChatFollow.userid) == userid)).first()


TRANSFER_PENDING = "pending"  # asked in Zhongshu, not yet sent to WeCom
TRANSFER_WAITING = "waiting"  # WeCom accepted it; completes after 24 h unless refused
TRANSFER_DONE = "done"
TRANSFER_FAILED = "failed"
TRANSFER_OPEN = (TRANSFER_PENDING, TRANSFER_WAITING)


class WeChatTransfer(SQLModel, table=True):
    """One WeChat customer handed from one rep to another (在职继承). The CRM owner changes
    when WeCom reports the transfer done, never before: until then the customer still talks
    to the old rep."""

    __tablename__ = "wechat_transfer"

    id: int | None = Field(default=None, primary_key=True)
    external_userid: str = Field(max_length=EXTERNAL_ID_MAX, index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    handover: str = Field(max_length=64)
    takeover: str = Field(max_length=64)
    requested_by: str = Field(max_length=64)
    status: str = Field(default=TRANSFER_PENDING, max_length=16, index=True)
    # WeCom's errcode or transfer_result status behind a failure (40129, 3 refused, 4 limit).
    reason: str = Field(default="", max_length=64)
    requested_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


def open_transfers(session: Session, customer_id: int) -> list[WeChatTransfer]:
    return list(session.exec(select(WeChatTransfer).where(
        col(WeChatTransfer.customer_id) == customer_id,
        col(WeChatTransfer.status).in_(TRANSFER_OPEN))))


def active_follows(session: Session, customer_id: int, userid: str) -> list[WeChatFollow]:
    """``userid``'s live WeChat friendships with the people of this customer."""
    return list(session.exec(
        select(WeChatFollow)
        .join(WeChatContact, col(WeChatContact.external_userid)
              == col(WeChatFollow.external_userid))
        .where(col(WeChatContact.customer_id) == customer_id,
               col(WeChatFollow.userid) == userid,
               col(WeChatFollow.status) == FOLLOW_ACTIVE)))


def table(model: type[SQLModel]) -> Table:
    """A model's table, for multi-row Core INSERTs that skip building ORM objects."""
    return SQLModel.metadata.tables[str(model.__tablename__)]
