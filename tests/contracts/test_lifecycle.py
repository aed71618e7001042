"""The contract lifecycle (handlers/contracts/actions.py): every legal step writes its event,
every illegal one is refused with a Chinese message and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from handlers.contracts import actions as ops
from handlers.contracts.actions import ContractError
from models.base import utcnow
from tests.contracts.contractkit import approve, contract, events, outbox, pay, payments, sign, user
from zhongshu.db import session_scope


def refused(fn, *args, **kw) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ContractError) as caught, session_scope() as session:
        fn(session, *args, **kw)
    return caught.value.message


def test_full_lifecycle(draft):
    cid = draft("100000", no="ht-1")
    assert contract(cid).contract_no == "HT-1"
    assert contract(cid).status == "draft"
    signed = sign(cid)
    assert signed.status == "signed" and signed.signed_at is not None
    approve(cid)
    row = contract(cid)
    assert (row.status, row.reviewed_by) == ("approved", "chenjing")
    assert row.reviewed_at is not None
    pay(cid, "30000")
    assert (contract(cid).status, contract(cid).collected_amount) == ("partly_collected",
                                                                       Decimal("30000.00"))
    pay(cid, "7万")
    assert (contract(cid).status, contract(cid).collected_amount) == ("collected",
                                                                       Decimal("100000.00"))
    assert [e[0] for e in events(cid)] == ["draft", "signed", "approved", "partly_collected",
                                           "collected"]
    assert events(cid)[1] == ("signed", "draft", "signed")


def test_auto_number_is_unique_per_day(draft):
    first, second = contract(draft("1000")), contract(draft("2000"))
    assert first.contract_no != second.contract_no
    assert first.contract_no.startswith("HT") and len(first.contract_no) == 13


def test_return_then_resign_sets_a_new_signed_at(draft):
    cid = draft()
    sign(cid, now=utcnow() - timedelta(hours=80))
    first = contract(cid).signed_at
    message = refused(ops.review, user=user("chenjing"), contract_id=cid, approve=False,
                      reason="  ")
    assert message == "退回合同必须写明原因。"
    assert contract(cid).status == "signed"
    with session_scope() as session:
        ops.review(session, user=user("chenjing"), contract_id=cid, approve=False,
                   reason="金额与报价单不符")
    row = contract(cid)
    assert (row.status, row.return_reason) == ("returned", "金额与报价单不符")
    sign(cid)
    assert contract(cid).signed_at > first  # B's 72 h review clock restarts
    assert [e[0] for e in events(cid)] == ["draft", "signed", "returned", "signed"]


@pytest.mark.parametrize("status_path", ["draft", "approved"])
def test_illegal_transitions_change_nothing(draft, status_path):
    cid = draft()
    if status_path == "approved":
        sign(cid)
        approve(cid)
        message = refused(ops.sign, user=user("zhangwei"), contract_id=cid)
        assert "只有草稿或被退回的合同可以签约" in message and "已审核" in message
    else:
        message = refused(ops.review, user=user("chenjing"), contract_id=cid, approve=True)
        assert "只有已签约待审核的合同可以审核" in message
        message = refused(ops.book_payment, user=user("chenjing"), contract_id=cid,
                          amount="100")
        assert "财务审核通过后才能登记回款" in message
    before = contract(cid)
    assert len(events(cid)) == (3 if status_path == "approved" else 1)
    assert contract(cid).status == before.status


@pytest.mark.parametrize("who", ["zhangwei", "wangfang", "liuyang", "admin"])
def test_only_finance_reviews(draft, who):
    cid = draft()
    sign(cid)
    rows = len(outbox())
    message = refused(ops.review, user=user(who), contract_id=cid, approve=True)
    assert message == "只有财务可以审核合同和登记回款。"
    assert contract(cid).status == "signed"
    assert len(outbox()) == rows


def test_reps_cannot_book_and_finance_cannot_sign(approved, draft):
    assert refused(ops.book_payment, user=user("zhangwei"), contract_id=approved,
                   amount="10") == "只有财务可以审核合同和登记回款。"
    cid = draft()
    assert "财务" in refused(ops.sign, user=user("chenjing"), contract_id=cid)
    assert contract(cid).status == "draft"


def test_other_teams_contract_is_not_found(draft):
    cid = draft()
    assert refused(ops.sign, user=user("zhaolei"), contract_id=cid) == "找不到这份合同"
    assert refused(ops.sign, user=user("lina"), contract_id=cid) == "找不到这份合同"
    assert contract(cid).status == "draft"
    # zhangwei's supervisor may sign for the team.
    assert sign(cid, by="wangfang").status == "signed"


def test_payment_refusals(approved):
    assert "超过合同" in refused(ops.book_payment, user=user("chenjing"),
                                contract_id=approved, amount="100000.01")
    assert refused(ops.book_payment, user=user("chenjing"), contract_id=approved,
                   amount="0") == "金额必须大于0"
    assert refused(ops.book_payment, user=user("chenjing"), contract_id=approved,
                   amount="-5") == "金额必须大于0"
    assert "无效" in refused(ops.book_payment, user=user("chenjing"), contract_id=approved,
                             amount="abc")
    assert payments(approved) == []
    assert contract(approved).collected_amount == 0
    assert contract(approved).status == "approved"


def test_bank_ref_makes_a_payment_once(approved):
    assert pay(approved, "100", bank_ref="B001") is not None
    assert pay(approved, "100", bank_ref="B001") is None
    assert contract(approved).collected_amount == Decimal("100.00")


def test_forecasts(approved, draft):
    from datetime import date

    day = ops.today() + timedelta(days=10)
    with session_scope() as session:
        row = ops.add_forecast(session, user=user("zhangwei"), contract_id=approved,
                               amount="5万", expected_on=day)
    assert (row.amount, row.owner) == (Decimal("50000.00"), "zhangwei")
    assert "超过合同" in refused(ops.add_forecast, user=user("zhangwei"), contract_id=approved,
                                amount="100001", expected_on=day)
    assert "已经过去" in refused(ops.add_forecast, user=user("zhangwei"), contract_id=approved,
                                amount="1", expected_on=date(2020, 1, 1))
    assert "签约后" in refused(ops.add_forecast, user=user("zhangwei"), contract_id=draft(),
                              amount="1", expected_on=day)
    assert refused(ops.add_forecast, user=user("zhaolei"), contract_id=approved, amount="1",
                   expected_on=day) == "找不到这份合同"


def test_stamped_page_upload(draft):
    import io

    from PIL import Image

    cid = draft()
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buf, "JPEG")
    assert "还没有签约" in refused(ops.upload_stamped_page, user=user("zhangwei"),
                                  contract_id=cid, data=buf.getvalue())
    sign(cid)
    assert "只接受" in refused(ops.upload_stamped_page, user=user("zhangwei"),
                               contract_id=cid, data=b"MZ\x90\x00 not a scan")
    assert contract(cid).stamped_at is None
    with session_scope() as session:
        ops.upload_stamped_page(session, user=user("zhangwei"), contract_id=cid,
                                data=b"%PDF-1.4\n%fake but well-formed header\n")
    row = contract(cid)
    assert row.stamped_at is not None and row.stamped_media_id is not None
    assert events(cid)[-1][0] == "stamped_page"


def test_parse_day_and_amount():
    from datetime import date

    assert ops.parse_day("2026-12-31") == date(2026, 12, 31)
    assert ops.parse_day("12月31日", now=date(2026, 1, 1)) == date(2026, 12, 31)
    assert ops.parse_amount("12.8万") == Decimal("128000.00")
    assert ops.parse_amount("¥3,000.505") == Decimal("3000.51")
    with pytest.raises(ContractError):
        ops.parse_day("2026-02-30")
