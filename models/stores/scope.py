"""Who may see which stores (C12) — the store counterpart of ``models.customers.scope``.

| role           | stores it sees                                  |
|----------------|-------------------------------------------------|
| store_manager  | the stores whose ``manager`` is it               |
| hq, director   | all stores (store regions are not sales regions)  |
| anyone else    | none                                            |

Every store page, JSON feed, export and upload goes through ``store_filter``; an
out-of-scope store reads as "not found", never as a distinct error."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, func, true
from sqlmodel import Session, col, select

from models.org.user import User
from models.stores.store import Store

S = TypeVar("S", bound=Select[Any])

STORE_ROLES = ("store_manager", "hq", "director")
HQ_ROLES = ("hq", "director")  # all stores: publish promotions, see alerts and members


def store_filter(user: User) -> ColumnElement[bool]:
    if not user.active:
        return false()
    if user.role == "store_manager":
        return Store.manager == user.wecom_userid  # type: ignore[return-value]
    if user.role in HQ_ROLES:
        return true()
    return false()


def is_hq(user: User) -> bool:
    return user.active and user.role in HQ_ROLES


def scope_stores(stmt: S, user: User) -> S:
    return stmt.where(store_filter(user))


def visible_stores(session: Session, user: User) -> list[Store]:
    return list(session.exec(scope_stores(select(Store), user)
                             .where(col(Store.active).is_(True)).order_by(col(Store.code))))


def visible_store_ids(user: User) -> Any:
    """A subquery of the store ids ``user`` may see, for ``store_id.in_(...)``."""
    return select(Store.id).where(store_filter(user))


def get_store_for(session: Session, user: User, store_id: int) -> Store | None:
    return session.exec(scope_stores(select(Store).where(Store.id == store_id), user)).first()


def get_store_by_code_for(session: Session, user: User, code: str) -> Store | None:
    """The store with this code (as printed on cards: ``MD007``, any letter case), if
    ``user`` may see it — the same scope as by id."""
    wanted = code.strip().upper()
    return session.exec(scope_stores(select(Store).where(
        func.upper(Store.code) == wanted), user)).first()
