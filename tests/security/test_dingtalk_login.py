"""DingTalk sign-in (免登): the entry page binds a fresh state to the browser; its POST
carries the state, the session's CSRF token and the auth code the DingTalk client gave
the page; the server exchanges the code with DingTalk (here the emulator, over real HTTP)
and signs the active user with that ``dingtalk_userid`` in under their internal id.

Every refusal answers a Chinese page, never a 500, and leaves the browser signed out:
an unknown or reused code, a missing or foreign state (login CSRF: the code is then not
even exchanged), a DingTalk user we do not know or who was deactivated, and a ``next``
that points off-site is replaced by a local page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
import requests

from cards.links import dingtalk_link, dingtalk_login_url, for_dingtalk, page_url, wecom_oauth_url
from models.org import user as users
from web.auth.identity import DINGTALK_STATE_COOKIE, SESSION_CSRF, SESSION_USER
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

ENTRY = "/h5/login/dingtalk"
EXCHANGE = "topapi/v2/user/getuserinfo"

pytestmark = pytest.mark.usefixtures("org")


@pytest.fixture()
def org(org: None) -> None:
    """The web org, with 陈静 (finance) and 李娜 on DingTalk; 李娜 then leaves."""
    with session_scope() as session:
        users.upsert(session, wecom_userid="chenjing", name="陈静", role="finance",
                     dingtalk_userid="dt_chenjing")
        lina = users.upsert(session, wecom_userid="lina", name="李娜", role="rep",
                            region="华东", supervisor_userid="wangfang",
                            dingtalk_userid="dt_lina")
        lina.active = False


def auth_code(emulator: str, staff_id: str = "dt_chenjing") -> str:
    """What dd.runtime.permission.requestAuthCode gives a page in that user's DingTalk."""
    answer = requests.post(f"{emulator}/_emu/dingtalk/users/{staff_id}/authcode",
                           json={"corpId": get_settings().dingtalk_corp_id}, timeout=5)
    answer.raise_for_status()
    return str(answer.json()["code"])


def exchanges(emulator: str) -> int:
    return len(requests.get(f"{emulator}/_emu/calls", params={"api": EXCHANGE},
                            timeout=5).json())


def open_entry(client: Any, target: str = "/h5/customers") -> dict[str, str]:
    """GET the entry like a tapped link; the hidden fields its script will post."""
    res = client.get(f"{ENTRY}?next={quote(target, safe='')}")
    assert res.status_code == 200
    page = res.get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    assert set(fields) == {"csrf_token", "state", "next", "code"} and fields["code"] == ""
    cookie = client.get_cookie(DINGTALK_STATE_COOKIE)
    assert cookie is not None and cookie.value == fields["state"] and len(cookie.value) >= 24
    assert cookie.http_only and cookie.same_site == "Lax"
    assert f'data-corp-id="{get_settings().dingtalk_corp_id}"' in page
    assert "vendor/dingtalk-jsapi/dingtalk.open.min.js" in page
    return fields


def post(client: Any, fields: dict[str, str], code: str) -> Any:
    return client.post(ENTRY, data={**fields, "code": code})


def signed_in(client: Any) -> str | None:
    with client.session_transaction() as sess:
        return sess.get(SESSION_USER)


def test_a_dingtalk_user_signs_in_and_lands_on_next(client, emulator):
    fields = open_entry(client, "/h5/contracts/review")
    res = post(client, fields, auth_code(emulator))
    assert res.status_code == 302 and res.headers["Location"] == "/h5/contracts/review"
    # The same identity as the WeCom flow: the internal (WeCom) userid, a fresh CSRF token.
    assert signed_in(client) == "chenjing"
    with client.session_transaction() as sess:
        assert sess[SESSION_CSRF] != fields["csrf_token"]
    assert client.get_cookie(DINGTALK_STATE_COOKIE) is None  # one state, one sign-in
    page = client.get("/h5/contracts/review")
    assert page.status_code == 200 and "陈静" in page.get_data(as_text=True)
    assert exchanges(emulator) == 1
    # Signed in, the entry goes straight on.
    again = client.get(f"{ENTRY}?next=%2Fh5%2Fcontracts")
    assert again.status_code == 302 and again.headers["Location"] == "/h5/contracts"


@pytest.mark.parametrize("code", ["0" * 32, "not-a-code", "x" * 600])
def test_an_unknown_code_is_refused(client, emulator, code):
    res = post(client, open_entry(client), code)
    assert res.status_code == 401 and "身份确认失败" in res.get_data(as_text=True)
    assert "重新打开" in res.get_data(as_text=True)
    assert signed_in(client) is None


def test_a_code_works_once(client, app, emulator):
    code = auth_code(emulator)
    assert post(client, open_entry(client), code).status_code == 302
    other = app.test_client()  # the same code replayed in another browser
    res = post(other, open_entry(other), code)
    assert res.status_code == 401 and "身份确认失败" in res.get_data(as_text=True)
    assert signed_in(other) is None


def test_an_expired_code_is_refused(client, emulator):
    code = auth_code(emulator)
    requests.post(f"{emulator}/_emu/clock", json={"advance": 301}, timeout=5).raise_for_status()
    res = post(client, open_entry(client), code)
    assert res.status_code == 401 and signed_in(client) is None


@pytest.mark.parametrize("how", ["no state", "other state", "no cookie"])
def test_a_code_without_this_browsers_state_is_not_exchanged(client, app, emulator, how):
    # Login CSRF: the attacker's own fresh code, posted into the victim's browser.
    fields = open_entry(client)
    if how == "no state":
        fields["state"] = ""
    elif how == "other state":
        fields["state"] = open_entry(app.test_client())["state"]
    else:
        client.delete_cookie(DINGTALK_STATE_COOKIE)
    res = post(client, fields, auth_code(emulator, "dt_chenjing"))
    assert res.status_code == 401 and "登录已过期" in res.get_data(as_text=True)
    assert signed_in(client) is None
    assert exchanges(emulator) == 0


def test_the_post_needs_the_csrf_token(client, emulator):
    fields = open_entry(client)
    fields["csrf_token"] = "forged-token-0000000000000000000"
    res = post(client, fields, auth_code(emulator))
    assert res.status_code == 400 and signed_in(client) is None
    assert exchanges(emulator) == 0


def test_no_code_means_not_in_dingtalk(client, emulator):
    res = post(client, open_entry(client), "")
    assert res.status_code == 401 and "请在钉钉中打开" in res.get_data(as_text=True)
    assert exchanges(emulator) == 0


@pytest.mark.parametrize("staff_id, why", [("dt_admin", "no user has this DingTalk id"),
                                           ("dt_lina", "the user was deactivated")])
def test_a_dingtalk_user_who_is_not_ours_is_refused(client, emulator, staff_id, why):
    res = post(client, open_entry(client), auth_code(emulator, staff_id))
    assert res.status_code == 403, why
    assert "无法使用中枢" in res.get_data(as_text=True)
    assert signed_in(client) is None


def test_dingtalk_down_is_a_page_not_a_500(client, emulator):
    requests.post(f"{emulator}/_emu/faults", json={"platform": "dingtalk", "api": EXCHANGE,
                                                    "status": 502, "times": 5},
                  timeout=5).raise_for_status()
    res = post(client, open_entry(client), auth_code(emulator))
    assert res.status_code == 503 and "钉钉暂时没有响应" in res.get_data(as_text=True)
    assert signed_in(client) is None


# Browsers drop tabs and newlines from a URL ("/\t/evil.example" is "//evil.example" to
# them) and read "\\" as "/"; percent-encoding is undone by proxies and browsers alike.
OFF_SITE = ["https://evil.example/x", "//evil.example/x", "/\\evil.example",
            "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example",
            "/\r\n/evil.example", "/%09/evil.example", "/%2F/evil.example",
            "%2F%2Fevil.example", " //evil.example", "\\\\evil.example",
            "https:evil.example", "/%5Cevil.example", "/%250a/evil.example",
            "http://zhongshu.example.com@evil.example/"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_never_leaves_the_site(client, emulator, target):
    fields = open_entry(client, target)
    assert fields["next"] == "/h5/customers"
    res = post(client, {**fields, "next": target}, auth_code(emulator))
    assert res.status_code == 302 and res.headers["Location"] == "/h5/customers"


def test_dingtalk_links_go_through_the_entry():
    review = "/h5/contracts/review"
    entry = dingtalk_login_url(review)
    assert entry == page_url(f"{ENTRY}?next=%2Fh5%2Fcontracts%2Freview")
    assert dingtalk_link(wecom_oauth_url(review)) == entry
    assert dingtalk_link(page_url(review)) == entry
    assert dingtalk_link(entry) == entry
    assert dingtalk_link(page_url("/h5/customers?f_3=A")) == dingtalk_login_url(
        "/h5/customers?f_3=A")
    for foreign in ("https://example.com/h5/x", "dtmd://dingtalkclient/sendMessage?content=a"):
        assert dingtalk_link(foreign) == foreign
    from lib.chat import Card, Reply

    reply = for_dingtalk(Reply(markdown=f"1. [HT-1]({wecom_oauth_url('/h5/contracts/1')}) · 甲",
                               card=Card(title="t", url=page_url("/h5/plan"))))
    assert reply.markdown == f"1. [HT-1]({dingtalk_login_url('/h5/contracts/1')}) · 甲"
    assert reply.card is not None and reply.card.url == dingtalk_login_url("/h5/plan")
