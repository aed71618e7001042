"""Visit check-in (C4) as an H5 form: ``/h5/checkin``.

The rep picks one of the customers they may edit (scoped list with search, or
``?customer=<id>`` from a card), fills grade / pain points / question / next action and
takes a photo; the browser adds its position when allowed. The request path stays cheap:
the body size is capped before anything is read, the photo is checked only by its size
and magic bytes (no decoding), and the original is written only once ``submit`` accepted
the record — a refused check-in writes nothing. The heavy work (EXIF, hashes, watermark,
evidence checks, messages) runs in ``handlers.visits.evaluate`` (the job
``jobs.visits.process_visit``) after commit; truncated files and decompression bombs are
caught there and flag the visit ``bad_photo``."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, send_file, url_for
from redis.exceptions import RedisError
from sqlalchemy import case, func
from sqlmodel import Session, col, select
from werkzeug.wrappers import Response

from bot.delivery import DeliveryError
from bot.wecom.client import get_client
from handlers.visits.evaluate import enqueue_process
from lib import photos
from lib.geo import GeoPoint
from models.base import parse_id
from models.config import custom_fields as cf
from models.customers.customer import Customer
from models.customers.scope import EDITOR_ROLES, get_customer_for, scope_customers
from models.org.user import User
from models.visits import options as vopts
from models.visits import visit as vm
from models.visits.plan import VisitPlan, VisitPlanItem, week_of
from web import custom_fields as cfw
from web.auth.guard import human_size, login_required, max_body
from web.auth.pages import message_page
from web.customers.common import customer_not_found
from web.customers.listing import name_or_phone
from web.visits import checkin_texts as texts
from zhongshu import clock
from zhongshu.db import session_scope
from zhongshu.queues import get_redis
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

bp = Blueprint("checkin", __name__)

MAX_PHOTO = photos.PhotoLimits().max_bytes
BODY_SLACK = 64 * 1024  # the form's text fields and multipart framing
LIST_LIMIT = 50
GRADES = ("A", "B", "C")
COORDS = ("wgs84", "gcj02")  # the browser's geolocation / WeCom getLocation
SUBMIT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SUBMIT_TTL = 24 * 3600  # long enough for any resend of one form
PHOTO_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
KEPT_PHOTO_SECONDS = 24 * 3600  # a photo kept for a form sent back is this long usable


class _Refused(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors


def _today() -> date:
    return clock.today()


def _choices(db: Session, user: User, query: str,
             chosen: Customer | None) -> tuple[list[Customer], int]:
    """The first LIST_LIMIT customers ``user`` may check in with that match ``query``
    (name or phone, over the whole book), and how many match: this week's plan first
    (today's day before the rest), then grade A → C, then the most recently in touch."""
    stmt = scope_customers(select(Customer), user, for_edit=True)
    if query:
        stmt = stmt.where(name_or_phone(query))
    total = db.exec(select(func.count()).select_from(stmt.subquery())).one()
    today = _today()
    planned = (select(VisitPlanItem.customer_id, col(VisitPlanItem.day))
               .join(VisitPlan, col(VisitPlan.id) == col(VisitPlanItem.plan_id))
               .where(VisitPlan.rep == user.wecom_userid, VisitPlan.week == week_of(today))
               .subquery())
    stmt = (stmt.outerjoin(planned, planned.c.customer_id == col(Customer.id))
            .order_by(case((planned.c.day == today, 0),
                           (planned.c.customer_id.is_not(None), 1), else_=2),
                      case(*((col(Customer.grade) == g, i) for i, g in enumerate(GRADES)),
                           else_=len(GRADES)),
                      col(Customer.last_interaction_at).desc().nulls_last(),
                      col(Customer.name), col(Customer.id)))
    found = list(db.exec(stmt.limit(LIST_LIMIT)))
    if chosen is not None and all(c.id != chosen.id for c in found):
        found.insert(0, chosen)
    return found, total


def _form(user: User, *, values: dict[str, Any], errors: dict[str, str] | None = None,
          status: int = 200, query: str | None = None) -> tuple[str, int]:
    errors = errors or {}
    if query is None:
        query = (request.args.get("q") or "").strip()[:50]
    query = " ".join(query.split())[:50]
    with session_scope() as db:
        chosen = None
        if values.get("customer"):
            chosen = get_customer_for(db, user, int(values["customer"]), for_edit=True)
        found, total = _choices(db, user, query, chosen)
        customers = [(c.id, c.name) for c in found]
        pain_points = vopts.options(db, vopts.PAIN_POINT)
        next_actions = vopts.options(db, vopts.NEXT_ACTION)
        custom = cf.form_fields(db, cf.VISIT, user)
    if query:
        count = texts.FOUND.format(n=total) if total else texts.FOUND_NONE
        if total > LIST_LIMIT:
            count += texts.FOUND_MORE.format(shown=LIST_LIMIT)
    else:
        count = texts.BOOK.format(n=total) + (
            texts.BOOK_MORE.format(shown=LIST_LIMIT) if total > LIST_LIMIT else "")
    return render_template("h5/checkin.html", user=user, values=values, errors=errors,
                           custom=custom, count=count,
                           customers=customers, query=query, grades=GRADES,
                           pain_points=pain_points, next_actions=next_actions, C=texts,
                           max_photo=MAX_PHOTO,
                           too_large=texts.PHOTO_TOO_LARGE_JS.format(
                               limit=human_size(MAX_PHOTO)),
                           photo_hint=texts.PHOTO_HINT.format(limit=human_size(MAX_PHOTO))
                           ), status


# -- a photo kept while the form goes back and forth ------------------------------------------
def _kept_folder(user: User) -> Path:
    # One folder per person: a token only ever finds its own user's photo.
    who = hashlib.sha256(user.wecom_userid.encode("utf-8")).hexdigest()[:24]
    return get_settings().instance_dir / "visits" / "kept" / who


def _keep_photo(user: User, data: bytes) -> str:
    """Keep an accepted photo of a form that was sent back; returns its token."""
    folder = _kept_folder(user)
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - KEPT_PHOTO_SECONDS
    for old in folder.glob("*.bin"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(data)
    return token


def _kept_photo(user: User, token: str) -> bytes | None:
    if not PHOTO_TOKEN.match(token or ""):
        return None
    path = _kept_folder(user) / f"{token}.bin"
    try:
        if path.stat().st_mtime < time.time() - KEPT_PHOTO_SECONDS:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _drop_kept(user: User, token: str) -> None:
    if PHOTO_TOKEN.match(token or ""):
        (_kept_folder(user) / f"{token}.bin").unlink(missing_ok=True)


def _photo_problem(data: bytes) -> str | None:
    """What is refused up front: cheap checks only (size, magic bytes)."""
    if not data:
        return texts.PHOTO_EMPTY
    if len(data) > MAX_PHOTO:
        return texts.PHOTO_TOO_LARGE.format(size=human_size(len(data)),
                                            limit=human_size(MAX_PHOTO))
    if photos.sniff_format(data) not in (photos.JPEG, photos.PNG):
        return texts.PHOTO_NOT_IMAGE
    return None


def _device(form: Any) -> GeoPoint | None:
    try:
        lat, lng = float(form.get("lat", "")), float(form.get("lng", ""))
        coord = form.get("coord") if form.get("coord") in COORDS else "wgs84"
        return GeoPoint(lat, lng, coord)
    except (TypeError, ValueError):
        return None  # no position (denied, desktop) or nonsense: the checks go without


def _submit_key(user: User, submit_id: str) -> str:
    return f"zs:h5:checkin:{user.wecom_userid}:{submit_id}"


def _already_submitted(user: User, submit_id: str) -> int | None:
    if not submit_id:
        return None
    try:
        value = get_redis().get(_submit_key(user, submit_id))
    except RedisError:
        return None
    return int(value) if value else None


def _remember(user: User, submit_id: str, visit_id: int) -> None:
    if not submit_id:
        return
    try:
        get_redis().set(_submit_key(user, submit_id), visit_id, ex=SUBMIT_TTL)
    except RedisError:
        log.warning("could not remember check-in submit %s", submit_id)


@bp.route("/h5/checkin", methods=["GET", "POST"])
@max_body(MAX_PHOTO + BODY_SLACK)
@login_required(roles=EDITOR_ROLES)
def checkin(user: User) -> tuple[str, int] | Response:
    if request.method == "GET":
        raw = request.args.get("customer", "")
        values: dict[str, Any] = {"pain_points": [], "submit_id": secrets.token_urlsafe(18)}
        if raw:
            with session_scope() as db:
                customer_id = parse_id(raw)
                if customer_id is None or get_customer_for(db, user, customer_id,
                                                           for_edit=True) is None:
                    return customer_not_found(user)
            values["customer"] = raw
        return _form(user, values=values)

    form = request.form
    values = {"customer": form.get("customer", "").strip(), "grade": form.get("grade", ""),
              "pain_points": form.getlist("pain_points"), "question": form.get("question", ""),
              "next_action": form.get("next_action", ""),
              "next_action_date": form.get("next_action_date", "").strip(),
              "lat": form.get("lat", ""), "lng": form.get("lng", ""),
              "coord": form.get("coord", "")}
    submit_id = form.get("submit_id", "")
    submit_id = submit_id if SUBMIT_ID.match(submit_id) else ""
    values["submit_id"] = submit_id
    earlier = _already_submitted(user, submit_id)
    if earlier is not None:  # a double tap or a resend of the same form
        return redirect(url_for(".done", visit_id=earlier), 303)
    upload = request.files.get("photo")
    data = upload.read() if upload is not None else b""
    kept_token = form.get("photo_token", "")
    if not data:  # nothing new picked: the photo kept from the last time round, if any
        data = _kept_photo(user, kept_token) or b""
    photo_problem = _photo_problem(data)
    errors: dict[str, str] = {}
    # The supervisor's own fields (C8), as defined right now.
    custom = cfw.active_fields(cf.VISIT, user)
    custom_raw, uploads, upload_errors = cfw.read_form(custom)
    custom_values, custom_errors = cf.clean_values(custom, custom_raw)
    errors.update(custom_errors)
    errors.update(upload_errors)
    values.update(cfw.echo(custom, custom_raw))
    if form.get("action") == "search":
        # Searching for a customer inside the form: everything typed so far comes back.
        values["photo_token"], values["photo_size"] = _photo_echo(user, data, photo_problem,
                                                                  kept_token)
        return _form(user, values=values, query=form.get("q", ""))
    due: date | None = None
    if values["next_action_date"]:
        try:
            due = date.fromisoformat(values["next_action_date"])
        except ValueError:
            errors["next_action_date"] = texts.BAD_DATE
    if parse_id(values["customer"]) is None:
        errors["customer"] = texts.CUSTOMER_MISSING
        values["customer"] = ""
    try:
        with session_scope() as db:
            try:
                visit = vm.submit(
                    db, user=user, customer_id=int(values["customer"] or 0),
                    grade=values["grade"], pain_points=values["pain_points"],
                    question=values["question"], next_action=values["next_action"],
                    # Stored only once everything else is accepted (below).
                    photo_path=None if photo_problem else "(pending)", today=_today(),
                    next_action_date=due, device=_device(form))
            except vm.VisitRejected as rejected:
                raise _Refused({**rejected.errors, **errors}) from rejected
            if errors:
                raise _Refused(errors)
            folder = get_settings().instance_dir / "visits" / "originals"
            visit.photo_path = str(photos.store_original(data, folder))
            db.add(visit)
            assert visit.id is not None
            visit_id = visit.id
            cf.save_values(db, cf.VISIT, visit_id,
                           cfw.store_uploads(custom, custom_values, uploads))
            enqueue_process(db, visit_id)
    except _Refused as refused:
        errors = dict(refused.errors)
        if photo_problem:
            errors["photo"] = photo_problem
        # An accepted photo is kept: only a photo that was itself the problem is re-picked.
        values["photo_token"], values["photo_size"] = _photo_echo(user, data, photo_problem,
                                                                  kept_token)
        if "customer" in errors and values["customer"]:
            with session_scope() as db:
                if get_customer_for(db, user, int(values["customer"]), for_edit=True) is None:
                    values["customer"] = ""  # never echo a customer that isn't theirs
        return _form(user, values=values, errors=errors, status=422,
                     query=form.get("q", ""))
    _drop_kept(user, kept_token)
    _remember(user, submit_id, visit_id)
    log.info("h5 checkin: %s visit %s", user.wecom_userid, visit_id)
    return redirect(url_for(".done", visit_id=visit_id), 303)


def _photo_echo(user: User, data: bytes, problem: str | None,
                kept_token: str) -> tuple[str, str]:
    """(token, size) of the photo the re-shown form keeps; nothing for a refused one."""
    if problem or not data:
        _drop_kept(user, kept_token)
        return "", ""
    if _kept_photo(user, kept_token) == data:
        return kept_token, human_size(len(data))
    return _keep_photo(user, data), human_size(len(data))


@bp.get("/h5/checkin/done/<int:visit_id>")
@login_required
def done(visit_id: int, user: User) -> tuple[str, int]:
    with session_scope() as db:
        visit = db.get(vm.Visit, visit_id)
        if visit is None or visit.rep != user.wecom_userid:
            return customer_not_found(user)
        customer_id = visit.customer_id
    return message_page(texts.DONE_TITLE, texts.DONE_DESC, status=200, icon="success",
                        user=user,
                        buttons=[(texts.BACK_TO_CUSTOMER, f"/h5/customers/{customer_id}", True),
                                 (texts.ANOTHER, "/h5/checkin", False)])


@bp.get("/h5/visits/<int:visit_id>/photo")
@login_required
def photo(visit_id: int, user: User) -> Response | tuple[str, int]:
    """A visit's watermarked photo, for whoever may see its customer. The original is
    never served: only the copy that carries time, rep, customer and hash."""
    with session_scope() as db:
        visit = db.get(vm.Visit, visit_id)
        visible = (visit is not None and user.role != "finance"
                   and get_customer_for(db, user, visit.customer_id) is not None)
        marked = visit.photo_marked_path if visit is not None and visible else None
    if not marked or not Path(marked).is_file():
        return customer_not_found(user)
    response = send_file(marked, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- WeCom JS-SDK: wx.config for chooseImage (camera only) and getLocation (GCJ-02) --------
JSAPI_TICKET_KEY = "zs:wecom:jsapi_ticket"
JSAPI_TICKET_MARGIN = 300  # seconds: never sign with a ticket about to expire


def jsapi_ticket() -> str:
    """The app's jsapi_ticket (get_jsapi_ticket), cached in Redis for its lifetime."""
    redis = get_redis()
    cached = redis.get(JSAPI_TICKET_KEY)
    if cached:
        return cached.decode() if isinstance(cached, bytes) else str(cached)
    result = get_client().get("get_jsapi_ticket")
    ticket = str(result["ticket"])
    ttl = max(60, int(result.get("expires_in", 7200)) - JSAPI_TICKET_MARGIN)
    redis.set(JSAPI_TICKET_KEY, ticket, ex=ttl)
    return ticket


def jsapi_signature(*, ticket: str, noncestr: str, timestamp: int, url: str) -> str:
    """WeCom's JS-SDK signature: sha1 over the four fields in this fixed order; the url
    is the page's own, without its #fragment."""
    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(plain.encode("utf-8")).hexdigest()


@bp.get("/h5/checkin/jsconfig")
@login_required(roles=EDITOR_ROLES)
def jsconfig(user: User) -> Response | tuple[Response, int]:
    settings = get_settings()
    url = (request.args.get("url") or "").split("#", 1)[0]
    # Only our own pages are signed: a signature is a capability for that url.
    if not url.startswith(settings.base_url.rstrip("/") + "/"):
        return jsonify({"error": "bad url"}), 400
    try:
        ticket = jsapi_ticket()
    except (DeliveryError, RedisError) as exc:
        log.warning("jsapi ticket unavailable: %s", exc)
        return jsonify({"error": "unavailable"}), 503
    noncestr = secrets.token_urlsafe(12)
    timestamp = int(time.time())
    return jsonify({"appId": settings.wecom_corp_id, "timestamp": timestamp,
                    "nonceStr": noncestr,
                    "signature": jsapi_signature(ticket=ticket, noncestr=noncestr,
                                                 timestamp=timestamp, url=url)})
