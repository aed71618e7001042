"""Timing check: the same customer visited again within ``revisit_hours``
(``revisit_48h``). The photo's capture time is a photo check (``photo.check_exif``)."""

from __future__ import annotations

from datetime import timedelta, tzinfo

from models.visits.evidence.facts import REVISIT_48H, EvidenceRules, Flag, PriorVisit, VisitFacts
from models.visits.evidence.texts import REVISIT, REVISIT_BY, duration, num_text, when_text


def check_revisit(visit: VisitFacts, previous: PriorVisit | None, rules: EvidenceRules,
                  *, business_tz: tzinfo) -> list[Flag]:
    if previous is None or previous.customer_id != visit.customer_id:
        return []
    gap = visit.at - previous.at
    if gap < timedelta(0) or gap >= timedelta(hours=rules.revisit_hours):
        return []
    by = REVISIT_BY.format(rep=previous.shown_rep) if previous.rep != visit.rep else ""
    return [Flag(REVISIT_48H, REVISIT.format(
        hours=num_text(rules.revisit_hours), previous=when_text(previous.at, business_tz), by=by,
        gap=duration(gap)), evidence={
            "visit": previous.id, "rep": previous.rep, "previous_at": previous.at.isoformat(),
            "at": visit.at.isoformat(), "gap_hours": round(gap.total_seconds() / 3600, 2),
            "max_hours": rules.revisit_hours})]
