"""``zhongshu import contracts FILE``: upsert by 合同编号, row-level report, exit codes,
回款金额 as one import payment, and finance pushed only for recent signings."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from sqlmodel import select

from models.base import utcnow
from models.contracts.contract import Contract
from tests.contracts.contractkit import events, outbox, payments
from zhongshu.cli import main
from zhongshu.db import session_scope

SH = ZoneInfo("Asia/Shanghai")
HEADER = "合同编号,客户名称,电话,负责人,金额,状态,签约时间,盖章页,审核时间,回款金额\n"


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _local(hours_ago: float) -> str:
    return (utcnow() - timedelta(hours=hours_ago)).astimezone(SH).strftime("%Y-%m-%d %H:%M")


def _contracts() -> dict[str, Contract]:
    with session_scope() as session:
        return {c.contract_no: c for c in session.exec(select(Contract))}


def test_import_report_and_push_window(shop, tmp_path):
    path = _csv(tmp_path / "合同.csv", [
        f"HT-1,杭州华滤环保,,zhangwei,12.8万,已签约,{_local(5)},无,,",  # recent: pushed
        f"HT-2,,13800001111,张伟,50000,已签约,{_local(24 * 10)},有,,",  # history: silent
        f"HT-3,杭州华滤环保,,zhangwei,80000,部分回款,{_local(24 * 40)},有,{_local(24 * 39)},30000",
        f"HT-4,杭州华滤环保,,zhangwei,1000,已回款,{_local(24 * 60)},有,{_local(24 * 59)},",
        "HT-5,杭州华滤环保,,zhangwei,1000,草稿,,,,",
        f"HT-6,不存在的客户,,zhangwei,1000,已签约,{_local(3)},,,",  # refused: no customer
        f"HT-7,杭州华滤环保,,zhangwei,1000,已审核,{_local(30)},,,2000",  # refused: over
        "HT-8,杭州华滤环保,,zhangwei,1000,已签约,,,,",  # refused: no signing time
        f"HT-9,杭州华滤环保,,nobody,1000,作废,{_local(3)},,,",  # refused: owner, status
    ])
    result = CliRunner().invoke(main, ["import", "contracts", str(path)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == "合同导入完成：共9行，新增5份，更新0份，拒绝4行，通知财务1份"
    assert any(line.startswith("第7行") and "找不到客户「不存在的客户」" in line for line in lines)
    assert any(line.startswith("第8行") and "回款金额 2,000.00 超过合同金额" in line
               for line in lines)
    assert any(line.startswith("第9行") and "必须填写签约时间" in line for line in lines)
    assert any(line.startswith("第10行") and "作废" in line and "nobody" in line
               for line in lines)
    rows = _contracts()
    assert sorted(rows) == ["HT-1", "HT-2", "HT-3", "HT-4", "HT-5"]
    assert (rows["HT-1"].status, rows["HT-1"].amount) == ("signed", Decimal("128000.00"))
    assert rows["HT-1"].signed_at is not None and rows["HT-1"].stamped_at is None
    assert rows["HT-2"].stamped_at is not None
    assert (rows["HT-3"].status, rows["HT-3"].collected_amount) == ("partly_collected",
                                                                     Decimal("30000.00"))
    assert (rows["HT-4"].status, rows["HT-4"].collected_amount) == ("collected",
                                                                     Decimal("1000.00"))
    (paid,) = payments(rows["HT-3"].id)
    assert (paid.source, paid.amount, paid.bank_ref) == ("import", Decimal("30000.00"),
                                                         "import:HT-3")
    # Only HT-1 (signed 5 h ago) reached finance: a WeCom card to each finance clerk and
    # a DingTalk notice to the one on DingTalk.
    pushed = [(m.channel, m.recipient) for m in outbox()]
    assert sorted(pushed) == [("dingtalk_work", "dt_chenjing"), ("wecom_app", "chenjing"),
                              ("wecom_app", "zhouqian")]
    assert all(f"contract:{rows['HT-1'].id}:signed:" in m.dedupe_key for m in outbox())

    # Re-importing is an upsert: nothing new, no second push, payments replaced not added.
    again = CliRunner().invoke(main, ["import", "contracts", str(path), "--json"])
    assert again.exit_code == 1
    data = json.loads(again.output)
    assert (data["inserted"], data["updated"], len(data["refused"])) == (0, 5, 4)
    assert len(outbox()) == 3
    assert len(payments(rows["HT-3"].id)) == 1
    assert [e[0] for e in events(rows["HT-3"].id)] == ["import"]


def test_clean_import_exits_zero_and_refuses_bad_file(shop, tmp_path):
    path = _csv(tmp_path / "ok.csv", ["HT-10,杭州华滤环保,,zhangwei,1000,草稿,,,,"])
    assert CliRunner().invoke(main, ["import", "contracts", str(path)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("名字,号码\n张三,1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "contracts", str(bad)])
    assert result.exit_code == 2 and "未找到表头" in result.stderr
