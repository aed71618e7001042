"""The places the emulator's phones offer in the demo: each rep's own customers (as a
phone reports them there, GCJ-02, a few hundred metres off) and a few far ones, so a
newcomer's first check-in is clean and a second one shows a flag."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import requests

from lib.geo import GeoPoint, distance_km
from tests.emulator.emukit import Emu
from zhongshu.demo.data import _plan, demo_locations


def test_demo_places_are_the_reps_own_customers_and_a_few_far_ones() -> None:
    from datetime import UTC, datetime

    places = demo_locations()
    plan = _plan(3000, datetime.now(UTC)).customers  # what the demo loads
    for rep in ("zhangwei", "lina"):
        mine = [p for p in places if p["user"] == rep]
        customers = [c for c in plan if c["owner"] == rep][:3]
        near, far = mine[:3], mine[3:]
        assert len(near) == 3 and len(far) == 2
        for place, customer in zip(near, customers, strict=True):
            assert customer["name"] in place["name"]
            km = distance_km(GeoPoint(place["lat"], place["lng"], place["coord"]),
                             GeoPoint(customer["latitude"], customer["longitude"],
                                      customer["coord"]))
            assert 0.03 < km < 0.4, (place, km)  # a real fix: near, never exact
        first = GeoPoint(customers[0]["latitude"], customers[0]["longitude"],
                         customers[0]["coord"])
        kms = [distance_km(GeoPoint(p["lat"], p["lng"], p["coord"]), first) for p in far]
        assert 11 < kms[0] < 13 and 155 < kms[1] < 165
    assert demo_locations() == places  # seeded: the same every start


def test_a_phone_offers_its_own_places_and_opens_links_with_the_picked_one(emu: Emu) -> None:
    saved = emu.config.locations
    emu.config.locations = [
        {"name": "在 客户甲（约 80 米）", "lat": 30.2750, "lng": 120.1600, "coord": "gcj02",
         "user": "zhangwei"},
        {"name": "在 客户乙（约 90 米）", "lat": 29.8700, "lng": 121.5500, "coord": "gcj02",
         "user": "lina"},
        {"name": "人民广场", "lat": 31.232301, "lng": 121.475194},
    ]
    try:
        page = requests.get(f"{emu.base}/phone/wecom/zhangwei", timeout=5).text
        assert "客户甲" in page and "人民广场" in page and "客户乙" not in page
        oauth = "https://open.weixin.qq.com/connect/oauth2/authorize?" + urlencode({
            "appid": emu.config.wecom_corp_id, "redirect_uri": "http://svc.test/h5/checkin",
            "response_type": "code", "scope": "snsapi_base", "state": "st"}) + "#wechat_redirect"
        hop = requests.get(f"{emu.base}/phone/wecom/zhangwei/open",
                           params={"url": oauth, "place": "0"}, allow_redirects=False,
                           timeout=5)
        fragment = urlsplit(hop.headers["Location"]).fragment
        lat, lng, coord = fragment.removeprefix("zs-location=").split(",")
        assert coord == "gcj02"
        assert abs(float(lat) - 30.2750) < 0.0003 and abs(float(lng) - 120.1600) < 0.0003
        # No place picked (or a wrong one): no location passed.
        for params in ({"url": oauth}, {"url": oauth, "place": "9"}):
            hop = requests.get(f"{emu.base}/phone/wecom/zhangwei/open", params=params,
                               allow_redirects=False, timeout=5)
            assert urlsplit(hop.headers["Location"]).fragment == ""
    finally:
        emu.config.locations = saved
