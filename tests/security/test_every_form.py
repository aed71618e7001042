"""Meta-tests over the app's URL map, so a new route cannot skip the protections:
every POST route refuses a request without the session's CSRF token (before touching
anything), every page and file answer carries the security headers, and every upload is
size-capped before its body is read (the cap itself: tests/web/test_web_import.py,
tests/checkin/test_checkin_page.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import SQLModel, func, select

from tests.web.webkit import login
from web import texts
from web.auth.guard import CSRF_FIELD, SECURITY_HEADERS
from zhongshu.db import session_scope

# POST routes that are not forms: the platforms' callbacks, verified by signature,
# timestamp window and decryption instead (tests/edge), and the people counters' feed,
# verified by HMAC and timestamp (tests/stores/test_store_ingest.py).
SIGNED_CALLBACKS = {"wecom.callback", "dingtalk.callback", "dingtalk.robot",
                    "store_api.counter_traffic"}
# GET routes outside the H5 pages: machine endpoints, the platforms' URL check.
NOT_PAGES = {"wecom.verify_url", "healthz", "metrics.metrics", "static"}


def _rules(app: Any, method: str) -> list[Any]:
    return sorted((r for r in app.url_map.iter_rules() if method in r.methods),
                  key=lambda r: r.rule)


def _url(rule: Any) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "1", rule.rule)


def _row_counts() -> dict[str, int]:
    with session_scope() as session:
        return {t.name: int(session.exec(select(func.count()).select_from(t)).one())
                for t in SQLModel.metadata.sorted_tables}


def test_the_meta_test_sees_the_forms(app):
    posts = {r.endpoint for r in _rules(app, "POST")}
    assert {"register.register", "checkin.checkin", "admin_import.upload",
            "plans.change", "auth.dingtalk_sign_in"} <= posts


@pytest.mark.parametrize("role", ["zhangwei", "admin"])
def test_every_post_route_needs_the_csrf_token(app, client, org, role):
    login(client, role)
    checked = 0
    for rule in _rules(app, "POST"):
        if rule.endpoint in SIGNED_CALLBACKS:
            continue
        before = _row_counts()
        for data in ({}, {CSRF_FIELD: "forged-token-0000000000000000000"}):
            res = client.post(_url(rule), data=data)
            assert res.status_code == 400, f"{rule.rule} accepted a POST without CSRF"
            assert texts.CSRF_TITLE in res.get_data(as_text=True)
        assert _row_counts() == before, f"{rule.rule} changed data on a refused POST"
        checked += 1
    assert checked >= 4


def test_every_page_has_the_security_headers(app, client, org):
    login(client, "zhangwei")
    checked = 0
    for rule in _rules(app, "GET"):
        if rule.endpoint in NOT_PAGES or rule.endpoint.endswith(".static"):
            continue
        res = client.get(_url(rule))
        for header, value in SECURITY_HEADERS.items():
            assert res.headers.get(header) == value, f"{rule.rule} lacks {header}"
        assert res.status_code != 500
        checked += 1
    assert checked >= 10


def test_control_characters_in_queries_and_forms_are_dropped_not_a_500(client, org):
    """A NUL pasted into a search box or a form (PostgreSQL refuses NUL in text) reaches
    no query: the search runs, the form saves what was visible. Newlines stay."""
    from models.config import custom_fields as cf

    login(client, "zhangwei")
    assert client.get("/h5/customers?q=%00%1b%E6%9D%AD%E5%B7%9E").status_code == 200
    token = login(client, "wangfang")
    res = client.post("/admin/fields", data={CSRF_FIELD: token, "entity": "visit",
                                             "name": "竞品\x00品牌\x1b", "kind": "text"})
    assert res.status_code == 303
    with session_scope() as session:
        assert [f.name for f in cf.fields_of(session, cf.VISIT)] == ["竞品品牌"]
    from web.auth.guard import CleanRequest

    with CleanRequest.from_values(data={"note": "第一行\r\n第二行\t完"}, method="POST") as r:
        assert r.form["note"] == "第一行\r\n第二行\t完"
