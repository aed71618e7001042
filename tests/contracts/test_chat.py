"""The contract chat commands (handlers/contracts/commands.py), through the router as the inbound
job runs them: scoped lookups (another rep's contract is "not found"), role checks, the
Chinese refusals, and the finance commands."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from handlers.contracts import actions as ops
from tests.contracts.contractkit import approve, contract, outbox, sign
from tests.contracts.handlers_click import say
from tests.handlers.chatkit import text_of


def test_new_contract_sign_and_show(shop):
    reply = text_of(say("zhangwei", "新合同 杭州华滤环保 12.8万"))
    assert reply.startswith("已创建合同草稿「HT")
    number = reply.split("「")[1].split("」")[0]
    signed = text_of(say("zhangwei", f"签约 {number}"))
    assert f"合同「{number}」已签约（杭州华滤环保，¥128,000.00），已推送财务审核" in signed
    assert "24小时内上传盖章页" in signed
    assert len([m for m in outbox() if m.channel == "wecom_app"]) == 2  # two finance clerks
    shown = say("zhangwei", f"合同 {number.lower()}")
    assert shown[0].card is not None
    assert shown[0].card.title == f"合同 {number}"
    assert "状态：已签约待审核" in text_of(shown)
    # By customer name: the customer's contracts.
    assert f"合同 {number}" in text_of(say("zhangwei", "合同 杭州华滤环保"))


def test_another_reps_contract_is_not_found(draft):
    cid = draft(no="HT-C-001")
    for who in ("lina", "zhaolei", "sunli"):
        assert text_of(say(who, "合同 HT-C-001")) == "找不到合同「HT-C-001」"
        assert text_of(say(who, "签约 HT-C-001")) == "找不到合同「HT-C-001」"
    assert contract(cid).status == "draft"
    assert "合同 HT-C-001" in text_of(say("wangfang", "合同 HT-C-001"))  # the supervisor
    assert "合同 HT-C-001" in text_of(say("chenjing", "合同 HT-C-001"))  # finance reads all


def test_roles_and_bad_input(draft, shop):
    cid = draft(no="HT-C-002")
    assert "不能创建、签约合同" in text_of(say("chenjing", "签约 HT-C-002"))
    assert "不能创建、签约合同" in text_of(say("admin", "新合同 杭州华滤环保 100"))
    assert text_of(say("zhangwei", "审核 HT-C-002 通过")) == "只有财务可以审核合同和登记回款。"
    assert text_of(say("zhangwei", "回款 HT-C-002 100")) == "只有财务可以审核合同和登记回款。"
    assert "金额「很多」无效" in text_of(say("zhangwei", "新合同 杭州华滤环保 很多"))
    assert text_of(say("zhangwei", "新合同 不存在的公司 100")) == "找不到客户「不存在的公司」"
    assert text_of(say("zhangwei", "新合同")).startswith("请写上客户和金额")
    assert "只有已签约待审核的合同可以审核" in text_of(say("chenjing", "审核 HT-C-002 通过"))
    assert contract(cid).status == "draft"
    assert text_of(say("unknown-user", "合同 HT-C-002")).startswith("您还没有在中枢登记")


def test_finance_review_and_payment_commands(draft):
    cid = draft("50000", no="HT-C-003")
    sign(cid)
    assert text_of(say("chenjing", "审核 HT-C-003 退回")) == "退回合同必须写明原因。"
    assert contract(cid).status == "signed"
    assert text_of(say("chenjing", "审核 HT-C-003 退回 客户名称写错")) == \
        "已退回合同「HT-C-003」，原因：客户名称写错。已通知业务员。"
    assert "被陈静退回，原因：客户名称写错" in outbox()[-1].payload["text"]["content"]
    say("zhangwei", "签约 HT-C-003")
    assert "已审核通过合同「HT-C-003」" in text_of(say("chenjing", "审核 HT-C-003 通过"))
    assert "超过合同「HT-C-003」未回款金额 50,000.00" in text_of(
        say("chenjing", "回款 HT-C-003 60000"))
    assert text_of(say("chenjing", "回款 HT-C-003 -5")) == "金额必须大于0"
    day = ops.today().isoformat()
    assert text_of(say("chenjing", f"回款 HT-C-003 2万 {day}")) == (
        f"已登记回款：合同「HT-C-003」¥20,000.00（{day}），累计回款¥20,000.00，未回款¥30,000.00。")
    assert (contract(cid).status, contract(cid).collected_amount) == ("partly_collected",
                                                                       Decimal("20000.00"))


def test_forecast_command(draft):
    cid = draft("50000", no="HT-C-004")
    sign(cid)
    approve(cid)
    day = ops.today() + timedelta(days=15)
    assert text_of(say("zhangwei", f"回款预测 HT-C-004 3万 {day.isoformat()}")) == (
        f"已记录回款预测：合同「HT-C-004」¥30,000.00，预计{day.isoformat()}到账。")
    assert "超过合同" in text_of(say("zhangwei", f"回款预测 HT-C-004 6万 {day.isoformat()}"))
    assert "日期「明天」无效" in text_of(say("zhangwei", "回款预测 HT-C-004 1万 明天"))
    assert text_of(say("zhaolei", f"回款预测 HT-C-004 1万 {day.isoformat()}")) == \
        "找不到合同「HT-C-004」"


def test_return_flow_can_be_cancelled(draft):
    from tests.contracts.handlers_click import click

    cid = draft(no="HT-C-005")
    sign(cid)
    assert "请回复退回合同「HT-C-005」的原因" in text_of(click("chenjing",
                                                              f"contract.return:{cid}"))
    assert text_of(say("chenjing", "取消")) == "已取消合同退回，没有保存任何内容。"
    assert contract(cid).status == "signed"
    assert "只有财务" in text_of(click("zhangwei", f"contract.return:{cid}"))
