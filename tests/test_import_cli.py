"""``zhongshu import customers|orders|contracts FILE``: report on stdout, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, func, select

from models.customers.customer import Customer
from models.customers.orders import SalesOrder
from models.org import user as user_model
from zhongshu.cli import main


@pytest.fixture()
def rep(session: Session) -> None:
    user_model.upsert(session, wecom_userid="zhangwei", name="张伟", role="rep", region="华东")
    session.commit()


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_file_exits_zero(rep: None, session: Session, tmp_path: Path) -> None:
    path = _csv(tmp_path / "ok.csv", "客户名称,电话,负责人\n绍兴华滤,13800138000,zhangwei\n")
    result = CliRunner().invoke(main, ["import", "customers", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["导入客户：共1行，新增1，已存在0（补全空字段），覆盖0，"
                                          "拒绝0"]
    assert session.exec(select(func.count()).select_from(Customer)).one() == 1
    assert not (tmp_path / "ok_错误报告.xlsx").exists()


def test_any_refused_row_exits_non_zero(rep: None, tmp_path: Path) -> None:
    path = _csv(tmp_path / "bad.csv",
                "客户名称,电话,负责人\n绍兴华滤,13800138000,zhangwei\n坏公司,12345,zhangwei\n")
    report = tmp_path / "r.xlsx"
    result = CliRunner().invoke(main, ["import", "customers", str(path), "--report", str(report)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "导入客户：共2行，新增1，已存在0（补全空字段），覆盖0，拒绝1",
        "第3行：手机号应为11位，当前为5位",
        f"错误报告：{report}",
    ]
    assert report.exists()


def test_json_output_and_orders(rep: None, session: Session, tmp_path: Path) -> None:
    customers = _csv(tmp_path / "c.csv", "客户名称,电话\n绍兴华滤,13800138000\n")
    assert CliRunner().invoke(main, ["import", "customers", str(customers)]).exit_code == 0
    orders = _csv(tmp_path / "o.csv",
                  "订单编号,电话,下单时间,金额,产品型号,数量\nSO-1,13800138000,2025-03-01,850,FB-PPS-550,10\n")
    result = CliRunner().invoke(main, ["import", "orders", str(orders), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("kind", "total", "inserted", "updated", "lines", "refused")} == {
        "kind": "orders", "total": 1, "inserted": 1, "updated": 0, "lines": 1, "refused": []}
    assert session.exec(select(SalesOrder.order_no)).all() == ["SO-1"]


def test_unimportable_file_exits_two(rep: None, tmp_path: Path) -> None:
    path = _csv(tmp_path / "x.csv", "名字,号码\n张三,1\n")
    result = CliRunner().invoke(main, ["import", "customers", str(path)])
    assert result.exit_code == 2
    assert "未找到表头" in result.stderr


def test_missing_contracts_file_exits_two(tmp_path: Path) -> None:
    # The contracts import itself is tested in tests/contracts/test_import_contracts.py.
    result = CliRunner().invoke(main, ["import", "contracts", str(tmp_path / "c.xlsx")])
    assert result.exit_code == 2


def test_a_decompression_bomb_is_refused_without_unpacking_it(
        rep: None, session: Session, tmp_path: Path) -> None:
    import time
    import tracemalloc

    from tests.sheetbomb import xlsx_bomb

    path = tmp_path / "客户.xlsx"
    path.write_bytes(xlsx_bomb(300))
    tracemalloc.start()
    started = time.monotonic()
    result = CliRunner().invoke(main, ["import", "customers", str(path)])
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.exit_code == 2
    assert "压缩炸弹" in result.stderr and "xl/sharedStrings.xml" in result.stderr
    assert seconds < 5 and peak < 50 * 1024 * 1024
    assert session.exec(select(func.count()).select_from(Customer)).one() == 0


def test_rows_beyond_the_cap_are_refused(rep: None, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from lib import sheets

    monkeypatch.setattr(sheets, "DEFAULT_LIMITS", sheets.SheetLimits(max_rows=3))
    rows = "".join(f"公司{i},1380013800{i}\n" for i in range(5))
    path = _csv(tmp_path / "many.csv", "客户名称,电话\n" + rows)
    result = CliRunner().invoke(main, ["import", "customers", str(path)])
    assert result.exit_code == 2 and "行数为4，上限3" in result.stderr


def test_an_existing_customer_is_filled_in_and_overwritten_only_with_the_flag(
        rep: None, session: Session, tmp_path: Path) -> None:
    first = _csv(tmp_path / "a.csv", "客户名称,电话,初步意向\n绍兴华滤,13800138000,PPS滤袋\n")
    assert CliRunner().invoke(main, ["import", "customers", str(first)]).exit_code == 0
    again = _csv(tmp_path / "b.csv",
                 "客户名称,电话,联系人,初步意向\n绍兴华滤,13800138000,王工,PTFE覆膜\n")
    result = CliRunner().invoke(main, ["import", "customers", str(again)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "导入客户：共1行，新增0，已存在1（补全空字段），覆盖0，拒绝0"
    assert lines[1].startswith("第2行（已导入）：已存在客户“绍兴华滤”")
    assert "初步意向（系统：PPS滤袋，表格：PTFE覆膜）" in lines[1]
    stored = session.exec(select(Customer)).one()
    assert (stored.intent, stored.contact) == ("PPS滤袋", "王工")

    result = CliRunner().invoke(main, ["import", "customers", str(again), "--overwrite"])
    assert result.stdout.splitlines()[0] == \
        "导入客户：共1行，新增0，已存在0（补全空字段），覆盖1，拒绝0"
    session.expire_all()
    assert session.exec(select(Customer)).one().intent == "PTFE覆膜"
