"""The dashboard in Debian's chromium driven by Playwright, opened from WeCom (emulator
OAuth): a director drills 华东 → A → a customer and every number on screen is checked
against the database; a supervisor cannot reach another team's data, not even by editing
the URL. No console error, CSP violation or failed request on the way.

Set ZS_SCREENSHOT_DIR (e.g. docs/img) to keep screenshots."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import quote

from sqlalchemy import func
from sqlmodel import col, select

from cards.links import wecom_oauth_url
from models.customers.customer import Customer
from models.customers.orders import OrderLine, SalesOrder
from tests.browserkit import CHROMIUM, CHROMIUM_ARGS, needs_chromium, phone_page
from tests.browserkit import shot as _shot
from tests.dashboard.dashkit import WEEK, build
from zhongshu.db import session_scope

pytestmark = needs_chromium




def _repurchasers(region: str, grade: str) -> list[tuple[str, int, Decimal]]:
    """Straight from the raw tables: the region/grade's customers with ≥ 2 orders."""
    with session_scope() as s:
        rows = s.exec(select(Customer.name, func.count(), func.sum(SalesOrder.amount))
                      .join(SalesOrder, col(SalesOrder.customer_id) == col(Customer.id))
                      .where(Customer.region == region, Customer.grade == grade)
                      .group_by(Customer.id, Customer.name)
                      .having(func.count() >= 2)).all()
        return [(name, int(n), Decimal(total)) for name, n, total in rows]


def _orders(customer_id: int) -> list[tuple[str, str, str]]:
    with session_scope() as s:
        orders = s.exec(select(SalesOrder).where(SalesOrder.customer_id == customer_id)
                        .order_by(col(SalesOrder.ordered_at).desc())).all()
        out = []
        for o in orders:
            models = s.exec(select(OrderLine.product_model)
                            .where(OrderLine.order_id == o.id).order_by(col(OrderLine.id))).all()
            out.append((o.order_no, f"¥{o.amount:,.0f}", "、".join(dict.fromkeys(models))))
        return out


def _open(page, emulator: str, user: str, path: str) -> None:
    page.goto(f"{emulator}/phone/wecom/{user}")
    link = wecom_oauth_url(path)
    page.goto(f"{emulator}/phone/wecom/{user}/open?url={quote(link, safe='')}")


def _browser(p, problems: list[str]):
    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = phone_page(browser, problems, device_scale_factor=2)
    return browser, page.context, page


def test_director_drills_east_china_a_grade_to_a_customer(emulator, live_service) -> None:
    from playwright.sync_api import expect, sync_playwright

    ids = build()
    problems: list[str] = []
    with sync_playwright() as p:
        browser, context, page = _browser(p, problems)
        context.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                   if r.status >= 400 else None)
        _open(page, emulator, "liuyang", "/h5/dashboard")
        # (#wechat_redirect, which WeCom's authorize URL must carry, survives the redirects.)
        expect(page).to_have_url(re.compile(
            re.escape(f"{live_service}/h5/dashboard") + "(#wechat_redirect)?$"))
        expect(page.locator("#scope-label")).to_have_text("华东")
        expect(page.locator("[data-metric=coverage] .zs-tile__label")).to_have_text("拜访覆盖率")
        # ECharts drew the trend (a canvas inside the chart box).
        expect(page.locator("#trend-chart canvas")).to_have_count(1)
        # The data set's week: its figures are worked out by hand in test_metrics.
        page.goto(f"{live_service}/h5/dashboard?week={WEEK}")
        for metric, value in (("coverage", "33.3%"), ("compliance", "66.7%"),
                              ("collection_rate", "30.8%"), ("conversion_days", "74.0 天"),
                              ("zombie_ratio", "50.0%"), ("fake_rate", "50.0%"),
                              ("approval_days", "2.8 天"), ("forecast_accuracy", "80.0%")):
            expect(page.locator(f"[data-metric={metric}] .zs-tile__value")).to_have_text(value)
        expect(page.locator("#trend-chart canvas")).to_have_count(1)
        _shot(page, "dashboard.png")

        page.click("#to-drill")
        expect(page.locator("#drill-title")).to_have_text("钻取分析")
        with session_scope() as s:
            east = s.exec(select(func.count()).select_from(Customer).where(
                Customer.region == "华东", col(Customer.last_order_at).is_not(None))).one()
        row = page.locator("#drill-table tr", has_text="华东")
        expect(row.locator("td").nth(1)).to_have_text(str(east))
        expect(page.locator("#drill-table")).not_to_contain_text("华南")

        page.click("#drill-table a:text('华东')")
        expect(page.locator("#drill-title")).to_have_text("华东")
        expect(page).to_have_url(f"{live_service}/h5/drill?region=%E5%8D%8E%E4%B8%9C")
        expect(page.locator("#drill-chart canvas")).to_have_count(1)
        a_row = page.locator("#drill-table tr", has_text="A级")
        expect(a_row.locator("td").nth(2)).to_have_text(str(len(_repurchasers("华东", "A"))))

        page.click("#drill-table a:text('A级')")
        expect(page.locator("#drill-title")).to_have_text("华东 · A级 · 复购客户")
        expected = _repurchasers("华东", "A")
        rows = page.locator("#drill-table tr")
        expect(rows).to_have_count(1 + len(expected))
        for n, (name, count, total) in enumerate(expected, 1):
            cells = rows.nth(n).locator("td")
            expect(cells.nth(0)).to_have_text(name)
            expect(cells.nth(1)).to_have_text(str(count))
            expect(cells.nth(2)).to_have_text(f"¥{total:,.0f}")
        _shot(page, "drill-customers.png")

        page.click("#drill-table a:text('杭州精工机械')")
        expect(page.locator("#drill-title")).to_have_text("杭州精工机械")
        expect(page).to_have_url(f"{live_service}/h5/drill?customer={ids['c1']}")
        orders = _orders(ids["c1"])
        rows = page.locator("#drill-table tr")
        expect(rows).to_have_count(1 + len(orders))
        for n, (order_no, amount, models) in enumerate(orders, 1):
            cells = rows.nth(n).locator("td")
            expect(cells.nth(1)).to_have_text(order_no)
            expect(cells.nth(2)).to_have_text(amount)
            expect(cells.nth(3)).to_have_text(models)
        _shot(page, "drill-customer.png")
        # Back goes one level up, redrawn from JSON.
        page.go_back()
        expect(page.locator("#drill-title")).to_have_text("华东 · A级 · 复购客户")
        browser.close()
    assert problems == []


def test_supervisor_cannot_reach_another_team(emulator, live_service) -> None:
    from playwright.sync_api import expect, sync_playwright

    ids = build()
    problems: list[str] = []
    with sync_playwright() as p:
        browser, _context, page = _browser(p, problems)
        _open(page, emulator, "wangfang", "/h5/drill")
        expect(page).to_have_url(re.compile(
            re.escape(f"{live_service}/h5/drill") + "(#wechat_redirect)?$"))
        expect(page.locator("#drill-table")).to_contain_text("华东")
        expect(page.locator("#drill-table")).not_to_contain_text("华南")
        for path in (f"/h5/drill?customer={ids['c4']}", "/h5/drill?region=%E5%8D%8E%E5%8D%97",
                     "/h5/dashboard?team=sunli", "/h5/dashboard?rep=zhaolei",
                     f"/h5/drill/data?customer={ids['c4']}"):
            response = page.goto(f"{live_service}{path}")
            assert response is not None and response.status == 404, path
            body = page.locator("body")
            expect(body).not_to_contain_text("广州粤达")
            expect(body).not_to_contain_text("赵磊")
        browser.close()
    # The 404s above are the expected answers; nothing else went wrong.
    assert [m for m in problems if "404" not in m] == []
