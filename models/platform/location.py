"""Locations users report to the app (WeCom LOCATION events, shared positions)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, col, select

from models.base import utcnow


class LocationReport(SQLModel, table=True):
    __tablename__ = "location_report"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128, index=True)
    latitude: float
    longitude: float
    precision: float | None = None
    # WeCom reports GCJ-02 for LOCATION events.
    coord: str = Field(default="gcj02", max_length=8)
    reported_at: datetime = Field(default_factory=utcnow, index=True)


def add(session: Session, *, platform: str, user_id: str, latitude: float, longitude: float,
        precision: float | None, coord: str = "gcj02") -> LocationReport:
    row = LocationReport(platform=platform, user_id=user_id, latitude=latitude,
                         longitude=longitude, precision=precision, coord=coord)
    session.add(row)
    session.flush()
    return row


def latest(session: Session, *, platform: str, user_id: str) -> LocationReport | None:
    return session.exec(
        select(LocationReport)
        .where(LocationReport.platform == platform, LocationReport.user_id == user_id)
        .order_by(col(LocationReport.reported_at).desc(), col(LocationReport.id).desc())
    ).first()
