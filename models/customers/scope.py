"""Who may see which customers (C11) — the one place this rule is written.

Every path that reads customers or anything hanging off them (chat commands, card
buttons, forms, pages, exports, jobs acting for a user) goes through these functions:

| role       | customers it sees                                                        |
|------------|--------------------------------------------------------------------------|
| rep        | its own (``owner`` = its WeCom userid)                                   |
| supervisor | its own plus those of the users whose ``supervisor_userid`` is it (one   |
|            | level; reps who left stay in the team until their customers are moved)    |
| director   | with a region: customers in that region *or* owned by a user of that     |
|            | region (quick-registered customers have no region yet); without: all     |
| finance    | read-only, customers that have money with us (at least one order or one  |
|            | contract) — and all of their orders                                      |
| admin      | none: admins configure fields, rules and imports, they don't read deals  |

Inactive users and unknown roles see nothing. Finance and admin can never edit a
customer; service tickets and communication records are not money, so finance doesn't
see them. Out-of-scope reads return "nothing" (None / no rows), never a distinct error,
so callers answer "not found" and don't reveal that a record exists."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, false, or_, true
from sqlmodel import Session, select

from models.contracts.contract import Contract
from models.customers.customer import Customer
from models.customers.orders import SalesOrder
from models.org.user import User

# retail stores (C12): the rules live in models.stores.scope, re-exported here
from models.stores.scope import get_store_for, scope_stores, store_filter  # noqa: F401

S = TypeVar("S", bound=Select[Any])

EDITOR_ROLES = ("rep", "supervisor", "director")


def customer_filter(user: User, *, for_edit: bool = False) -> ColumnElement[bool]:
    """The WHERE clause selecting the customers ``user`` may see (or edit)."""
    if not user.active:
        return false()
    me = user.wecom_userid
    if user.role == "rep":
        return Customer.owner == me  # type: ignore[return-value]
    if user.role == "supervisor":
        team = select(User.wecom_userid).where(User.supervisor_userid == me)
        return or_(Customer.owner == me,  # type: ignore[arg-type]
                   Customer.owner.in_(team))  # type: ignore[union-attr]
    if user.role == "director":
        if user.region is None:
            return true()
        region_users = select(User.wecom_userid).where(User.region == user.region)
        return or_(Customer.region == user.region,  # type: ignore[arg-type]
                   Customer.owner.in_(region_users))  # type: ignore[union-attr]
    if user.role == "finance" and not for_edit:
        return or_(exists().where(SalesOrder.customer_id == Customer.id),  # type: ignore[arg-type]
                   exists().where(Contract.customer_id == Customer.id))  # type: ignore[arg-type]
    return false()


def can_edit_customers(user: User) -> bool:
    return user.active and user.role in EDITOR_ROLES


def scope_customers(stmt: S, user: User, *, for_edit: bool = False) -> S:
    """Restrict any statement that selects from ``customer`` to what ``user`` may see."""
    return stmt.where(customer_filter(user, for_edit=for_edit))


def visible_customers(user: User) -> Any:
    """``select(Customer)`` limited to ``user``'s customers; add filters and order to it."""
    return scope_customers(select(Customer), user)


def _visible_ids(user: User) -> Any:
    return select(Customer.id).where(customer_filter(user))


def scope_orders(stmt: S, user: User) -> S:
    """Orders are visible exactly when their customer is."""
    return stmt.where(SalesOrder.customer_id.in_(_visible_ids(user)))  # type: ignore[attr-defined]


def scope_customer_records(stmt: S, user: User, customer_id_column: Any) -> S:
    """Service tickets, communication records, visits…: visible with their customer, and
    never to finance (money only)."""
    if user.role == "finance":
        return stmt.where(false())
    return stmt.where(customer_id_column.in_(_visible_ids(user)))


def get_customer_for(session: Session, user: User, customer_id: int, *,
                     for_edit: bool = False) -> Customer | None:
    """The customer if ``user`` may see (``for_edit``: change) it, else None."""
    stmt = scope_customers(select(Customer).where(Customer.id == customer_id), user,
                           for_edit=for_edit)
    return session.exec(stmt).first()


def get_order_for(session: Session, user: User, order_id: int) -> SalesOrder | None:
    return session.exec(scope_orders(select(SalesOrder).where(SalesOrder.id == order_id),
                                     user)).first()


# -- contracts (C6) ---------------------------------------------------------------------------
# | rep        | its own contracts (``contract.owner``)                                   |
# | supervisor | its own and its team's (one level, as for customers)                     |
# | director   | with a region: contracts of customers in the region or owned by a user  |
# |            | of the region; without: all                                               |
# | finance    | all contracts: reads them, reviews them and books their payments        |
# | admin      | none                                                                      |
def contract_filter(user: User) -> ColumnElement[bool]:
    """The WHERE clause selecting the contracts ``user`` may see."""
    if not user.active:
        return false()
    me = user.wecom_userid
    if user.role == "rep":
        return Contract.owner == me  # type: ignore[return-value]
    if user.role == "supervisor":
        team = select(User.wecom_userid).where(User.supervisor_userid == me)
        return or_(Contract.owner == me,  # type: ignore[arg-type]
                   Contract.owner.in_(team))  # type: ignore[attr-defined]
    if user.role == "director":
        if user.region is None:
            return true()
        region_users = select(User.wecom_userid).where(User.region == user.region)
        region_customers = select(Customer.id).where(Customer.region == user.region)
        return or_(Contract.owner.in_(region_users),  # type: ignore[attr-defined]
                   Contract.customer_id.in_(region_customers))  # type: ignore[attr-defined]
    if user.role == "finance":
        return true()
    return false()


def scope_contracts(stmt: S, user: User) -> S:
    """Restrict a statement over ``contract`` (or joined to it) to what ``user`` may see;
    payments, forecasts and contract events are visible with their contract."""
    return stmt.where(contract_filter(user))


def get_contract_for(session: Session, user: User, contract_id: int) -> Contract | None:
    """The contract if ``user`` may see it, else None (missing and "not yours" look alike)."""
    return session.exec(scope_contracts(select(Contract).where(Contract.id == contract_id),
                                        user)).first()




def owner_region_filter(user: User, owner: Any, region: Any) -> ColumnElement[bool]:
    """``customer_filter`` over any table that carries a customer's owner and region
    (the dashboard roll-ups), so aggregated figures follow the same rule as the rows.
    Finance and admin get nothing here: the dashboard is not theirs (see web.dashboard.pages)."""
    if not user.active:
        return false()
    me = user.wecom_userid
    if user.role == "supervisor":
        team = select(User.wecom_userid).where(User.supervisor_userid == me)
        return or_(owner == me, owner.in_(team))
    if user.role == "director":
        if user.region is None:
            return true()
        region_users = select(User.wecom_userid).where(User.region == user.region)
        return or_(region == user.region, owner.in_(region_users))
    if user.role == "rep":
        return owner == me
    return false()
