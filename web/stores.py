"""Store pages (C12) and the people-counter endpoint.

H5 pages (``bp``, behind WeCom identity and CSRF like every page):

| path | who | what |
|---|---|---|
| ``/h5/stores`` | store roles | the stores one may see, last 7 days |
| ``/h5/stores/<id>`` (+ ``.json``, ``/export.csv``) | store roles | one store: figures, weekday × hour heatmap |
| ``/h5/stores/<code>`` | store roles | the same store by its code (``MD007``): redirects to its page |
| ``/h5/stores/compare`` (+ ``.json``) | store roles | stores × hour heatmap |
| ``/h5/stores/upload`` (+ ``/<id>``) | hq, store manager | CSV/xlsx of hourly traffic or POS transactions, all-or-nothing, read by a job |
| ``/h5/stores/<id>/report`` | store manager | the daily report, figures pre-filled |
| ``/h5/promotions`` (+ ``/<id>``) | hq publishes; managers check in with photos | execution rate |
| ``/h5/members/<id>``, ``/h5/members/lapsed`` | store roles | member trajectory, lapsed members |

Every store read goes through ``models.store_scope``: another store's id, in a page, a
JSON feed or an export, answers "not found".

``POST /stores/traffic`` (``api_bp``, no cookie, no CSRF): a people counter posts
``{"rows": [{"store", "hour", "visitors"}]}`` signed with HMAC-SHA256 over
``"{timestamp}.{body}"`` (headers ``X-ZS-Timestamp``, ``X-ZS-Signature`` hex) with
``ZS_COUNTER_SECRET``. Checked in this order, each answered with a JSON error and
nothing stored: secret configured, headers present, timestamp within the window, the
signature (constant-time), replay (the signature seen before, kept in Redis for twice
the window), JSON shape, then every row — all or nothing, upsert by store and hour."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import logging
import time as clock
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, send_file, url_for
from redis.exceptions import RedisError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from jobs import store_uploads, uploads
from jobs.stores import enqueue_photo
from models import photos, sheets
from models import promotion as pm
from models import store_ingest as ingest
from models import store_metrics as metrics
from models import store_report as reports
from models.base import as_utc, parse_id, utcnow
from models.store_scope import (
    HQ_ROLES,
    STORE_ROLES,
    get_store_by_code_for,
    get_store_for,
    is_hq,
    visible_stores,
)
from models.user import User
from web import store_texts as S
from web.auth import forbidden, human_size, login_required, max_body, message_page
from web.customers import money
from zhongshu.clock import business_tz
from zhongshu.db import session_scope
from zhongshu.queues import get_redis
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

bp = Blueprint("stores", __name__, template_folder="templates")
api_bp = Blueprint("store_api", __name__)

HEATMAP_WEEKS = 4
MAX_UPLOAD = 10 * 1024 * 1024
MAX_PHOTO = photos.PhotoLimits().max_bytes
MAX_COUNTER_BODY = 1024 * 1024
UPLOAD_ROLES = ("hq", "store_manager")
REPLAY_PREFIX = "zs:stores:counter-sig:"
UPLOAD_SUFFIXES = (".csv", ".xlsx")


def _now() -> datetime:
    """The clock of these pages (tests patch it)."""
    return utcnow()


def _today() -> date:
    return _now().astimezone(business_tz()).date()


def store_not_found(user: User) -> tuple[str, int]:
    return message_page(S.STORE_NOT_FOUND_TITLE, S.STORE_NOT_FOUND_DESC, status=404,
                        user=user, buttons=[(S.STORES_TITLE, "/h5/stores", True)])


def _money(value: Decimal | str | float | None) -> str:
    """Money as the pages show it: thousands separators and cents (¥ in the template)."""
    return money(Decimal(str(value)) if value is not None else None)


def _pct(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else S.NO_VALUE


def _window(weeks: int) -> tuple[date, date]:
    end = _today()
    return end - timedelta(days=7 * weeks), end


# -- stores ----------------------------------------------------------------------------------

@bp.get("/h5/stores")
@login_required(roles=STORE_ROLES)
def index(user: User) -> str:
    start, end = metrics.day_bounds(_today() - timedelta(days=7), business_tz(), 7)
    with session_scope() as db:
        stores = visible_stores(db, user)
        ids = [s.id for s in stores if s.id]
        figures = metrics.figures(db, ids, start, end)
        alerts = metrics.recent_alerts(db, ids, _today())
        rows = [(s, figures.get(s.id or 0), busy_reason(alerts.get(s.id or 0)))
                for s in stores]
    return render_template("h5/stores.html", user=user, S=S, rows=rows, pct=_pct,
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
    start, end = _window(HEATMAP_WEEKS)
    with session_scope() as db:
        store = get_store_for(db, user, store_id)
        if store is None:
            return None
        grid = metrics.heatmap(db, store_id, start, end, business_tz())
        a, b = metrics.day_bounds(start, business_tz(), (end - start).days)
        f = metrics.figures(db, [store_id], a, b).get(store_id)
        alert = metrics.recent_alerts(db, [store_id], _today()).get(store_id)
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
        return store_not_found(user)
    return render_template("h5/store.html", user=user, S=S, data=data, pct=_pct, money=_money,
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
        return store_not_found(user)
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
    from sqlmodel import select

    from models.store import StoreSale, StoreTraffic

    start, end = _window(HEATMAP_WEEKS)
    a, b = metrics.day_bounds(start, business_tz(), (end - start).days)
    tz = business_tz()
    with session_scope() as db:
        store = get_store_for(db, user, store_id)
        if store is None:
            return store_not_found(user)
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
        conv = metrics.conversion(n, visitors)
        writer.writerow([code, hour.astimezone(tz).strftime("%Y-%m-%d %H:%M"), visitors, n,
                         f"{conv:.4f}" if conv is not None else ""])
    body = ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="store-{code}.csv"'
    return response


def _compare_json(user: User) -> dict[str, Any]:
    start, end = _window(HEATMAP_WEEKS)
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


# -- uploads ---------------------------------------------------------------------------------

def _upload_form(user: User, *, kind: str = "traffic", error: str | None = None,
                 status: int = 200) -> tuple[str, int]:
    return render_template("h5/store_upload.html", user=user, S=S, kind=kind, error=error,
                           limit=human_size(MAX_UPLOAD)), status


@bp.route("/h5/stores/upload", methods=["GET", "POST"])
@max_body(MAX_UPLOAD + 64 * 1024)
@login_required(roles=UPLOAD_ROLES)
def upload(user: User) -> tuple[str, int] | Response:
    """Checks what is cheap (kind, a file, its type, a zip directory), saves the file and
    queues jobs.store_uploads; the result page follows the job."""
    if request.method == "GET":
        return _upload_form(user)
    kind = request.form.get("kind", "")
    if kind not in S.UPLOAD_KINDS:
        return _upload_form(user, error=S.UPLOAD_BAD_KIND, status=422)
    file = request.files.get("file")
    if file is None or not file.filename:
        return _upload_form(user, kind=kind, error=S.UPLOAD_NO_FILE, status=422)
    suffix = Path(file.filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return _upload_form(user, kind=kind, status=422, error=S.UPLOAD_BAD_SUFFIX.format(
            suffix=suffix or file.filename))
    upload_id, path = uploads.new_path(store_uploads.AREA, suffix)
    file.save(path)
    problem = None
    if path.stat().st_size == 0:
        problem = S.UPLOAD_EMPTY
    elif suffix == ".xlsx":
        try:
            sheets.check_readable(path)  # the zip directory only; unpacking is the job's
        except sheets.SheetError as exc:
            problem = exc.message
    if problem is not None:
        uploads.discard(path)
        return _upload_form(user, kind=kind, error=problem, status=422)
    uploads.queue(store_uploads.AREA, upload_id, store_uploads.run_upload, path=path,
                  uploader=user.wecom_userid, kind=kind)
    return redirect(url_for(".upload_result", upload_id=upload_id), 303)


def _upload_view(meta: dict[str, Any]) -> dict[str, Any]:
    return uploads.progress_view(meta, S.UPLOAD_STATUS, S.UPLOAD_WAITING)


@bp.get("/h5/stores/upload/<upload_id>")
@login_required(roles=UPLOAD_ROLES)
def upload_result(upload_id: str, user: User) -> tuple[str, int]:
    meta = uploads.state_for(store_uploads.AREA, upload_id, user.wecom_userid)
    if meta is None:
        return message_page(S.UPLOAD_NOT_FOUND, "", status=404, user=user,
                            buttons=[(S.UPLOAD_ANOTHER, url_for(".upload"), True)])
    more = meta["row_count"] - len(meta["rows"])
    return render_template("h5/store_upload_status.html", user=user, S=S, meta=meta,
                           view=_upload_view(meta), more=more,
                           kind_label=S.UPLOAD_KINDS.get(meta["kind"], meta["kind"]),
                           status_url=url_for(".upload_result_json", upload_id=upload_id)), 200


@bp.get("/h5/stores/upload/<upload_id>/status.json")
@login_required(roles=UPLOAD_ROLES, api=True)
def upload_result_json(upload_id: str, user: User) -> Response | tuple[Response, int]:
    meta = uploads.state_for(store_uploads.AREA, upload_id, user.wecom_userid)
    if meta is None:
        return jsonify({"error": S.UPLOAD_NOT_FOUND}), 404
    return jsonify(_upload_view(meta))


# -- the counter endpoint --------------------------------------------------------------------

def _api_error(status: int, code: str, message: str,
               errors: list[dict[str, Any]] | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"ok": False, "error": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return jsonify(body), status


def counter_signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                    hashlib.sha256).hexdigest()


@api_bp.post("/stores/traffic")
def counter_traffic() -> tuple[Response, int]:
    settings = get_settings()
    if not settings.counter_secret:
        return _api_error(503, "not_configured", S.API_NOT_CONFIGURED)
    if request.content_length is not None and request.content_length > MAX_COUNTER_BODY:
        return _api_error(413, "too_large", S.API_TOO_LARGE)
    # Also caps a chunked body that carries no Content-Length.
    request.max_content_length = MAX_COUNTER_BODY
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _api_error(413, "too_large", S.API_TOO_LARGE)
    timestamp = request.headers.get("X-ZS-Timestamp", "")
    signature = request.headers.get("X-ZS-Signature", "")
    if not timestamp or not signature:
        return _api_error(401, "missing_signature", S.API_MISSING_SIGNATURE)
    try:
        sent_at = int(timestamp)
    except ValueError:
        return _api_error(401, "stale_timestamp",
                          S.API_STALE.format(window=settings.counter_window))
    if abs(clock.time() - sent_at) > settings.counter_window:
        return _api_error(401, "stale_timestamp",
                          S.API_STALE.format(window=settings.counter_window))
    expected = counter_signature(settings.counter_secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        log.info("counter post with a bad signature from %s", request.remote_addr)
        return _api_error(401, "bad_signature", S.API_BAD_SIGNATURE)
    try:
        fresh = get_redis().set(REPLAY_PREFIX + expected, 1, nx=True,
                                ex=2 * settings.counter_window)
    except RedisError:
        fresh = True  # the timestamp window still bounds replays; upserts are idempotent
        log.warning("counter replay check skipped: redis unavailable")
    if not fresh:
        return _api_error(409, "replay", S.API_REPLAY)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _api_error(400, "bad_json", S.API_BAD_JSON)
    rows = payload.get("rows") if isinstance(payload, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return _api_error(400, "bad_json", S.API_BAD_SHAPE)
    try:
        with session_scope() as db:
            result = ingest.ingest_traffic(db, list(enumerate(rows, start=1)), tz=business_tz(),
                                           source="counter", now=_now())
            if not result.ok:
                db.rollback()
    except ingest.BatchError as exc:
        return _api_error(400, "no_rows", exc.message, [])
    if not result.ok:
        return _api_error(422, "rows_refused", S.API_REFUSED.format(n=len(result.errors)),
                          [issue.to_dict() for issue in result.errors])
    return jsonify({"ok": True, "stored": result.stored}), 200


# -- daily report ----------------------------------------------------------------------------

@bp.route("/h5/stores/<int:store_id>/report", methods=["GET", "POST"])
@login_required(roles=("store_manager",))
def report(store_id: int, user: User) -> tuple[str, int]:
    tz, today = business_tz(), _today()
    day = today - timedelta(days=1)
    error = None
    with session_scope() as db:
        store = get_store_for(db, user, store_id)
        if store is None:
            return store_not_found(user)
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
                           pct=_pct, money=_money), 422 if error else 200


# -- promotions ------------------------------------------------------------------------------

@bp.route("/h5/promotions", methods=["GET", "POST"])
@login_required(roles=STORE_ROLES)
def promotions(user: User) -> tuple[str, int] | Response:
    errors: dict[str, str] = {}
    values = {"title": "", "starts_on": _today().isoformat(),
              "ends_on": (_today() + timedelta(days=7)).isoformat(), "region": "",
              "checklist": ""}
    if request.method == "POST":
        if not is_hq(user):
            return forbidden(user, HQ_ROLES)
        values = {key: request.form.get(key, "") for key in values}
        try:
            with session_scope() as db:
                promotion = pm.create(db, user=user, title=values["title"],
                                      starts_on=values["starts_on"], ends_on=values["ends_on"],
                                      checklist_text=values["checklist"],
                                      region=values["region"].strip() or None)
                new_id = promotion.id
            return redirect(url_for(".promotion", promotion_id=new_id), 303)
        except pm.PromotionRejected as rejected:
            errors = rejected.errors
    with session_scope() as db:
        rows = []
        mine = None if is_hq(user) else visible_stores(db, user)
        for promotion in pm.visible_promotions(db, user):
            rows.append((promotion, pm.execution(db, promotion, mine)))
    return render_template("h5/promotions.html", user=user, S=S, rows=rows,
                           hq=is_hq(user), values=values, errors=errors), (
                               422 if errors else 200)


@bp.get("/h5/promotions/<int:promotion_id>")
@login_required(roles=STORE_ROLES)
def promotion(promotion_id: int, user: User) -> tuple[str, int]:
    with session_scope() as db:
        found = pm.get_promotion_for(db, user, promotion_id)
        if found is None:
            return message_page(S.PROMOTION_NOT_FOUND_TITLE, S.PROMOTION_NOT_FOUND_DESC,
                                status=404, user=user)
        hq = is_hq(user)
        mine = None if hq else [s for s in visible_stores(db, user)
                                if any(d.id == s.id for d in pm.due_stores(db, found))]
        execution = pm.execution(db, found, mine)
        checkins = {s.id: pm.store_checkins(db, promotion_id, s.id or 0)
                    for s in (mine or [])}
        return render_template("h5/promotion.html", user=user, S=S, p=found, hq=hq,
                               execution=execution, stores=mine or [], checkins=checkins,
                               notice=request.args.get("notice")), 200


@bp.post("/h5/promotions/<int:promotion_id>/checkin")
@max_body(MAX_PHOTO + 64 * 1024)
@login_required(roles=("store_manager",))
def promotion_checkin(promotion_id: int, user: User) -> Response | tuple[str, int]:
    upload = request.files.get("photo")
    data = upload.read() if upload is not None else b""
    store_id = parse_id(request.form.get("store_id"))
    item_text = request.form.get("item", "")
    if store_id is None or not (item_text.isascii() and item_text.isdigit()
                                and len(item_text) <= 3):
        return message_page(S.PROMOTION_NOT_FOUND_TITLE, S.PROMOTION_NOT_FOUND_DESC,
                            status=404, user=user)
    item = int(item_text)
    with session_scope() as db:
        found = pm.get_promotion_for(db, user, promotion_id)
        if found is None or get_store_for(db, user, store_id) is None:
            return message_page(S.PROMOTION_NOT_FOUND_TITLE, S.PROMOTION_NOT_FOUND_DESC,
                                status=404, user=user)
        back = url_for(".promotion", promotion_id=promotion_id)
        if _today() > found.ends_on:  # execution is judged on the promotion's own days
            return message_page(S.PROMOTION_ENDED_TITLE,
                                S.PROMOTION_ENDED.format(end=found.ends_on), status=409,
                                user=user, buttons=[(S.PROMOTIONS_TITLE, back, True)])
        if not data or photos.sniff_format(data) not in (photos.JPEG, photos.PNG):
            reason = S.CHECKIN_NO_PHOTO if not data else photos.PHOTO_NOT_IMAGE
            return message_page(S.CHECKIN_NO_PHOTO, reason, status=422, user=user,
                                buttons=[(S.PROMOTIONS_TITLE, back, True)])
        folder = get_settings().instance_dir / "promotions" / "originals"
        row = pm.record_checkin(db, user=user, promotion=found, store_id=store_id, item=item,
                                photo_path=photos.store_original(data, folder))
        if row is None or row.id is None:
            return message_page(S.PROMOTION_NOT_FOUND_TITLE, S.PROMOTION_NOT_FOUND_DESC,
                                status=404, user=user)
        enqueue_photo(db, row.id, row.at)
        label = found.checklist[item]
    return redirect(url_for(".promotion", promotion_id=promotion_id,
                            notice=S.CHECKIN_DONE.format(item=label)), 303)


@bp.get("/h5/promotions/checkins/<int:checkin_id>/photo")
@login_required(roles=STORE_ROLES)
def checkin_photo(checkin_id: int, user: User) -> Response | tuple[str, int]:
    """The watermarked copy only, to whoever may see the store."""
    with session_scope() as db:
        row = db.get(pm.PromotionCheckin, checkin_id)
        visible = row is not None and get_store_for(db, user, row.store_id) is not None
        marked = row.photo_marked_path if row is not None and visible else None
    if not marked or not Path(marked).is_file():
        return store_not_found(user)
    response = send_file(marked, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- members ---------------------------------------------------------------------------------

@bp.get("/h5/members")
@login_required(roles=STORE_ROLES)
def find_member(user: User) -> Response:
    """The member-id search box on the store list: straight to the trajectory."""
    member_id = (request.args.get("id") or "").strip()[:64]
    if not member_id:
        return redirect(url_for(".index"), 303)
    return redirect(url_for(".member", member_id=member_id), 303)


@bp.get("/h5/members/<member_id>")
@login_required(roles=STORE_ROLES)
def member(member_id: str, user: User) -> tuple[str, int]:
    tz = business_tz()
    with session_scope() as db:
        purchases = metrics.member_purchases(db, user, member_id[:64])
    interval = metrics.repurchase_days([p.at for p in purchases], tz)
    return render_template(
        "h5/member.html", user=user, S=S, member=member_id[:64], purchases=purchases,
        stores=len({p.store_code for p in purchases}), tz=tz, money=_money,
        interval=S.MEMBER_DAYS.format(days=interval) if interval is not None
        else S.MEMBER_NO_INTERVAL), 200


@bp.get("/h5/members/lapsed")
@login_required(roles=STORE_ROLES)
def lapsed(user: User) -> str:
    settings = get_settings()
    try:
        days = max(1, min(365, int(request.args.get("days", settings.member_lapsed_days))))
    except ValueError:
        days = settings.member_lapsed_days
    with session_scope() as db:
        members = metrics.lapsed_members(db, user, now=_now(), days=days)
    return render_template("h5/members_lapsed.html", user=user, S=S, members=members,
                           days=days, tz=business_tz())

