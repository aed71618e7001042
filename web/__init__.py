"""H5 pages opened from the workbench and cards, and their static assets.

| module | pages |
|---|---|
| ``auth`` | identity from WeCom OAuth, ``login_required``, CSRF, size cap, headers |
| ``register`` | ``/h5/register`` quick registration (C2) |
| ``customers`` | ``/h5/customers`` list, 360 view and export (C3) |
| ``admin_import`` | ``/admin/import`` spreadsheet import with progress (C3) |
| ``checkin`` | ``/h5/checkin`` visit check-in with photo (C4) |
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
    from web import plans as plans_page  # visit plans (C5)
    blueprints.append(plans_page.bp)
    blueprints.append(auth.bp)  # /h5/login: OAuth sign-in bound to the browser (state)
    for bp in blueprints:
        app.register_blueprint(bp)
    auth.init_app(app, blueprints)
