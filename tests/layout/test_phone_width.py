"""Every page of the product fits a phone: Debian's chromium at 414 px wide opens each
page as the role it is for (the demo organisation and data, made small), and nothing
sticks out sideways — ``document.scrollingElement.scrollWidth`` ≤ 414, wide tables scroll
inside their own box — and no hint line touches the screen edge.

The page list is checked against the app's routes, so a new page can't be left out."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from sqlmodel import col, select

from models.config.custom_fields import FieldDef
from models.contracts.contract import Contract
from models.customers.customer import Customer
from models.org.user import User
from models.stores.promotion import Promotion
from models.stores.store import Store, StoreSale
from models.visits import visit as vm
from tests.browserkit import CHROMIUM, CHROMIUM_ARGS, needs_chromium, phone_page
from tests.web.webkit import login
from zhongshu.db import session_scope

pytestmark = needs_chromium

WIDTH = 414
EDGE = 8  # px of air a line of text keeps from either screen edge

# Routes that are not pages (files, JSON, posts' own URLs, sign-in hops).
NOT_PAGES = re.compile(r"(\.json|\.xlsx|\.csv|\.png|/data|/jsconfig|/photo|/stamped|"
                       r"/static/|^/static|^/stores/traffic|^/healthz|^/metrics|"
                       r"^/wecom/|^/dingtalk/|^/h5/login$|/status\.json)")

# Text that must keep clear of the edges: hints, tips, notices, titles.
EDGE_SELECTOR = (".zs-hint, .weui-cells__tips, .weui-cells__title, .zs-notice, "
                 ".weui-form__desc, .weui-cell__desc, .zs-whoami, .zs-flag-title, .zs-flag-reason")

MEASURE = """(sel) => {
  const out = {width: document.scrollingElement.scrollWidth, touching: []};
  const scrolls = (el) => { for (let p = el; p; p = p.parentElement) {
    const s = getComputedStyle(p); if (/(auto|scroll)/.test(s.overflowX)) return true; }
    return false; };
  for (const el of document.querySelectorAll(sel)) {
    if (!el.offsetParent || scrolls(el)) continue;
    const range = document.createRange(); range.selectNodeContents(el);
    for (const r of range.getClientRects()) {
      if (r.width && (r.left < EDGE || r.right > innerWidth - EDGE)) {
        out.touching.push(el.className + ': ' + el.textContent.trim().slice(0, 30)
                          + ' [' + Math.round(r.left) + '-' + Math.round(r.right) + ']');
        break; } } }
  return out; }""".replace("EDGE", str(EDGE))


EXPECTED_STATUS = {"None /h5/customers": 401, "zhangwei /h5/no-such-page": 404}


def _ids() -> dict[str, Any]:
    with session_scope() as db:
        def first(stmt: Any) -> Any:
            return db.exec(stmt.limit(1)).first()

        visit = first(select(vm.Visit).where(vm.Visit.rep == "zhangwei"))
        return {
            "customer": first(select(Customer.id).where(Customer.owner == "zhangwei")
                              .order_by(col(Customer.id))),
            "visit": visit.id if visit else None,
            # A flagged visit's review page carries the most evidence (photos side by side).
            "flagged": first(select(vm.VisitFlag.visit_id).join(
                vm.Visit, col(vm.Visit.id) == col(vm.VisitFlag.visit_id)).where(
                vm.Visit.rep == "zhangwei", vm.VisitFlag.code == "photo_reused"))
            or first(select(vm.VisitFlag.visit_id).join(
                vm.Visit, col(vm.Visit.id) == col(vm.VisitFlag.visit_id)).where(
                vm.Visit.rep == "zhangwei")),
            "contract": first(select(Contract.id).where(Contract.owner == "zhangwei")),
            "store": first(select(Store.id).order_by(col(Store.id))),
            "store_code": first(select(Store.code).order_by(col(Store.id))),
            "manager": first(select(User.wecom_userid).where(User.role == "store_manager")
                             .order_by(col(User.wecom_userid))),
            "promotion": first(select(Promotion.id)),
            "field": first(select(FieldDef.id).order_by(col(FieldDef.id))),
            "member": first(select(StoreSale.member_id).where(
                col(StoreSale.member_id).is_not(None))),
        }


def _pages(ids: dict[str, Any], store_of_manager: int) -> list[tuple[str | None, str]]:
    c, k, s = ids["customer"], ids["contract"], ids["store"]
    return [
        (None, "/h5/customers"),  # signed out: open from the workbench
        (None, "/h5/login/dingtalk"),
        ("zhangwei", "/h5/customers"), ("zhangwei", f"/h5/customers/{c}"),
        ("zhangwei", f"/h5/customers/{c}/fields"), ("zhangwei", "/h5/register"),
        ("zhangwei", f"/h5/register/done/{c}"),
        ("zhangwei", "/h5/checkin"), ("zhangwei", f"/h5/checkin?customer={c}"),
        ("zhangwei", f"/h5/checkin/done/{ids['visit']}"), ("zhangwei", "/h5/plan"),
        ("zhangwei", "/h5/contracts"), ("zhangwei", f"/h5/contracts/{k}"),
        ("zhangwei", "/h5/board"), ("zhangwei", "/h5/no-such-page"),
        ("wangfang", "/h5/dashboard"), ("wangfang", "/h5/customers"),
        ("wangfang", f"/h5/visits/{ids['flagged']}/review"),
        ("liuyang", "/h5/dashboard"), ("liuyang", "/h5/drill"),
        ("liuyang", "/h5/drill?region=华东"), ("liuyang", "/h5/drill?region=华东&grade=A"),
        ("liuyang", f"/h5/drill?customer={c}"), ("liuyang", "/h5/dashboard/compare"),
        ("chenjing", "/h5/contracts"), ("chenjing", "/h5/contracts/review"),
        ("chenjing", "/h5/contracts/risk"), ("chenjing", "/h5/contracts/reports"),
        ("chenjing", "/h5/contracts/payments/import"), ("chenjing", f"/h5/contracts/{k}"),
        ("admin", "/admin/import"), ("admin", "/admin/rules"), ("admin", "/admin/fields"),
        ("admin", "/admin/fields?entity=visit"), ("admin", "/admin/presets"),
        ("admin", "/admin/presets/growth"), ("admin", "/admin/changes"),
        ("admin", f"/admin/fields/{ids['field']}/retire"),
        ("zongbu", "/h5/stores"), ("zongbu", f"/h5/stores/{s}"),
        ("zongbu", f"/h5/stores/{ids['store_code']}"),
        ("zongbu", "/h5/stores/compare"), ("zongbu", "/h5/stores/upload"),
        ("zongbu", "/h5/promotions"), ("zongbu", f"/h5/promotions/{ids['promotion']}"),
        ("zongbu", f"/h5/members?id={ids['member']}"),
        ("zongbu", f"/h5/members/{ids['member']}"), ("zongbu", "/h5/members/lapsed"),
        (ids["manager"], f"/h5/stores/{store_of_manager}/report"),
        (ids["manager"], "/h5/promotions"),
    ]


def _rule_of(path: str, app: Any) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path.split("?")[0], method="GET")
    except Exception:  # noqa: BLE001 - an unknown page (the 404 page) has no rule
        return None
    return next(r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint
                and "GET" in (r.methods or ()))


@pytest.fixture()
def demo_small(live_service):
    from jobs.dashboard import rebuild_rollups
    from models.config import presets
    from zhongshu.demo.run import load_demo_data

    load_demo_data(progress=False, customers=300, visit_weeks=2)
    rebuild_rollups(True)
    with session_scope() as db:  # the small-team board too, so that page is there
        presets.apply(db, "small", actor="admin")
    return live_service


def test_every_page_fits_a_414px_phone(app, client, demo_small, run_jobs):
    from playwright.sync_api import sync_playwright

    from tests.web.test_web_import import ROWS, upload, xlsx

    ids = _ids()
    # An import's result page: one import, as the admin page makes it.
    imported = upload(client, login(client, "admin"), xlsx(ROWS))
    assert imported.status_code in (302, 303)
    run_jobs()
    with session_scope() as db:
        from models.stores.scope import visible_stores

        manager = db.exec(select(User).where(User.wecom_userid == ids["manager"])).one()
        store_of_manager = visible_stores(db, manager)[0].id
    pages = _pages(ids, store_of_manager)
    pages.append(("admin", imported.headers["Location"].replace("http://localhost", "")))
    # The store upload's and the bank import's result pages, each seen by its uploader.
    for userid, url, extra in (("zongbu", "/h5/stores/upload", {"kind": "traffic"}),
                               ("chenjing", "/h5/contracts/payments/import", {})):
        sent = client.post(url, data={"csrf_token": login(client, userid), **extra,
                                      "file": (io.BytesIO(b"\xe6\x97\xa0\n"), "x.csv")},
                           content_type="multipart/form-data")
        assert sent.status_code == 303, sent.text
        run_jobs()
        pages.append((userid, sent.headers["Location"].replace("http://localhost", "")))

    # Every GET page the app serves is on the list.
    served = {r.rule for r in app.url_map.iter_rules()
              if "GET" in (r.methods or ()) and not NOT_PAGES.search(r.rule)}
    covered = {_rule_of(path, app) for _, path in pages}
    assert served - covered == set(), served - covered

    problems: list[str] = []
    wide: dict[str, Any] = {}
    statuses: dict[str, int] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        contexts: dict[str | None, Any] = {}
        for userid, path in pages:
            if userid not in contexts:
                page = phone_page(browser, problems, viewport={"width": WIDTH, "height": 896})
                if userid is not None:
                    login(client, userid)
                    cookie = client.get_cookie("zs_session")
                    page.context.add_cookies([{"name": "zs_session", "value": cookie.value,
                                               "url": demo_small}])
                contexts[userid] = page
            page = contexts[userid]
            response = page.goto(demo_small + path, wait_until="networkidle")
            assert response is not None
            statuses[f"{userid} {path}"] = response.status
            found = page.evaluate(MEASURE, EDGE_SELECTOR)
            if found["width"] > WIDTH or found["touching"]:
                wide[f"{userid} {path}"] = found
        browser.close()
    # Each page opened as its own role: the real page, not a refusal (the signed-out
    # entry and the missing page are those pages on purpose).
    refused = {k: v for k, v in statuses.items() if v != 200}
    assert refused == EXPECTED_STATUS, refused
    assert wide == {}, "\n".join(f"{k}: {v}" for k, v in wide.items())
