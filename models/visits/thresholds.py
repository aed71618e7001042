"""The admin's evidence-check thresholds (C4): the one-row ``visit_rules`` table over
the code defaults (``evidence.EvidenceRules``). ``load_rules`` is read by the check-in
submit, the evaluation job, the chat check-in and the audit command; ``save_rules``
changes them (an admin)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, Session, SQLModel

from models.base import utcnow
from models.visits import evidence as ev


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
