"""The phone pages and the OAuth hop a phone makes when a link in a message is opened."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from tests.emulator.emukit import Emu


def test_pages_render_with_local_assets_only(emu: Emu) -> None:
    home = requests.get(f"{emu.base}/", timeout=5)
    assert home.status_code == 200 and "张伟" in home.text and "/phone/wecom/zhangwei" in home.text
    assert "/phone/dingtalk/dt_zhangwei" in home.text
    page = requests.get(f"{emu.base}/phone/wecom/zhangwei", timeout=5)
    assert page.status_code == 200
    for label in ("报备客户", "拜访签到", "我的客户", "帮助", "人民广场", 'name="viewport"'):
        assert label in page.text, label
    assert "http://" not in page.text and "https://" not in page.text  # no CDN, no externals
    assert requests.get(f"{emu.base}/phone/dingtalk/dt_lina", timeout=5).status_code == 200
    assert requests.get(f"{emu.base}/phone/dingtalk/group", timeout=5).status_code == 200
    assert requests.get(f"{emu.base}/phone/wecom/nobody", timeout=5).status_code == 404
    for asset in ("phone.js", "phone.css", "home.js"):
        assert requests.get(f"{emu.base}/_emu/static/{asset}", timeout=5).status_code == 200


def test_opening_an_oauth_link_signs_in_as_the_phone_owner(emu: Emu) -> None:
    oauth = "https://open.weixin.qq.com/connect/oauth2/authorize?" + urlencode({
        "appid": emu.config.wecom_corp_id, "redirect_uri": "http://svc.test/m/checkin?v=1",
        "response_type": "code", "scope": "snsapi_base", "state": "st"}) + "#wechat_redirect"
    hop = requests.get(f"{emu.base}/phone/wecom/lina/open", params={"url": oauth},
                       allow_redirects=False, timeout=5)
    assert hop.status_code == 302
    target = urlsplit(hop.headers["Location"])
    assert target.netloc == "svc.test" and target.path == "/m/checkin"
    query = parse_qs(target.query)
    assert query["v"] == ["1"] and query["state"] == ["st"]
    info = emu.get("/cgi-bin/user/getuserinfo", access_token=emu.wecom_token(),
                   code=query["code"][0]).json()
    assert info["UserId"] == "lina"
    # Any other link is simply opened.
    plain = requests.get(f"{emu.base}/phone/wecom/lina/open",
                         params={"url": "http://svc.test/report"}, allow_redirects=False,
                         timeout=5)
    assert plain.headers["Location"] == "http://svc.test/report"


def test_emulator_oauth_page_uses_the_phone_cookie(emu: Emu) -> None:
    browser = requests.Session()
    browser.get(f"{emu.base}/phone/wecom/chenjing", timeout=5)
    query = {"appid": emu.config.wecom_corp_id, "redirect_uri": "http://svc.test/x",
             "state": "s"}
    hop = browser.get(f"{emu.base}/connect/oauth2/authorize", params=query,
                      allow_redirects=False, timeout=5)
    code = parse_qs(urlsplit(hop.headers["Location"]).query)["code"][0]
    info = emu.get("/cgi-bin/user/getuserinfo", access_token=emu.wecom_token(), code=code)
    assert info.json()["UserId"] == "chenjing"
    # Without a cookie the page asks who you are.
    picker = requests.get(f"{emu.base}/connect/oauth2/authorize", params=query, timeout=5)
    assert picker.status_code == 200 and "请选择" in picker.text and "赵敏" in picker.text
