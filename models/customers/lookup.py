"""Finding customers for a person: by name or phone, and their most recently active ones.

Every query starts from ``models.customers.scope.visible_customers(user)``, so a match outside the
user's scope is simply not there — callers answer "not found" either way and never learn
that someone else's customer exists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, or_
from sqlmodel import Session, col, select

from lib.phone import PhoneError, normalise_phone
from models.customers.customer import Customer, clean_name, name_key
from models.customers.scope import visible_customers
from models.org.user import User


@dataclass(frozen=True)
class SearchResult:
    customers: list[Customer]  # best first, at most ``limit``
    exact: Customer | None  # the one customer with exactly this name or phone, if unique
    more: bool  # more customers matched than were returned


def search_customers(session: Session, user: User, query: str, *,
                     limit: int = 5) -> SearchResult:
    """Customers ``user`` may see whose name contains ``query`` (also ignoring legal
    form, spaces and punctuation, as the duplicate check does) or whose phone is
    ``query``. Exact name or phone matches first, then the most recently active."""
    wanted = clean_name(query)
    if not wanted:
        return SearchResult([], None, False)
    conditions: list[ColumnElement[bool]] = [col(Customer.name).icontains(wanted, autoescape=True)]
    key = name_key(wanted)
    if key:
        conditions.append(col(Customer.name_key).contains(key, autoescape=True))
    exact_conditions: list[ColumnElement[bool]] = [col(Customer.name) == wanted]
    try:
        phone = normalise_phone(query)
    except PhoneError:
        phone = None
    if phone is not None:
        conditions.append(col(Customer.phone) == phone)
        exact_conditions.append(col(Customer.phone) == phone)
    rank = case((or_(*exact_conditions), 0), else_=1)
    rows = list(session.exec(
        visible_customers(user)
        .where(or_(*conditions))
        .order_by(rank, *_recent_first())
        .limit(limit + 1)
    ))
    exact = [c for c in rows if c.name == wanted or (phone is not None and c.phone == phone)]
    return SearchResult(rows[:limit], exact[0] if len(exact) == 1 else None,
                        len(rows) > limit)


def recent_customers(session: Session, user: User, *, limit: int = 10) -> list[Customer]:
    """The customers ``user`` may see, most recent interaction first (never-contacted
    ones last, newest first)."""
    return list(session.exec(visible_customers(user).order_by(*_recent_first()).limit(limit)))


def owner_names(session: Session, userids: Iterable[str | None]) -> dict[str, str]:
    """WeCom userid → display name, for the owners of customers already in scope."""
    wanted = sorted({u for u in userids if u})
    if not wanted:
        return {}
    rows = session.exec(select(User.wecom_userid, User.name)
                        .where(col(User.wecom_userid).in_(wanted)))
    return dict(rows.all())


def _recent_first() -> tuple[object, ...]:
    # NULLS LAST spelled portably (SQLite and PostgreSQL disagree on the default).
    last = col(Customer.last_interaction_at)
    return (last.is_(None), last.desc(), col(Customer.id).desc())
