"""Order import: links rows to customers, groups lines by order number, moves
last_order_at, and re-importing an order replaces it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlmodel import Session, select

from models.customers.customer import Customer, name_key
from models.customers.orders import OrderLine, SalesOrder
from models.imports.importer import import_orders, summary_lines
from models.org import user as user_model

HEADER = ["订单号", "客户名称", "联系电话", "下单日期", "金额(元)", "产品型号", "数量", "负责人"]


@pytest.fixture()
def customers(session: Session) -> dict[str, int]:
    user_model.upsert(session, wecom_userid="zhangwei", name="张伟", role="rep")
    user_model.upsert(session, wecom_userid="lina", name="李娜", role="rep")
    ids = {}
    for name, phone, owner in [("绍兴华滤环保股份有限公司", "13800138000", "zhangwei"),
                               ("宁波甬港电力有限公司", "13900139000", "lina"),
                               ("重名公司", "13700137000", None),
                               ("重名公司", "13600136000", None)]:
        customer = Customer(name=name, name_key=name_key(name), phone=phone, owner=owner)
        session.add(customer)
        session.flush()
        ids[phone] = customer.id
    session.commit()
    return ids


def sheet(path: Path, rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["订单明细"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _orders(session: Session) -> dict[str, tuple[int, Decimal, datetime, str | None, list[Any]]]:
    session.expire_all()
    out = {}
    for order in session.exec(select(SalesOrder)):
        lines = session.exec(select(OrderLine).where(OrderLine.order_id == order.id)
                             .order_by(OrderLine.id)).all()
        out[order.order_no] = (order.customer_id, order.amount, order.ordered_at, order.owner,
                               [(ln.product_model, ln.quantity, ln.amount) for ln in lines])
    return out


def test_orders_link_customers_and_report_bad_rows(session: Session, customers: dict[str, int],
                                                   tmp_path: Path) -> None:
    path = sheet(tmp_path / "orders.xlsx", [
        ["SO-1", "绍兴华滤", "13800138000", datetime(2025, 3, 1, 14, 30), 8500, "FB-PPS-550",
         100, None],
        ["SO-1", None, "138 0013 8000", "2025-03-01", "¥1,200.50", "FS-CAGE-160", "20", None],
        ["SO-2", "宁波甬港电力有限公司", None, "2025/4/2", "1.2万", "FB-P84-500", 60, "zhangwei"],
        ["SO-3", "不存在的公司", None, "2025-04-03", 100, None, None, None],
        ["SO-4", None, "13800138000", "明天", 100, None, None, None],
        ["SO-5", None, "13800138000", "2025-05-05", -5, None, None, None],
        ["SO-1", "宁波甬港电力有限公司", "13900139000", "2025-03-02", 10, None, None, None],
        ["SO-6", "重名公司", None, "2025-05-06", 10, None, None, None],
        ["SO-7", None, "13900139000", "2035-01-01", 10, None, None, None],
        ["SO-8", None, "13900139000", "2025年5月8日 9:15", 300, None, None, "nobody"],
        ["SO-9", None, "13900139000", "2025年5月9日 9时", "3,000元", None, None, None],
    ])
    result = import_orders(session, path)
    refused = [(r.row, r.reason) for r in result.refused]
    assert refused == [
        (6, "未找到客户（不存在的公司）"),
        (7, "下单时间“明天”无法识别，请使用2025-03-01或2025-03-01 14:30格式"),
        (8, "金额不能为负数"),
        (9, "同一订单编号在第3行属于另一个客户"),
        (10, "客户名称“重名公司”对应多个客户，请填写电话"),
        (11, "下单时间“2035-01-01”不合理（早于2000年或晚于今天）"),
        (12, "负责人“nobody”不存在，请填写企业微信账号"),
    ]
    assert (result.inserted, result.updated, result.lines) == (3, 0, 3)
    assert summary_lines(result)[0] == "导入订单：共11行，新增订单3，更新订单0，明细3条，拒绝7"

    orders = _orders(session)
    hualv, yonggang = customers["13800138000"], customers["13900139000"]
    assert orders["SO-1"] == (hualv, Decimal("9700.50"), datetime(2025, 3, 1, 6, 30, tzinfo=UTC),
                              "zhangwei", [("FB-PPS-550", Decimal("100.000"), Decimal("8500.00")),
                                           ("FS-CAGE-160", Decimal("20.000"), Decimal("1200.50"))])
    assert orders["SO-2"] == (yonggang, Decimal("12000.00"),
                              datetime(2025, 4, 1, 16, 0, tzinfo=UTC), "zhangwei",
                              [("FB-P84-500", Decimal("60.000"), Decimal("12000.00"))])
    assert orders["SO-9"][:4] == (yonggang, Decimal("3000.00"),
                                  datetime(2025, 5, 9, 1, 0, tzinfo=UTC), "lina")
    assert orders["SO-9"][4] == []  # no product detail: an order without lines

    last = {c.phone: c.last_order_at for c in session.exec(select(Customer))}
    assert last["13800138000"] == datetime(2025, 3, 1, 6, 30, tzinfo=UTC)
    assert last["13900139000"] == datetime(2025, 5, 9, 1, 0, tzinfo=UTC)
    assert last["13700137000"] is None


def test_reimport_replaces_an_orders_lines(session: Session, customers: dict[str, int],
                                           tmp_path: Path) -> None:
    import_orders(session, sheet(tmp_path / "a.xlsx", [
        ["SO-1", None, "13800138000", "2025-03-01", 100, "FB-PPS-550", 1, None],
        ["SO-1", None, "13800138000", "2025-03-01", 200, "FB-GF-800", 2, None],
    ]))
    result = import_orders(session, sheet(tmp_path / "b.xlsx", [
        ["SO-1", None, "13900139000", "2025-06-01 10:00", 5000, "FB-PTFE-750", 20, None],
    ]))
    assert (result.inserted, result.updated, result.lines, result.refused) == (0, 1, 1, [])
    orders = _orders(session)
    assert list(orders) == ["SO-1"]
    assert orders["SO-1"] == (customers["13900139000"], Decimal("5000.00"),
                              datetime(2025, 6, 1, 2, 0, tzinfo=UTC), "lina",
                              [("FB-PTFE-750", Decimal("20.000"), Decimal("5000.00"))])
    # The order moved customers: both customers' last_order_at follow.
    last = {c.phone: c.last_order_at for c in session.exec(select(Customer))}
    assert last["13800138000"] is None
    assert last["13900139000"] == datetime(2025, 6, 1, 2, 0, tzinfo=UTC)


def test_an_order_split_across_batches_keeps_all_its_lines(session: Session,
                                                           customers: dict[str, int],
                                                           tmp_path: Path) -> None:
    rows = [["SO-BIG", None, "13800138000", "2025-03-01", 10, f"M-{i}", 1, None]
            for i in range(7)]
    result = import_orders(session, sheet(tmp_path / "big.xlsx", rows), batch_size=3)
    assert (result.inserted, result.lines) == (1, 7)
    order = _orders(session)["SO-BIG"]
    assert order[1] == Decimal("70.00") and len(order[4]) == 7


def test_orders_need_a_customer_column(session: Session, tmp_path: Path) -> None:
    from models.imports.importer import ImportFileError

    path = tmp_path / "o.csv"
    path.write_text("订单编号,下单时间,金额\nSO-1,2025-01-01,1\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_orders(session, path)
    assert caught.value.message == "缺少必填列：客户名称或电话（至少需要其中一列）"
