"""Every evidence check fires exactly when it should (models/visits/evidence/, pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from lib.geo import GeoPoint, distance_km, wgs84_to_gcj02
from lib.photos import analyse, hamming
from models.visits import evidence as ev
from models.visits.evidence import EvidenceRules, Flag, History, VisitFacts
from tests.visits.visitkit import (
    HANGZHOU,
    SHANGHAI,
    at,
    camera_exif,
    camera_photo,
    jpeg,
    point_at,
    reencoded,
    scene,
    screenshot,
)

RULES = EvidenceRules()
NOON = at("2026-11-25 14:02")
SHANGHAI_CITY = GeoPoint(31.2304, 121.4737)  # ~165 km from the Hangzhou customer
HUNDRED_KM = point_at(HANGZHOU, 100, 60)  # a leg short of the high-speed-rail allowance


def visit(id: str = "v2", *, rep: str = "zhangwei", when: datetime = NOON,
          customer: str = "c1", where: GeoPoint | None = HANGZHOU, **kwargs: object
          ) -> VisitFacts:
    """A complete visit without photo problems unless told otherwise."""
    values: dict[str, object] = {
        "customer_location": where, "grade": "A", "pain_points": ("价格偏高",),
        "question": "这款滤芯多久换一次", "next_action": "寄送样品",
        "photo": analyse(camera_photo(1, taken=when, gps=where))}
    values.update(kwargs)
    return VisitFacts(id=id, rep=rep, at=when, customer_id=customer,
                      **values)  # type: ignore[arg-type]


def prior(id: str = "v1", *, rep: str = "zhangwei", when: datetime = NOON,
          customer: str = "c1", where: GeoPoint | None = HANGZHOU) -> ev.PriorVisit:
    return ev.PriorVisit(id=id, rep=rep, at=when, customer_id=customer, position=where)


def flags(v: VisitFacts, context: ev.Context | None = None,
          rules: EvidenceRules = RULES) -> list[Flag]:
    return ev.evaluate(v, context or ev.Context(), rules, business_tz=SHANGHAI)


def codes(v: VisitFacts, context: ev.Context | None = None,
          rules: EvidenceRules = RULES) -> list[str]:
    return [f.code for f in flags(v, context, rules)]


def test_a_good_visit_has_no_flags() -> None:
    assert flags(visit()) == []


# -- revisit_48h ------------------------------------------------------------------------

@pytest.mark.parametrize("gap,flagged", [
    (timedelta(hours=47, minutes=59), True),
    (timedelta(hours=48), False),
    (timedelta(hours=48, minutes=1), False),
    (timedelta(0), True),
])
def test_revisit_boundary(gap: timedelta, flagged: bool) -> None:
    context = ev.Context(last_customer_visit=prior(when=NOON - gap))
    assert codes(visit(), context) == (["revisit_48h"] if flagged else [])


def test_revisit_reason() -> None:
    context = ev.Context(last_customer_visit=prior(when=at("2026-11-24 18:00")))
    assert flags(visit(), context) == [Flag(
        "revisit_48h", "48 小时内已拜访过该客户（上次 2026-11-24 18:00，间隔 20 小时 2 分钟）")]
    other_rep = ev.Context(last_customer_visit=prior(rep="lisi", when=at("2026-11-23 15:00")))
    assert flags(visit(), other_rep)[0].reason == (
        "48 小时内已拜访过该客户（上次 2026-11-23 15:00，业务员 lisi，间隔 1 天 23 小时）")


def test_revisit_threshold_is_configurable() -> None:
    context = ev.Context(last_customer_visit=prior(when=NOON - timedelta(hours=60)))
    assert codes(visit(), context) == []
    rules = replace(RULES, revisit_hours=72)
    assert flags(visit(), context, rules)[0].reason.startswith("72 小时内已拜访过该客户")


def test_revisit_of_another_customer_is_not_a_revisit() -> None:
    context = ev.Context(last_customer_visit=prior(customer="c2", when=NOON - timedelta(hours=1)))
    assert codes(visit(), context) == []


# -- far_from_customer ------------------------------------------------------------------

@pytest.mark.parametrize("km,flagged", [(4.9, False), (5.0, False), (5.1, True)])
def test_device_distance_boundary(km: float, flagged: bool) -> None:
    v = visit(device=point_at(HANGZHOU, km - 1e-9 if km == 5.0 else km))
    assert codes(v) == (["far_from_customer"] if flagged else [])


def test_photo_gps_distance_reason() -> None:
    photo = analyse(camera_photo(1, taken=NOON, gps=point_at(HANGZHOU, 7.3)))
    assert flags(visit(photo=photo)) == [Flag(
        "far_from_customer", "照片拍摄地点距客户登记地址 7.3 公里（阈值 5 公里）")]


def test_photo_and_device_both_far() -> None:
    photo = analyse(camera_photo(1, taken=NOON, gps=point_at(HANGZHOU, 7.3)))
    v = visit(photo=photo, device=point_at(HANGZHOU, 12.04, bearing=200))
    assert flags(v)[0].reason == ("照片拍摄地点距客户登记地址 7.3 公里；"
                                  "签到定位距客户登记地址 12.0 公里（阈值 5 公里）")


def test_gcj02_customer_and_wgs84_device_are_converted_before_comparing() -> None:
    # The customer was registered from a Chinese map (GCJ-02); the device reports WGS-84.
    customer = GeoPoint(*wgs84_to_gcj02(HANGZHOU.lat, HANGZHOU.lng), "gcj02")
    raw_customer = GeoPoint(customer.lat, customer.lng, "wgs84")
    assert 0.4 < distance_km(raw_customer, HANGZHOU) < 0.7  # ~500 m apart as numbers
    standing_at_door = visit(customer_location=customer, device=HANGZHOU)
    assert codes(standing_at_door) == []
    assert distance_km(customer, HANGZHOU) < 0.001  # the same place once converted

    # 4.9 km away for real, but 5.4 km if the GCJ-02 numbers were taken as WGS-84.
    device = point_at(HANGZHOU, 4.9, bearing=300)
    assert distance_km(device, raw_customer) > 5.3
    assert codes(visit(customer_location=customer, device=device)) == []
    # And 5.1 km for real is flagged, whichever system each side uses.
    far_gcj_device = point_at(HANGZHOU, 5.1, bearing=120, coord="gcj02")
    assert codes(visit(customer_location=customer, device=far_gcj_device)) == [
        "far_from_customer"]


def test_customer_without_location_is_not_judged() -> None:
    v = visit(customer_location=None, device=point_at(HANGZHOU, 50))
    assert codes(v) == []


def test_distance_threshold_is_configurable_and_shown_precisely() -> None:
    v = visit(device=point_at(HANGZHOU, 3.04))
    rules = replace(RULES, max_distance_km=3)
    assert flags(v, rules=rules)[0].reason == "签到定位距客户登记地址 3.04 公里（阈值 3 公里）"


# -- EXIF: time and camera --------------------------------------------------------------

@pytest.mark.parametrize("minutes,flagged", [(-31, True), (-29, False), (0, False),
                                             (29, False), (31, True)])
def test_exif_time_boundary(minutes: int, flagged: bool) -> None:
    photo = analyse(camera_photo(1, taken=NOON + timedelta(minutes=minutes), gps=HANGZHOU))
    assert codes(visit(photo=photo)) == (["exif_time_mismatch"] if flagged else [])


def test_exif_time_reason() -> None:
    photo = analyse(camera_photo(1, taken=at("2026-11-25 09:10")))
    assert flags(visit(photo=photo)) == [Flag(
        "exif_time_mismatch",
        "照片拍摄时间 2026-11-25 09:10 与提交时间 2026-11-25 14:02 相差 4 小时 52 分钟（阈值 30 "
        "分钟）")]


def test_exif_time_is_read_in_business_zone_unless_offset_given() -> None:
    # 07:02 at UTC+1 is 14:02 in Shanghai: the same moment as the submission.
    with_offset = analyse(jpeg(scene(1), exif=camera_exif(
        taken=datetime(2026, 11, 25, 7, 2), offset="+01:00")))
    assert codes(visit(photo=with_offset)) == []
    # The same wall time without an offset is 07:02 Shanghai time: 7 hours off.
    without = analyse(jpeg(scene(1), exif=camera_exif(taken=datetime(2026, 11, 25, 7, 2))))
    assert flags(visit(photo=without))[0].reason.endswith("相差 7 小时（阈值 30 分钟）")


def test_screenshot_has_no_camera_exif() -> None:
    assert flags(visit(photo=analyse(screenshot()))) == [Flag(
        "no_camera_exif", "照片（PNG）没有相机信息（无拍摄时间、无相机品牌型号），"
                          "可能是截图、相册图片或经过重新编码的图片")]


def test_reencoded_album_picture_has_no_camera_exif() -> None:
    assert codes(visit(photo=analyse(reencoded(camera_photo(1))))) == ["no_camera_exif"]


def test_camera_name_without_time_is_not_a_camera_shot() -> None:
    photo = analyse(jpeg(scene(1), exif=camera_exif(taken=None)))
    assert flags(visit(photo=photo))[0].reason.startswith("照片没有相机信息（无拍摄时间）")


# -- bad_photo and incomplete_record ----------------------------------------------------

def test_bad_photo_gets_no_other_photo_checks() -> None:
    v = visit(photo=None, photo_error="照片文件不完整（可能上传中断），请重新拍摄上传")
    assert flags(v) == [Flag("bad_photo", "照片文件不完整（可能上传中断），请重新拍摄上传")]


def test_no_photo_is_an_incomplete_record() -> None:
    assert flags(visit(photo=None)) == [Flag("incomplete_record", "记录不完整：缺少现场照片")]


def test_incomplete_record_lists_every_problem() -> None:
    v = visit(grade="D", pain_points=(), question="无", next_action=None)
    assert flags(v) == [Flag("incomplete_record",
                             "记录不完整：客户等级“D”无效，应为 A、B 或 C；"
                             "未选择客户痛点（至少一项）；"
                             "客户问题“无”不是具体问题，请写下客户的原话，例如“这款滤芯多久换一次？”；"
                             "未填写下一步行动")]


# -- impossible_travel ------------------------------------------------------------------

def test_impossible_travel() -> None:
    previous = prior(customer="c9", when=NOON - timedelta(minutes=30), where=HUNDRED_KM)
    km = distance_km(HUNDRED_KM, HANGZHOU)
    assert flags(visit(), ev.Context(last_rep_checkin=previous)) == [Flag(
        "impossible_travel",
        f"与上一次签到（拜访 v1，2026-11-25 13:32）相距 {km:.1f} 公里、间隔 30 分钟，"
        f"折合时速 {km * 2:.0f} 公里（阈值 120 公里/小时）")]


@pytest.mark.parametrize("minutes,flagged", [(30, True), (49, True), (51, False),
                                             (180, False)])
def test_travel_speed_boundary(minutes: int, flagged: bool) -> None:
    # 100 km: 49 min would be 122 km/h, 51 min 118 km/h.
    previous = prior(when=NOON - timedelta(minutes=minutes), where=HUNDRED_KM,
                     customer="c9")
    assert codes(visit(), ev.Context(last_rep_checkin=previous)) == (
        ["impossible_travel"] if flagged else [])


def test_travel_speed_exact_threshold() -> None:
    km = distance_km(HUNDRED_KM, HANGZHOU)
    limit = timedelta(hours=km / 120)
    for gap, flagged in ((limit - timedelta(seconds=30), True),
                         (limit + timedelta(seconds=30), False)):
        previous = prior(when=NOON - gap, where=HUNDRED_KM, customer="c9")
        assert codes(visit(), ev.Context(last_rep_checkin=previous)) == (
            ["impossible_travel"] if flagged else [])


@pytest.mark.parametrize("minutes,flagged", [(25, True), (32, True), (34, False),
                                             (82, False)])
def test_a_high_speed_train_between_cities_is_not_impossible(minutes: int,
                                                             flagged: bool) -> None:
    # Shanghai → Hangzhou, 165 km: by train door to door up to 300 km/h (33 min).
    previous = prior(when=NOON - timedelta(minutes=minutes), where=SHANGHAI_CITY,
                     customer="c9")
    result = flags(visit(), ev.Context(last_rep_checkin=previous))
    assert [f.code for f in result] == (["impossible_travel"] if flagged else [])
    if flagged:
        assert result[0].reason.endswith("（阈值 300 公里/小时）")
        assert result[0].evidence["from"] == [round(SHANGHAI_CITY.lat, 5),  # type: ignore[index]
                                              round(SHANGHAI_CITY.lng, 5)]


def test_simultaneous_check_ins_far_apart() -> None:
    previous = prior(when=NOON, where=point_at(HANGZHOU, 10), customer="c9")
    assert flags(visit(), ev.Context(last_rep_checkin=previous))[0].reason == (
        "与上一次签到（拜访 v1，2026-11-25 14:02）相距 10.0 公里，"
        "却几乎同时提交（阈值 120 公里/小时）")


def test_neighbouring_customers_are_not_travel() -> None:
    previous = prior(when=NOON - timedelta(seconds=20), where=point_at(HANGZHOU, 0.8),
                     customer="c9")
    assert codes(visit(), ev.Context(last_rep_checkin=previous)) == []


def test_travel_uses_device_position_over_customer_address() -> None:
    # Registered customer is next door, but the device was in Shanghai.
    previous = prior(when=NOON - timedelta(minutes=30), where=HANGZHOU, customer="c9")
    v = visit(device=SHANGHAI_CITY, customer_location=None)
    assert codes(v, ev.Context(last_rep_checkin=previous)) == ["impossible_travel"]


# -- photo_reused (through the in-memory history an audit uses) -------------------------

def test_history_flags_identical_and_near_identical_photos() -> None:
    history = History(RULES)
    original = camera_photo(7, taken=NOON, gps=HANGZHOU)
    first = visit("v1", customer="c1", photo=analyse(original))
    assert history.check(first, business_tz=SHANGHAI) == []

    same = visit("v2", customer="c2", rep="lisi", when=NOON + timedelta(days=3),
                 photo=analyse(original))
    assert history.check(same, business_tz=SHANGHAI) == [
        Flag("exif_time_mismatch", "照片拍摄时间 2026-11-25 14:02 与提交时间 2026-11-28 14:02 "
                                   "相差 3 天（阈值 30 分钟）"),
        Flag("photo_reused", "与拜访 v1（2026-11-25 14:02，业务员 zhangwei）的照片完全相同"),
    ]

    copy = analyse(reencoded(original))
    near = visit("v3", customer="c3", when=NOON + timedelta(days=6), photo=copy)
    reused = [f for f in history.check(near, business_tz=SHANGHAI) if f.code == "photo_reused"]
    assert len(reused) == 1
    assert reused[0].reason.startswith(
        "与拜访 v1（2026-11-25 14:02，业务员 zhangwei）的照片是同一张照片（重新压缩、缩放、"
        "调亮度或裁剪后的副本，"
        "对齐比对相似度 ")
    assert reused[0].reason.endswith("，阈值 0.965）")
    assert reused[0].evidence is not None and reused[0].evidence["visit"] == "v1"

    other = visit("v4", customer="c4", when=NOON + timedelta(days=9, minutes=1),
                  photo=analyse(camera_photo(8, taken=NOON + timedelta(days=9, minutes=1),
                                             gps=HANGZHOU)))
    assert history.check(other, business_tz=SHANGHAI) == []


def test_photo_reuse_window() -> None:
    original = camera_photo(7)
    old = ev.PriorPhoto(prior(when=NOON - timedelta(days=400)), "x" * 64,
                        analyse(original).phash)
    photo = analyse(original)
    assert ev.best_photo_match(photo, NOON, [old], RULES) is None
    assert ev.best_photo_match(photo, NOON, [old], replace(RULES, photo_reuse_days=500))


def test_photo_match_prefers_identical_then_closest() -> None:
    photo = analyse(camera_photo(7))
    near = ev.PriorPhoto(prior("near", when=NOON - timedelta(days=2)), "y" * 64,
                         photo.phash ^ 0b11)
    exact = ev.PriorPhoto(prior("exact", when=NOON - timedelta(days=1)), photo.sha256,
                          photo.phash)
    assert ev.best_photo_match(photo, NOON, [near, exact], RULES) == ev.PhotoMatch(
        exact.visit, 0, True)
    # An earlier photo stored without a signature is judged by its hash alone, strictly.
    far = ev.PriorPhoto(prior("far"), "z" * 64, photo.phash ^ 0b1111111)  # 7 bits
    assert ev.best_photo_match(photo, NOON, [far], RULES) is None
    close = ev.PriorPhoto(prior("close"), "z" * 64, photo.phash ^ 0b111111)  # 6 bits
    assert ev.best_photo_match(photo, NOON, [close], RULES) == ev.PhotoMatch(
        close.visit, 6, False)


def test_photo_index_finds_every_hash_within_the_threshold() -> None:
    import random

    rnd = random.Random(3)
    index = ev.PhotoIndex(6)
    base = rnd.getrandbits(64)
    stored = []
    for n in range(300):
        value = rnd.getrandbits(64)
        if n % 3 == 0:  # near copies of base: flip up to 6 random bits
            value = base
            for bit in rnd.sample(range(64), n % 7):
                value ^= 1 << bit
        photo = ev.PriorPhoto(prior(str(n)), f"{n:064d}", value)
        index.add(photo)
        stored.append(photo)
    found = {p.visit.id for p in index.candidates("none", base)
             if (p.phash ^ base).bit_count() <= 6}
    expected = {p.visit.id for p in stored if (p.phash ^ base).bit_count() <= 6}
    assert found == expected and len(expected) >= 100
    assert len(index.candidates("none", base)) < 300  # it did filter


def test_history_revisit_and_travel_in_order() -> None:
    history = History(RULES)
    a = visit("a", when=at("2026-11-24 09:00"), customer="c1",
              photo=analyse(camera_photo(11, taken=at("2026-11-24 09:00"), gps=HANGZHOU)))
    b = visit("b", when=at("2026-11-24 09:30"), customer="c2", where=SHANGHAI_CITY,
              photo=analyse(camera_photo(12, taken=at("2026-11-24 09:30"),
                                         gps=SHANGHAI_CITY)))
    c = visit("c", when=at("2026-11-25 09:00"), customer="c1",
              photo=analyse(camera_photo(13, taken=at("2026-11-25 09:00"), gps=HANGZHOU)))
    assert history.check(a, business_tz=SHANGHAI) == []
    assert [f.code for f in history.check(b, business_tz=SHANGHAI)] == ["impossible_travel"]
    assert [f.code for f in history.check(c, business_tz=SHANGHAI)] == ["revisit_48h"]


def test_every_code_is_labelled_and_fraud_codes_exclude_the_record() -> None:
    assert set(ev.FLAG_LABELS) == set(ev.FLAG_CODES)
    assert "incomplete_record" not in ev.FRAUD_CODES and len(ev.FRAUD_CODES) == 7


@pytest.mark.parametrize("bad", [{"revisit_hours": -1}, {"photo_match_bits": 2.5},
                                 {"max_distance_km": float("nan")}, {"photo_match_bits": 40},
                                 {"max_photo_bytes": "big"}, {"revisit_hours": True}])
def test_rules_reject_bad_values(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RULES.with_changes(bad)


def test_rules_reject_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown rule"):
        RULES.with_changes({"revisit_days": 2})


def test_the_same_short_question_every_week_is_not_flagged() -> None:
    """Reps ask the same common questions week after week: that is not a fake."""
    history = History(RULES)
    for week in range(4):
        when = NOON + timedelta(days=7 * week)
        v = visit(f"w{week}", when=when, question="含税吗?",
                  photo=analyse(camera_photo(40 + week, taken=when, gps=HANGZHOU)))
        assert history.check(v, business_tz=SHANGHAI) == []


def test_a_new_photo_of_the_same_storefront_is_not_a_copy() -> None:
    """Next week's photo of the same door (other framing, tilt, light, passers-by) is
    honest; an edited copy of last week's photo is reuse, whatever the edit."""
    from tests.visits.visitkit import edited_copy, storefront, storefront_shot

    front = storefront(7, (800, 600))
    first = storefront_shot(front, 1)
    history = History(RULES)
    v1 = visit("v1", customer="c1", photo=analyse(jpeg(first, exif=camera_exif(taken=NOON))))
    assert history.check(v1, business_tz=SHANGHAI) == []
    week = NOON + timedelta(days=7)
    new_shot = analyse(jpeg(storefront_shot(front, 21), exif=camera_exif(taken=week)))
    # Close enough that the hash alone would call it the same photo.
    assert hamming(new_shot.phash, v1.photo.phash) <= ev.LEGACY_MATCH_BITS  # type: ignore[union-attr]
    assert history.check(visit("v2", customer="c1", when=week, photo=new_shot),
                         business_tz=SHANGHAI) == []
    edits = [{"scale": 0.5}, {"brightness": 1.3}, {"brightness": 0.7},
             {"crop": (0.05, 0.05, 0.05, 0.05)}, {"crop": (0.08, 0.0, 0.0, 0.06), "scale": 1.2}]
    for n, edit in enumerate(edits):
        when = week + timedelta(days=3 + n)
        copy = analyse(jpeg(edited_copy(first, **edit), quality=70,  # type: ignore[arg-type]
                            exif=camera_exif(taken=when)))
        flagged = history.check(visit(f"c{n}", customer=f"x{n}", when=when, photo=copy),
                                business_tz=SHANGHAI)
        assert [f.code for f in flagged] == ["photo_reused"], edit
        # The copy of v1, or of one of the earlier copies of it.
        assert flagged[0].evidence["visit"] in {"v1", *(f"c{k}" for k in range(n))}, edit  # type: ignore[index]
