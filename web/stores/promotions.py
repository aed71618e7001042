"""Promotion pages (C12): HQ publishes a promotion with a checklist, store managers check
in every item with a photo (checked by the job jobs.stores.process_promotion_photo), and
everyone in scope reads the execution rate. Registered on the ``stores`` blueprint
(web/stores/common.py) when web/stores/pages.py is imported."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from jobs.stores import enqueue_photo
from lib import photos
from models.base import parse_id
from models.org.user import User
from models.stores import promotion as pm
from models.stores.scope import HQ_ROLES, STORE_ROLES, get_store_for, is_hq, visible_stores
from web.auth.guard import login_required, max_body
from web.auth.pages import forbidden, message_page
from web.stores import common
from web.stores import texts as S
from web.stores.common import bp
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

MAX_PHOTO = photos.PhotoLimits().max_bytes


@bp.route("/h5/promotions", methods=["GET", "POST"])
@login_required(roles=STORE_ROLES)
def promotions(user: User) -> tuple[str, int] | Response:
    errors: dict[str, str] = {}
    values = {"title": "", "starts_on": common.today().isoformat(),
              "ends_on": (common.today() + timedelta(days=7)).isoformat(), "region": "",
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
        if common.today() > found.ends_on:  # execution is judged on the promotion's own days
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
        return common.store_not_found(user)
    response = send_file(marked, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
