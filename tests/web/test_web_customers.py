"""Customer pages: the 360 view, the list and the export, each exactly within the viewer's
scope (models.customers.scope) — checked on every path with one fixed organisation."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from models.base import utcnow
from models.customers.communication import record_communication
from models.customers.orders import Line, add_order
from models.customers.ticket import open_ticket
from tests.web.webkit import add_customer, login
from web.customers.common import days_since
from zhongshu.db import session_scope

NOW = utcnow()


@pytest.fixture()
def book(org) -> dict[str, int]:
    """Customers across the org; the key says whose they are."""
    return {
        "zhangwei_a": add_customer("张伟的A客户", "13800000101", "zhangwei", grade="A",
                                   region="华东", last_interaction_at=NOW - timedelta(days=1)),
        "zhangwei_b": add_customer("张伟的B客户", "13800000102", "zhangwei", grade="B",
                                   last_interaction_at=NOW - timedelta(days=5)),
        "lina": add_customer("李娜的客户", "13800000103", "lina", grade="A"),
        "zhaolei": add_customer("赵磊的客户", "13800000104", "zhaolei", region="华南"),
        "gone": add_customer("离职员工的客户", "13800000105", "gone"),
        "unowned": add_customer("华东无人负责客户", "13800000106", None, region="华东"),
    }


SCOPES = {
    "zhangwei": {"zhangwei_a", "zhangwei_b"},
    "lina": {"lina"},
    "zhaolei": {"zhaolei"},
    "wangfang": {"zhangwei_a", "zhangwei_b", "lina", "gone"},
    "sunli": {"zhaolei"},
    "liuyang": {"zhangwei_a", "zhangwei_b", "lina", "gone", "unowned"},
    "admin": set(),
    "chenjing": set(),  # finance: only customers with orders, and there are none
}
NAMES = {"zhangwei_a": "张伟的A客户", "zhangwei_b": "张伟的B客户", "lina": "李娜的客户",
         "zhaolei": "赵磊的客户", "gone": "离职员工的客户", "unowned": "华东无人负责客户"}


@pytest.mark.parametrize("viewer", sorted(SCOPES))
def test_the_360_opens_exactly_the_customers_in_scope(client, book, viewer):
    login(client, viewer)
    missing = client.get("/h5/customers/987654")
    assert missing.status_code == 404
    for key, customer_id in book.items():
        res = client.get(f"/h5/customers/{customer_id}")
        if key in SCOPES[viewer]:
            assert res.status_code == 200 and NAMES[key] in res.text
        else:
            # Out of scope and missing look the same: same page, no name.
            assert res.status_code == 404
            assert "客户不存在或无权查看" in res.text and NAMES[key] not in res.text
            assert res.data == missing.data


@pytest.mark.parametrize("viewer", sorted(SCOPES))
def test_the_list_contains_exactly_the_scope(client, book, viewer):
    login(client, viewer)
    html = client.get("/h5/customers").text
    shown = {key for key, name in NAMES.items() if name in html}
    assert shown == SCOPES[viewer]
    assert f"共{len(SCOPES[viewer])}个客户" in html


def _export_names(client) -> list[str]:
    from openpyxl import load_workbook

    res = client.get("/h5/customers/export.xlsx")
    assert res.status_code == 200
    assert res.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in res.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(res.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("客户名称", "联系人", "电话")
    return [row[0] for row in rows[1:]]


@pytest.mark.parametrize("viewer", ["wangfang", "sunli", "liuyang"])
def test_the_export_contains_exactly_the_scope(client, book, viewer):
    login(client, viewer)
    assert sorted(_export_names(client)) == sorted(NAMES[k] for k in SCOPES[viewer])


@pytest.mark.parametrize("viewer", ["zhangwei", "admin", "chenjing"])
def test_only_supervisors_and_directors_export(client, book, viewer):
    login(client, viewer)
    res = client.get("/h5/customers/export.xlsx")
    assert res.status_code == 403 and "此页面仅限主管、销售总监使用" in res.text
    assert "导出Excel" not in client.get("/h5/customers").text


def test_the_export_follows_the_filters_and_keeps_formulas_as_text(client, book):
    add_customer("=HYPERLINK(\"http://x\",\"点我\")", "13800000107", "lina", grade="C")
    login(client, "wangfang")
    res = client.get("/h5/customers/export.xlsx?grade=C")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(res.data)).active
    cell = sheet.cell(row=2, column=1)
    assert cell.value == "=HYPERLINK(\"http://x\",\"点我\")" and cell.data_type == "s"
    assert sheet.max_row == 2
    assert sheet.cell(row=2, column=12).value == "李娜"  # 负责人 by name


def test_finance_sees_customers_with_orders_and_their_orders_only(client, book):
    with session_scope() as session:
        add_order(session, order_no="SO-1", customer_id=book["lina"], ordered_at=NOW,
                  owner="lina", lines=[Line("FB-PPS-550", Decimal(10), Decimal("850.00"))])
        open_ticket(session, customer_id=book["lina"], subject="滤袋破损", opened_by="lina")
        record_communication(session, customer_id=book["lina"], user_id="lina",
                             channel="phone", summary="电话沟通交期")
    login(client, "chenjing")
    html = client.get(f"/h5/customers/{book['lina']}").text
    assert "订单 SO-1" in html and "FB-PPS-550" in html
    assert "滤袋破损" not in html and "电话沟通交期" not in html  # money only
    assert "李娜的客户" in client.get("/h5/customers").text


def test_the_360_shows_the_customer_and_a_merged_timeline(client, book):
    cid = book["zhangwei_a"]
    with session_scope() as session:
        from models.customers.customer import Customer

        customer = session.get(Customer, cid)
        assert customer is not None
        customer.contact, customer.industry, customer.intent = "王经理", "水泥建材", "询价滤袋"
        customer.province, customer.city, customer.address = "浙江", "杭州", "滨江区创业路8号"
        customer.stage = "quote"
        session.add(customer)
        add_order(session, order_no="SO-OLD", customer_id=cid, ordered_at=NOW - timedelta(days=40),
                  owner="zhangwei", lines=[])
        add_order(session, order_no="SO-NEW", customer_id=cid, ordered_at=NOW - timedelta(days=3),
                  owner="zhangwei", lines=[Line("FB-PTFE-750", Decimal("12.5"), Decimal("3250.00")),
                                           Line(None, None, Decimal("100.00"))])
        open_ticket(session, customer_id=cid, subject="除尘器压差高", opened_by="zhangwei",
                    opened_at=NOW - timedelta(days=2))
        record_communication(session, customer_id=cid, user_id="wangfang", channel="visit",
                             summary="现场看了除尘器", at=NOW - timedelta(hours=1))
    login(client, "zhangwei")
    html = client.get(f"/h5/customers/{cid}").text
    for text in ("张伟的A客户", "A级", "报价", "张伟", "王经理", "水泥建材", "询价滤袋",
                 "华东", "浙江 杭州", "滨江区创业路8号", 'href="tel:13800000101"'):
        assert text in html, text
    # Days are counted on the business calendar; the order was 3 days ago.
    assert re.search(r'data-since="order">\s*3天', html)
    # An hour ago is today, or yesterday just after midnight in Shanghai.
    expected = days_since(NOW - timedelta(hours=1), utcnow(), ZoneInfo("Asia/Shanghai"))
    assert re.search(rf'data-since="interaction">\s*{expected}天', html)
    titles = re.findall(r'<div class="zs-timeline__title">([^<]+)</div>', html)
    assert titles == ["拜访沟通 · 王芳", "服务工单 · 待处理", "订单 SO-NEW", "订单 SO-OLD"]
    assert "FB-PTFE-750 × 12.5　¥3,250.00" in html and "未填型号 × —　¥100.00" in html
    assert "¥3,350.00" in html and "（无产品明细）" in html


def test_a_customer_without_history_says_so(client, book):
    login(client, "lina")
    html = client.get(f"/h5/customers/{book['lina']}").text
    assert "暂无互动" in html and "尚未下单" in html and "还没有订单、工单或沟通记录" in html


def test_the_timeline_is_capped_with_show_more(client, book):
    cid = book["zhangwei_b"]
    with session_scope() as session:
        for i in range(25):
            record_communication(session, customer_id=cid, user_id="zhangwei", channel="phone",
                                 summary=f"第{i:02d}次电话", at=NOW - timedelta(hours=i))
    login(client, "zhangwei")
    first = client.get(f"/h5/customers/{cid}").text
    assert first.count('class="zs-timeline__item') == 20
    assert "第00次电话" in first and "第19次电话" in first and "第20次电话" not in first
    assert 'href="?n=40"' in first and "查看更多" in first
    more = client.get(f"/h5/customers/{cid}?n=40").text
    assert more.count('class="zs-timeline__item') == 25 and "查看更多" not in more


def test_days_since_counts_calendar_days_in_the_business_time_zone():
    shanghai = ZoneInfo("Asia/Shanghai")
    # 23:50 and 00:10 Beijing time: 20 minutes apart, but yesterday.
    before = datetime(2025, 3, 1, 15, 50, tzinfo=UTC)
    after = datetime(2025, 3, 1, 16, 10, tzinfo=UTC)
    assert days_since(before, after, shanghai) == 1
    assert days_since(before, after, ZoneInfo("UTC")) == 0
    assert days_since(None, after, shanghai) is None
    assert days_since(after + timedelta(minutes=5), after, shanghai) == 0  # clock skew


def test_search_by_name_and_phone_and_filter_by_grade(client, book):
    login(client, "wangfang")

    def names(query: str) -> set[str]:
        html = client.get(f"/h5/customers?{query}").text
        return {n for n in NAMES.values() if n in html}

    assert names("q=张伟") == {"张伟的A客户", "张伟的B客户"}
    assert names("q=0103") == {"李娜的客户"}
    assert names("q=138 0000 0102") == {"张伟的B客户"}
    assert names("grade=A") == {"张伟的A客户", "李娜的客户"}
    assert names("grade=none") == {"离职员工的客户"}
    assert names("q=赵磊") == set()  # another team's: search never widens the scope
    assert names("q=%25") == set() and names("q=_") == set()  # LIKE wildcards are literal


def test_the_list_is_sorted_by_last_interaction_and_paginated(client, org):
    for i in range(45):
        add_customer(f"客户{i:02d}号", f"139000001{i:02d}", "zhangwei",
                     last_interaction_at=NOW - timedelta(days=i) if i % 2 == 0 else None)
    login(client, "zhangwei")
    page1 = client.get("/h5/customers").text
    order = re.findall(r'<div class="zs-row__name">客户(\d+)号</div>', page1)
    assert order[:3] == ["00", "02", "04"] and len(order) == 20
    assert "第1/3页" in page1 and 'href="/h5/customers?page=2"' in page1
    page3 = client.get("/h5/customers?page=3").text
    assert len(re.findall(r'zs-row__name', page3)) == 5
    # Never-contacted customers come last.
    assert re.findall(r'客户(\d+)号', page3)[-1] in {f"{i:02d}" for i in range(1, 45, 2)}


def test_a_script_named_customer_renders_escaped(client, org):
    cid = add_customer("<script>alert(1)</script>", "13800000199", "zhangwei")
    login(client, "zhangwei")
    for path in (f"/h5/customers/{cid}", "/h5/customers", "/h5/customers?q=<script>"):
        html = client.get(path).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_visit_export_keeps_formulas_as_text_and_times_in_business_time(client, book):
    """A rep's free text that looks like a formula is exported as that text (not a
    formula, not with a quote mark added), like the customer export."""
    from openpyxl import load_workbook

    from models.visits.visit import Visit

    with session_scope() as session:
        session.add(Visit(rep="lina", customer_id=book["lina"], at=datetime(2026, 11, 16, 2, 30,
                                                                        tzinfo=UTC),
                          grade="B", pain_points=["价格偏高"], question="=1+1",
                          next_action="寄送样品", status="checked"))
    login(client, "wangfang")
    res = client.get("/h5/visits/export.xlsx")
    sheet = load_workbook(io.BytesIO(res.data)).active
    rows = [r for r in sheet.iter_rows(min_row=2) if r[6].value == "=1+1"]
    assert len(rows) == 1
    assert rows[0][6].data_type == "s"
    assert rows[0][0].value == datetime(2026, 11, 16, 10, 30)  # Shanghai time
