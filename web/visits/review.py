"""The supervisor's review page of a flagged visit (C4): ``/h5/visits/<id>/review``.

The review card links here. Each flag explains itself with its evidence, stored with it
(``VisitFlag.evidence``): the two photos side by side for a reused photo, the distance and
the points for "far from the customer", the capture and submission times for EXIF, the
two check-ins for impossible travel, the earlier visit for a revisit. One tap on 确认有效
dismisses the flags (the visit counts) and 驳回 rejects it; either is recorded (who,
when) by ``handlers.visits.decide.record_decision``, the same function as the card's buttons,
under the same rule (``may_decide``: the rep's supervisor, or a director of the rep's
region) — others who may see the customer read the page without the buttons.

``/h5/visits/<id>/evidence/<other>/photo`` serves the earlier visit's watermarked photo
that a ``photo_reused`` flag of visit ``id`` names, to whoever may see visit ``id``'s
customer: the supervisor compares both photos even when the earlier one was another
team's."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from sqlmodel import Session, col, select
from werkzeug.wrappers import Response

from bot.outbound import queue_wecom
from cards import visit as cards
from handlers.visits.decide import record_decision
from models.base import parse_id
from models.customers.customer import Customer
from models.customers.scope import get_customer_for
from models.org.user import User, record_user
from models.visits import evidence as ev
from models.visits import visit as vm
from models.visits.decision import may_decide
from models.visits.visit import DECIDED, STATUS_CONFIRMED
from web.auth.guard import login_required
from web.customers.common import customer_not_found, user_names
from web.visits import review_texts as texts
from zhongshu import clock
from zhongshu.db import session_scope

bp = Blueprint("visits", __name__)


def _point(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{value[0]:.5f}, {value[1]:.5f}"
    return "—"


def _time(value: Any) -> str:
    try:
        return clock.shown(datetime.fromisoformat(str(value)))
    except ValueError:
        return "—"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else "—"


def evidence_lines(code: str, evidence: dict[str, Any] | None,
                   names: dict[str, str] | None = None) -> list[str]:
    """A flag's evidence in words, one fact a line (the photos are shown beside); reps
    by name where ``names`` knows them."""
    e = evidence or {}
    rep = (names or {}).get(str(e.get("rep")), e.get("rep"))
    if not e:
        return []
    if code == ev.PHOTO_REUSED:
        if e.get("identical"):
            return [texts.REUSE_IDENTICAL]
        if e.get("score") is not None:
            return [texts.REUSE_SCORE.format(score=f"{e['score']:.3f}", max=_num(
                e.get("max_score", ev.EvidenceRules().photo_match_score)))]
        return [texts.REUSE_HASH.format(bits=e.get("bits"))]
    if code == ev.FAR_FROM_CUSTOMER:
        lines = [texts.FAR_CUSTOMER.format(point=_point(e.get("customer")))]
        if "photo" in e:
            lines.append(texts.FAR_PHOTO.format(point=_point(e["photo"]),
                                                km=f"{e.get('photo_km', 0):.2f}"))
        if "device" in e:
            lines.append(texts.FAR_DEVICE.format(point=_point(e["device"]),
                                                 km=f"{e.get('device_km', 0):.2f}"))
        lines.append(texts.FAR_MAX.format(max=_num(e.get("max_km"))))
        return lines
    if code == ev.EXIF_TIME_MISMATCH:
        tag = texts.EXIF_TAG_YES if e.get("offset_recorded") else texts.EXIF_TAG_NO
        return [texts.EXIF_TAKEN.format(taken=_time(e.get("taken_at")), tag=tag),
                texts.EXIF_AT.format(at=_time(e.get("at"))),
                texts.EXIF_GAP.format(gap=_num(e.get("gap_minutes")),
                                      max=_num(e.get("max_minutes")))]
    if code == ev.IMPOSSIBLE_TRAVEL:
        speed = e.get("speed_kmh")
        last = (texts.TRAVEL_SPEED.format(km=_num(e.get("km")), speed=_num(speed),
                                          max=_num(e.get("max_kmh")))
                if speed is not None else
                texts.TRAVEL_INSTANT.format(km=_num(e.get("km")), max=_num(e.get("max_kmh"))))
        return [texts.TRAVEL_FROM.format(visit=e.get("visit"), at=_time(e.get("previous_at")),
                                         point=_point(e.get("from"))),
                texts.TRAVEL_TO.format(at=_time(e.get("at")), point=_point(e.get("to"))),
                last]
    if code == ev.REVISIT_48H:
        return [texts.REVISIT_FROM.format(visit=e.get("visit"), rep=rep,
                                          at=_time(e.get("previous_at"))),
                texts.REVISIT_TO.format(at=_time(e.get("at"))),
                texts.REVISIT_GAP.format(gap=_num(e.get("gap_hours")),
                                         max=_num(e.get("max_hours")))]
    return []


def _visible(db: Session, user: User, visit: vm.Visit | None) -> bool:
    return (visit is not None and user.role != "finance"
            and get_customer_for(db, user, visit.customer_id) is not None)


def _page(db: Session, user: User, visit: vm.Visit, done: str | None) -> str:
    rep = record_user(db, visit.rep)
    customer = db.get(Customer, visit.customer_id)
    rows = db.exec(select(vm.VisitFlag).where(col(vm.VisitFlag.visit_id) == visit.id)
                   .order_by(col(vm.VisitFlag.id))).all()
    names = user_names(db, [str((row.evidence or {}).get("rep", "")) for row in rows])
    flags = []
    for row in rows:
        evidence = row.evidence or {}
        item: dict[str, Any] = {"code": row.code, "label": ev.FLAG_LABELS.get(row.code, row.code),
                                "reason": row.reason,
                                "lines": evidence_lines(row.code, evidence, names)}
        if row.code == ev.PHOTO_REUSED and parse_id(str(evidence.get("visit", ""))):
            other = db.get(vm.Visit, parse_id(str(evidence["visit"])))
            item["earlier"] = texts.EARLIER_PHOTO.format(
                visit=evidence["visit"], at=_time(evidence.get("previous_at")),
                rep=names.get(str(evidence.get("rep", "")), evidence.get("rep", "")))
            item["earlier_url"] = (url_for("visits.evidence_photo", visit_id=visit.id,
                                           other_id=other.id)
                                   if other is not None and other.photo_marked_path else None)
        flags.append(item)
    decider = (record_user(db, visit.decided_by)
               if visit.decided_by else None)
    by = decider.name if decider else (visit.decided_by or "")
    if visit.status in DECIDED:
        template = (texts.STATE_CONFIRMED if visit.status == STATUS_CONFIRMED
                    else texts.STATE_REJECTED)
        state = template.format(by=by, at=clock.shown(visit.decided_at) if visit.decided_at
                                else "—")
    else:
        state = texts.STATE_PENDING if flags else texts.STATE_OK
    can_decide = (may_decide(user, rep) and visit.status not in DECIDED
                  and visit.compliant is not None and bool(flags))
    return render_template(
        "h5/visit_review.html", V=texts, visit=visit, flags=flags, state=state, done=done,
        rep_name=rep.name if rep else visit.rep,
        customer_name=customer.name if customer else str(visit.customer_id),
        when=clock.shown(visit.at), can_decide=can_decide,
        readonly_note=texts.NOT_YOURS_READONLY if flags and not may_decide(user, rep) else "",
        photo_url=(url_for("checkin.photo", visit_id=visit.id)
                   if visit.photo_marked_path else None), user=user)


@bp.get("/h5/visits/<int:visit_id>/review")
@login_required
def review(visit_id: int, user: User) -> str | tuple[str, int]:
    with session_scope() as db:
        visit = db.get(vm.Visit, visit_id)
        if visit is None or not _visible(db, user, visit):
            return customer_not_found(user)
        done = {"confirmed": texts.DONE_CONFIRMED, "rejected": texts.DONE_REJECTED}.get(
            request.args.get("done", ""))
        return _page(db, user, visit, done)


@bp.post("/h5/visits/<int:visit_id>/review")
@login_required
def decide(visit_id: int, user: User) -> Response | str | tuple[str, int]:
    """One tap: ``decision=confirm`` (dismiss the flags) or ``decision=reject``."""
    confirm = request.form.get("decision") == "confirm"
    with session_scope() as db:
        visit = db.exec(select(vm.Visit).where(vm.Visit.id == visit_id)
                        .with_for_update()).first()
        if visit is None or not _visible(db, user, visit):
            return customer_not_found(user)
        rep = record_user(db, visit.rep)
        if not may_decide(user, rep):
            return _page(db, user, visit, texts.NOT_YOURS_READONLY), 403
        if visit.status in DECIDED:
            state = "已确认有效" if visit.status == STATUS_CONFIRMED else "已驳回"
            return _page(db, user, visit, texts.ALREADY.format(state=state)), 409
        if visit.compliant is None:
            return _page(db, user, visit, texts.NOT_EVALUATED), 409
        record_decision(db, visit, user, confirm=confirm)
        customer = db.get(Customer, visit.customer_id)
        notice = cards.decided(customer.name if customer else str(visit.customer_id),
                               clock.shown(visit.at), confirmed=confirm, by=user.name)
        queue_wecom(db, visit.rep, notice, dedupe_key=f"visit:{visit_id}:decided")
    return redirect(url_for("visits.review", visit_id=visit_id,
                            done="confirmed" if confirm else "rejected"))


@bp.get("/h5/visits/<int:visit_id>/evidence/<int:other_id>/photo")
@login_required
def evidence_photo(visit_id: int, other_id: int, user: User) -> Response | tuple[str, int]:
    """The earlier photo a ``photo_reused`` flag of ``visit_id`` names."""
    with session_scope() as db:
        visit = db.get(vm.Visit, visit_id)
        named = visit is not None and _visible(db, user, visit) and any(
            str((row.evidence or {}).get("visit")) == str(other_id)
            for row in db.exec(select(vm.VisitFlag).where(
                col(vm.VisitFlag.visit_id) == visit_id,
                col(vm.VisitFlag.code) == ev.PHOTO_REUSED)).all())
        other = db.get(vm.Visit, other_id) if named else None
        marked = other.photo_marked_path if other is not None else None
    if not marked or not Path(marked).is_file():
        return customer_not_found(user)
    response = send_file(marked, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
