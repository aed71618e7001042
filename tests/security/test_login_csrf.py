"""Login CSRF: a WeCom OAuth code only signs in the browser that started the sign-in
(``/h5/login`` binds a random ``state`` to it in a short-lived cookie). A link carrying
someone else's fresh code — the attack: the victim then works under the attacker's
account — is refused without even exchanging the code."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from web.auth.identity import OAUTH_STATE_COOKIE, SESSION_USER
from zhongshu.settings import Settings

pytestmark = pytest.mark.usefixtures("org")


def _fresh_code(emulator: str, userid: str, state: str) -> str:
    answer = requests.post(f"{emulator}/_emu/wecom/users/{userid}/oauth",
                           json={"redirect": "http://localhost/h5/register", "state": state},
                           timeout=5)
    answer.raise_for_status()
    return parse_qs(urlsplit(answer.json()["url"]).query)["code"][0]


def _exchanges(emulator: str) -> int:
    return len(requests.get(f"{emulator}/_emu/calls", params={"api": "auth/getuserinfo"},
                            timeout=5).json())


def _start(client) -> tuple[str, str]:
    """GET /h5/login like a tapped link: (the state cookie, WeCom's authorize URL)."""
    res = client.get("/h5/login?next=%2Fh5%2Fregister")
    assert res.status_code == 302
    cookie = client.get_cookie(OAUTH_STATE_COOKIE)
    assert cookie is not None and len(cookie.value) >= 24
    assert cookie.http_only and cookie.same_site == "Lax"
    return cookie.value, res.headers["Location"]


def test_login_binds_a_fresh_state_and_goes_to_wecom(client, emulator):
    state, location = _start(client)
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert parts.path == "/connect/oauth2/authorize" and location.endswith("#wechat_redirect")
    assert query["state"] == [state]
    assert query["redirect_uri"][0].endswith("/h5/register")
    # Every start gets its own state.
    assert _start(client.application.test_client())[0] != state


def test_the_matching_state_signs_in_once(client, emulator):
    state, _ = _start(client)
    res = client.get(f"/h5/register?code={_fresh_code(emulator, 'zhangwei', state)}"
                     f"&state={state}")
    assert res.status_code == 302 and res.headers["Location"] == "/h5/register"
    with client.session_transaction() as sess:
        assert sess[SESSION_USER] == "zhangwei"
    assert client.get_cookie(OAUTH_STATE_COOKIE) is None  # one state, one sign-in


@pytest.mark.parametrize("how", ["no cookie", "other state", "no state param"])
def test_a_planted_code_is_refused_and_not_exchanged(client, emulator, how):
    # The attacker's own fresh code, with the attacker's state, sent to the victim.
    attacker_state = "attacker-state-000000000000"
    code = _fresh_code(emulator, "lina", attacker_state)
    if how == "other state":
        _start(client)  # the victim's browser has a state — just not this one
    url = f"/h5/register?code={code}" + ("" if how == "no state param"
                                         else f"&state={attacker_state}")
    res = client.get(url)
    assert res.status_code == 401 and "请从企业微信工作台打开" in res.text
    assert "李娜" not in res.text
    with client.session_transaction() as sess:
        assert SESSION_USER not in sess
    assert _exchanges(emulator) == 0


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
    from urllib.parse import quote

    res = client.get(f"/h5/login?next={quote(target, safe='')}")
    from zhongshu.settings import get_settings

    redirect_uri = parse_qs(urlsplit(res.headers["Location"]).query)["redirect_uri"][0]
    assert redirect_uri == get_settings().base_url + "/h5/customers"


@pytest.mark.parametrize("target", [*OFF_SITE, "/%0a", "/\x00", "/h5/\u4e2d\u6587?q=%0d%0a",
                                    "/" + "a" * 5000, "%", "/%ff%fe"])
def test_a_signed_in_user_is_sent_home_for_any_off_site_next_and_never_a_500(client, target):
    from urllib.parse import quote

    from tests.web.webkit import login

    login(client, "zhangwei")
    res = client.get(f"/h5/login?next={quote(target, safe='')}")
    assert res.status_code == 302
    location = res.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert urlsplit(location).netloc == "" and "\t" not in location and "\n" not in location
    if target in OFF_SITE:
        assert location == "/h5/customers"


def test_a_local_next_with_a_query_is_kept(client):
    from tests.web.webkit import login

    login(client, "zhangwei")
    res = client.get("/h5/login?next=%2Fh5%2Fcustomers%3Fq%3D%25E5%25BC%25A0%26page%3D2")
    assert res.headers["Location"] == "/h5/customers?q=%E5%BC%A0&page=2"


def test_a_signed_in_user_skips_wecom(client):
    from tests.web.webkit import login

    login(client, "zhangwei")
    res = client.get("/h5/login?next=%2Fh5%2Fcustomers")
    assert res.status_code == 302 and res.headers["Location"] == "/h5/customers"


def _problems(**env: str) -> list[str]:
    # Production: ZS_DEMO unset (the suite itself runs with ZS_DEMO=1).
    return Settings(ZS_DEMO="", **env).unsafe()


def test_the_dev_secret_key_refuses_to_start_outside_the_demo():
    assert any(p.startswith("ZS_SECRET_KEY") for p in _problems(
        ZS_BASE_URL="https://zhongshu.example.com"))
    assert any(p.startswith("ZS_SECRET_KEY") for p in _problems(
        ZS_BASE_URL="HTTPS://zhongshu.example.com",
        ZS_SECRET_KEY="zhongshu-dev-secret-change-me"))
    assert not any(p.startswith("ZS_SECRET_KEY") for p in _problems(
        ZS_BASE_URL="https://zhongshu.example.com", ZS_SECRET_KEY="k" * 48))
    # The demo (and the tests) run on the development key.
    assert Settings(ZS_DEMO="1", ZS_BASE_URL="http://127.0.0.1:5000").unsafe() == []


def test_the_app_factory_refuses_too(monkeypatch):
    from zhongshu.app import create_app
    from zhongshu.settings import get_settings

    monkeypatch.setenv("ZS_BASE_URL", "https://zhongshu.example.com")
    monkeypatch.delenv("ZS_SECRET_KEY", raising=False)
    monkeypatch.delenv("ZS_DEMO")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="ZS_SECRET_KEY"):
            create_app()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
