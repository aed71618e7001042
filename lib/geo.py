"""Coordinates in China: GCJ-02 ↔ WGS-84 conversion and geodesic distance.

Chinese map SDKs, WeCom's LOCATION events and most H5 geolocation wrappers give GCJ-02
("Mars" coordinates, shifted by a few hundred metres on purpose); GPS chips and photo EXIF
give WGS-84. Comparing the two raw would put a rep standing at the customer's door half a
kilometre away, so every distance here converts both ends to WGS-84 first and then asks
geopy for the geodesic (WGS-84 ellipsoid) distance.

The forward transform is the published GCJ-02 algorithm; the inverse has no closed form
and is solved by fixed-point iteration to well under a centimetre. Outside mainland China
GCJ-02 equals WGS-84 (the shift is not applied there)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from geopy.distance import geodesic

WGS84 = "wgs84"
GCJ02 = "gcj02"
COORD_SYSTEMS = (WGS84, GCJ02)

# Krasovsky 1940 ellipsoid, which the GCJ-02 algorithm is defined on.
_A = 6378245.0
_EE = 0.00669342162296594323


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A position as some source reported it: latitude, longitude and their system."""

    lat: float
    lng: float
    coord: str = WGS84

    def __post_init__(self) -> None:
        if self.coord not in COORD_SYSTEMS:
            raise ValueError(f"unknown coordinate system {self.coord!r}")
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lng <= 180.0):
            raise ValueError(f"coordinates out of range: {self.lat}, {self.lng}")

    def wgs84(self) -> tuple[float, float]:
        """(lat, lng) on WGS-84."""
        if self.coord == GCJ02:
            return gcj02_to_wgs84(self.lat, self.lng)
        return (self.lat, self.lng)


def out_of_china(lat: float, lng: float) -> bool:
    """The bounding box the GCJ-02 shift is applied in (as in the reference algorithm)."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * math.sqrt(abs(x)))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlng += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    dlng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    dlng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    if out_of_china(lat, lng):
        return (lat, lng)
    dlat, dlng = _shift(lat, lng)
    return (lat + dlat, lng + dlng)


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """Inverse of ``wgs84_to_gcj02``: iterate w ← w − (f(w) − g) until the round trip
    lands within 1e-9° (~0.1 mm); converges in a handful of steps."""
    if out_of_china(lat, lng):
        return (lat, lng)
    wlat, wlng = lat, lng
    for _ in range(30):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        dlat, dlng = glat - lat, glng - lng
        if abs(dlat) < 1e-9 and abs(dlng) < 1e-9:
            break
        wlat, wlng = wlat - dlat, wlng - dlng
    return (wlat, wlng)


def to_wgs84(lat: float, lng: float, coord: str) -> tuple[float, float]:
    return GeoPoint(lat, lng, coord).wgs84()


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """Geodesic distance in kilometres, both ends converted to WGS-84 first."""
    return float(geodesic(a.wgs84(), b.wgs84()).km)
