"""models.customers.scope: for each role, exactly the customers (and orders, records) it may see."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from models.customers.communication import Communication, record_communication
from models.customers.customer import Customer, name_key
from models.customers.orders import Line, SalesOrder, add_order
from models.customers.scope import (
    can_edit_customers,
    get_customer_for,
    get_order_for,
    scope_customer_records,
    scope_customers,
    scope_orders,
    visible_customers,
)
from models.org import user as user_model
from models.org.user import User

# (userid, role, supervisor, region, active)
ORG = [
    ("dir_east", "director", None, "华东", True),
    ("dir_all", "director", None, None, True),
    ("sup1", "supervisor", "dir_all", "华东", True),
    ("sup2", "supervisor", "dir_all", "华南", True),
    ("rep1", "rep", "sup1", "华东", True),
    ("rep2", "rep", "sup1", "华东", True),
    ("rep3", "rep", "sup2", "华南", True),
    ("gone", "rep", "sup1", "华东", False),
    ("fin", "finance", None, None, True),
    ("adm", "admin", None, None, True),
]
# name → (owner, region)
CUSTOMERS = {
    "c1": ("rep1", "华东"),
    "c2": ("rep2", "华东"),
    "c3": ("rep3", "华南"),
    "c4": ("sup1", None),  # the supervisor's own customer
    "c5": (None, "华北"),  # nobody's yet
    "c6": ("rep1", None),  # quick-registered: no region yet
    "c7": ("rep3", "华东"),  # a 华南 rep's customer in 华东
    "c8": ("gone", "华东"),  # owned by a rep who left
}
EXPECTED = {
    "rep1": {"c1", "c6"},
    "rep2": {"c2"},
    "rep3": {"c3", "c7"},
    "gone": set(),  # inactive users see nothing
    "sup1": {"c1", "c2", "c4", "c6", "c8"},
    "sup2": {"c3", "c7"},
    "dir_east": {"c1", "c2", "c4", "c6", "c7", "c8"},
    "dir_all": set(CUSTOMERS),
    "fin": {"c1", "c3"},  # customers with orders
    "adm": set(),
}


@pytest.fixture()
def org(session: Session) -> dict[str, int]:
    for userid, role, supervisor, region, active in ORG:
        user = user_model.upsert(session, wecom_userid=userid, name=userid, role=role,
                                 supervisor_userid=supervisor, region=region)
        user.active = active
    ids = {}
    for name, (owner, region) in CUSTOMERS.items():
        customer = Customer(name=name, name_key=name_key(name), owner=owner, region=region,
                            phone=None)
        session.add(customer)
        session.flush()
        ids[name] = customer.id
    at = datetime(2025, 6, 1, tzinfo=UTC)
    for name in ("c1", "c3"):
        add_order(session, order_no=f"SO-{name}", customer_id=ids[name], ordered_at=at,
                  owner=CUSTOMERS[name][0], lines=[Line("FB-PPS-550", Decimal(10),
                                                        Decimal("850.00"))])
    for name in ("c1", "c2", "c3"):
        record_communication(session, customer_id=ids[name], user_id="rep1", channel="phone",
                             summary="回访")
    session.commit()
    return ids


def _user(session: Session, userid: str) -> User:
    return session.exec(select(User).where(User.wecom_userid == userid)).one()


@pytest.mark.parametrize("userid", sorted(EXPECTED))
def test_each_role_sees_exactly_its_customers(session: Session, org: dict[str, int],
                                              userid: str) -> None:
    user = _user(session, userid)
    seen = {c.name for c in session.exec(visible_customers(user))}
    assert seen == EXPECTED[userid]
    # The same rule through every entry point: by id, composed into another query.
    by_id = {name for name, cid in org.items() if get_customer_for(session, user, cid)}
    assert by_id == EXPECTED[userid]
    grade_query = scope_customers(select(Customer.name).where(Customer.grade.is_(None)), user)
    assert set(session.exec(grade_query)) == EXPECTED[userid]


def test_a_rep_never_sees_another_reps_customer(session: Session, org: dict[str, int]) -> None:
    rep1 = _user(session, "rep1")
    for name in ("c2", "c3", "c4", "c5", "c7", "c8"):
        assert get_customer_for(session, rep1, org[name]) is None
    assert get_customer_for(session, rep1, 999_999) is None  # same answer as "no such id"


def test_supervisor_sees_exactly_the_team(session: Session, org: dict[str, int]) -> None:
    sup1 = _user(session, "sup1")
    team = {u for u, _r, boss, _g, _a in ORG if boss == "sup1"} | {"sup1"}
    owners = {c.owner for c in session.exec(visible_customers(sup1))}
    assert owners == team & {o for o, _ in CUSTOMERS.values()}


def test_finance_and_admin_cannot_edit(session: Session, org: dict[str, int]) -> None:
    fin, adm, rep1 = (_user(session, u) for u in ("fin", "adm", "rep1"))
    assert get_customer_for(session, fin, org["c1"]) is not None
    assert get_customer_for(session, fin, org["c1"], for_edit=True) is None
    assert get_customer_for(session, adm, org["c1"], for_edit=True) is None
    assert get_customer_for(session, rep1, org["c1"], for_edit=True) is not None
    assert [can_edit_customers(u) for u in (fin, adm, rep1)] == [False, False, True]


def test_orders_follow_their_customer(session: Session, org: dict[str, int]) -> None:
    def orders(userid: str) -> set[str]:
        return set(session.exec(scope_orders(select(SalesOrder.order_no),
                                             _user(session, userid))))

    assert orders("rep1") == {"SO-c1"}
    assert orders("rep2") == set()
    assert orders("sup2") == {"SO-c3"}
    assert orders("fin") == {"SO-c1", "SO-c3"}
    assert orders("adm") == set()
    c3_order = session.exec(select(SalesOrder).where(SalesOrder.order_no == "SO-c3")).one()
    assert get_order_for(session, _user(session, "rep1"), c3_order.id) is None
    assert get_order_for(session, _user(session, "rep3"), c3_order.id) is not None


def test_records_follow_their_customer_and_are_not_finances(session: Session,
                                                            org: dict[str, int]) -> None:
    def records(userid: str) -> int:
        stmt = scope_customer_records(select(Communication.id), _user(session, userid),
                                      Communication.customer_id)
        return len(session.exec(stmt).all())

    assert records("rep1") == 1
    assert records("sup1") == 2
    assert records("dir_all") == 3
    assert records("fin") == 0
    assert records("adm") == 0
