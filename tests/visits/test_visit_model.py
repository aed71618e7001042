"""Visits in the database: thresholds and option lists set by an admin, submitting a
check-in, and the evaluation job's work (models/visits/: visit.py, options.py,
thresholds.py, evaluation.py) on the real backend."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, col, func, select

from lib import photos
from lib.geo import GeoPoint, wgs84_to_gcj02
from models.customers.customer import Customer
from models.org import user as user_model
from models.visits import evidence as ev
from models.visits import options as vopts
from models.visits import thresholds
from models.visits import visit as vm
from models.visits.evaluation import Evaluation, evaluate_visit
from models.visits.options import VisitOption
from models.visits.thresholds import VisitRules
from models.visits.visit import Visit, VisitFlag, VisitRejected
from tests.visits.visitkit import (
    HANGZHOU,
    SHANGHAI,
    at,
    camera_photo,
    point_at,
    reencoded,
    screenshot,
)

TODAY = date(2026, 11, 25)


@pytest.fixture()
def people(session: Session) -> dict[str, object]:
    rep = user_model.upsert(session, wecom_userid="zhangwei", name="张伟", role="rep")
    other = user_model.upsert(session, wecom_userid="lisi", name="李四", role="rep")
    gcj_lat, gcj_lng = wgs84_to_gcj02(HANGZHOU.lat, HANGZHOU.lng)
    mine = Customer(name="绍兴华滤环保有限公司", name_key="", owner="zhangwei", latitude=gcj_lat,
                    longitude=gcj_lng, coord="gcj02", grade="A")
    second = Customer(name="杭州明远机械", name_key="", owner="zhangwei",
                      latitude=HANGZHOU.lat + 0.2,
                      longitude=HANGZHOU.lng, coord="wgs84")
    theirs = Customer(name="宁波港通物流", name_key="", owner="lisi")
    session.add_all([mine, second, theirs])
    session.commit()
    return {"rep": rep, "other": other, "mine": mine, "second": second, "theirs": theirs}


def _submit(session: Session, people: dict[str, object], tmp_path: Path, *,
            photo: bytes | None = b"", customer: str = "mine", user: str = "rep",
            **overrides: object) -> Visit:
    if photo == b"":
        photo = camera_photo(1, taken=at("2026-11-25 14:00"), gps=HANGZHOU)
    path = photos.store_original(photo, tmp_path / "originals") if photo else None
    values: dict[str, object] = {
        "grade": "A", "pain_points": ["价格偏高"], "question": "这款滤芯多久换一次？",
        "next_action": "寄送样品", "today": TODAY, "device": HANGZHOU,
        "at": at("2026-11-25 14:02")}
    values.update(overrides)
    target = people[customer]
    return vm.submit(session, user=people[user], customer_id=target.id,  # type: ignore[arg-type, attr-defined]
                     photo_path=str(path) if path else None, **values)  # type: ignore[arg-type]


def _evaluate(session: Session, visit_id: int | None, tmp_path: Path,
              font: str | None = None) -> Evaluation:
    assert visit_id is not None
    result = evaluate_visit(session, visit_id, business_tz=SHANGHAI,
                               marked_dir=tmp_path / "marked", font_path=font)
    assert result is not None
    session.commit()
    return result


# -- rules ------------------------------------------------------------------------------

def test_rules_default_then_admin_changes_then_reset(session: Session) -> None:
    assert thresholds.load_rules(session) == ev.EvidenceRules()
    rules = thresholds.save_rules(session, {"max_distance_km": 3.0, "revisit_hours": 24},
                                  by="admin1")
    session.commit()
    assert (rules.max_distance_km, rules.revisit_hours) == (3.0, 24)
    assert rules.exif_skew_minutes == 30  # untouched: still the code default
    row = session.get(VisitRules, 1)
    assert row is not None and row.updated_by == "admin1" and row.exif_skew_minutes is None
    assert thresholds.save_rules(session, {"max_distance_km": None}).max_distance_km == 5.0
    big = thresholds.save_rules(session, {"max_photo_bytes": 5 * 1024**3})  # BIGINT on PostgreSQL
    session.commit()
    assert big.max_photo_bytes == 5 * 1024**3
    assert thresholds.load_rules(session).photo_limits.max_bytes == 5 * 1024**3


def test_bad_rule_changes_store_nothing(session: Session) -> None:
    with pytest.raises(ValueError):
        thresholds.save_rules(session, {"max_distance_km": -1})
    with pytest.raises(ValueError):
        thresholds.save_rules(session, {"nonsense": 1})
    assert session.get(VisitRules, 1) is None


# -- option lists -----------------------------------------------------------------------

def test_options_are_seeded_on_first_use_then_admin_set(session: Session) -> None:
    assert vopts.options(session, vopts.PAIN_POINT) == list(vopts.DEFAULT_OPTIONS[vopts.PAIN_POINT])
    assert vopts.options(session, vopts.NEXT_ACTION)[0] == "寄送样品"
    session.commit()
    labels = [" 交期太长 ", "环保不达标", "交期太长", ""]
    assert vopts.set_options(session, vopts.PAIN_POINT, labels) == ["交期太长", "环保不达标"]
    session.commit()
    assert vopts.options(session, vopts.PAIN_POINT) == ["交期太长", "环保不达标"]
    # Removed labels are kept (inactive) so old visits still read right.
    total = session.exec(select(func.count()).select_from(VisitOption)
                         .where(VisitOption.kind == vopts.PAIN_POINT)).one()
    assert total == len(vopts.DEFAULT_OPTIONS[vopts.PAIN_POINT]) + 1
    with pytest.raises(ValueError, match="至少需要一项"):
        vopts.set_options(session, vopts.PAIN_POINT, ["  "])
    with pytest.raises(ValueError, match="过长"):
        vopts.set_options(session, vopts.NEXT_ACTION, ["很" * 40])
    with pytest.raises(ValueError):
        vopts.options(session, "colour")


# -- submit -----------------------------------------------------------------------------

def test_submit_stores_a_pending_visit(session: Session, people: dict[str, object],
                                       tmp_path: Path) -> None:
    visit = _submit(session, people, tmp_path, pain_points=["价格偏高", " 价格偏高", "交期太长"],
                    next_action_date=TODAY, grade="b")
    session.commit()
    assert visit.status == "pending" and visit.compliant is None
    assert visit.grade == "B" and visit.pain_points == ["价格偏高", "交期太长"]
    assert visit.rep == "zhangwei" and visit.device == HANGZHOU
    assert session.exec(select(Visit).where(col(Visit.compliant).is_(True))).all() == []


def test_submit_refuses_someone_elses_customer_and_bad_fields(
        session: Session, people: dict[str, object], tmp_path: Path) -> None:
    with pytest.raises(VisitRejected) as caught:
        _submit(session, people, tmp_path, customer="theirs", grade="", pain_points=["随便写"],
                question="同上", next_action="喝茶", photo=None,
                next_action_date=TODAY - timedelta(days=1))
    assert caught.value.errors == {
        "customer": "找不到该客户，或该客户不归你负责",
        "grade": "未选择客户等级（A/B/C）",
        "pain_points": "痛点“随便写”不在可选列表中",
        "question": "客户问题“同上”不是具体问题，请写下客户的原话，例如“这款滤芯多久换一次？”",
        "next_action": "下一步行动“喝茶”不在可选列表中",
        "photo": "缺少现场照片",
        "next_action_date": "下一步行动日期不能早于今天",
    }
    assert session.exec(select(func.count()).select_from(Visit)).one() == 0


def test_submit_uses_the_admins_lists(session: Session, people: dict[str, object],
                                      tmp_path: Path) -> None:
    vopts.set_options(session, vopts.PAIN_POINT, ["环保不达标"])
    with pytest.raises(VisitRejected):
        _submit(session, people, tmp_path)  # 价格偏高 was removed
    assert _submit(session, people, tmp_path, pain_points=["环保不达标"]).id is not None


# -- evaluate ---------------------------------------------------------------------------

def test_good_visit_is_compliant_with_watermarked_copy(
        session: Session, people: dict[str, object], tmp_path: Path) -> None:
    visit = _submit(session, people, tmp_path)
    session.commit()
    original = Path(visit.photo_path or "")
    before = original.read_bytes()
    result = _evaluate(session, visit.id, tmp_path, font=photos.find_cjk_font())
    assert result.flags == [] and result.compliant
    session.refresh(visit)
    assert visit.status == "checked" and visit.compliant is True
    assert visit.photo_sha256 and visit.photo_phash and visit.photo_make == "HUAWEI"
    assert visit.photo_taken_at == at("2026-11-25 14:00")
    assert visit.distance_km is not None and visit.distance_km < 0.01  # GCJ-02 customer
    assert original.read_bytes() == before
    marked = Path(visit.photo_marked_path or "")
    assert marked.parent == tmp_path / "marked" and marked.name.startswith(f"visit-{visit.id}-")
    image = Image.open(io.BytesIO(marked.read_bytes()))
    assert image.format == "JPEG" and image.size == (800, 600)
    counted = session.exec(select(func.count()).select_from(Visit).where(vm.countable())).one()
    assert counted == 1


def test_evaluation_is_repeatable(session: Session, people: dict[str, object],
                                  tmp_path: Path) -> None:
    visit = _submit(session, people, tmp_path, photo=screenshot())
    session.commit()
    first = _evaluate(session, visit.id, tmp_path).flags
    second = _evaluate(session, visit.id, tmp_path).flags
    assert first == second and [f.code for f in first] == ["no_camera_exif"]
    assert vm.flags_of(session, visit.id or 0) == first
    assert session.exec(select(func.count()).select_from(VisitFlag)).one() == 1


def test_flags_against_earlier_visits_in_the_database(
        session: Session, people: dict[str, object], tmp_path: Path) -> None:
    first = _submit(session, people, tmp_path, at=at("2026-11-24 09:00"),
                    photo=camera_photo(1, taken=at("2026-11-24 09:00"), gps=HANGZHOU))
    session.commit()
    assert _evaluate(session, first.id, tmp_path).flags == []

    # Same customer 20 h later, album copy of the first photo, device 7 km away.
    second = _submit(session, people, tmp_path, at=at("2026-11-25 05:00"),
                     photo=reencoded(camera_photo(1, taken=at("2026-11-24 09:00"),
                                                  gps=HANGZHOU)),
                     device=point_at(HANGZHOU, 7.3))
    session.commit()
    flags = _evaluate(session, second.id, tmp_path).flags
    assert [f.code for f in flags] == ["revisit_48h", "far_from_customer", "no_camera_exif",
                                       "photo_reused"]
    assert flags[0].reason == "48 小时内已拜访过该客户（上次 2026-11-24 09:00，间隔 20 小时）"
    assert flags[1].reason == "签到定位距客户登记地址 7.3 公里（阈值 5 公里）"
    assert flags[3].reason.startswith(f"与拜访 {first.id}（2026-11-24 09:00，业务员 张伟）")
    assert session.get(Visit, second.id).compliant is False  # type: ignore[union-attr]
    counted = session.exec(select(func.count()).select_from(Visit).where(vm.countable())).one()
    assert counted == 1


def test_impossible_travel_between_a_reps_check_ins(
        session: Session, people: dict[str, object], tmp_path: Path) -> None:
    shanghai = GeoPoint(31.2304, 121.4737)
    first = _submit(session, people, tmp_path, customer="second", at=at("2026-11-25 13:30"),
                    device=shanghai,
                    photo=camera_photo(2, taken=at("2026-11-25 13:30")))
    session.commit()
    _evaluate(session, first.id, tmp_path)
    second = _submit(session, people, tmp_path)  # Hangzhou at 14:02: 165 km in 32 min
    session.commit()
    flags = _evaluate(session, second.id, tmp_path).flags
    assert [f.code for f in flags] == ["impossible_travel"]
    assert flags[0].reason.startswith(f"与上一次签到（拜访 {first.id}，2026-11-25 13:30）相距 ")


def test_out_of_order_jobs_still_catch_photo_reuse(
        session: Session, people: dict[str, object], tmp_path: Path) -> None:
    data = camera_photo(3, taken=at("2026-11-25 14:00"), gps=HANGZHOU)
    earlier = _submit(session, people, tmp_path, photo=data, at=at("2026-11-25 14:02"))
    later = _submit(session, people, tmp_path, photo=data, customer="second",
                    user="rep", at=at("2026-11-25 18:00"), device=None)
    session.commit()
    # The later visit's job runs first: the earlier photo is not analysed yet.
    later_flags = [f.code for f in _evaluate(session, later.id, tmp_path).flags]
    assert "photo_reused" not in later_flags
    result = _evaluate(session, earlier.id, tmp_path)
    assert result.flags == [] and result.also_flagged == [later.id]
    session.refresh(later)
    assert later.compliant is False
    assert [f.code for f in vm.flags_of(session, later.id or 0)].count("photo_reused") == 1
    # Re-running either job leaves one photo_reused flag on the later visit.
    _evaluate(session, earlier.id, tmp_path)
    _evaluate(session, later.id, tmp_path)
    assert [f.code for f in vm.flags_of(session, later.id or 0)].count("photo_reused") == 1
    assert vm.flags_of(session, earlier.id or 0) == []


def test_bad_and_screenshot_photos(session: Session, people: dict[str, object],
                                   tmp_path: Path) -> None:
    broken = _submit(session, people, tmp_path, photo=camera_photo(1)[:3000])
    shot = _submit(session, people, tmp_path, photo=screenshot(), customer="second",
                   at=at("2026-11-25 20:00"), device=None)
    session.commit()
    flags = _evaluate(session, broken.id, tmp_path).flags
    assert flags == [ev.Flag("bad_photo", "照片文件不完整（可能上传中断），请重新拍摄上传")]
    session.refresh(broken)
    assert broken.photo_marked_path is None and broken.photo_sha256 is None
    assert broken.photo_error == flags[0].reason
    assert [f.code for f in _evaluate(session, shot.id, tmp_path).flags] == ["no_camera_exif"]
    session.refresh(shot)
    assert shot.photo_marked_path  # still watermarked: supervisors see what was sent


def test_missing_visit_evaluates_to_none(session: Session, tmp_path: Path) -> None:
    assert evaluate_visit(session, 999, business_tz=SHANGHAI, marked_dir=tmp_path) is None


def test_rules_from_the_database_drive_the_checks(
        session: Session, people: dict[str, object], tmp_path: Path) -> None:
    thresholds.save_rules(session, {"max_distance_km": 10})
    visit = _submit(session, people, tmp_path, device=point_at(HANGZHOU, 7.3))
    session.commit()
    assert _evaluate(session, visit.id, tmp_path).flags == []
