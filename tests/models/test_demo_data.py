"""zhongshu.demo (data, org, run): the article's company, deterministic, idempotent, and valid
data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, func, select

from lib.phone import normalise_phone
from lib.regions import REGIONS
from models.base import utcnow
from models.customers.customer import Customer
from models.customers.orders import OrderLine, SalesOrder
from models.org.user import User
from zhongshu.demo.data import CITIES
from zhongshu.demo.org import DEMO_ORG
from zhongshu.demo.run import demo_directory, load_demo_data

EMULATOR_USERS = [
    # userid, name, role, department, mobile, dingtalk userid
    ("zhangwei", "张伟", "rep", [3], "13800000001", "dt_zhangwei"),
    ("lina", "李娜", "rep", [3], "13800000002", "dt_lina"),
    ("wangfang", "王芳", "supervisor", [3], "13800000003", "dt_wangfang"),
    ("liuyang", "刘洋", "director", [2], "13800000004", "dt_liuyang"),
    ("chenjing", "陈静", "finance", [4], "13800000005", "dt_chenjing"),
    ("admin", "赵敏", "admin", [5], "13800000006", "dt_admin"),
]


def test_directory_has_the_emulator_users_and_the_articles_shape() -> None:
    departments, users = demo_directory()
    by_id = {u["userid"]: u for u in users}
    for userid, name, role, department, mobile, dingtalk in EMULATOR_USERS:
        u = by_id[userid]
        assert (u["name"], u["role"], u["department"], u["mobile"], u["dingtalk_userid"]) == (
            name, role, department, mobile, dingtalk)
    assert {"userid", "name", "department", "position", "mobile", "role",
            "dingtalk_userid"} <= set(users[0])
    reps = [p for p in DEMO_ORG if p.role == "rep"]
    assert len(reps) == 28
    assert len({p.province for p in reps}) == 17
    assert len(by_id) == len(users)  # unique userids
    assert {d["id"] for d in departments} >= {u["department"][0] for u in users}
    people = {p.userid: p for p in DEMO_ORG}
    assert (people["zhangwei"].supervisor, people["lina"].supervisor) == ("wangfang", "wangfang")
    assert people["wangfang"].region == "华东"
    for person in DEMO_ORG:  # every reporting line points at someone who exists
        assert person.supervisor is None or person.supervisor in people
        assert person.region is None or person.region in REGIONS
        normalise_phone(person.mobile)


def test_load_is_deterministic_idempotent_and_realistic(session: Session) -> None:
    counts = load_demo_data(progress=False, customers=600, visit_weeks=2)
    assert counts["users"] == len(DEMO_ORG)
    assert counts["customers"] == 600
    assert counts["orders"] > 600 and counts["order_lines"] >= counts["orders"]
    assert counts["communications"] > 600

    again = load_demo_data(progress=False, customers=600, visit_weeks=2)
    assert again == dict.fromkeys(counts, 0) | {"users": len(DEMO_ORG)}
    assert session.exec(select(func.count()).select_from(Customer)).one() == 600

    users = {u.wecom_userid: u for u in session.exec(select(User))}
    assert (users["zhangwei"].supervisor_userid, users["zhangwei"].dingtalk_userid,
            users["liuyang"].role) == ("wangfang", "dt_zhangwei", "director")

    customers = session.exec(select(Customer)).all()
    for c in customers:
        assert normalise_phone(c.phone) == c.phone
        assert c.grade in ("A", "B", "C") and c.coord in ("wgs84", "gcj02")
        _province, _area, lat, lng = CITIES[c.city]  # type: ignore[index]
        assert abs(c.latitude - lat) < 0.5 and abs(c.longitude - lng) < 0.5  # type: ignore[operator]
        assert c.owner in users and users[c.owner].role == "rep"
    cutoff = utcnow() - timedelta(days=90)
    zombies = sum(1 for c in customers if c.last_order_at is None or c.last_order_at < cutoff)
    assert 0.55 < zombies / len(customers) < 0.72  # the article's 63%, give or take

    # last_order_at agrees with the orders; an order's amount is the sum of its lines.
    latest = dict(session.exec(select(SalesOrder.customer_id, func.max(SalesOrder.ordered_at))
                               .group_by(SalesOrder.customer_id)).all())
    for c in customers:
        assert c.last_order_at == latest.get(c.id)
    # (Summed in Python: SQLite keeps NUMERIC as REAL, so a SQL SUM is a float there.)
    sums: dict[int, Decimal] = {}
    for order_id, amount in session.exec(select(OrderLine.order_id, OrderLine.amount)):
        sums[order_id] = sums.get(order_id, Decimal(0)) + amount
    for order in session.exec(select(SalesOrder)):
        assert order.amount == sums[order.id]


def test_every_demo_user_is_in_the_emulators_directory_and_opens_as_a_phone(
        session: Session) -> None:
    from bot.emulator import EmulatorConfig, create_emulator_app

    load_demo_data(progress=False, customers=60, visit_weeks=1)
    departments, users = demo_directory()
    listed = {u["userid"]: u for u in users}
    stored = {u.wecom_userid: u for u in session.exec(select(User))}
    assert set(stored) <= set(listed), sorted(set(stored) - set(listed))
    assert {"zongbu", "zongbu2", "dianzhang01", "dianzhang47"} <= set(listed)
    for userid, user in stored.items():  # the directory says what the service knows
        assert (listed[userid]["name"], listed[userid]["role"]) == (user.name, user.role)
    assert {d["id"] for d in departments} >= {d for u in users for d in u["department"]}
    assert len({u["mobile"] for u in users}) == len(users)

    config = EmulatorConfig()
    config.departments, config.users = departments, users
    client = create_emulator_app(config).test_client()
    home = client.get("/").get_data(as_text=True)
    assert "周敏" in home and "/phone/wecom/dianzhang07" in home and "门店运营部" in home
    for userid in ("zongbu", "dianzhang07"):
        page = client.get(f"/phone/wecom/{userid}")
        assert page.status_code == 200, userid
        assert listed[userid]["name"] in page.get_data(as_text=True)
    token = client.get("/cgi-bin/gettoken", query_string={
        "corpid": config.wecom_corp_id, "corpsecret": config.wecom_secret}).get_json()
    sent = client.post(f"/cgi-bin/message/send?access_token={token['access_token']}", json={
        "touser": "zongbu|zongbu2|dianzhang07", "msgtype": "text",
        "agentid": config.wecom_agent_id, "text": {"content": "促销检查"}}).get_json()
    assert sent["errcode"] == 0, sent  # not 81013 "user & party & tag all invalid"
