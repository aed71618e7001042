"""Visits (C4): the check-in record, its evidence flags, and the admin-set data around it
(pain-point and next-action option lists, the check thresholds).

A check-in lives in two steps, so nothing slow runs while the platform waits for an ack:

1. ``submit`` (request path): the required fields are validated against the rep's own
   customers and today's option lists; the row is stored with ``status="pending"`` and
   the photo's original bytes already on disk (``models.photos.store_original``).
2. ``evaluate_visit`` (a job): the photo is analysed, the watermarked copy written, the
   evidence checks of ``models.evidence`` run against the visits before it, and the flags
   replace any earlier result (re-running is harmless). ``compliant`` is then True or
   False; only compliant visits count toward coverage (``countable``).

Photo reuse runs in both directions because jobs can finish out of order: a visit whose
photo turns out to equal the photo of a *later* visit that was evaluated first marks that
later visit ``photo_reused`` (the earlier one is the original)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    UniqueConstraint,
    and_,
    delete,
    or_,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from models import evidence as ev
from models import photos
from models.base import utcnow
from models.customer import Customer
from models.geo import GeoPoint, distance_km
from models.scope import get_customer_for
from models.user import User, by_platform_id

STATUS_PENDING = "pending"
STATUS_CHECKED = "checked"
SOURCES = ("checkin", "import")

PAIN_POINT = "pain_point"
NEXT_ACTION = "next_action"
OPTION_KINDS = (PAIN_POINT, NEXT_ACTION)
OPTION_LABEL_MAX = 32
QUESTION_MAX = 500

# First-use defaults for a B2B sales team; an admin replaces them with ``set_options``.
DEFAULT_OPTIONS: dict[str, tuple[str, ...]] = {
    PAIN_POINT: ("价格偏高", "交期太长", "质量不稳定", "售后响应慢", "技术参数不满足",
                 "账期或付款方式", "已有供应商绑定", "决策流程长", "库存积压", "需求不明确"),
    NEXT_ACTION: ("寄送样品", "预约技术交流会", "发送报价单", "安排产品演示", "邀请到厂参观",
                  "约见采购决策人", "准备合同", "电话回访"),
}

# -- what reps and admins read ------------------------------------------------------------
CUSTOMER_NOT_YOURS = "找不到该客户，或该客户不归你负责"
NEXT_ACTION_DATE_PAST = "下一步行动日期不能早于今天"
QUESTION_TOO_LONG = f"客户问题过长，最多{QUESTION_MAX}个字"
OPTIONS_EMPTY = "列表至少需要一项"
OPTION_TOO_LONG = f"选项“{{label}}”过长，最多{OPTION_LABEL_MAX}个字"


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


class VisitOption(SQLModel, table=True):
    """Admin-set choices on the check-in form: pain points and next actions. Labels
    removed by an admin are deactivated, not deleted, so old visits keep their meaning."""

    __tablename__ = "visit_option"
    __table_args__ = (UniqueConstraint("kind", "label", name="uq_visit_option_kind_label"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    label: str = Field(max_length=OPTION_LABEL_MAX)
    position: int = 0
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class VisitRules(SQLModel, table=True):
    """The admin's thresholds, one row. NULL means "the default in code"
    (``evidence.EvidenceRules``), so a better default reaches every unchanged setting."""

    __tablename__ = "visit_rules"

    id: int = Field(default=1, primary_key=True)
    revisit_hours: float | None = None
    max_distance_km: float | None = None
    exif_skew_minutes: float | None = None
    photo_match_bits: int | None = None
    photo_match_score: float | None = None
    photo_crop_bits: int | None = None
    photo_reuse_days: int | None = None
    max_speed_kmh: float | None = None
    travel_min_km: float | None = None
    rail_min_km: float | None = None
    rail_speed_kmh: float | None = None
    max_photo_bytes: int | None = Field(default=None, sa_column=Column(BigInteger))
    max_photo_pixels: int | None = Field(default=None, sa_column=Column(BigInteger))
    min_question_chars: int | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=64)


RULE_NAMES = tuple(ev.EvidenceRules().as_dict())


# -- rules ------------------------------------------------------------------------------

def load_rules(session: Session) -> ev.EvidenceRules:
    """The thresholds in force: the admin's values over the code defaults."""
    row = session.get(VisitRules, 1)
    if row is None:
        return ev.EvidenceRules()
    changes = {name: getattr(row, name) for name in RULE_NAMES if getattr(row, name) is not None}
    return ev.EvidenceRules().with_changes(changes)


def save_rules(session: Session, changes: Mapping[str, Any], *,
               by: str | None = None) -> ev.EvidenceRules:
    """Change some thresholds (None resets one to its default); raises ValueError for an
    unknown name or a bad value, leaving the stored rules as they were."""
    ev.EvidenceRules().with_changes({k: v for k, v in changes.items() if v is not None})
    row = session.get(VisitRules, 1)
    if row is None:
        row = VisitRules(id=1)
    merged = {name: getattr(row, name) for name in RULE_NAMES}
    merged.update(changes)
    # Validate the combination as it will be in force before storing anything.
    ev.EvidenceRules().with_changes({k: v for k, v in merged.items() if v is not None})
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    row.updated_by = by
    session.add(row)
    session.flush()
    return load_rules(session)


# -- option lists -----------------------------------------------------------------------

def options(session: Session, kind: str) -> list[str]:
    """Active labels of ``kind`` in the admin's order; seeds ``DEFAULT_OPTIONS`` the first
    time a kind is asked for (a kind the admin emptied stays empty of active labels)."""
    if kind not in OPTION_KINDS:
        raise ValueError(f"unknown option kind {kind!r}")
    rows = session.exec(select(VisitOption).where(VisitOption.kind == kind)
                        .order_by(col(VisitOption.position), col(VisitOption.id))).all()
    if not rows:
        try:
            with session.begin_nested():
                for position, label in enumerate(DEFAULT_OPTIONS[kind]):
                    session.add(VisitOption(kind=kind, label=label, position=position))
        except IntegrityError:
            pass  # another worker seeded them first; read theirs
        return options(session, kind)
    return [row.label for row in rows if row.active]


def set_options(session: Session, kind: str, labels: Sequence[str]) -> list[str]:
    """Replace the list of ``kind`` (admin). Labels are trimmed and de-duplicated; ones
    no longer listed are deactivated. Raises ValueError with a Chinese message."""
    if kind not in OPTION_KINDS:
        raise ValueError(f"unknown option kind {kind!r}")
    wanted: list[str] = []
    for label in labels:
        text = " ".join(label.split())
        if len(text) > OPTION_LABEL_MAX:
            raise ValueError(OPTION_TOO_LONG.format(label=text))
        if text and text not in wanted:
            wanted.append(text)
    if not wanted:
        raise ValueError(OPTIONS_EMPTY)
    existing = {row.label: row for row in
                session.exec(select(VisitOption).where(VisitOption.kind == kind)).all()}
    for row in existing.values():
        row.active = False
        session.add(row)
    for position, label in enumerate(wanted):
        row = existing.get(label) or VisitOption(kind=kind, label=label)
        row.position, row.active = position, True
        session.add(row)
    session.flush()
    return wanted


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
    from models.communication import touch_interaction  # a visit is an interaction (C7)

    touch_interaction(session, customer_id=customer_id, at=visit.at)
    return visit


# -- evaluating -------------------------------------------------------------------------

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
    user = by_platform_id(session, "wecom", row.rep, include_inactive=True)
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
        user = by_platform_id(session, "wecom", visit.rep, include_inactive=True)
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
    session.exec(delete(VisitFlag).where(col(VisitFlag.visit_id) == visit.id))  # type: ignore[call-overload]
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


# -- reading ----------------------------------------------------------------------------

def flags_of(session: Session, visit_id: int) -> list[ev.Flag]:
    rows = session.exec(select(VisitFlag).where(col(VisitFlag.visit_id) == visit_id)
                        .order_by(col(VisitFlag.id))).all()
    return [ev.Flag(row.code, row.reason, row.evidence) for row in rows]


def countable() -> ColumnElement[bool]:
    """WHERE clause for visits that count toward coverage: evaluated and unflagged."""
    return col(Visit.compliant).is_(True)


# -- audit of historical or imported visits (``zhongshu visits audit``) ------------------

AUDIT_BAD_JSON = "第 {line} 行：不是有效的 JSON（{error}）"
AUDIT_NOT_OBJECT = "第 {line} 行：应为一个 JSON 对象"
AUDIT_BAD_FIELD = "第 {line} 行：{error}"
AUDIT_DUPLICATE_ID = "第 {line} 行：id “{id}” 与第 {first} 行重复"
AUDIT_UNCHECKED = "第 {line} 行：拜访 {id} 无法检查（{error}）"
AUDIT_PROGRESS = "已检查 {done}/{total} 条拜访"
AUDIT_SUMMARY = ("拜访审计：共 {total} 条，合规 {compliant} 条（{compliant_pct}），"
                 "疑似虚假拜访 {fake} 条（虚假拜访率 {fake_pct}）")
AUDIT_FLAG_LINE = "  {code}（{label}）：{count} 条"
AUDIT_ERRORS = "格式错误 {count} 行，未检查（见上）"
AUDIT_DEFAULT_RULES = "未能从数据库读取阈值（数据库不可用或未迁移），使用默认阈值"


class AuditLineError(ValueError):
    pass


@dataclass(frozen=True)
class AuditRecord:
    """One input line, parsed: the visit as the checks see it, before its photo is read."""

    raw_id: Any  # echoed back as given (string or number)
    facts: ev.VisitFacts
    photo: Path | None


@dataclass
class AuditSummary:
    total: int = 0
    compliant: int = 0
    fake: int = 0  # visits with at least one of evidence.FRAUD_CODES
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ev.FLAG_CODES, 0))
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def pct(n: int) -> str:
            return f"{n / self.total:.1%}" if self.total else "0.0%"

        out = [AUDIT_SUMMARY.format(total=self.total, compliant=self.compliant,
                                    compliant_pct=pct(self.compliant), fake=self.fake,
                                    fake_pct=pct(self.fake))]
        for code in ev.FLAG_CODES:
            out.append(AUDIT_FLAG_LINE.format(code=code, label=ev.FLAG_LABELS[code],
                                              count=self.counts.get(code, 0)))
        if self.errors:
            out.append(AUDIT_ERRORS.format(count=len(self.errors)))
        return out


def _point(value: Any, what: str) -> GeoPoint | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise AuditLineError(f"{what} 应为对象或 null")
    lat, lng = value.get("lat"), value.get("lng")
    if lat is None and lng is None:
        return None
    if not (isinstance(lat, (int, float)) and isinstance(lng, (int, float))) \
            or isinstance(lat, bool) or isinstance(lng, bool):
        raise AuditLineError(f"{what}.lat/lng 应为数字")
    coord = value.get("coord")
    if coord not in ("wgs84", "gcj02"):
        raise AuditLineError(f"{what}.coord 应为 wgs84 或 gcj02，而不是 {coord!r}")
    try:
        return GeoPoint(float(lat), float(lng), coord)
    except ValueError as exc:
        raise AuditLineError(f"{what} 坐标超出范围（{lat}, {lng}）") from exc


def _opt_text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # a question typed as "1" in a spreadsheet arrives as 1
    raise AuditLineError(f"{what} 应为文本")


def parse_audit_line(obj: Any, *, base: Path) -> AuditRecord:
    """One object of the audit format (CONTRACT.md); raises AuditLineError. Photo paths
    are relative to ``base`` (the input file's folder) unless absolute."""
    if not isinstance(obj, dict):
        raise AuditLineError("应为一个 JSON 对象")
    raw_id = obj.get("id")
    if raw_id is None or isinstance(raw_id, (bool, dict, list)) or str(raw_id).strip() == "":
        raise AuditLineError("缺少 id")
    rep = obj.get("rep")
    if not isinstance(rep, str) or not rep.strip():
        raise AuditLineError("缺少 rep")
    at_text = obj.get("at")
    if not isinstance(at_text, str):
        raise AuditLineError("缺少 at（ISO 8601 时间，带时区）")
    try:
        at = datetime.fromisoformat(at_text.strip())
    except ValueError as exc:
        raise AuditLineError(f"at “{at_text}” 不是 ISO 8601 时间") from exc
    if at.tzinfo is None or at.utcoffset() is None:
        raise AuditLineError(f"at “{at_text}” 缺少时区（例如 +08:00）")
    customer = obj.get("customer")
    if not isinstance(customer, dict) or customer.get("id") in (None, ""):
        raise AuditLineError("缺少 customer.id")
    pain_points = obj.get("pain_points")
    if pain_points is None:
        pain_points = []
    if not isinstance(pain_points, list):
        raise AuditLineError("pain_points 应为列表")
    photo = obj.get("photo")
    if photo is not None and (not isinstance(photo, str) or not photo.strip()):
        raise AuditLineError("photo 应为文件路径或 null")
    facts = ev.VisitFacts(
        id=str(raw_id), rep=rep.strip(), at=at, customer_id=str(customer["id"]),
        customer_location=_point(customer, "customer"), device=_point(obj.get("device"),
                                                                       "device"),
        grade=_opt_text(obj.get("grade"), "grade"),
        pain_points=tuple(str(p) for p in pain_points if p is not None),
        question=_opt_text(obj.get("question"), "question"),
        next_action=_opt_text(obj.get("next_action"), "next_action"))
    path = (base / photo) if photo is not None else None
    return AuditRecord(raw_id=raw_id, facts=facts, photo=path)


# Photos are read, hashed and thumbnailed in worker processes (they do not depend on each
# other); the checks run in time order in this one. Small audits stay in one process.
AUDIT_POOL_FROM = 200


def _analyse_one(path: str, limits: photos.PhotoLimits) -> tuple[photos.PhotoInfo | None,
                                                                  str | None]:
    if not path:
        return None, None
    try:
        return photos.analyse_file(Path(path), limits=limits), None
    except photos.PhotoError as exc:
        return None, exc.message
    except Exception:  # noqa: BLE001 - a decoder's surprise is this photo's problem
        return None, photos.PHOTO_DAMAGED


def _analysed(paths: Sequence[str], limits: photos.PhotoLimits, *,
              workers: int | None) -> Iterator[tuple[photos.PhotoInfo | None, str | None]]:
    """``_analyse_one`` of each path, in order, over a process pool when it pays."""
    import os
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    count = workers if workers is not None else min(4, os.cpu_count() or 1)
    with_photo = sum(1 for p in paths if p)
    if count <= 1 or with_photo < AUDIT_POOL_FROM:
        yield from (_analyse_one(p, limits) for p in paths)
        return
    with ProcessPoolExecutor(max_workers=count) as pool:
        yield from pool.map(partial(_analyse_one, limits=limits), paths, chunksize=256)


def audit(source: Path, out: IO[str], *, rules: ev.EvidenceRules, business_tz: tzinfo,
          report_error: Callable[[str], None] | None = None,
          progress: Callable[[int, int], None] | None = None,
          workers: int | None = None) -> AuditSummary:
    """Check every visit in the JSONL file ``source`` against the ones before it, in time
    order (``at``, then line order), and write one result line per visit to ``out`` in
    that order. Malformed lines are reported through ``report_error(message)`` and left
    out. Memory stays small: a first pass keeps only (time, line, offset, photo path) per
    visit, the second re-reads each line where it is; photos are analysed ahead of it by
    ``workers`` processes (default: the CPUs, at most 4; 1 = in this process)."""
    summary = AuditSummary()
    base = source.parent

    def fail(message: str) -> None:
        summary.errors.append(message)
        if report_error is not None:
            report_error(message)

    def load(raw: bytes, line: int) -> AuditRecord | None:
        try:
            obj = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(AUDIT_BAD_JSON.format(line=line, error=exc))
            return None
        try:
            return parse_audit_line(obj, base=base)
        except AuditLineError as exc:
            fail(AUDIT_BAD_FIELD.format(line=line, error=exc))
            return None

    order: list[tuple[float, int, int, str]] = []
    first_line: dict[str, int] = {}
    with source.open("rb") as handle:
        offset = 0
        for line, raw in enumerate(handle, start=1):
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            record = load(raw, line)
            if record is None:
                continue
            if record.facts.id in first_line:
                fail(AUDIT_DUPLICATE_ID.format(line=line, id=record.facts.id,
                                               first=first_line[record.facts.id]))
                continue
            first_line[record.facts.id] = line
            order.append((record.facts.at.timestamp(), line, start,
                          str(record.photo) if record.photo is not None else ""))
        order.sort()
        first_line.clear()

        history = ev.History(rules)
        analysed = _analysed([photo for *_rest, photo in order], rules.photo_limits,
                             workers=workers)
        for done, ((_at, line, start, _photo), (info, error)) in enumerate(
                zip(order, analysed, strict=True), start=1):
            handle.seek(start)
            record = load(handle.readline(), line)
            assert record is not None
            facts = record.facts
            if record.photo is not None:
                facts = _with_photo(facts, info, error)
            try:
                flags = history.check(facts, business_tz=business_tz)
            except Exception as exc:  # noqa: BLE001 - one visit, never the whole audit
                fail(AUDIT_UNCHECKED.format(line=line, id=record.raw_id, error=exc))
                continue
            summary.total += 1
            summary.compliant += not flags
            summary.fake += any(flag.code in ev.FRAUD_CODES for flag in flags)
            for code in {flag.code for flag in flags}:
                summary.counts[code] += 1
            out.write(json.dumps({"id": record.raw_id, "flags": [f.as_dict() for f in flags],
                                  "compliant": not flags}, ensure_ascii=False) + "\n")
            if progress is not None:
                progress(done, len(order))
    return summary


def _with_photo(facts: ev.VisitFacts, photo: photos.PhotoInfo | None,
                error: str | None) -> ev.VisitFacts:
    return replace(facts, photo=photo, photo_error=error)
