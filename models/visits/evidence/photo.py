"""Photo checks: a refused photo (``bad_photo``), no camera EXIF or a capture time far
from the server's receive time (``no_camera_exif``, ``exif_time_mismatch``), and a copy of
an earlier photo (``photo_reused``: ``photo_match`` / ``best_photo_match`` find it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo

from lib.photos.hashing import hamming, similarity
from lib.photos.validate import PhotoInfo
from models.visits.evidence.facts import (
    BAD_PHOTO,
    EXIF_TIME_MISMATCH,
    LEGACY_MATCH_BITS,
    NO_CAMERA_EXIF,
    PHOTO_REUSED,
    EvidenceRules,
    Flag,
    PhotoMatch,
    PriorPhoto,
    VisitFacts,
)
from models.visits.evidence.texts import (
    EXIF_MISMATCH,
    NO_EXIF,
    NO_EXIF_CAMERA,
    NO_EXIF_TIME,
    REUSED_HASH,
    REUSED_NEAR,
    REUSED_SAME,
    duration,
    num_text,
    when_text,
)


def check_photo_valid(visit: VisitFacts) -> list[Flag]:
    return [Flag(BAD_PHOTO, visit.photo_error)] if visit.photo_error else []


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
        taken=when_text(taken, business_tz), at=when_text(visit.at, business_tz), gap=duration(gap),
        max=duration(timedelta(minutes=rules.exif_skew_minutes))), evidence={
            "taken_at": taken.isoformat(), "at": visit.at.isoformat(),
            "offset_recorded": exif.offset is not None,
            "gap_minutes": round(gap.total_seconds() / 60, 1),
            "max_minutes": rules.exif_skew_minutes})]


def check_reuse(match: PhotoMatch | None, rules: EvidenceRules, *,
                business_tz: tzinfo) -> list[Flag]:
    if match is None:
        return []
    at = when_text(match.visit.at, business_tz)
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
                                    max=num_text(rules.photo_match_score))
    else:
        reason = REUSED_HASH.format(visit=match.visit.id, at=at, rep=match.visit.shown_rep,
                                    bits=match.bits, max=LEGACY_MATCH_BITS)
    return [Flag(PHOTO_REUSED, reason, evidence=evidence)]


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
