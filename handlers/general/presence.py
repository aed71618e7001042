"""Where users are: app entries and location reports (used later by visit check-ins)."""

from __future__ import annotations

from sqlmodel import Session

from bot.router import router
from lib.chat import KIND_ENTER_AGENT, KIND_LOCATION, Event
from models.platform import location


@router.on(KIND_LOCATION)
def location_report(event: Event, session: Session) -> None:
    # WeCom reports on every entry into the app: store it, never answer it.
    location.add(session, platform=event.platform, user_id=event.user_id,
                 latitude=float(event.payload["latitude"]),
                 longitude=float(event.payload["longitude"]),
                 precision=(float(event.payload["precision"])
                            if event.payload.get("precision") not in (None, "") else None))


@router.on(KIND_ENTER_AGENT)
def entered_app(event: Event, session: Session) -> None:
    # Recorded in the inbox; a greeting on every entry would be noise.
    return None
