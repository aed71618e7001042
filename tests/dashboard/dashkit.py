"""A small fixed data set whose dashboard figures are worked out by hand (see the tests).

The week under test is Monday 2026-11-16 (business time, Asia/Shanghai); "now" is Friday
2026-11-20 12:00. Teams: wangfang (华东) leads zhangwei and lina; sunli (华南) leads
zhaolei; liuyang directs 华东; boss directs the whole company."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from analytics import rollup
from models.contracts.contract import CollectionForecast, Contract, Payment
from models.customers.customer import Customer, name_key
from models.customers.orders import Line, add_order
from models.org import user as users
from models.visits import evidence as ev
from models.visits.plan import VisitPlan, VisitPlanItem
from models.visits.visit import Visit, VisitFlag
from zhongshu.db import session_scope

TZ = ZoneInfo("Asia/Shanghai")
WEEK = date(2026, 11, 16)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=TZ)

ORG = [
    {"wecom_userid": "boss", "name": "周总", "role": "director"},
    {"wecom_userid": "liuyang", "name": "刘洋", "role": "director", "region": "华东"},
    {"wecom_userid": "wangfang", "name": "王芳", "role": "supervisor", "region": "华东",
     "supervisor_userid": "liuyang"},
    {"wecom_userid": "zhangwei", "name": "张伟", "role": "rep", "region": "华东",
     "supervisor_userid": "wangfang"},
    {"wecom_userid": "lina", "name": "李娜", "role": "rep", "region": "华东",
     "supervisor_userid": "wangfang"},
    {"wecom_userid": "sunli", "name": "孙丽", "role": "supervisor", "region": "华南"},
    {"wecom_userid": "zhaolei", "name": "赵磊", "role": "rep", "region": "华南",
     "supervisor_userid": "sunli"},
    {"wecom_userid": "admin", "name": "赵敏", "role": "admin"},
    {"wecom_userid": "chenjing", "name": "陈静", "role": "finance"},
]


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def _customer(session: Session, name: str, owner: str, region: str, grade: str,
              created: str, phone: str) -> int:
    c = Customer(name=name, name_key=name_key(name), phone=phone, owner=owner, region=region,
                 grade=grade, created_at=t(created))
    session.add(c)
    session.flush()
    assert c.id is not None
    return c.id


def _visit(session: Session, rep: str, customer: int, at: str, *, complete: bool,
           compliant: bool | None) -> None:
    visit = Visit(rep=rep, customer_id=customer, at=t(at), grade="A",
                  pain_points=["价格偏高"], question="你们的交期能否缩短到两周",
                  next_action="寄送样品" if complete else None,
                  photo_path="/tmp/p.jpg", compliant=compliant,
                  status="checked" if compliant is not None else "pending")
    session.add(visit)
    if compliant is False:  # a fake: checked in 12 km from the customer
        session.flush()
        assert visit.id is not None
        session.add(VisitFlag(visit_id=visit.id, code=ev.FAR_FROM_CUSTOMER,
                              reason="签到定位距客户登记地址 12.0 公里（阈值 5 公里）"))


def _plan(session: Session, rep: str, customers: list[int]) -> None:
    plan = VisitPlan(rep=rep, week=WEEK)
    session.add(plan)
    session.flush()
    assert plan.id is not None
    session.add_all(VisitPlanItem(plan_id=plan.id, customer_id=c) for c in customers)


def _contract(session: Session, no: str, customer: int, owner: str, amount: int, status: str,
              signed: str, reviewed: str | None, payments: list[tuple[str, int]],
              forecasts: list[tuple[str, int]]) -> None:
    k = Contract(contract_no=no, customer_id=customer, owner=owner, amount=Decimal(amount),
                 status=status, signed_at=t(signed),
                 reviewed_at=t(reviewed) if reviewed else None,
                 collected_amount=Decimal(sum(a for _, a in payments)))
    session.add(k)
    session.flush()
    assert k.id is not None
    session.add_all(Payment(contract_id=k.id, amount=Decimal(a), paid_on=date.fromisoformat(d))
                    for d, a in payments)
    session.add_all(CollectionForecast(contract_id=k.id, owner=owner, amount=Decimal(a),
                                       expected_on=date.fromisoformat(d)) for d, a in forecasts)


def build() -> dict[str, int]:
    """Create the data set and refresh the roll-ups; returns customer ids by short name."""
    with session_scope() as s:
        for person in ORG:
            users.upsert(s, **person)
        ids = {
            "c1": _customer(s, "杭州精工机械", "zhangwei", "华东", "A", "2026-08-01 10:00",
                            "13900000001"),
            "c2": _customer(s, "宁波海达电子", "zhangwei", "华东", "A", "2026-11-02 10:00",
                            "13900000002"),
            "c3": _customer(s, "苏州恒通材料", "lina", "华东", "B", "2026-07-01 10:00",
                            "13900000003"),
            "c4": _customer(s, "广州粤达贸易", "zhaolei", "华南", "A", "2026-06-01 10:00",
                            "13900000004"),
            "c5": _customer(s, "厦门老客户", "lina", "华东", "C", "2026-01-05 10:00",
                            "13900000005"),
            "c6": _customer(s, "南昌沉睡客户", "lina", "华东", "B", "2026-02-01 10:00",
                            "13900000006"),
        }
        orders = [("c1", "2026-08-11 10:00", [("M-100", 1000)]),
                  ("c1", "2026-11-17 10:00", [("M-100", 1500), ("M-200", 500)]),
                  ("c2", "2026-11-18 10:00", [("M-300", 500)]),
                  ("c3", "2026-11-10 10:00", [("B-10", 300)]),
                  ("c3", "2026-11-19 10:00", [("B-10", 700)]),
                  ("c4", "2026-06-11 10:00", [("M-100", 400)]),
                  ("c4", "2026-11-16 10:00", [("M-100", 800)]),
                  ("c5", "2026-03-01 10:00", [("C-1", 100)])]
        for n, (c, at, lines) in enumerate(orders, 1):
            owner = s.get(Customer, ids[c]).owner  # type: ignore[union-attr]
            add_order(s, order_no=f"SO-{n:03d}", customer_id=ids[c], ordered_at=t(at),
                      owner=owner, lines=[Line(m, Decimal(1), Decimal(a)) for m, a in lines])
        _visit(s, "zhangwei", ids["c1"], "2026-11-17 11:00", complete=True, compliant=True)
        _visit(s, "zhangwei", ids["c2"], "2026-11-18 11:00", complete=True, compliant=False)
        _visit(s, "lina", ids["c3"], "2026-11-19 11:00", complete=False, compliant=None)
        _visit(s, "zhaolei", ids["c4"], "2026-11-17 11:00", complete=True, compliant=True)
        _plan(s, "zhangwei", [ids["c1"], ids["c2"]])
        _plan(s, "lina", [ids["c3"]])
        _plan(s, "zhaolei", [ids["c4"]])
        _contract(s, "HT-1", ids["c1"], "zhangwei", 10000, "partly_collected",
                  "2026-10-20 10:00", "2026-10-22 10:00",
                  [("2026-10-25", 2000), ("2026-11-10", 3000)], [("2026-11-15", 3000)])
        _contract(s, "HT-2", ids["c3"], "lina", 5000, "partly_collected",
                  "2026-11-02 10:00", "2026-11-05 22:00", [("2026-11-12", 1000)],
                  [("2026-11-20", 2000)])
        _contract(s, "HT-3", ids["c2"], "zhangwei", 4000, "signed", "2026-11-16 10:00", None,
                  [], [])
        _contract(s, "HT-4", ids["c4"], "zhaolei", 6000, "collected", "2026-09-01 10:00",
                  "2026-09-02 10:00", [("2026-11-03", 6000)], [("2026-11-05", 4000)])
    with session_scope() as s:
        rollup.refresh(s, now=NOW, tz=TZ, all_weeks=True)
    return ids


def user(userid: str) -> users.User:
    with session_scope() as s:
        found = users.by_platform_id(s, "wecom", userid)
        assert found is not None
        s.expunge(found)
        return found
