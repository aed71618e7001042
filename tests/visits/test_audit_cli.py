"""``zhongshu visits audit IN.jsonl [--out OUT.jsonl]`` over generated visits and photos."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from lib.geo import GeoPoint, wgs84_to_gcj02
from models.visits import thresholds
from tests.visits.visitkit import (
    HANGZHOU,
    SHANGHAI,
    camera_photo,
    jpeg_bomb,
    point_at,
    reencoded,
    screenshot,
    truncated,
)
from zhongshu.cli import main

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
GCJ = wgs84_to_gcj02(HANGZHOU.lat, HANGZHOU.lng)
SHANGHAI_CITY = GeoPoint(31.2304, 121.4737)


def _customer(cid: str, where: GeoPoint | None = HANGZHOU, gcj: bool = False) -> dict[str, Any]:
    if where is None:
        return {"id": cid, "lat": None, "lng": None, "coord": None}
    if gcj:
        lat, lng = wgs84_to_gcj02(where.lat, where.lng)
        return {"id": cid, "lat": lat, "lng": lng, "coord": "gcj02"}
    return {"id": cid, "lat": where.lat, "lng": where.lng, "coord": "wgs84"}


def _device(where: GeoPoint | None) -> dict[str, Any] | None:
    return None if where is None else {"lat": where.lat, "lng": where.lng, "coord": where.coord}


def _visit(vid: str, when: datetime, *, rep: str = "zhangwei", customer: dict[str, Any],
           device: GeoPoint | None = None, photo: str | None, **extra: Any) -> dict[str, Any]:
    record = {"id": vid, "rep": rep, "at": when.isoformat(), "customer": customer,
              "device": _device(device), "photo": photo, "grade": "A",
              "pain_points": ["价格偏高"], "question": "这款滤芯多久换一次？",
              "next_action": "寄送样品"}
    record.update(extra)
    return record


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    """Visits over three days, shuffled in the file; photos in a sub-folder."""
    pics = tmp_path / "photos"
    pics.mkdir()

    def photo(name: str, data: bytes) -> str:
        (pics / name).write_bytes(data)
        return f"photos/{name}"

    def cam(name: str, seed: int, when: datetime, where: GeoPoint = HANGZHOU) -> str:
        return photo(name, camera_photo(seed, taken=when, gps=where))

    t = T0
    reused_source = camera_photo(20, taken=t, gps=HANGZHOU)
    visits = [
        # A good visit; the customer registered in GCJ-02, the device on WGS-84.
        _visit("good", t, customer=_customer("c1", gcj=True), device=HANGZHOU,
               photo=photo("good.jpg", reused_source)),
        # Same customer 47 h 59 min later (another rep): revisit.
        _visit("revisit", t + timedelta(hours=47, minutes=59), rep="lisi",
               customer=_customer("c1", gcj=True),
               photo=cam("revisit.jpg", 21, t + timedelta(hours=47, minutes=59))),
        # Customer c2 twice, 48 h 01 min apart: fine.
        _visit("c2-first", t + timedelta(minutes=5), rep="wangwu", customer=_customer("c2"),
               photo=cam("c2a.jpg", 22, t + timedelta(minutes=5))),
        _visit("c2-second", t + timedelta(hours=48, minutes=6), rep="wangwu",
               customer=_customer("c2"), photo=cam("c2b.jpg", 23, t + timedelta(hours=48,
                                                                                  minutes=6))),
        # Device 5.1 km away vs 4.9 km away.
        _visit("far", t + timedelta(hours=3), rep="zhaoliu", customer=_customer("c3"),
               device=point_at(HANGZHOU, 5.1), photo=cam("far.jpg", 24, t + timedelta(hours=3))),
        _visit("near", t + timedelta(hours=6), rep="zhaoliu", customer=_customer("c4"),
               device=point_at(HANGZHOU, 4.9), photo=cam("near.jpg", 25, t + timedelta(hours=6))),
        # A screenshot.
        _visit("shot", t + timedelta(hours=9), rep="zhaoliu", customer=_customer("c5"),
               photo=photo("shot.png", screenshot())),
        # Taken the day before.
        _visit("old-photo", t + timedelta(hours=12), rep="zhaoliu", customer=_customer("c6"),
               photo=cam("old.jpg", 26, t - timedelta(hours=12))),
        # The good visit's photo again, and an album copy of it.
        _visit("same-file", t + timedelta(hours=15), rep="zhaoliu", customer=_customer("c7"),
               photo="photos/good.jpg"),
        _visit("album-copy", t + timedelta(hours=18), rep="zhaoliu", customer=_customer("c8"),
               photo=photo("copy.jpg", reencoded(reused_source))),
        # Shanghai 30 min after Hangzhou for the same rep.
        _visit("teleport", t + timedelta(hours=18, minutes=30), rep="zhaoliu",
               customer=_customer("c9", SHANGHAI_CITY),
               photo=cam("sh.jpg", 27, t + timedelta(hours=18, minutes=30), SHANGHAI_CITY)),
        # Bad photos.
        _visit("truncated", t + timedelta(days=3), rep="b1", customer=_customer("d1"),
               photo=photo("cut.jpg", truncated(camera_photo(28)))),
        _visit("disguised", t + timedelta(days=3, hours=1), rep="b1", customer=_customer("d2"),
               photo=photo("png-really.jpg", screenshot(29))),
        _visit("missing", t + timedelta(days=3, hours=2), rep="b1", customer=_customer("d3"),
               photo="photos/nowhere.jpg"),
        _visit("bomb", t + timedelta(days=3, hours=3), rep="b1", customer=_customer("d4"),
               photo=photo("bomb.jpg", jpeg_bomb())),
        # No photo; a placeholder question.
        _visit("no-photo", t + timedelta(days=3, hours=4), rep="b2", customer=_customer("d5"),
               photo=None),
        _visit("lazy", t + timedelta(days=3, hours=5), rep="b3", customer=_customer("d6",
                                                                                    None),
               photo=cam("lazy.jpg", 30, t + timedelta(days=3, hours=5)), question="无",
               pain_points=[], grade=None),
    ]
    order = [4, 0, 16, 2, 9, 1, 12, 5, 3, 15, 6, 10, 7, 14, 8, 11, 13]
    assert sorted(order) == list(range(len(visits)))
    path = tmp_path / "visits.jsonl"
    path.write_text("".join(json.dumps(visits[i], ensure_ascii=False) + "\n" for i in order),
                    encoding="utf-8")
    return path


EXPECTED_CODES = {
    "good": [],
    "revisit": ["revisit_48h"],
    "c2-first": [],
    "c2-second": [],
    "far": ["far_from_customer"],
    "near": [],
    "shot": ["no_camera_exif"],
    "old-photo": ["exif_time_mismatch"],
    "same-file": ["exif_time_mismatch", "photo_reused"],
    "album-copy": ["no_camera_exif", "photo_reused"],
    "teleport": ["impossible_travel"],
    "truncated": ["bad_photo"],
    "disguised": ["bad_photo"],
    "missing": ["bad_photo"],
    "bomb": ["bad_photo"],
    "no-photo": ["incomplete_record"],
    "lazy": ["incomplete_record"],
}


def _rows(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_audit_flags_every_case_in_time_order(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["visits", "audit", str(dataset), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    rows = _rows(out.read_text(encoding="utf-8"))
    assert {row["id"]: [f["code"] for f in row["flags"]] for row in rows} == EXPECTED_CODES
    for row in rows:
        assert row["compliant"] == (not row["flags"])
        assert set(row) == {"id", "flags", "compliant"}
        assert all(set(f) == {"code", "reason"} and f["reason"] for f in row["flags"])
    # Time order, not file order.
    by_id = {json.loads(line)["id"]: json.loads(line)["at"]
             for line in dataset.read_text(encoding="utf-8").splitlines()}
    times = [datetime.fromisoformat(by_id[row["id"]]) for row in rows]
    assert times == sorted(times)

    reasons = {row["id"]: [f["reason"] for f in row["flags"]] for row in rows}
    assert reasons["far"] == ["签到定位距客户登记地址 5.1 公里（阈值 5 公里）"]
    assert reasons["revisit"] == [
        "48 小时内已拜访过该客户（上次 2026-11-24 09:00，业务员 zhangwei，间隔 1 天 23 小时）"]
    assert reasons["same-file"][1] == ("与拜访 good（2026-11-24 09:00，"
                                       "业务员 zhangwei）的照片完全相同")
    assert reasons["disguised"] == [
        "文件内容是 PNG，却标称为 JPEG（扩展名 .jpg），疑似改过扩展名或类型的文件"]
    assert reasons["missing"] == ["找不到照片文件“nowhere.jpg”"]
    assert reasons["no-photo"] == ["记录不完整：缺少现场照片"]
    assert reasons["lazy"] == [("记录不完整：未选择客户等级（A/B/C）；未选择客户痛点（至少一项）；"
                                "客户问题“无”不是具体问题，请写下客户的原话，例如“这款滤芯多久换一次？”")]

    stderr = result.stderr.splitlines()
    assert stderr[0] == ("拜访审计：共 17 条，合规 4 条（23.5%），疑似虚假拜访 11 条（虚假拜访率 "
                         "64.7%）")
    assert "  photo_reused（照片重复使用）：2 条" in stderr
    assert "  bad_photo（照片无效）：4 条" in stderr
    assert "  incomplete_record（记录不完整）：2 条" in stderr


def test_audit_writes_to_stdout_without_out(dataset: Path) -> None:
    result = CliRunner().invoke(main, ["visits", "audit", str(dataset)])
    assert result.exit_code == 0, result.stderr
    assert [row["id"] for row in _rows(result.stdout)][:3] == ["good", "c2-first", "far"]


def test_malformed_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    good = _visit("ok", T0, customer=_customer("c1"), photo=None)
    lines = [
        json.dumps(good, ensure_ascii=False),
        "{not json",
        "",
        json.dumps({**good, "id": "naive", "at": "2026-11-24T09:00:00"}),
        json.dumps({**good, "id": "ok"}),
        json.dumps({**good, "id": "bad-coord", "customer": {"id": "c1", "lat": 30, "lng": 120,
                                                            "coord": "bd09"}}),
        json.dumps([1, 2]),
        json.dumps({**good, "id": "no-rep", "rep": ""}),
        json.dumps({**good, "id": "late", "at": (T0 + timedelta(hours=1)).isoformat()}),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["visits", "audit", str(path)])
    assert result.exit_code == 1
    assert [row["id"] for row in _rows(result.stdout)] == ["ok", "late"]
    errors = result.stderr.splitlines()
    assert errors[0].startswith("第 2 行：不是有效的 JSON（")
    assert errors[1] == "第 4 行：at “2026-11-24T09:00:00” 缺少时区（例如 +08:00）"
    assert errors[2] == "第 5 行：id “ok” 与第 1 行重复"
    assert errors[3] == "第 6 行：customer.coord 应为 wgs84 或 gcj02，而不是 'bd09'"
    assert errors[4] == "第 7 行：应为一个 JSON 对象"
    assert errors[5] == "第 8 行：缺少 rep"
    assert "格式错误 6 行，未检查（见上）" in errors


def test_audit_uses_the_admins_thresholds(session: Session, tmp_path: Path) -> None:
    thresholds.save_rules(session, {"max_distance_km": 10})
    session.commit()
    (tmp_path / "p.jpg").write_bytes(camera_photo(1, taken=T0, gps=HANGZHOU))
    row = _visit("v", T0, customer=_customer("c1"), device=point_at(HANGZHOU, 7), photo="p.jpg")
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["visits", "audit", str(path)])
    assert result.exit_code == 0, result.stderr
    assert _rows(result.stdout) == [{"id": "v", "flags": [], "compliant": True}]


def test_numeric_ids_are_echoed_as_numbers_and_empty_file_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(_visit(17, T0, customer=_customer(5), photo=None)) + "\n",  # type: ignore[arg-type]
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["visits", "audit", str(path)])
    assert _rows(result.stdout)[0]["id"] == 17
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["visits", "audit", str(empty)])
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.startswith("拜访审计：共 0 条")


def test_bad_input_gets_a_reason_per_visit_and_the_audit_goes_on(tmp_path: Path) -> None:
    """Unreadable photos, wrong coordinates and missing fields: each visit says why, the
    rest are checked."""
    photos_dir = tmp_path / "photos"
    photos_dir.mkdir()
    (photos_dir / "garbage.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50)
    (photos_dir / "half.jpg").write_bytes(camera_photo(5, taken=T0)[:2000])
    (photos_dir / "folder.jpg").mkdir()
    good = _visit("ok", T0, customer=_customer("c1"), photo=None)
    later = T0 + timedelta(days=3)
    lines = [
        json.dumps(good),
        json.dumps({**good, "id": "garbage", "at": later.isoformat(),
                    "photo": "photos/garbage.jpg"}),
        json.dumps({**good, "id": "half", "at": (later + timedelta(days=3)).isoformat(),
                    "photo": "photos/half.jpg"}),
        json.dumps({**good, "id": "folder", "at": (later + timedelta(days=6)).isoformat(),
                    "photo": "photos/folder.jpg"}),
        json.dumps({**good, "id": "gone", "at": (later + timedelta(days=9)).isoformat(),
                    "photo": "photos/nowhere.jpg"}),
        ('{"id": "nan", "rep": "zhangwei", "at": "2026-12-10T09:00:00+08:00", '
         '"customer": {"id": "c1", "lat": NaN, "lng": 120.1, "coord": "wgs84"}}'),
        json.dumps({**good, "id": "lat999", "customer": {"id": "c1", "lat": 999, "lng": 120,
                                                         "coord": "wgs84"}}),
        json.dumps({**good, "id": "text-lat", "device": {"lat": "30.1", "lng": 120,
                                                          "coord": "wgs84"}}),
        json.dumps({"id": "bare", "rep": "zhangwei", "at": "2026-12-20T09:00:00+08:00",
                    "customer": {"id": "c9"}}),
        json.dumps({**good, "id": "no-customer", "customer": None}),
        json.dumps({**good, "id": "no-at", "at": None}),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["visits", "audit", str(path)])
    assert result.exit_code == 1, result.output
    rows = {row["id"]: row for row in _rows(result.stdout)}
    assert set(rows) == {"ok", "garbage", "half", "folder", "gone", "bare"}
    reasons = {vid: [f["reason"] for f in rows[vid]["flags"] if f["code"] == "bad_photo"]
               for vid in ("garbage", "half", "folder", "gone")}
    assert reasons == {"garbage": ["照片文件已损坏，无法解码"],
                       "half": ["照片文件不完整（可能上传中断），请重新拍摄上传"],
                       "folder": ["无法读取照片文件“folder.jpg”"],
                       "gone": ["找不到照片文件“nowhere.jpg”"]}
    bare = rows["bare"]["flags"]
    assert [f["code"] for f in bare] == ["incomplete_record"]
    assert bare[0]["reason"] == ("记录不完整：未选择客户等级（A/B/C）；未选择客户痛点（至少一项）；"
                                 "未填写客户提出的具体问题；未填写下一步行动；缺少现场照片")
    errors = result.stderr.splitlines()
    assert "第 6 行：customer 坐标超出范围（nan, 120.1）" in errors
    assert "第 7 行：customer 坐标超出范围（999, 120）" in errors
    assert "第 8 行：device.lat/lng 应为数字" in errors
    assert "第 10 行：缺少 customer.id" in errors
    assert "第 11 行：缺少 at（ISO 8601 时间，带时区）" in errors
