"""The contract pages (web/contracts/pages.py): scope (another rep's contract is a 404, the
same as a missing one), CSRF, the actions and their refusals, the stamped page upload,
the review queue, the risk list, the bank import (re-run is a no-op; a bad row refuses
only itself), the reports and the aging export, and the customer 360's contract entries."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image

from handlers.contracts import actions as ops
from models.base import utcnow
from models.contracts.contract import Contract
from tests.contracts.contractkit import approve, contract, events, outbox, payments, sign
from tests.web.webkit import login
from zhongshu.db import session_scope


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), "white").save(buf, "JPEG")
    return buf.getvalue()


def xlsx(rows: list[list[object]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(["交易日期", "金额", "合同编号", "流水号", "摘要"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


@pytest.mark.parametrize("who,status", [("zhangwei", 200), ("wangfang", 200),
                                        ("liuyang", 200), ("chenjing", 200),
                                        ("lina", 404), ("zhaolei", 404), ("sunli", 404)])
def test_detail_scope(client, draft, who, status):
    cid = draft()
    login(client, who)
    response = client.get(f"/h5/contracts/{cid}")
    assert response.status_code == status
    if status == 404:
        assert "找不到这份合同" in response.text and "HT" not in response.text
    missing = client.get("/h5/contracts/999999")
    assert missing.status_code == 404


def test_admin_has_no_contract_pages(client, draft):
    cid = draft()
    login(client, "admin")
    assert client.get(f"/h5/contracts/{cid}").status_code == 403
    assert client.get("/h5/contracts").status_code == 403


def test_list_is_scoped(client, draft, south):
    draft(no="HT-MINE")
    draft(no="HT-SOUTH", customer=south, by="zhaolei")
    login(client, "zhangwei")
    page = client.get("/h5/contracts").text
    assert "HT-MINE" in page and "HT-SOUTH" not in page
    login(client, "chenjing")
    page = client.get("/h5/contracts").text
    assert "HT-MINE" in page and "HT-SOUTH" in page
    assert "HT-SOUTH" not in client.get("/h5/contracts?q=杭州").text


def test_sign_needs_csrf_and_scope(client, draft):
    cid = draft()
    token = login(client, "zhangwei")
    assert client.post(f"/h5/contracts/{cid}/sign").status_code == 400
    assert client.post(f"/h5/contracts/{cid}/sign",
                       data={"csrf_token": "wrong"}).status_code == 400
    assert contract(cid).status == "draft"
    other = login(client, "zhaolei")
    assert client.post(f"/h5/contracts/{cid}/sign",
                       data={"csrf_token": other}).status_code == 404
    assert contract(cid).status == "draft"
    token = login(client, "zhangwei")
    response = client.post(f"/h5/contracts/{cid}/sign", data={"csrf_token": token})
    assert response.status_code == 302
    assert contract(cid).status == "signed"
    page = client.get(response.headers["Location"]).text
    assert "已签约，已推送财务审核" in page
    # Signing again is refused on the page, nothing changes.
    again = client.post(f"/h5/contracts/{cid}/sign", data={"csrf_token": token})
    assert again.status_code == 400 and "只有草稿或被退回的合同可以签约" in again.text
    assert len(events(cid)) == 2


def test_stamped_page_upload_and_view(client, draft):
    cid = draft()
    sign(cid)
    token = login(client, "zhangwei")
    bad = client.post(f"/h5/contracts/{cid}/stamped",
                      data={"csrf_token": token, "page": (io.BytesIO(b"hello"), "x.txt")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "只接受 JPEG、PNG 照片或 PDF 文件" in bad.text
    assert contract(cid).stamped_at is None
    ok = client.post(f"/h5/contracts/{cid}/stamped",
                     data={"csrf_token": token, "page": (io.BytesIO(jpeg()), "page.jpg")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    assert contract(cid).stamped_at is not None
    shown = client.get(f"/h5/contracts/{cid}/stamped")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    login(client, "zhaolei")
    assert client.get(f"/h5/contracts/{cid}/stamped").status_code == 404


def test_review_from_the_page(client, draft):
    cid = draft()
    sign(cid)
    token = login(client, "zhangwei")
    # A rep cannot reach the finance form.
    assert client.post(f"/h5/contracts/{cid}/review",
                       data={"csrf_token": token, "decision": "approve"}).status_code == 403
    token = login(client, "chenjing")
    refused = client.post(f"/h5/contracts/{cid}/review",
                          data={"csrf_token": token, "decision": "return", "reason": ""})
    assert refused.status_code == 400 and "退回合同必须写明原因" in refused.text
    assert contract(cid).status == "signed"
    returned = client.post(f"/h5/contracts/{cid}/review",
                           data={"csrf_token": token, "decision": "return",
                                 "reason": "缺少盖章页", "back": "queue"})
    assert returned.status_code == 302 and "/h5/contracts/review" in returned.headers["Location"]
    assert (contract(cid).status, contract(cid).return_reason) == ("returned", "缺少盖章页")
    to_rep = [m for m in outbox() if m.recipient == "zhangwei"]
    assert len(to_rep) == 1 and "缺少盖章页" in to_rep[0].payload["text"]["content"]


def test_review_queue_oldest_first(client, draft):
    older, newer, done = draft(no="HT-OLD"), draft(no="HT-NEW"), draft(no="HT-DONE")
    sign(newer, now=utcnow() - timedelta(hours=2))
    sign(older, now=utcnow() - timedelta(hours=80))
    sign(done)
    approve(done)
    login(client, "chenjing")
    page = client.get("/h5/contracts/review").text
    assert page.index("HT-OLD") < page.index("HT-NEW") and "HT-DONE" not in page
    assert "已等待 80 小时" in page
    login(client, "wangfang")
    assert client.get("/h5/contracts/review").status_code == 403


def test_risk_list(client, draft):
    risky, stamped = draft(no="HT-RISK"), draft(no="HT-STAMPED")
    for cid in (risky, stamped):
        sign(cid, now=utcnow() - timedelta(hours=30))
    with session_scope() as session:
        for cid in (risky, stamped):
            row = session.get(Contract, cid)
            row.risk_at = utcnow() - timedelta(hours=6)
            session.add(row)
        session.get(Contract, stamped).stamped_at = utcnow()
    login(client, "wangfang")
    page = client.get("/h5/contracts/risk").text
    assert "HT-RISK" in page and "HT-STAMPED" not in page
    login(client, "zhaolei")
    assert "HT-RISK" not in client.get("/h5/contracts/risk").text


def test_payment_form(client, approved):
    token = login(client, "chenjing")
    over = client.post(f"/h5/contracts/{approved}/payments",
                       data={"csrf_token": token, "amount": "100000.01"})
    assert over.status_code == 400 and "超过合同" in over.text
    zero = client.post(f"/h5/contracts/{approved}/payments",
                       data={"csrf_token": token, "amount": "0"})
    assert zero.status_code == 400 and "金额必须大于0" in zero.text
    assert payments(approved) == []
    ok = client.post(f"/h5/contracts/{approved}/payments",
                     data={"csrf_token": token, "amount": "4万", "bank_ref": "R1"})
    assert ok.status_code == 302
    assert contract(approved).collected_amount == Decimal("40000.00")
    dup = client.post(f"/h5/contracts/{approved}/payments",
                      data={"csrf_token": token, "amount": "4万", "bank_ref": "R1"})
    assert "该流水号已经登记过" in client.get(dup.headers["Location"]).text
    assert contract(approved).collected_amount == Decimal("40000.00")


def test_forecast_form(client, approved):
    token = login(client, "zhangwei")
    day = (ops.today() + timedelta(days=20)).isoformat()
    ok = client.post(f"/h5/contracts/{approved}/forecasts",
                     data={"csrf_token": token, "amount": "30000", "expected_on": day})
    assert ok.status_code == 302
    assert f"预计 {day} 回款 ¥30,000.00" in client.get(f"/h5/contracts/{approved}").text


def _bank_upload(client, run_jobs, token: str, content, name: str = "bank.xlsx"):
    """Upload a bank export, let the job book it, and answer the result page."""
    response = client.post("/h5/contracts/payments/import",
                           data={"csrf_token": token, "file": (content, name)},
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.text
    pending = client.get(response.headers["Location"])
    assert "处理中" in pending.text and "data-import-status" in pending.text
    run_jobs()
    return client.get(response.headers["Location"])


def test_bank_import_rerun_is_a_no_op_and_bad_rows_refuse_only_themselves(client, approved,
                                                                          draft, run_jobs):
    other = draft("5000", no="HT-B-002")
    sign(other)
    approve(other)
    unapproved = draft("5000", no="HT-B-003")
    today = ops.today().isoformat()
    rows = [[today, 30000, "HT-A-001", "BANK-1", "货款"],
            [today, 2000, "ht-b-002", 20261127001, ""],
            [today, 9000, "HT-B-002", "BANK-3", "over: only 3,000 left"],
            ["not a date", 100, "HT-A-001", "BANK-4", ""],
            [today, 100, "HT-NOPE", "BANK-5", ""],
            [today, 100, "HT-B-003", "BANK-6", "draft"],
            [today, 100, "HT-A-001", "BANK-1", "same ref twice"]]
    assert unapproved
    token = login(client, "chenjing")
    page = _bank_upload(client, run_jobs, token, xlsx(rows)).text
    assert 'data-status="done"' in page and "zs-notice_warn" in page
    assert "共7行，登记回款2笔，已导入过0笔，拒绝5行" in page
    assert "第4行：回款金额 9,000.00 超过合同「HT-B-002」未回款金额 3,000.00" in page
    assert "第5行：日期「not a date」无效" in page
    assert "第6行：找不到合同「HT-NOPE」" in page
    assert "第7行：合同「HT-B-003」当前状态为「草稿」" in page
    assert "第8行：流水号「BANK-1」在文件中重复（第2行已有）" in page
    assert contract(approved).collected_amount == Decimal("30000.00")
    assert contract(other).collected_amount == Decimal("2000.00")
    assert contract(other).status == "partly_collected"
    assert sorted(p.bank_ref or "" for p in payments()) == ["20261127001", "BANK-1"]
    again = _bank_upload(client, run_jobs, token, xlsx(rows[:2]))
    assert "登记回款0笔，已导入过2笔" in again.text
    assert len(payments()) == 2
    assert contract(approved).collected_amount == Decimal("30000.00")
    login(client, "zhangwei")
    assert client.get("/h5/contracts/payments/import").status_code == 403


def test_a_bank_export_bomb_is_refused_by_the_job_not_the_request(client, approved, run_jobs):
    import time
    import tracemalloc

    from tests.sheetbomb import xlsx_bomb

    bomb = xlsx_bomb(300)
    token = login(client, "chenjing")
    started = time.monotonic()
    response = client.post("/h5/contracts/payments/import",
                           data={"csrf_token": token, "file": (io.BytesIO(bomb), "bank.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 303 and time.monotonic() - started < 1.0
    location = response.headers["Location"]
    assert client.get(location + "/status.json").get_json()["finished"] is False
    tracemalloc.start()
    started = time.monotonic()
    run_jobs()
    seconds, peak = time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 5 and peak < 50 * 1024 * 1024
    page = client.get(location).text
    assert 'data-status="refused"' in page and "压缩炸弹" in page
    assert payments() == []
    login(client, "zhouqian")  # the other finance clerk: not their upload
    assert client.get(location).status_code == 404
    assert client.get(location + "/status.json").status_code == 404


def test_reports_and_aging_export(client, approved, draft):
    from tests.contracts.contractkit import pay

    pay(approved, "40000")
    token = login(client, "wangfang")
    assert token
    page = client.get("/h5/contracts/reports")
    assert page.status_code == 200
    assert 'data-owner="zhangwei"' in page.text and "60,000.00" in page.text
    export = client.get("/h5/contracts/aging.xlsx")
    assert export.status_code == 200
    ws = load_workbook(io.BytesIO(export.data)).active
    values = list(ws.values)
    assert values[0][:6] == ("业务员", "0-30天", "31-60天", "61-90天", "90天以上", "合计")
    assert values[1][:6] == ("张伟", 60000, 0, 0, 0, 60000)
    login(client, "zhangwei")
    assert client.get("/h5/contracts/reports").status_code == 403
    assert client.get("/h5/contracts/aging.xlsx").status_code == 403


def test_customer_360_shows_contracts_and_payments(client, approved, shop):
    from tests.contracts.contractkit import pay

    pay(approved, "1000")
    login(client, "zhangwei")
    page = client.get(f"/h5/customers/{shop}").text
    assert "合同 HT-A-001 · 部分回款" in page
    assert "回款 · 合同 HT-A-001" in page
    assert f'href="/h5/contracts?customer={shop}"' in page


def test_finance_sees_customers_with_a_contract(client, shop, draft):
    login(client, "chenjing")
    assert client.get(f"/h5/customers/{shop}").status_code == 404  # no order, no contract
    draft(no="HT-F-001")
    page = client.get(f"/h5/customers/{shop}")
    assert page.status_code == 200 and "合同 HT-F-001 · 草稿" in page.text
