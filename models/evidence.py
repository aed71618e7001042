"""Visit evidence checks (C4): is this check-in believable and complete?

Pure functions over plain dataclasses: a ``VisitFacts`` (what was submitted plus the
analysed photo), a ``Context`` (what came before it: the customer's previous visit, the
rep's previous check-in, the closest earlier photo) and the ``EvidenceRules`` thresholds
give a list of ``Flag(code, reason)``. No database and no clock: the live check-in job
(``models.visit.evaluate_visit``) and the ``zhongshu visits audit`` command build the
context their own way and call the same ``evaluate``, so both produce the same codes.

Decisions worth knowing:
- A visit without a photo is ``incomplete_record`` ("缺少现场照片"); ``bad_photo`` is for
  a photo that was given but refused (unreadable, not JPEG/PNG, disguised, too large,
  truncated). A refused photo gets no other photo check.
- "Previous" means earlier server receive time (``at``). Any earlier visit counts for
  ``revisit_48h`` and ``photo_reused`` — flagged ones too, or a rep could hide the second
  visit behind a first that was itself flagged.
- Where a rep was: the device location when the check-in had one, else the customer's
  registered location (``impossible_travel`` compares consecutive check-ins of a rep).
- Exact boundaries are not flagged: 48 h 00 min is fine, 47 h 59 min is a revisit;
  5.0 km is fine, 5.01 km is far.
- A real customer question is often two or three characters (``交期?``, ``含税吗?``):
  the record check judges meaning, not length. Incomplete is an empty answer, a
  non-answer (the 无 / 没有 / 暂无 family, punctuation or digits only, one character
  repeated) or a missing part; the reason names each missing part. Asking the same
  question as last week is not flagged.
- ``photo_reused`` is a copy of an earlier photo (identical bytes, or re-encoded,
  resized, recompressed, brightened, darkened or cropped), never a new photo of the same
  storefront: a perceptual-hash candidate (``photo_match_bits``) is confirmed by the
  aligned thumbnail comparison ``photos.similarity`` (``photo_match_score``); a crop
  is a candidate through the hashes of the earlier photo's centre windows
  (``photo_crop_bits``). An earlier
  photo stored before signatures existed is judged by the hash alone, strictly
  (``LEGACY_MATCH_BITS``).
- Every flag carries ``evidence`` (plain JSON: the earlier visit, the points, the times)
  so the supervisor's review page can show it; ``reason`` is the same in words.
- ``FRAUD_CODES`` (everything except ``incomplete_record``) define the fake-visit rate;
  any flag makes a visit non-compliant, and non-compliant visits don't count toward
  coverage."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from models.customer import GRADES
from models.geo import GeoPoint, distance_km
from models.photos import WINDOWS, PhotoInfo, PhotoLimits, hamming, similarity, window_hashes
from models.text import halfwidth

REVISIT_48H = "revisit_48h"
FAR_FROM_CUSTOMER = "far_from_customer"
EXIF_TIME_MISMATCH = "exif_time_mismatch"
NO_CAMERA_EXIF = "no_camera_exif"
PHOTO_REUSED = "photo_reused"
IMPOSSIBLE_TRAVEL = "impossible_travel"
INCOMPLETE_RECORD = "incomplete_record"
BAD_PHOTO = "bad_photo"
# The order flags are listed in (record first, then photo, then behaviour).
FLAG_CODES = (INCOMPLETE_RECORD, BAD_PHOTO, REVISIT_48H, FAR_FROM_CUSTOMER,
              IMPOSSIBLE_TRAVEL, EXIF_TIME_MISMATCH, NO_CAMERA_EXIF, PHOTO_REUSED)
FRAUD_CODES = frozenset(FLAG_CODES) - {INCOMPLETE_RECORD}

# -- what reps and supervisors read (Chinese, one place for the checks) -------------------
FLAG_LABELS = {
    INCOMPLETE_RECORD: "记录不完整",
    BAD_PHOTO: "照片无效",
    REVISIT_48H: "48小时内重复拜访",
    FAR_FROM_CUSTOMER: "距离客户过远",
    IMPOSSIBLE_TRAVEL: "行程不可能",
    EXIF_TIME_MISMATCH: "拍摄时间不符",
    NO_CAMERA_EXIF: "非相机拍摄",
    PHOTO_REUSED: "照片重复使用",
}
RECORD_INCOMPLETE = "记录不完整：{problems}"
GRADE_MISSING = "未选择客户等级（A/B/C）"
GRADE_INVALID = "客户等级“{value}”无效，应为 A、B 或 C"
PAIN_POINTS_MISSING = "未选择客户痛点（至少一项）"
PAIN_POINT_UNKNOWN = "痛点“{value}”不在可选列表中"
QUESTION_MISSING = "未填写客户提出的具体问题"
QUESTION_PLACEHOLDER = "客户问题“{value}”不是具体问题，请写下客户的原话，例如“这款滤芯多久换一次？”"
QUESTION_TOO_SHORT = "客户问题“{value}”太短（{n} 个字，至少 {min} 个字），请写下客户的原话"
NEXT_ACTION_MISSING = "未填写下一步行动"
NEXT_ACTION_UNKNOWN = "下一步行动“{value}”不在可选列表中"
PHOTO_MISSING = "缺少现场照片"
REVISIT = "{hours} 小时内已拜访过该客户（上次 {previous}{by}，间隔 {gap}）"
REVISIT_BY = "，业务员 {rep}"
FAR_PHOTO = "照片拍摄地点距客户登记地址 {km} 公里"
FAR_DEVICE = "签到定位距客户登记地址 {km} 公里"
FAR_SUFFIX = "（阈值 {max} 公里）"
EXIF_MISMATCH = "照片拍摄时间 {taken} 与提交时间 {at} 相差 {gap}（阈值 {max}）"
NO_EXIF = "照片{fmt}没有相机信息（{missing}），可能是截图、相册图片或经过重新编码的图片"
NO_EXIF_TIME = "无拍摄时间"
NO_EXIF_CAMERA = "无相机品牌型号"
REUSED_SAME = "与拜访 {visit}（{at}，业务员 {rep}）的照片完全相同"
REUSED_NEAR = ("与拜访 {visit}（{at}，业务员 {rep}）的照片是同一张照片（重新压缩、缩放、"
               "调亮度或裁剪后的副本，"
               "对齐比对相似度 {score}，阈值 {max}）")
REUSED_HASH = "与拜访 {visit}（{at}，业务员 {rep}）的照片几乎相同（相差 {bits} 位，阈值 {max} 位）"
TRAVEL = ("与上一次签到（拜访 {visit}，{at}）相距 {km} 公里、间隔 {gap}，"
          "折合时速 {speed} 公里（阈值 {max} 公里/小时）")
TRAVEL_INSTANT = ("与上一次签到（拜访 {visit}，{at}）相距 {km} 公里，"
                  "却几乎同时提交（阈值 {max} 公里/小时）")
SEPARATOR = "；"


# Without a stored signature an earlier photo is compared by its hash alone, this strictly.
LEGACY_MATCH_BITS = 6


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    reason: str
    # What the reason is based on, as plain JSON for the review page (not compared).
    evidence: Mapping[str, Any] | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, str]:
        """The audit format's flag (CONTRACT.md): code and reason."""
        return {"code": self.code, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class EvidenceRules:
    """Every threshold of the checks. The defaults are the product's; an admin's changes
    are stored in ``visit_rules`` (``models.visit.load_rules``)."""

    revisit_hours: float = 48.0
    max_distance_km: float = 5.0
    exif_skew_minutes: float = 30.0
    # pHash Hamming distance (of 64) within which an earlier photo is a reuse candidate,
    # for the whole photo and for its centre windows (a crop of it)…
    photo_match_bits: int = 12
    photo_crop_bits: int = 16
    # …and the aligned comparison (``photos.similarity``) that confirms it is a copy.
    photo_match_score: float = 0.965
    photo_reuse_days: int = 365
    max_speed_kmh: float = 120.0
    # Below this many km between consecutive check-ins the speed is not judged: customers
    # in one business park, GPS jitter in a building.
    travel_min_km: float = 1.0
    # From this many km a rep may have taken a high-speed train (or a plane): door to
    # door, up to ``rail_speed_kmh`` (Hangzhou–Beijing, 1,130 km, in 6 h is 190 km/h).
    rail_min_km: float = 150.0
    rail_speed_kmh: float = 300.0
    max_photo_bytes: int = 15 * 1024 * 1024
    max_photo_pixels: int = 40_000_000
    min_question_chars: int = 2

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value < 0:
                raise ValueError(f"{f.name} must be a non-negative number, not {value!r}")
            if f.type == "int" and not isinstance(value, int):
                raise ValueError(f"{f.name} must be a whole number, not {value!r}")
        if self.photo_match_bits > 32 or self.photo_crop_bits > 32:
            raise ValueError("photo_match_bits above 32 would match unrelated photos")
        if not 0 < self.photo_match_score <= 1:
            raise ValueError("photo_match_score must be above 0 and at most 1")

    @property
    def photo_limits(self) -> PhotoLimits:
        return PhotoLimits(max_bytes=self.max_photo_bytes, max_pixels=self.max_photo_pixels)

    def as_dict(self) -> dict[str, float | int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def with_changes(self, changes: Mapping[str, Any]) -> EvidenceRules:
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown rule(s): {', '.join(sorted(unknown))}")
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class VisitFacts:
    """One check-in as submitted. ``photo`` is the analysed photo; ``photo_error`` the
    reason it was refused (``PhotoError.message``); both None when there is no photo."""

    id: str
    rep: str
    at: datetime  # server receive time, aware
    customer_id: str
    customer_location: GeoPoint | None = None
    device: GeoPoint | None = None
    grade: str | None = None
    pain_points: tuple[str, ...] = ()
    question: str | None = None
    next_action: str | None = None
    photo: PhotoInfo | None = None
    photo_error: str | None = None

    @property
    def position(self) -> GeoPoint | None:
        """Where the rep was at ``at``: the device fix, else the customer's address."""
        return self.device or self.customer_location

    def as_prior(self) -> PriorVisit:
        return PriorVisit(id=self.id, rep=self.rep, at=self.at, customer_id=self.customer_id,
                          position=self.position)


@dataclass(frozen=True, slots=True)
class PriorVisit:
    """What a later check needs of an earlier visit."""

    id: str
    rep: str
    at: datetime
    customer_id: str
    position: GeoPoint | None = None
    rep_name: str | None = None  # how reasons name the rep (张伟, not the userid)

    @property
    def shown_rep(self) -> str:
        return self.rep_name or self.rep


@dataclass(frozen=True, slots=True)
class PriorPhoto:
    visit: PriorVisit
    sha256: str
    phash: int
    signature: bytes | None = None  # photos.signature; None for photos stored before it
    window_hashes: tuple[int, ...] = ()  # photos.window_hashes of the signature


@dataclass(frozen=True, slots=True)
class PhotoMatch:
    visit: PriorVisit
    bits: int  # Hamming distance of the perceptual hashes
    identical: bool  # same bytes (sha256)
    score: float | None = None  # aligned comparison; None: identical, or judged by hash


@dataclass(frozen=True, slots=True)
class Context:
    last_customer_visit: PriorVisit | None = None
    last_rep_checkin: PriorVisit | None = None
    photo_match: PhotoMatch | None = None


# -- formatting -------------------------------------------------------------------------

def _num(value: float) -> str:
    return f"{value:g}"


def _km(value: float, threshold: float) -> str:
    text = f"{value:.1f}"
    # Never show "5.0 km (threshold 5 km)" for a flagged 5.04 km.
    return f"{value:.2f}" if float(text) == threshold else text


def _when(moment: datetime, tz: tzinfo) -> str:
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def duration(delta: timedelta) -> str:
    """"2 天 3 小时", "4 小时 52 分钟", "35 分钟", "不到 1 分钟"."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时 {mins} 分钟" if mins else f"{hours} 小时"
    return f"{mins} 分钟" if mins else "不到 1 分钟"


# -- the record -------------------------------------------------------------------------

# Answers that say nothing, compared after normalisation (half-width, lower case, no
# spaces or punctuation). Whole-answer only: "没有" is a placeholder, "有没有现货" is not.
PLACEHOLDER_WORDS = frozenset(["无", "没", "没有", "暂无", "暂时没有", "目前没有", "同上", "同前",
                               "如上", "见上", "同上次", "一样", "略", "空", "无无", "待定",
                               "待补充", "后补", "稍后补充", "未知", "不详", "不清楚", "不知道",
                               "其他", "其它", "问题", "客户问题", "客户的问题", "提问", "咨询",
                               "无咨询", "无问题", "没问题", "没有问题", "暂无问题", "无疑问",
                               "没什么", "没啥", "没什么问题", "没啥问题", "好", "好的", "嗯",
                               "嗯嗯", "哦", "噢", "行", "可以", "收到", "知道了", "了解", "是",
                               "是的", "对", "对的", "已沟通", "已拜访", "正常", "一切正常",
                               "正常拜访", "拜访", "日常拜访", "测试", "测", "试试", "ok", "okay",
                               "test", "testing", "tset", "na", "none", "null", "nil", "nan", "no",
                               "nothing", "tbd", "todo", "xx", "xxx", "asdf", "qwer", "abc", "aaa"])
_TOKENS = sorted(PLACEHOLDER_WORDS, key=len, reverse=True)
_ONLY_TOKENS = re.compile("(?:" + "|".join(map(re.escape, _TOKENS)) + ")+")
# "客户暂时没有提出什么问题", "没有提问", "无具体需求"…: a sentence that says no question.
_NO_QUESTION = re.compile(
    r"(客户|对方|老板|他|她)?(暂时|目前|这次|本次|今天)?(并)?(没|没有|未|无)(有)?"
    r"(提|提出|问|提问|咨询|反馈|说)?(什么|任何|啥)?(具体)?(的)?"
    r"(问题|疑问|要求|需求|意见|东西)?(了|的)?")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _meaningful(text: str) -> str:
    """Letters, digits and CJK only, lower case, half-width."""
    return "".join(ch for ch in halfwidth(text).lower()
                   if unicodedata.category(ch)[0] in "LN")


def question_problem(question: str | None, *, min_chars: int = 2) -> str | None:
    """Why ``question`` is not a concrete customer question, or None when it is one."""
    raw = " ".join((question or "").split())  # quoted back as the rep typed it
    core = _meaningful(raw)
    if not core:
        if raw:
            return QUESTION_PLACEHOLDER.format(value=raw)  # "...", "？？", "-"
        return QUESTION_MISSING
    if (_ONLY_TOKENS.fullmatch(core) or _NO_QUESTION.fullmatch(core)
            or core.isdigit()  # "1", "123"
            or len(set(core)) < min(3, len(core))  # "哈哈哈", "测测测测", "aabb"
            or not (_CJK.search(core) or any(ch.isalpha() for ch in core))):
        return QUESTION_PLACEHOLDER.format(value=raw)
    if len(core) < min_chars:
        return QUESTION_TOO_SHORT.format(value=raw, n=len(core), min=min_chars)
    return None


def record_problems(*, grade: str | None, pain_points: Sequence[str],
                    question: str | None, next_action: str | None, has_photo: bool,
                    min_question_chars: int = 2,
                    pain_point_options: Iterable[str] | None = None,
                    next_action_options: Iterable[str] | None = None) -> dict[str, str]:
    """What is missing or invalid, by field (grade, pain_points, question, next_action,
    photo). With option lists, values must be among them (live check-ins); without, any
    non-empty value counts (imported history predates today's lists)."""
    problems: dict[str, str] = {}
    grade_text = (grade or "").strip().upper()
    if not grade_text:
        problems["grade"] = GRADE_MISSING
    elif grade_text not in GRADES:
        problems["grade"] = GRADE_INVALID.format(value=(grade or "").strip())
    chosen = [p.strip() for p in pain_points if isinstance(p, str) and p.strip()]
    if not chosen:
        problems["pain_points"] = PAIN_POINTS_MISSING
    elif pain_point_options is not None:
        allowed = set(pain_point_options)
        unknown = [p for p in chosen if p not in allowed]
        if unknown:
            problems["pain_points"] = PAIN_POINT_UNKNOWN.format(value=unknown[0])
    question_issue = question_problem(question, min_chars=min_question_chars)
    if question_issue:
        problems["question"] = question_issue
    action = (next_action or "").strip()
    if not action:
        problems["next_action"] = NEXT_ACTION_MISSING
    elif next_action_options is not None and action not in set(next_action_options):
        problems["next_action"] = NEXT_ACTION_UNKNOWN.format(value=action)
    if not has_photo:
        problems["photo"] = PHOTO_MISSING
    return problems


def check_record(visit: VisitFacts, rules: EvidenceRules) -> list[Flag]:
    problems = record_problems(
        grade=visit.grade, pain_points=visit.pain_points, question=visit.question,
        next_action=visit.next_action,
        has_photo=visit.photo is not None or visit.photo_error is not None,
        min_question_chars=rules.min_question_chars)
    if not problems:
        return []
    return [Flag(INCOMPLETE_RECORD,
                 RECORD_INCOMPLETE.format(problems=SEPARATOR.join(problems.values())))]


# -- the checks -------------------------------------------------------------------------

def check_photo_valid(visit: VisitFacts) -> list[Flag]:
    return [Flag(BAD_PHOTO, visit.photo_error)] if visit.photo_error else []


def check_revisit(visit: VisitFacts, previous: PriorVisit | None, rules: EvidenceRules,
                  *, business_tz: tzinfo) -> list[Flag]:
    if previous is None or previous.customer_id != visit.customer_id:
        return []
    gap = visit.at - previous.at
    if gap < timedelta(0) or gap >= timedelta(hours=rules.revisit_hours):
        return []
    by = REVISIT_BY.format(rep=previous.shown_rep) if previous.rep != visit.rep else ""
    return [Flag(REVISIT_48H, REVISIT.format(
        hours=_num(rules.revisit_hours), previous=_when(previous.at, business_tz), by=by,
        gap=duration(gap)), evidence={
            "visit": previous.id, "rep": previous.rep, "previous_at": previous.at.isoformat(),
            "at": visit.at.isoformat(), "gap_hours": round(gap.total_seconds() / 3600, 2),
            "max_hours": rules.revisit_hours})]


def check_distance(visit: VisitFacts, rules: EvidenceRules) -> list[Flag]:
    """Photo GPS and device fix against the customer's registered location (each
    converted to WGS-84). Nothing to compare → nothing flagged."""
    if visit.customer_location is None:
        return []
    parts = []
    evidence: dict[str, Any] = {"customer": _latlng(visit.customer_location),
                                "max_km": rules.max_distance_km}
    gps = visit.photo.exif.gps if visit.photo is not None else None
    for template, key, where in ((FAR_PHOTO, "photo", gps), (FAR_DEVICE, "device", visit.device)):
        if where is None:
            continue
        km = distance_km(where, visit.customer_location)
        evidence[key] = _latlng(where)
        evidence[f"{key}_km"] = round(km, 3)
        if km > rules.max_distance_km:
            parts.append(template.format(km=_km(km, rules.max_distance_km)))
    if not parts:
        return []
    return [Flag(FAR_FROM_CUSTOMER, SEPARATOR.join(parts)
                 + FAR_SUFFIX.format(max=_num(rules.max_distance_km)), evidence=evidence)]


def _latlng(point: GeoPoint) -> list[float]:
    """[lat, lng] in WGS-84, rounded to about a metre."""
    lat, lng = point.wgs84()
    return [round(lat, 5), round(lng, 5)]


def check_exif(visit: VisitFacts, rules: EvidenceRules, *,
               business_tz: tzinfo) -> list[Flag]:
    """No camera EXIF at all, or a capture time far from the server's receive time."""
    if visit.photo is None:
        return []
    exif = visit.photo.exif
    if not exif.has_camera:
        missing = []
        if exif.taken_at is None:
            missing.append(NO_EXIF_TIME)
        if not (exif.make or exif.model):
            missing.append(NO_EXIF_CAMERA)
        fmt = "（PNG）" if visit.photo.format == "PNG" else ""
        return [Flag(NO_CAMERA_EXIF, NO_EXIF.format(fmt=fmt, missing="、".join(missing)))]
    taken = exif.taken_at_in(business_tz)
    assert taken is not None
    gap = abs(visit.at - taken)
    if gap <= timedelta(minutes=rules.exif_skew_minutes):
        return []
    return [Flag(EXIF_TIME_MISMATCH, EXIF_MISMATCH.format(
        taken=_when(taken, business_tz), at=_when(visit.at, business_tz), gap=duration(gap),
        max=duration(timedelta(minutes=rules.exif_skew_minutes))), evidence={
            "taken_at": taken.isoformat(), "at": visit.at.isoformat(),
            "offset_recorded": exif.offset is not None,
            "gap_minutes": round(gap.total_seconds() / 60, 1),
            "max_minutes": rules.exif_skew_minutes})]


def check_reuse(match: PhotoMatch | None, rules: EvidenceRules, *,
                business_tz: tzinfo) -> list[Flag]:
    if match is None:
        return []
    at = _when(match.visit.at, business_tz)
    evidence = {"visit": match.visit.id, "rep": match.visit.rep,
                "previous_at": match.visit.at.isoformat(), "identical": match.identical,
                "bits": match.bits,
                "score": round(match.score, 3) if match.score is not None else None,
                "max_score": rules.photo_match_score}
    if match.identical:
        reason = REUSED_SAME.format(visit=match.visit.id, at=at, rep=match.visit.shown_rep)
    elif match.score is not None:
        reason = REUSED_NEAR.format(visit=match.visit.id, at=at, rep=match.visit.shown_rep,
                                    score=f"{match.score:.3f}",
                                    max=_num(rules.photo_match_score))
    else:
        reason = REUSED_HASH.format(visit=match.visit.id, at=at, rep=match.visit.shown_rep,
                                    bits=match.bits, max=LEGACY_MATCH_BITS)
    return [Flag(PHOTO_REUSED, reason, evidence=evidence)]


def check_travel(visit: VisitFacts, previous: PriorVisit | None, rules: EvidenceRules, *,
                 business_tz: tzinfo) -> list[Flag]:
    here = visit.position
    if previous is None or previous.position is None or here is None:
        return []
    km = distance_km(previous.position, here)
    if km < rules.travel_min_km:
        return []
    gap = visit.at - previous.at
    hours = gap.total_seconds() / 3600
    speed = km / hours if hours > 0 else math.inf
    limit = (max(rules.max_speed_kmh, rules.rail_speed_kmh) if km >= rules.rail_min_km
             else rules.max_speed_kmh)
    if speed <= limit:
        return []
    at = _when(previous.at, business_tz)
    evidence = {"visit": previous.id, "from": _latlng(previous.position), "to": _latlng(here),
                "previous_at": previous.at.isoformat(), "at": visit.at.isoformat(),
                "km": round(km, 3),
                "speed_kmh": round(speed, 1) if math.isfinite(speed) else None,
                "max_kmh": limit}
    if gap < timedelta(minutes=1):
        return [Flag(IMPOSSIBLE_TRAVEL, TRAVEL_INSTANT.format(
            visit=previous.id, at=at, km=f"{km:.1f}", max=_num(limit)),
            evidence=evidence)]
    return [Flag(IMPOSSIBLE_TRAVEL, TRAVEL.format(
        visit=previous.id, at=at, km=f"{km:.1f}", gap=duration(gap), speed=f"{speed:.0f}",
        max=_num(limit)), evidence=evidence)]


def photo_match(photo: PhotoInfo | PriorPhoto, candidate: PriorPhoto,
                rules: EvidenceRules) -> PhotoMatch | None:
    """Is ``photo`` a copy of the earlier ``candidate``? Identical bytes; else a hash
    candidate confirmed by the aligned comparison; else (no signature on one side) the
    hash alone, within ``LEGACY_MATCH_BITS``."""
    if candidate.sha256 == photo.sha256:
        return PhotoMatch(candidate.visit, 0, True)
    bits = hamming(candidate.phash, photo.phash)
    if bits > rules.photo_match_bits:
        # A crop of the earlier photo hashes close to one of its centre windows.
        crop_bits = min((hamming(h, photo.phash) for h in candidate.window_hashes),
                        default=64)
        if crop_bits > rules.photo_crop_bits:
            return None
        bits = crop_bits
    if photo.signature is None or candidate.signature is None:
        return PhotoMatch(candidate.visit, bits, False) if bits <= LEGACY_MATCH_BITS else None
    score = similarity(photo.signature, candidate.signature,
                       threshold=rules.photo_match_score)
    if score < rules.photo_match_score:
        return None
    return PhotoMatch(candidate.visit, bits, False, score)


def best_photo_match(photo: PhotoInfo, at: datetime, candidates: Iterable[PriorPhoto],
                     rules: EvidenceRules) -> PhotoMatch | None:
    """The earlier photo within the reuse window this one is a copy of (identical bytes
    first, then the most similar, then the earliest visit)."""
    since = at - timedelta(days=rules.photo_reuse_days)
    best: tuple[float, datetime, PhotoMatch] | None = None
    for candidate in candidates:
        if not (since <= candidate.visit.at <= at):
            continue
        match = photo_match(photo, candidate, rules)
        if match is None:
            continue
        rank = -2.0 if match.identical else (
            -match.score if match.score is not None else match.bits / 64)
        if best is None or (rank, candidate.visit.at) < (best[0], best[1]):
            best = (rank, candidate.visit.at, match)
    return best[2] if best else None


def evaluate(visit: VisitFacts, context: Context, rules: EvidenceRules, *,
             business_tz: tzinfo) -> list[Flag]:
    """Every check, flags in ``FLAG_CODES`` order; an empty list means compliant."""
    flags = [
        *check_record(visit, rules),
        *check_photo_valid(visit),
        *check_revisit(visit, context.last_customer_visit, rules, business_tz=business_tz),
        *check_distance(visit, rules),
        *check_travel(visit, context.last_rep_checkin, rules, business_tz=business_tz),
        *check_exif(visit, rules, business_tz=business_tz),
        *check_reuse(context.photo_match, rules, business_tz=business_tz),
    ]
    return flags


# -- in-memory history (audits) ---------------------------------------------------------

class PhotoIndex:
    """Earlier photos by sha256 and by perceptual hash: the hashes sit in one numpy
    array, so "every photo within ``max_bits``" is one vectorised XOR and popcount over
    all of them (10,000 photos: tens of microseconds)."""

    def __init__(self, max_bits: int, crop_bits: int | None = None) -> None:
        import numpy as np

        self._max_bits = max_bits
        self._crop_bits = max_bits if crop_bits is None else crop_bits
        self._by_sha: dict[str, PriorPhoto] = {}
        self._photos: list[PriorPhoto] = []
        # Row 0: each photo's hash; further rows: its centre windows' (or the hash again).
        self._hashes = np.zeros((1 + len(WINDOWS), 1024), dtype=np.uint64)

    def add(self, photo: PriorPhoto) -> None:
        import numpy as np

        self._by_sha.setdefault(photo.sha256, photo)
        n = len(self._photos)
        if n == self._hashes.shape[1]:
            self._hashes = np.concatenate([self._hashes, np.zeros_like(self._hashes)], axis=1)
        windows = list(photo.window_hashes) or [photo.phash] * len(WINDOWS)
        self._hashes[:, n] = [np.uint64(h) for h in (photo.phash, *windows)]
        self._photos.append(photo)

    def candidates(self, sha256: str, phash: int) -> list[PriorPhoto]:
        import numpy as np

        found: dict[int, PriorPhoto] = {}
        exact = self._by_sha.get(sha256)
        if exact is not None:
            found[id(exact)] = exact
        n = len(self._photos)
        if n:
            bits = np.bitwise_count(self._hashes[:, :n] ^ np.uint64(phash))
            near = (bits[0] <= self._max_bits) | (bits[1:] <= self._crop_bits).any(axis=0)
            for i in np.flatnonzero(near):
                photo = self._photos[int(i)]
                found.setdefault(id(photo), photo)
        return list(found.values())


@dataclass
class History:
    """The state an audit carries from one visit to the next, in time order: each
    customer's last visit, each rep's last check-in, every photo seen so far."""

    rules: EvidenceRules
    by_customer: dict[str, PriorVisit] = field(default_factory=dict)
    by_rep: dict[str, PriorVisit] = field(default_factory=dict)
    photos: PhotoIndex | None = None

    def __post_init__(self) -> None:
        if self.photos is None:
            self.photos = PhotoIndex(self.rules.photo_match_bits, self.rules.photo_crop_bits)

    def context(self, visit: VisitFacts) -> Context:
        assert self.photos is not None
        match = None
        if visit.photo is not None:
            match = best_photo_match(
                visit.photo, visit.at,
                self.photos.candidates(visit.photo.sha256, visit.photo.phash), self.rules)
        return Context(last_customer_visit=self.by_customer.get(visit.customer_id),
                       last_rep_checkin=self.by_rep.get(visit.rep), photo_match=match)

    def add(self, visit: VisitFacts) -> None:
        assert self.photos is not None
        prior = visit.as_prior()
        self.by_customer[visit.customer_id] = prior
        self.by_rep[visit.rep] = prior
        if visit.photo is not None:
            sig = visit.photo.signature
            windows = visit.photo.windows or (window_hashes(sig) if sig else ())
            self.photos.add(PriorPhoto(prior, visit.photo.sha256, visit.photo.phash, sig,
                                       windows))

    def check(self, visit: VisitFacts, *, business_tz: tzinfo) -> list[Flag]:
        """Evaluate ``visit`` against everything before it, then remember it. Visits must
        come in ``at`` order."""
        flags = evaluate(visit, self.context(visit), self.rules, business_tz=business_tz)
        self.add(visit)
        return flags
