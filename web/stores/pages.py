"""Store pages (C12): the store list, one store (figures, weekday × hour heatmap, CSV
export), the cross-store comparison and the manager's daily report. The other store
pages live beside this module and register on the same ``stores`` blueprint
(web/stores/common.py); importing this module registers them all (web/__init__.py).

H5 pages (``bp``, behind WeCom identity and CSRF like every page):

| path | who | what | module |
|---|---|---|---|
| ``/h5/stores`` | store roles | the stores one may see, last 7 days | pages |
| ``/h5/stores/<id>`` (+ ``.json``, ``/export.csv``) | store roles | one store: figures, weekday × hour heatmap | pages |
| ``/h5/stores/<code>`` | store roles | the same store by its code (``MD007``): redirects to its page | pages |
| ``/h5/stores/compare`` (+ ``.json``) | store roles | stores × hour heatmap | pages |
| ``/h5/stores/<id>/report`` | store manager | the daily report, figures pre-filled | pages |
| ``/h5/stores/upload`` (+ ``/<id>``) | hq, store manager | CSV/xlsx of hourly traffic or POS transactions, all-or-nothing, read by a job | upload |
| ``/h5/promotions`` (+ ``/<id>``) | hq publishes; managers check in with photos | execution rate | promotions |
| ``/h5/members/<id>``, ``/h5/members/lapsed`` | store roles | member trajectory, lapsed members | members |

Every store read goes through ``models.stores.scope``: another store's id, in a page, a
JSON feed or an export, answers "not found".

``POST /stores/traffic`` (``api_bp``, no cookie, no CSRF): the people counter's signed
endpoint, web/stores/api.py."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

from flask import jsonify, redirect, render_template, request, url_for
from sqlmodel import select
from werkzeug.wrappers import Response

from analytics import stores as metrics
from models.base import as_utc
from models.org.user import User
from models.stores import metrics as store_metrics
from models.stores import promotion as pm
from models.stores import report as reports
from models.stores.scope import (
    STORE_ROLES,
    get_store_by_code_for,
    get_store_for,
    is_hq,
    visible_stores,
)
from models.stores.store import StoreSale, StoreTraffic
from web.auth.guard import login_required
from web.auth.pages import message_page
from web.stores import api, common, members, promotions, upload  # noqa: F401 - routes on bp
from web.stores import texts as S
from web.stores.common import api_bp, bp
from zhongshu.clock import business_tz
from zhongshu.db import session_scope

__all__ = ["api_bp", "bp"]

HEATMAP_WEEKS = 4


@bp.get("/h5/stores")
@login_required(roles=STORE_ROLES)
def index(user: User) -> str:
    start, end = store_metrics.day_bounds(common.today() - timedelta(days=7), business_tz(), 7)
    with session_scope() as db:
        stores = visible_stores(db, user)
        ids = [s.id for s in stores if s.id]
        figures = store_metrics.figures(db, ids, start, end)
        alerts = metrics.recent_alerts(db, ids, common.today())
        rows = [(s, figures.get(s.id or 0), busy_reason(alerts.get(s.id or 0)))
                for s in stores]
    return render_template("h5/stores.html", user=user, S=S, rows=rows, pct=common.pct,
                           hq=is_hq(user))


def busy_reason(figures: dict[str, Any] | None) -> str | None:
    """Why the sweep alerted about a store, in the words of the page (None: no alert)."""
    if not figures or "this_week" not in figures:
        return None
    week = figures["this_week"]
    start = date.fromisoformat(week["week"])
    end = start + timedelta(days=6)
    return S.BUSY_REASON.format(
        week=f"{start.month}月{start.day}日—{end.month}月{end.day}日",
        traffic=week["traffic"], peer_traffic=week["peer_traffic"], conv=week["conversion"],
        peer_conv=week["peer_conversion"])


def _store_json(user: User, store_id: int) -> dict[str, Any] | None:
    start, end = common.window(HEATMAP_WEEKS)
    with session_scope() as db:
        store = get_store_for(db, user, store_id)
        if store is None:
            return None
        grid = metrics.heatmap(db, store_id, start, end, business_tz())
        a, b = store_metrics.day_bounds(start, business_tz(), (end - start).days)
        f = store_metrics.figures(db, [store_id], a, b).get(store_id)
        alert = metrics.recent_alerts(db, [store_id], common.today()).get(store_id)
        return {"store": {"id": store.id, "code": store.code, "name": store.name},
                "busy_reason": busy_reason(alert),
                "from": start.isoformat(), "to": end.isoformat(),
                "weekdays": list(S.WEEKDAYS), "hours": list(range(24)),
                "heatmap": grid,
                "traffic": f.traffic if f else 0, "transactions": f.transactions if f else 0,
                "sales": str(f.sales) if f else "0.00",
                "conversion": round(f.conversion, 4) if f and f.conversion else None}


@bp.get("/h5/stores/<int:store_id>")
@login_required(roles=STORE_ROLES)
def show(store_id: int, user: User) -> tuple[str, int]:
    data = _store_json(user, store_id)
    if data is None:
        return common.store_not_found(user)
    return render_template("h5/store.html", user=user, S=S, data=data, pct=common.pct,
                           money=common.money_text,
                           heatmap_title=S.HEATMAP_TITLE.format(weeks=HEATMAP_WEEKS),
                           manager=user.role == "store_manager"), 200


@bp.get("/h5/stores/<code>")
@login_required(roles=STORE_ROLES)
def show_code(code: str, user: User) -> Response | tuple[str, int]:
    """A store by the code shown on cards and reports (``MD007``): the store's page, under
    the same scope as by id; a code one may not see reads as not found."""
    with session_scope() as db:
        store = get_store_by_code_for(db, user, code)
        store_id = store.id if store is not None else None
    if store_id is None:
        return common.store_not_found(user)
    return redirect(url_for("stores.show", store_id=store_id))


@bp.get("/h5/stores/<int:store_id>.json")
@login_required(roles=STORE_ROLES)
def show_json(store_id: int, user: User) -> Response | tuple[Response, int]:
    data = _store_json(user, store_id)
    if data is None:
        return jsonify({"error": "not found"}), 404
    return jsonify(data)


@bp.get("/h5/stores/<int:store_id>/export.csv")
@login_required(roles=STORE_ROLES)
def export(store_id: int, user: User) -> Response | tuple[str, int]:
    """Hourly traffic of the last weeks with each hour's transactions, for Excel."""
    start, end = common.window(HEATMAP_WEEKS)
    a, b = store_metrics.day_bounds(start, business_tz(), (end - start).days)
    tz = business_tz()
    with session_scope() as db:
        store = get_store_for(db, user, store_id)
        if store is None:
            return common.store_not_found(user)
        code = store.code
        traffic = {as_utc(h): v for h, v in db.exec(
            select(StoreTraffic.hour, StoreTraffic.visitors).where(
                StoreTraffic.store_id == store_id, StoreTraffic.hour >= a,
                StoreTraffic.hour < b))}
        sales: dict[datetime, int] = {}
        for at in db.exec(select(StoreSale.sold_at).where(
                StoreSale.store_id == store_id, StoreSale.sold_at >= a, StoreSale.sold_at < b)):
            hour = as_utc(at).replace(minute=0, second=0, microsecond=0)
            sales[hour] = sales.get(hour, 0) + 1
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["门店编码", "时间", S.TRAFFIC, S.TRANSACTIONS, S.CONVERSION])
    for hour in sorted(set(traffic) | set(sales)):
        visitors, n = traffic.get(hour, 0), sales.get(hour, 0)
        conv = store_metrics.conversion(n, visitors)
        writer.writerow([code, hour.astimezone(tz).strftime("%Y-%m-%d %H:%M"), visitors, n,
                         f"{conv:.4f}" if conv is not None else ""])
    body = ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="store-{code}.csv"'
    return response


def _compare_json(user: User) -> dict[str, Any]:
    start, end = common.window(HEATMAP_WEEKS)
    with session_scope() as db:
        stores = visible_stores(db, user)
        grid = metrics.compare(db, stores, start, end, business_tz())
        return {"stores": [{"id": s.id, "code": s.code, "name": s.name} for s in stores],
                "hours": list(range(24)), "heatmap": grid,
                "from": start.isoformat(), "to": end.isoformat()}


@bp.get("/h5/stores/compare")
@login_required(roles=STORE_ROLES)
def compare(user: User) -> str:
    return render_template("h5/store_compare.html", user=user, S=S,
                           title=S.COMPARE_TITLE.format(weeks=HEATMAP_WEEKS))


@bp.get("/h5/stores/compare.json")
@login_required(roles=STORE_ROLES)
def compare_json(user: User) -> Response:
    return jsonify(_compare_json(user))


# -- daily report ----------------------------------------------------------------------------

@bp.route("/h5/stores/<int:store_id>/report", methods=["GET", "POST"])
@login_required(roles=("store_manager",))
def report(store_id: int, user: User) -> tuple[str, int]:
    tz, today = business_tz(), common.today()
    day = today - timedelta(days=1)
    error = None
    with session_scope() as db:
        store = get_store_for(db, user, store_id)
        if store is None:
            return common.store_not_found(user)
        name = store.name
        if request.method == "POST":
            try:
                reports.submit(db, user=user, store=store, day=day, tz=tz, today=today,
                               notes=request.form.get("notes", ""),
                               issues=request.form.get("issues", ""))
            except reports.AlreadySubmitted:
                db.rollback()
                return message_page(S.REPORT_DONE_TITLE,
                                    S.REPORT_ALREADY.format(store=name, day=day), status=409,
                                    icon="info", user=user,
                                    buttons=[(S.STORES_TITLE, f"/h5/stores/{store_id}", True)])
            except ValueError as exc:
                error = str(exc)
            else:
                return message_page(S.REPORT_DONE_TITLE,
                                    S.REPORT_DONE_DESC.format(store=name, day=day),
                                    status=200, icon="success", user=user,
                                    buttons=[(S.STORES_TITLE, f"/h5/stores/{store_id}", True)])
        done = reports.existing(db, store_id, day)
        figures = done.figures if done else reports.prefilled(db, store, day, tz, today)
        submitted_at = (pm.when(as_utc(done.submitted_at), tz) if done else None)
        notes = done.notes if done else request.form.get("notes", "")
        issues = done.issues if done else request.form.get("issues", "")
    return render_template("h5/store_report.html", user=user, S=S, store_id=store_id,
                           name=name, day=day, figures=figures, done=submitted_at,
                           notes=notes, issues=issues, error=error,
                           pct=common.pct, money=common.money_text), 422 if error else 200
