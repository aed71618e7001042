"""Location checks: the check-in far from the customer's registered address
(``far_from_customer``) and consecutive check-ins of a rep too far apart for the time
between them (``impossible_travel``)."""

from __future__ import annotations

import math
from datetime import timedelta, tzinfo
from typing import Any

from lib.geo import GeoPoint, distance_km
from models.visits.evidence.facts import (
    FAR_FROM_CUSTOMER,
    IMPOSSIBLE_TRAVEL,
    EvidenceRules,
    Flag,
    PriorVisit,
    VisitFacts,
)
from models.visits.evidence.texts import (
    FAR_DEVICE,
    FAR_PHOTO,
    FAR_SUFFIX,
    SEPARATOR,
    TRAVEL,
    TRAVEL_INSTANT,
    duration,
    km_text,
    num_text,
    when_text,
)


def check_distance(visit: VisitFacts, rules: EvidenceRules) -> list[Flag]:
    """Photo GPS and device fix against the customer's registered location (each
    converted to WGS-84). Nothing to compare → nothing flagged."""
    if visit.customer_location is None:
        return []
    parts = []
    evidence: dict[str, Any] = {"customer": latlng(visit.customer_location),
                                "max_km": rules.max_distance_km}
    gps = visit.photo.exif.gps if visit.photo is not None else None
    for template, key, where in ((FAR_PHOTO, "photo", gps), (FAR_DEVICE, "device", visit.device)):
        if where is None:
            continue
        km = distance_km(where, visit.customer_location)
        evidence[key] = latlng(where)
        evidence[f"{key}_km"] = round(km, 3)
        if km > rules.max_distance_km:
            parts.append(template.format(km=km_text(km, rules.max_distance_km)))
    if not parts:
        return []
    return [Flag(FAR_FROM_CUSTOMER, SEPARATOR.join(parts)
                 + FAR_SUFFIX.format(max=num_text(rules.max_distance_km)), evidence=evidence)]


def latlng(point: GeoPoint) -> list[float]:
    """[lat, lng] in WGS-84, rounded to about a metre."""
    lat, lng = point.wgs84()
    return [round(lat, 5), round(lng, 5)]


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
    at = when_text(previous.at, business_tz)
    evidence = {"visit": previous.id, "from": latlng(previous.position), "to": latlng(here),
                "previous_at": previous.at.isoformat(), "at": visit.at.isoformat(),
                "km": round(km, 3),
                "speed_kmh": round(speed, 1) if math.isfinite(speed) else None,
                "max_kmh": limit}
    if gap < timedelta(minutes=1):
        return [Flag(IMPOSSIBLE_TRAVEL, TRAVEL_INSTANT.format(
            visit=previous.id, at=at, km=f"{km:.1f}", max=num_text(limit)),
            evidence=evidence)]
    return [Flag(IMPOSSIBLE_TRAVEL, TRAVEL.format(
        visit=previous.id, at=at, km=f"{km:.1f}", gap=duration(gap), speed=f"{speed:.0f}",
        max=num_text(limit)), evidence=evidence)]
