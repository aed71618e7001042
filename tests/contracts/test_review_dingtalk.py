"""Finance chased by DingTalk: 陈静 works only in DingTalk. Signing a contract sends her a
DingTalk work notification (through the outbox, the delivery job and the emulator's
asyncsend_v2, over real HTTP); its link is our DingTalk sign-in entry, and opening it with
the auth code her DingTalk client gives the page signs her in and lands on the contract
she must review — nothing of WeCom involved."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests

from cards.links import DINGTALK_LOGIN_PATH
from tests.contracts.contractkit import sign
from web.auth.identity import DINGTALK_STATE_COOKIE, SESSION_USER
from zhongshu.settings import get_settings


def _work_notifications(emulator: str, staff_id: str) -> list[dict]:  # type: ignore[type-arg]
    answer = requests.get(f"{emulator}/_emu/messages",
                          params={"platform": "dingtalk", "user": staff_id}, timeout=5)
    answer.raise_for_status()
    return [m for m in answer.json() if m["channel"] == "work" and m["delivered"]]


def test_dingtalk_finance_opens_the_review_link_signed_in(client, emulator, draft, run_jobs):
    cid = draft("128000", no="HT-DD-001")
    sign(cid)
    run_jobs()
    [notice] = _work_notifications(emulator, "dt_chenjing")
    card = notice["content"]["action_card"]
    assert card["title"] == "合同待审核" and "HT-DD-001" in card["markdown"]
    link = urlsplit(card["single_url"])
    assert f"{link.scheme}://{link.netloc}" == get_settings().base_url
    assert link.path == DINGTALK_LOGIN_PATH and link.query == f"next=%2Fh5%2Fcontracts%2F{cid}"

    # Her DingTalk opens the link: the entry page and its state.
    page = client.get(f"{link.path}?{link.query}")
    assert page.status_code == 200
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">',
                             page.get_data(as_text=True)))
    assert fields["next"] == f"/h5/contracts/{cid}"
    # The page's script: dd.runtime.permission.requestAuthCode({corpId}) → a code.
    code = requests.post(f"{emulator}/_emu/dingtalk/users/dt_chenjing/authcode",
                         json={"corpId": get_settings().dingtalk_corp_id},
                         timeout=5).json()["code"]
    res = client.post(DINGTALK_LOGIN_PATH, data={**fields, "code": code})
    assert res.status_code == 302 and res.headers["Location"] == f"/h5/contracts/{cid}"
    assert client.get_cookie(DINGTALK_STATE_COOKIE) is None
    with client.session_transaction() as sess:
        assert sess[SESSION_USER] == "chenjing"

    contract_page = client.get(res.headers["Location"])
    body = contract_page.get_data(as_text=True)
    assert contract_page.status_code == 200
    assert "HT-DD-001" in body and "陈静" in body
    # The review queue is hers too.
    queue = client.get("/h5/contracts/review").get_data(as_text=True)
    assert 'data-contract="HT-DD-001"' in queue
