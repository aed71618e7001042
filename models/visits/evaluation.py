"""The check-in evaluation (C4, step 2 of a check-in): ``evaluate_visit`` analyses the
photo, writes the watermarked copy, runs the evidence checks of ``models.visits.evidence``
against the visits before it (queried here) and stores the flags, replacing any earlier
result. Called by the check-in evaluation (``handlers.visits.evaluate``) and the demo.

Photo reuse runs in both directions because jobs can finish out of order: a visit whose
photo turns out to equal the photo of a *later* visit that was evaluated first marks that
later visit ``photo_reused`` (the earlier one is the original)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_
from sqlmodel import Session, col, select

from lib import photos
from lib.geo import GeoPoint, distance_km
from models.base import utcnow
from models.customers.customer import Customer
from models.org.user import record_user
from models.visits import evidence as ev
from models.visits.thresholds import load_rules
from models.visits.visit import STATUS_CHECKED, Visit, VisitFlag


@dataclass(frozen=True)
class Evaluation:
    visit_id: int
    flags: list[ev.Flag]
    marked_path: Path | None
    also_flagged: list[int]  # later visits now marked photo_reused because of this one

    @property
    def compliant(self) -> bool:
        return not self.flags


def _customer_point(customer: Customer | None) -> GeoPoint | None:
    if customer is None or customer.latitude is None or customer.longitude is None:
        return None
    return GeoPoint(customer.latitude, customer.longitude, customer.coord or "wgs84")


def _before(visit: Visit) -> ColumnElement[bool]:
    # Time order with the id as tie-breaker, so two visits at one instant still have a
    # defined "earlier".
    return or_(col(Visit.at) < visit.at, and_(col(Visit.at) == visit.at,
                                             col(Visit.id) < visit.id))


def _prior(session: Session, visit: Visit, *where: Any) -> ev.PriorVisit | None:
    found = session.exec(
        select(Visit, Customer).join(Customer, col(Customer.id) == col(Visit.customer_id))
        .where(_before(visit), *where)
        .order_by(col(Visit.at).desc(), col(Visit.id).desc()).limit(1)).first()
    if found is None:
        return None
    row, customer = found
    return _as_prior(session, row, customer)


def _as_prior(session: Session, row: Visit, customer: Customer | None) -> ev.PriorVisit:
    user = record_user(session, row.rep)
    rep = user.name if user else None
    return ev.PriorVisit(id=str(row.id), rep=row.rep, at=row.at,
                         customer_id=str(row.customer_id),
                         position=row.device or _customer_point(customer), rep_name=rep)


def _photo_candidates(session: Session, visit: Visit, rules: ev.EvidenceRules,
                      *, later: bool) -> list[tuple[Visit, ev.PriorPhoto]]:
    window = timedelta(days=rules.photo_reuse_days)
    order = (or_(col(Visit.at) > visit.at, and_(col(Visit.at) == visit.at,
                                                col(Visit.id) > visit.id))
             if later else _before(visit))
    bound = (col(Visit.at) <= visit.at + window) if later else (col(Visit.at) >= visit.at - window)
    rows = session.exec(select(Visit).where(col(Visit.photo_phash).is_not(None), order,
                                            bound)).all()
    return [(row, ev.PriorPhoto(_as_prior(session, row, None), row.photo_sha256 or "",
                                photos.parse_phash(row.photo_phash or "0"),
                                row.photo_signature,
                                photos.parse_hashes(row.photo_window_hashes)))
            for row in rows]


def facts(visit: Visit, customer: Customer | None, photo: photos.PhotoInfo | None,
          photo_error: str | None) -> ev.VisitFacts:
    return ev.VisitFacts(
        id=str(visit.id), rep=visit.rep, at=visit.at, customer_id=str(visit.customer_id),
        customer_location=_customer_point(customer), device=visit.device, grade=visit.grade,
        pain_points=tuple(visit.pain_points or ()), question=visit.question,
        next_action=visit.next_action, photo=photo, photo_error=photo_error)


def evaluate_visit(session: Session, visit_id: int, *, business_tz: tzinfo,
                   marked_dir: Path, font_path: str | None = None) -> Evaluation | None:
    """Analyse the photo, write the watermarked copy into ``marked_dir``, run every
    evidence check and store the flags (replacing earlier ones). For the job that follows
    ``submit``; None when the visit no longer exists. Pass ``font_path=
    photos.find_cjk_font()`` to have names in Chinese on the watermark."""
    visit = session.get(Visit, visit_id)
    if visit is None:
        return None
    rules = load_rules(session)
    customer = session.get(Customer, visit.customer_id)
    photo, error = None, None
    if visit.photo_path:
        try:
            photo = photos.analyse_file(Path(visit.photo_path), limits=rules.photo_limits)
        except photos.PhotoError as exc:
            error = exc.message
    here = facts(visit, customer, photo, error)

    match = None
    if photo is not None:
        match = ev.best_photo_match(
            photo, visit.at, [p for _row, p in _photo_candidates(session, visit, rules,
                                                                  later=False)], rules)
    context = ev.Context(
        last_customer_visit=_prior(session, visit, col(Visit.customer_id) == visit.customer_id),
        last_rep_checkin=_prior(session, visit, col(Visit.rep) == visit.rep),
        photo_match=match)
    flags = ev.evaluate(here, context, rules, business_tz=business_tz)

    gps = photo.exif.gps if photo else None
    where = gps or visit.device
    customer_point = _customer_point(customer)
    visit.distance_km = (round(distance_km(where, customer_point), 3)
                         if where and customer_point else None)
    visit.photo_error = error[:255] if error else None
    visit.photo_sha256 = photo.sha256 if photo else None
    visit.photo_phash = photo.phash_hex if photo else None
    visit.photo_signature = photo.signature if photo else None
    windows = photo.windows if photo else ()
    visit.photo_window_hashes = photos.format_hashes(windows) if windows else None
    visit.photo_taken_at = photo.exif.taken_at_in(business_tz) if photo else None
    exif = photo.exif if photo else None
    visit.photo_make = exif.make[:64] if exif and exif.make else None
    visit.photo_model = exif.model[:64] if exif and exif.model else None
    visit.photo_lat, visit.photo_lng = (gps.lat, gps.lng) if gps else (None, None)

    marked = None
    if photo is not None and visit.photo_path:
        user = record_user(session, visit.rep)
        stamp = photos.Stamp(
            server_time=visit.at, rep_id=visit.rep, customer_id=str(visit.customer_id),
            short_hash=photo.short_hash, distance_km=visit.distance_km,
            rep_name=user.name if user else None,
            customer_name=customer.name if customer else None)
        data = photos.watermark(Path(visit.photo_path).read_bytes(), stamp,
                                business_tz=business_tz, font_path=font_path)
        marked_dir.mkdir(parents=True, exist_ok=True)
        marked = marked_dir / f"visit-{visit.id}-{photo.short_hash}.jpg"
        part = marked.with_name(marked.name + ".part")
        part.write_bytes(data)
        part.replace(marked)
    visit.photo_marked_path = str(marked) if marked else None

    _store_flags(session, visit, flags)
    also = _flag_later_reuse(session, visit, photo, rules, business_tz) if photo else []
    session.flush()
    return Evaluation(visit_id=visit_id, flags=flags, marked_path=marked, also_flagged=also)


def _store_flags(session: Session, visit: Visit, flags: Sequence[ev.Flag]) -> None:
    session.exec(delete(VisitFlag).where(col(VisitFlag.visit_id) == visit.id))
    assert visit.id is not None
    for flag in flags:
        session.add(VisitFlag(visit_id=visit.id, code=flag.code, reason=flag.reason[:500],
                              evidence=dict(flag.evidence) if flag.evidence else None))
    visit.compliant = not flags
    visit.status = STATUS_CHECKED
    visit.checked_at = utcnow()
    session.add(visit)


def _flag_later_reuse(session: Session, visit: Visit, photo: photos.PhotoInfo,
                      rules: ev.EvidenceRules, business_tz: tzinfo) -> list[int]:
    original = ev.PriorPhoto(_as_prior(session, visit, None), photo.sha256, photo.phash,
                             photo.signature, photos.parse_hashes(visit.photo_window_hashes))
    flagged: list[int] = []
    for row, later in _photo_candidates(session, visit, rules, later=True):
        match = ev.photo_match(later, original, rules)
        if match is None or row.id is None:
            continue
        already = session.exec(select(VisitFlag).where(
            col(VisitFlag.visit_id) == row.id, col(VisitFlag.code) == ev.PHOTO_REUSED)).first()
        if already is not None:
            continue
        flag = ev.check_reuse(match, rules, business_tz=business_tz)[0]
        session.add(VisitFlag(visit_id=row.id, code=flag.code, reason=flag.reason[:500],
                              evidence=dict(flag.evidence) if flag.evidence else None))
        row.compliant = False
        session.add(row)
        flagged.append(row.id)
    return flagged
