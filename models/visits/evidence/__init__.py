"""Visit evidence checks (C4): is this check-in believable and complete?

Pure functions over plain dataclasses: a ``VisitFacts`` (what was submitted plus the
analysed photo), a ``Context`` (what came before it: the customer's previous visit, the
rep's previous check-in, the closest earlier photo) and the ``EvidenceRules`` thresholds
give a list of ``Flag(code, reason)``. No database and no clock: the live check-in job
(``models.visits.evaluation.evaluate_visit``) and the ``zhongshu visits audit`` command build the
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
  coverage.

The package is the one import for callers (``from models.visits import evidence as ev``):
``facts`` (codes, ``Flag``, ``EvidenceRules``, the dataclasses checked), ``texts`` (the
Chinese reasons), one module per check family (``record``, ``location``, ``timing``,
``photo``), ``verdict.evaluate`` (all checks) and ``history`` (the audit's memory)."""

from models.visits.evidence.facts import (
    BAD_PHOTO,
    EXIF_TIME_MISMATCH,
    FAR_FROM_CUSTOMER,
    FLAG_CODES,
    FRAUD_CODES,
    IMPOSSIBLE_TRAVEL,
    INCOMPLETE_RECORD,
    LEGACY_MATCH_BITS,
    NO_CAMERA_EXIF,
    PHOTO_REUSED,
    REVISIT_48H,
    Context,
    EvidenceRules,
    Flag,
    PhotoMatch,
    PriorPhoto,
    PriorVisit,
    VisitFacts,
)
from models.visits.evidence.history import History, PhotoIndex
from models.visits.evidence.location import check_distance, check_travel
from models.visits.evidence.photo import (
    best_photo_match,
    check_exif,
    check_photo_valid,
    check_reuse,
    photo_match,
)
from models.visits.evidence.record import (
    PLACEHOLDER_WORDS,
    check_record,
    question_problem,
    record_problems,
)
from models.visits.evidence.texts import FLAG_LABELS, RECORD_INCOMPLETE, SEPARATOR, duration
from models.visits.evidence.timing import check_revisit
from models.visits.evidence.verdict import evaluate

__all__ = [
    "BAD_PHOTO", "EXIF_TIME_MISMATCH", "FAR_FROM_CUSTOMER", "FLAG_CODES", "FLAG_LABELS",
    "FRAUD_CODES", "IMPOSSIBLE_TRAVEL", "INCOMPLETE_RECORD", "LEGACY_MATCH_BITS",
    "NO_CAMERA_EXIF", "PHOTO_REUSED", "PLACEHOLDER_WORDS", "RECORD_INCOMPLETE", "REVISIT_48H",
    "SEPARATOR", "Context", "EvidenceRules", "Flag", "History", "PhotoIndex", "PhotoMatch",
    "PriorPhoto", "PriorVisit", "VisitFacts", "best_photo_match", "check_distance",
    "check_exif", "check_photo_valid", "check_record", "check_reuse", "check_revisit",
    "check_travel", "duration", "evaluate", "photo_match", "question_problem",
    "record_problems",
]
