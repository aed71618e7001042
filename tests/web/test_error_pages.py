"""Every 4xx/5xx a person can reach is the product's Chinese page (WeUI, with a way home);
scripts get JSON; WeCom's ``?code=&state=`` never stays in the address bar."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from tests.web.webkit import add_customer, login
from web.auth.guard import CSP
from web.auth.identity import OAUTH_STATE_COOKIE, SESSION_USER

STATE = "st-0123456789abcdef"


def test_an_unknown_url_is_a_chinese_page_with_a_way_home(client, org):
    login(client, "zhangwei")
    res = client.get("/h5/no-such-page", headers={"Accept": "text/html,*/*;q=0.8"})
    assert res.status_code == 404
    assert res.mimetype == "text/html"
    assert "页面不存在" in res.text and "Not Found" not in res.text
    assert 'class="weui-msg"' in res.text
    assert 'href="/h5/customers"' in res.text and "返回首页" in res.text
    assert "当前身份：张伟（业务员）" in res.text
    assert res.headers["Content-Security-Policy"] == CSP


def test_a_signed_out_visitor_and_each_role_get_their_own_home(client, org):
    assert 'href="/h5/customers"' in client.get("/nothing/here").text
    login(client, "chenjing")
    assert 'href="/h5/contracts"' in client.get("/nothing/here").text
    login(client, "admin")
    assert 'href="/admin/fields"' in client.get("/nothing/here").text


def test_a_wrong_method_and_an_out_of_range_id_are_chinese_too(client, org):
    login(client, "zhangwei")
    res = client.delete("/h5/customers")
    assert res.status_code == 405 and "无法这样打开此页面" in res.text
    assert "Method Not Allowed" not in res.text and "GET" in res.headers["Allow"]
    res = client.get("/h5/customers/" + "9" * 30)
    assert res.status_code == 404 and "页面不存在" in res.text


def test_json_endpoints_answer_json_errors(client, org):
    login(client, "zhangwei")
    res = client.get("/h5/stores/999999.json")
    assert res.status_code in (403, 404)
    assert res.is_json and res.json["error"]
    res = client.get("/h5/no-such/data")
    assert res.status_code == 404 and res.is_json and res.json["error"] == "页面不存在"
    res = client.get("/h5/anything", headers={"Accept": "application/json"})
    assert res.status_code == 404 and res.json["status"] == 404


def test_an_empty_code_and_state_are_cleaned_from_the_address(client, org):
    login(client, "zhangwei")
    res = client.get("/h5/customers?q=abc&code=&state=")
    assert res.status_code == 302 and res.headers["Location"] == "/h5/customers?q=abc"


def test_a_sign_in_that_lands_on_a_missing_page_signs_in_and_cleans_the_url(
        client, emulator, org):
    client.set_cookie(OAUTH_STATE_COOKIE, STATE)
    answer = requests.post(f"{emulator}/_emu/wecom/users/zhangwei/oauth",
                           json={"redirect": "http://localhost/h5/gone", "state": STATE},
                           timeout=5)
    code = parse_qs(urlsplit(answer.json()["url"]).query)["code"][0]
    res = client.get(f"/h5/gone?code={code}&state={STATE}")
    assert res.status_code == 302 and res.headers["Location"] == "/h5/gone"
    with client.session_transaction() as sess:
        assert sess[SESSION_USER] == "zhangwei"
    page = client.get("/h5/gone")
    assert page.status_code == 404 and "页面不存在" in page.text
    assert "当前身份：张伟（业务员）" in page.text


def test_a_refusal_page_of_the_product_has_the_way_home_too(client, org):
    theirs = add_customer("赵磊的客户", "13800004444", "zhaolei")
    login(client, "zhangwei")
    res = client.get(f"/h5/customers/{theirs}")
    assert res.status_code == 404 and "客户不存在或无权查看" in res.text
    assert 'href="/h5/customers"' in res.text  # its own button back to the list
    res = client.get("/admin/rules")  # a page of another role: no button of its own
    assert res.status_code == 403 and "没有权限" in res.text
    assert 'href="/h5/customers"' in res.text and "返回首页" in res.text
    login(client, "chenjing")
    res = client.get("/h5/checkin")
    assert res.status_code == 403 and 'href="/h5/contracts"' in res.text


def test_a_server_error_is_the_chinese_page_and_json_for_scripts(org):
    from zhongshu.app import create_app

    application = create_app()  # not TESTING: errors are handled, not raised

    def boom() -> str:
        raise RuntimeError("a bug")

    application.add_url_rule("/h5/boom", "boom", boom)
    application.add_url_rule("/h5/boom/data", "boom_data", boom)
    client = application.test_client()
    login(client, "zhangwei")
    res = client.get("/h5/boom")
    assert res.status_code == 500 and "系统出了点问题" in res.text
    assert "Internal Server Error" not in res.text and "返回首页" in res.text
    res = client.get("/h5/boom/data")
    assert res.status_code == 500 and res.json["error"] == "系统出了点问题"
