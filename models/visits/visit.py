"""Visits (C4): the check-in record and its evidence flags (the ``visit`` and
``visit_flag`` tables), submitting a check-in, and reading the flags.

A check-in lives in two steps, so nothing slow runs while the platform waits for an ack:

1. ``submit`` (request path, here): the required fields are validated against the rep's
   own customers and today's option lists (``models.visits.options``); the row is stored
   with ``status="pending"`` and the photo's original bytes already on disk
   (``lib.photos.store_original``).
2. ``models.visits.evaluation.evaluate_visit`` (a job): the photo is analysed, the
   watermarked copy written, the evidence checks of ``models.visits.evidence`` run against
   the visits before it, and the flags replace any earlier result (re-running is
   harmless). ``compliant`` is then True or False; only compliant visits count toward
   coverage (``countable``).

Around it: ``models.visits.thresholds`` (the admin's check thresholds) and
``models.visits.audit`` (the ``zhongshu visits audit`` runner)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ColumnElement, ForeignKey, Index, Integer, LargeBinary
from sqlmodel import Field, Session, SQLModel, col, select

from lib.geo import GeoPoint
from models.base import utcnow
from models.customers.scope import get_customer_for
from models.org.user import User
from models.visits import evidence as ev
from models.visits.options import NEXT_ACTION, OPTION_LABEL_MAX, PAIN_POINT, options
from models.visits.thresholds import load_rules

STATUS_PENDING = "pending"
STATUS_CHECKED = "checked"
# A supervisor's decision on an evaluated visit: checked → confirmed / rejected, final.
STATUS_CONFIRMED = "confirmed"
STATUS_REJECTED = "rejected"
DECIDED = (STATUS_CONFIRMED, STATUS_REJECTED)
SOURCES = ("checkin", "import")

QUESTION_MAX = 500

# -- what reps and admins read ------------------------------------------------------------
CUSTOMER_NOT_YOURS = "找不到该客户，或该客户不归你负责"
NEXT_ACTION_DATE_PAST = "下一步行动日期不能早于今天"
QUESTION_TOO_LONG = f"客户问题过长，最多{QUESTION_MAX}个字"


class Visit(SQLModel, table=True):
    __tablename__ = "visit"
    __table_args__ = (
        # "this customer's previous visit" and "this rep's previous check-in".
        Index("ix_visit_customer_at", "customer_id", "at"),
        Index("ix_visit_rep_at", "rep", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rep: str = Field(max_length=64)  # the rep's WeCom userid
    customer_id: int = Field(foreign_key="customer.id")
    at: datetime  # server receive time: the clock every check uses, never the phone's
    source: str = Field(default="checkin", max_length=16)
    grade: str | None = Field(default=None, max_length=1)
    pain_points: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    question: str | None = Field(default=None, max_length=QUESTION_MAX)
    next_action: str | None = Field(default=None, max_length=OPTION_LABEL_MAX)
    next_action_date: date | None = None
    device_lat: float | None = None
    device_lng: float | None = None
    device_coord: str | None = Field(default=None, max_length=8)

    # The original as uploaded (never modified) and the watermarked copy people see.
    photo_path: str | None = None
    photo_marked_path: str | None = None
    photo_error: str | None = Field(default=None, max_length=255)
    photo_sha256: str | None = Field(default=None, max_length=64, index=True)
    photo_phash: str | None = Field(default=None, max_length=16)
    # photos.signature (64×64 grey, 4 KB): confirms a hash match is a copy, not a new shot.
    photo_signature: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    photo_window_hashes: str | None = Field(default=None, max_length=40)  # "hex,hex"
    photo_taken_at: datetime | None = None
    photo_make: str | None = Field(default=None, max_length=64)
    photo_model: str | None = Field(default=None, max_length=64)
    photo_lat: float | None = None  # WGS-84, from EXIF
    photo_lng: float | None = None
    distance_km: float | None = None  # photo GPS (else device) to the customer

    status: str = Field(default=STATUS_PENDING, max_length=16, index=True)
    compliant: bool | None = None  # None until evaluated
    checked_at: datetime | None = None
    # Who confirmed (dismissing its flags) or rejected the visit, and when.
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def device(self) -> GeoPoint | None:
        if self.device_lat is None or self.device_lng is None:
            return None
        return GeoPoint(self.device_lat, self.device_lng, self.device_coord or "wgs84")


class VisitFlag(SQLModel, table=True):
    """One reason a visit is not believable or not complete (codes: ``evidence``)."""

    __tablename__ = "visit_flag"

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(sa_column=Column(Integer, ForeignKey("visit.id", ondelete="CASCADE"),
                                           nullable=False, index=True))
    code: str = Field(max_length=32, index=True)
    reason: str = Field(max_length=500)
    # What the reason rests on (evidence.Flag.evidence): the earlier visit, points, times.
    evidence: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)


# -- submitting -------------------------------------------------------------------------

class VisitRejected(ValueError):
    """The check-in can't be submitted; ``errors`` maps field → Chinese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def submit(session: Session, *, user: User, customer_id: int, grade: str | None,
           pain_points: Sequence[str], question: str | None, next_action: str | None,
           photo_path: str | None, today: date, next_action_date: date | None = None,
           device: GeoPoint | None = None, at: datetime | None = None) -> Visit:
    """Store a check-in for ``user`` after the required-before-submit checks: a customer
    the user may edit (a rep: its own), grade A/B/C, at least one listed pain point, a
    concrete question, a listed next action (its date, if any, not before ``today`` in the
    business zone) and a photo. ``at`` defaults to now (server receive time). Raises
    ``VisitRejected``. The caller enqueues ``evaluate_visit`` once this commits."""
    errors: dict[str, str] = {}
    customer = get_customer_for(session, user, customer_id, for_edit=True)
    if customer is None:
        errors["customer"] = CUSTOMER_NOT_YOURS
    rules = load_rules(session)
    errors.update(ev.record_problems(
        grade=grade, pain_points=pain_points, question=question, next_action=next_action,
        has_photo=bool(photo_path), min_question_chars=rules.min_question_chars,
        pain_point_options=options(session, PAIN_POINT),
        next_action_options=options(session, NEXT_ACTION)))
    if question and len(question.strip()) > QUESTION_MAX and "question" not in errors:
        errors["question"] = QUESTION_TOO_LONG
    if next_action_date is not None and next_action_date < today:
        errors["next_action_date"] = NEXT_ACTION_DATE_PAST
    if errors:
        raise VisitRejected(errors)
    chosen = list(dict.fromkeys(p.strip() for p in pain_points if p.strip()))
    visit = Visit(
        rep=user.wecom_userid, customer_id=customer_id, at=at or utcnow(), source="checkin",
        grade=(grade or "").strip().upper(), pain_points=chosen,
        question=" ".join((question or "").split()), next_action=(next_action or "").strip(),
        next_action_date=next_action_date, photo_path=photo_path,
        device_lat=device.lat if device else None, device_lng=device.lng if device else None,
        device_coord=device.coord if device else None)
    session.add(visit)
    session.flush()
    from models.customers.communication import touch_interaction  # a visit is an interaction (C7)

    touch_interaction(session, customer_id=customer_id, at=visit.at)
    return visit


# -- reading ----------------------------------------------------------------------------

def flags_of(session: Session, visit_id: int) -> list[ev.Flag]:
    rows = session.exec(select(VisitFlag).where(col(VisitFlag.visit_id) == visit_id)
                        .order_by(col(VisitFlag.id))).all()
    return [ev.Flag(row.code, row.reason, row.evidence) for row in rows]


def countable() -> ColumnElement[bool]:
    """WHERE clause for visits that count toward coverage: evaluated and unflagged."""
    return col(Visit.compliant).is_(True)
