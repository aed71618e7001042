"""Every H5 blueprint, registered with the shared identity and security setup.

zhongshu.app's ``create_app`` calls ``init_app``; the list here is the one place that
says which blueprints get the CSRF/size guard and the security headers (web.auth.guard).

| module | pages |
|---|---|
| ``web.auth.views`` | ``/h5/login`` (WeCom OAuth) and ``/h5/login/dingtalk`` (免登) |
| ``web.customers.register`` | ``/h5/register`` quick registration (C2) |
| ``web.customers.pages`` | ``/h5/customers`` list, 360 view and export (C3) |
| ``web.admin.imports`` | ``/admin/import`` spreadsheet import with progress (C3) |
| ``web.visits.checkin`` | ``/h5/checkin`` visit check-in with photo (C4) |
| ``web.visits.review`` | ``/h5/visits/<id>/review`` a flagged visit's evidence (C4) |
| ``web.visits.plans`` | visit plans (C5) |
| ``web.contracts.pages`` | ``/h5/contracts`` contracts, review, risk, bank import (C6) |
| ``web.stores.pages`` | ``/h5/stores``, ``/h5/promotions``, ``/h5/members`` (C12) |
| ``web.admin.fields`` | ``/admin/fields``, ``/admin/presets``, ``/admin/changes`` (C8) |
| ``web.customers.board`` | ``/h5/board`` the small-team follow-up board (C8) |
| ``web.admin.rules`` | ``/admin/rules`` message-center rules (C7) |
| ``web.dashboard.pages`` | the sales health dashboard and drill-down (C9, C10) |
"""

from __future__ import annotations

from flask import Blueprint, Flask

from web.admin import fields as admin_fields
from web.admin import imports as admin_import
from web.admin import rules as admin_rules
from web.auth import guard
from web.auth import views as auth_views
from web.contracts import pages as contracts_page
from web.customers import board, register
from web.customers import pages as customers
from web.dashboard import pages as dashboard
from web.stores import pages as stores_page
from web.visits import checkin
from web.visits import plans as plans_page
from web.visits import review as visits_page

# Vendored WeUI / JS-SDK and our own css/js; served by us, never from a CDN.
static_bp = Blueprint("web_static", __name__, static_folder="static",
                      static_url_path="/h5/static", template_folder="templates")


def init_app(app: Flask) -> None:
    """Register every H5 blueprint with the shared identity and security setup."""
    blueprints = [static_bp, register.bp, customers.bp, admin_import.bp, checkin.bp,
                  visits_page.bp, plans_page.bp, contracts_page.bp, stores_page.bp]
    app.register_blueprint(stores_page.api_bp)  # signed by HMAC, not by cookie + CSRF
    blueprints += [admin_fields.bp, board.bp, admin_rules.bp, dashboard.bp,
                   auth_views.bp]  # /h5/login: OAuth sign-in bound to the browser (state)
    for bp in blueprints:
        app.register_blueprint(bp)
    guard.init_app(app, blueprints)
