"""Sign-in attempts are limited per browser and per IP address (Redis windows shared by
every web process): opening a sign-in entry and exchanging a code both count, so guessed
codes stop reaching the platform — each guess used to spend the app's API quota. Past the
limit the browser gets a Chinese 429 page; other browsers and addresses are not affected."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
import requests

from models.org import user as users
from web.texts import SIGNIN_TOO_FAST_TITLE
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

ENTRY = "/h5/login/dingtalk"

pytestmark = pytest.mark.usefixtures("org")


@pytest.fixture()
def limits(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def set_limits(*, browser: int, ip: int) -> None:
        monkeypatch.setenv("ZS_SIGNIN_PER_BROWSER_PER_MINUTE", str(browser))
        monkeypatch.setenv("ZS_SIGNIN_PER_IP_PER_MINUTE", str(ip))
        get_settings.cache_clear()

    yield set_limits
    monkeypatch.undo()
    get_settings.cache_clear()


def _client(app: Any, ip: str = "203.0.113.7", agent: str = "Mobile DingTalk") -> Any:
    """A browser of its own (its own cookies) at ``ip``."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_USER_AGENT": agent})
    return client


def _entry(client: Any) -> tuple[int, dict[str, str]]:
    res = client.get(f"{ENTRY}?next={quote('/h5/customers', safe='')}")
    page = res.get_data(as_text=True)
    return res.status_code, dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">',
                                            page))


def _exchanges(emulator: str) -> int:
    return len(requests.get(f"{emulator}/_emu/calls",
                            params={"api": "topapi/v2/user/getuserinfo"}, timeout=5).json())


def test_guessed_dingtalk_codes_stop_reaching_dingtalk(app, emulator, limits):
    limits(browser=6, ip=100)
    browser = _client(app)
    answers = []
    for guess in range(6):
        status, fields = _entry(browser)
        if status != 200:
            answers.append(status)
            continue
        answers.append(browser.post(ENTRY, data={**fields, "code": f"guess-{guess:04d}"})
                       .status_code)
    # Each attempt is an entry opened and a code exchanged: 3 attempts, then 429.
    assert answers[:3] == [401, 401, 401] and set(answers[3:]) == {429}
    assert _exchanges(emulator) == 3
    page = browser.get(ENTRY).get_data(as_text=True)
    assert SIGNIN_TOO_FAST_TITLE in page and "秒后再打开此页面" in page
    # Another browser on another address signs in as usual.
    with session_scope() as session:
        users.upsert(session, wecom_userid="chenjing", name="陈静", role="finance",
                     dingtalk_userid="dt_chenjing")
    other = _client(app, ip="198.51.100.9")
    status, fields = _entry(other)
    code = requests.post(f"{emulator}/_emu/dingtalk/users/dt_chenjing/authcode",
                         json={"corpId": get_settings().dingtalk_corp_id},
                         timeout=5).json()["code"]
    assert status == 200
    res = other.post(ENTRY, data={**fields, "code": code})
    assert res.status_code == 302 and res.headers["Location"] == "/h5/customers"


def test_a_client_dropping_its_cookies_is_limited_by_its_address(app, limits):
    limits(browser=100, ip=5)
    statuses = [_client(app, agent=f"agent-{n}").get("/h5/login?next=%2Fh5%2Fcustomers")
                .status_code for n in range(7)]
    assert statuses == [302] * 5 + [429, 429]
    # The limit is per address: a colleague elsewhere is not affected.
    assert _client(app, ip="198.51.100.9").get("/h5/login").status_code == 302


def test_wecom_codes_are_limited_per_browser(app, emulator, limits):
    limits(browser=4, ip=100)
    browser = _client(app)
    statuses = []
    for guess in range(4):
        start = browser.get("/h5/login?next=%2Fh5%2Fregister")
        if start.status_code != 302:
            statuses.append(start.status_code)
            continue
        state = browser.get_cookie("zs_oauth_state").value
        statuses.append(browser.get(f"/h5/register?code=guess{guess}&state={state}")
                        .status_code)
    assert statuses[:2] == [401, 401] and set(statuses[2:]) == {429}
    assert len(requests.get(f"{emulator}/_emu/calls", params={"api": "auth/getuserinfo"},
                            timeout=5).json()) == 2


def test_signed_in_people_are_never_counted(app, limits):
    from tests.web.webkit import login

    limits(browser=2, ip=2)
    browser = _client(app)
    login(browser, "zhangwei")
    for _ in range(5):
        res = browser.get("/h5/login?next=%2Fh5%2Fcustomers")
        assert res.status_code == 302 and res.headers["Location"] == "/h5/customers"
