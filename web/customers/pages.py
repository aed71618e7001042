"""Customer pages (C3, C11): the blueprint, and where each page lives — the list
(web.customers.listing), one customer's 360 view and its custom fields
(web.customers.customer360), the Excel exports (web.customers.export).

Every query starts from models.customers.scope (``visible_customers``, ``get_customer_for``,
``scope_orders``, ``scope_customer_records``), so a page shows exactly what the rule there
allows. A customer outside the user's scope and one that doesn't exist get the same 404
page, which names neither.

``bp`` is registered by web.blueprints; the endpoint names (``customers.detail``...) are
the view functions' names, as the templates' ``url_for`` expect."""

from __future__ import annotations

from flask import Blueprint

from web.customers import customer360, export, listing

bp = Blueprint("customers", __name__)

bp.add_url_rule("/h5/customers/<int:customer_id>", view_func=customer360.detail,
                methods=["GET"])
bp.add_url_rule("/h5/customers", view_func=listing.index, methods=["GET"])
bp.add_url_rule("/h5/customers/export.xlsx", view_func=export.export, methods=["GET"])
bp.add_url_rule("/h5/visits/export.xlsx", view_func=export.visit_export, methods=["GET"])
bp.add_url_rule("/h5/customers/<int:customer_id>/fields/<int:field_id>/photo",
                view_func=customer360.field_photo, methods=["GET"])
bp.add_url_rule("/h5/customers/<int:customer_id>/fields", view_func=customer360.edit_fields,
                methods=["GET", "POST"])
