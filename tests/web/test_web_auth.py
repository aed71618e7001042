"""Identity from WeCom OAuth (against the emulator), the pages shown without one, CSRF,
and the headers every H5 response carries."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.web.webkit import customers, login
from web.auth.guard import CSP
from web.auth.identity import OAUTH_STATE_COOKIE, SESSION_CSRF, SESSION_USER

# The state /h5/login would have put in this browser's cookie before sending it to WeCom.
STATE = "st-0123456789abcdef"


@pytest.fixture(autouse=True)
def _started_sign_in(client):
    client.set_cookie(OAUTH_STATE_COOKIE, STATE)


def _code(emulator: str, userid: str, redirect: str = "http://localhost/h5/register") -> str:
    answer = requests.post(f"{emulator}/_emu/wecom/users/{userid}/oauth",
                           json={"redirect": redirect, "state": STATE}, timeout=5)
    answer.raise_for_status()
    url = answer.json()["url"]
    assert url.startswith(redirect + "?")
    return parse_qs(urlsplit(url).query)["code"][0]


def test_code_is_exchanged_for_a_session_and_removed_from_the_url(client, emulator, org):
    code = _code(emulator, "zhangwei")
    res = client.get(f"/h5/customers?q=abc&code={code}&state={STATE}")
    assert res.status_code == 302
    # Back to the same page, other parameters kept, WeCom's code and state gone.
    assert res.headers["Location"] == "/h5/customers?q=abc"
    with client.session_transaction() as sess:
        assert sess[SESSION_USER] == "zhangwei"
        assert len(sess[SESSION_CSRF]) >= 32
    (cookie,) = [c for c in res.headers.getlist("Set-Cookie") if c.startswith("zs_session=")]
    assert cookie.startswith("zs_session=") and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # ZS_BASE_URL is http in the tests
    page = client.get("/h5/customers?q=abc")
    assert page.status_code == 200 and "当前身份：张伟（业务员）" in page.text
    # The emulator saw exactly one code exchange, on the configured API base.
    calls = requests.get(f"{emulator}/_emu/calls", params={"api": "auth/getuserinfo"},
                         timeout=5).json()
    assert len(calls) == 1 and calls[0]["errcode"] == 0


def test_a_bad_code_shows_open_from_the_workbench(client, emulator, org):
    res = client.get(f"/h5/register?code=made-up-code&state={STATE}")
    assert res.status_code == 401
    assert "请从企业微信工作台打开" in res.text
    # The button starts a new sign-in (state, then WeCom's OAuth) back to this page,
    # without the bad code.
    assert "/h5/login?next=%2Fh5%2Fregister" in res.text
    assert "made-up-code" not in res.text
    with client.session_transaction() as sess:
        assert SESSION_USER not in sess


def test_a_used_code_is_refused(client, emulator, org):
    code = _code(emulator, "zhangwei")
    assert client.get(f"/h5/register?state={STATE}&code={code}").status_code == 302
    other = client.application.test_client()
    other.set_cookie(OAUTH_STATE_COOKIE, STATE)
    assert other.get(f"/h5/register?state={STATE}&code={code}").status_code == 401


def test_a_signed_in_user_reloading_an_old_code_url_just_continues(client, emulator, org):
    code = _code(emulator, "zhangwei")
    client.get(f"/h5/register?state={STATE}&code={code}")
    again = client.get(f"/h5/register?state={STATE}&code={code}")
    assert again.status_code == 302 and again.headers["Location"] == "/h5/register"


def test_a_wecom_member_not_registered_in_zhongshu_gets_403(client, emulator):
    # lina is in the emulator's WeCom directory, but nobody added her to Zhongshu.
    code = _code(emulator, "lina")
    res = client.get(f"/h5/register?state={STATE}&code={code}")
    assert res.status_code == 403
    assert "您还没有在中枢登记" in res.text
    with client.session_transaction() as sess:
        assert SESSION_USER not in sess


def test_an_inactive_user_signing_in_gets_403(client, emulator, org):
    from models.org import user as users
    from zhongshu.db import session_scope

    with session_scope() as session:
        user = users.by_platform_id(session, "wecom", "wangfang")
        assert user is not None
        user.active = False
        session.add(user)
    res = client.get(f"/h5/register?state={STATE}&code={_code(emulator, 'wangfang')}")
    assert res.status_code == 403 and "您还没有在中枢登记" in res.text


def test_no_code_and_no_session_shows_open_from_the_workbench(client, org):
    res = client.get("/h5/customers/1")
    assert res.status_code == 401 and "请从企业微信工作台打开" in res.text


def test_a_deactivated_user_loses_access_at_once(client, org):
    login(client, "gone")
    res = client.get("/h5/customers")
    assert res.status_code == 403 and "您还没有在中枢登记" in res.text
    with client.session_transaction() as sess:
        assert SESSION_USER not in sess


def test_a_forged_cookie_is_not_a_session(client, org):
    client.set_cookie("zs_session", "eyJ1aWQiOiJ6aGFuZ3dlaSJ9.forged.signature")
    assert client.get("/h5/customers").status_code == 401


@pytest.mark.parametrize("token", [None, "", "wrong-token", "csrf-zhangwei-0123456789abcdeX"])
def test_posts_without_the_session_csrf_token_are_refused(client, org, token):
    login(client, "zhangwei")
    form = {"name": "杭州恒达环保有限公司", "contact": "王经理", "phone": "13912345678",
            "industry": "环保", "intent": "意向高·近期采购"}
    if token is not None:
        form["csrf_token"] = token
    res = client.post("/h5/register", data=form)
    assert res.status_code == 400
    assert "表单校验失败" in res.text
    assert customers() == []


def test_a_csrf_token_from_another_session_is_refused(client, org):
    login(client, "lina")
    with client.session_transaction() as sess:
        sess[SESSION_CSRF] = "a-token-of-lina-0000000000000000"
    res = client.post("/h5/register", data={"csrf_token": "csrf-zhangwei-0123456789abcdef",
                                            "name": "某公司", "contact": "王",
                                            "phone": "13912345678",
                                            "industry": "环保", "intent": "高"})
    assert res.status_code == 400 and customers() == []


def test_security_headers_on_pages_and_static_files(client, org):
    login(client, "zhangwei")
    for path in ("/h5/register", "/h5/customers", "/h5/static/app.css",
                 "/h5/static/vendor/weui.min.css", "/h5/customers/999"):
        res = client.get(path)
        assert res.headers["Content-Security-Policy"] == CSP, path
        assert "default-src 'self'" in CSP and "frame-ancestors 'self'" in CSP
        assert res.headers["X-Content-Type-Options"] == "nosniff"
        assert res.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert res.headers["Referrer-Policy"] == "same-origin"
    assert client.get("/h5/customers").headers["Cache-Control"] == "no-store"
    # The platform callbacks are not web pages and keep their own headers.
    assert "Content-Security-Policy" not in client.get("/healthz").headers


def test_pages_have_no_inline_script_or_style(client, org):
    login(client, "zhangwei")
    for path in ("/h5/register", "/h5/customers"):
        html = client.get(path).text
        assert "<script>" not in html and "style=" not in html and " on" + "click" not in html
        assert "/h5/static/vendor/weui.min.css" in html  # vendored, no CDN
        assert "http" + "s://" not in html


def test_the_client_exchanges_codes_on_the_configured_base(emulator, org):
    from bot.wecom.client import get_client

    client = get_client()
    assert client.oauth_userid(_code(emulator, "lina")) == "lina"
    assert client.oauth_userid("not-a-code") is None
    assert client.oauth_userid("") is None


def test_wecom_being_down_is_a_try_again_page_not_a_500(client, emulator, org):
    requests.post(f"{emulator}/_emu/faults", json={"platform": "wecom", "api": "auth/getuserinfo",
                                                   "errcode": -1, "times": 5},
                  timeout=5).raise_for_status()
    res = client.get(f"/h5/register?state={STATE}&code={_code(emulator, 'zhangwei')}")
    assert res.status_code == 503 and "暂时无法确认身份" in res.text
