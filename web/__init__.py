"""H5 pages opened from the workbench and cards, and their static assets.

| module | pages |
|---|---|
| ``auth`` | identity from WeCom OAuth or DingTalk 免登 (``/h5/login/dingtalk``), ``login_required``, CSRF, size cap, headers |
| ``register`` | ``/h5/register`` quick registration (C2) |
| ``customers`` | ``/h5/customers`` list, 360 view and export (C3) |
| ``admin_import`` | ``/admin/import`` spreadsheet import with progress (C3) |
| ``checkin`` | ``/h5/checkin`` visit check-in with photo (C4) |
| ``visits`` | ``/h5/visits/<id>/review`` a flagged visit's evidence and the supervisor's one-tap decision (C4) |
| ``contracts`` | ``/h5/contracts`` contracts, finance review, risk list, bank import, collection reports (C6) |
| ``stores`` | ``/h5/stores`` store figures and traffic heatmaps, ``/h5/stores/compare``, ``/h5/stores/upload``, ``/h5/stores/<id>/report`` daily report, ``/h5/promotions`` execution check-ins, ``/h5/members`` trajectories; ``POST /stores/traffic`` signed people-counter feed (C12) |
| ``admin_fields`` | ``/admin/fields``, ``/admin/presets``, ``/admin/changes`` (C8) |
| ``board`` | ``/h5/board`` the small-team follow-up board (C8) |
| ``admin_rules`` | ``/admin/rules`` message-center rules (C7) |
"""

from __future__ import annotations

from flask import Blueprint, Flask

# Vendored WeUI / JS-SDK and our own css/js; served by us, never from a CDN.
static_bp = Blueprint("web_static", __name__, static_folder="static",
                      static_url_path="/h5/static", template_folder="templates")


def init_app(app: Flask) -> None:
    """Register every H5 blueprint with the shared identity and security setup."""
    from web import admin_import, auth, checkin, customers, register

    blueprints = [static_bp, register.bp, customers.bp, admin_import.bp, checkin.bp]
    from web import visits as visits_page  # the review page of a flagged visit (C4)
    blueprints.append(visits_page.bp)
    from web import plans as plans_page  # visit plans (C5)
    blueprints.append(plans_page.bp)
    from web import contracts as contracts_page  # contracts and collections (C6)
    blueprints.append(contracts_page.bp)
    from web import stores as stores_page  # retail stores (C12)
    blueprints.append(stores_page.bp)
    app.register_blueprint(stores_page.api_bp)  # signed by HMAC, not by cookie + CSRF
    from web import admin_fields, board  # custom fields, presets, change log, board (C8)
    blueprints += [admin_fields.bp, board.bp]
    from web import admin_rules  # message-center rules (C7)
    blueprints.append(admin_rules.bp)
    from web import dashboard  # sales health dashboard and drill-down (C9, C10)
    blueprints.append(dashboard.bp)
    blueprints.append(auth.bp)  # /h5/login: OAuth sign-in bound to the browser (state)
    for bp in blueprints:
        app.register_blueprint(bp)
    auth.init_app(app, blueprints)
