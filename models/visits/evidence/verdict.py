"""``evaluate``: every evidence check on one visit, flags in ``FLAG_CODES`` order. The
one entry point the live check-in job and the audit share (through the package)."""

from __future__ import annotations

from datetime import tzinfo

from models.visits.evidence.facts import Context, EvidenceRules, Flag, VisitFacts
from models.visits.evidence.location import check_distance, check_travel
from models.visits.evidence.photo import check_exif, check_photo_valid, check_reuse
from models.visits.evidence.record import check_record
from models.visits.evidence.timing import check_revisit


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
