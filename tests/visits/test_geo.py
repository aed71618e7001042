"""GCJ-02 ↔ WGS-84 and geodesic distance."""

from __future__ import annotations

import pytest

from lib.geo import GeoPoint, distance_km, gcj02_to_wgs84, out_of_china, wgs84_to_gcj02
from tests.visits.visitkit import HANGZHOU, point_at


def test_forward_matches_published_reference() -> None:
    # Tiananmen, WGS-84 → GCJ-02 as computed by the reference implementation (eviltransform).
    lat, lng = wgs84_to_gcj02(39.90734, 116.39089)
    assert lat == pytest.approx(39.908740, abs=2e-6)
    assert lng == pytest.approx(116.397130, abs=2e-6)


@pytest.mark.parametrize("lat,lng", [(30.2741, 120.1551), (39.9042, 116.4074),
                                     (22.5431, 114.0579), (43.8256, 87.6168)])
def test_round_trip_is_exact_to_a_millimetre(lat: float, lng: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lng))
    assert distance_km(GeoPoint(*back), GeoPoint(lat, lng)) < 1e-6


def test_shift_is_hundreds_of_metres_in_china() -> None:
    gcj = GeoPoint(*wgs84_to_gcj02(HANGZHOU.lat, HANGZHOU.lng), "gcj02")
    raw = distance_km(GeoPoint(gcj.lat, gcj.lng, "wgs84"), HANGZHOU)  # compared raw: wrong
    assert 0.3 < raw < 0.8
    assert distance_km(gcj, HANGZHOU) < 1e-6  # converted: the same place


def test_no_shift_outside_china() -> None:
    assert out_of_china(48.8566, 2.3522)
    assert wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)
    assert gcj02_to_wgs84(48.8566, 2.3522) == (48.8566, 2.3522)


def test_geodesic_distance() -> None:
    beijing, shanghai = GeoPoint(39.9042, 116.4074), GeoPoint(31.2304, 121.4737)
    assert distance_km(beijing, shanghai) == pytest.approx(1067, abs=3)
    assert distance_km(HANGZHOU, point_at(HANGZHOU, 4.9)) == pytest.approx(4.9, abs=1e-6)
    assert distance_km(HANGZHOU, point_at(HANGZHOU, 5.1, coord="gcj02")) == pytest.approx(
        5.1, abs=1e-6)


def test_point_validates() -> None:
    with pytest.raises(ValueError):
        GeoPoint(30, 120, "bd09")
    with pytest.raises(ValueError):
        GeoPoint(120, 30)
