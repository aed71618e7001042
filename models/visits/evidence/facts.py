"""The evidence checks' vocabulary: the flag codes, ``Flag``, the ``EvidenceRules``
thresholds, and the plain dataclasses the checks read (``VisitFacts``, ``PriorVisit``,
``PriorPhoto``, ``PhotoMatch``, ``Context``). Imported by every check module of
``models.visits.evidence`` and, through the package, by the visit model and the audit."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from lib.geo import GeoPoint
from lib.photos.validate import PhotoInfo, PhotoLimits

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
    are stored in ``visit_rules`` (``models.visits.thresholds.load_rules``)."""

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
