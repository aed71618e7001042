"""The chat check-in (``拜访签到 <客户名称>``) end to end: the rep types, sends a photo and
reports a location in the emulator's WeCom chat; the service verifies and records each
message, an RQ worker runs the handlers, downloads the photo from the emulator's
media/get, submits the visit, runs the evidence job and answers through message/send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlmodel import select

from lib.geo import wgs84_to_gcj02
from models.platform import media
from models.platform.conversation import Conversation
from models.visits import visit as vm
from tests.visits.visitkit import HANGZHOU, camera_photo
from zhongshu.db import session_scope

SHOP = "杭州华滤环保"


class Chat:
    """One emulated WeCom user: each action goes through the emulator, then the worker
    runs; ``said`` is what the service sent back since the previous action."""

    def __init__(self, emulator: str, run_jobs: Callable[[], int], user: str) -> None:
        self.base = f"{emulator}/_emu/wecom/users/{user}"
        self.emulator, self.run_jobs, self.user = emulator, run_jobs, user
        self.seen = 0

    def _after(self, answer: requests.Response) -> str:
        body = answer.json()
        assert answer.status_code == 200 and body["status"] == 200, body
        self.run_jobs()
        return self.said()

    def send(self, text: str) -> str:
        return self._after(requests.post(f"{self.base}/text", json={"content": text},
                                         timeout=10))

    def photo(self, data: bytes) -> str:
        return self._after(requests.post(f"{self.base}/image", timeout=10,
                                         files={"file": ("visit.jpg", data, "image/jpeg")}))

    def location(self, lat: float, lng: float) -> str:
        return self._after(requests.post(f"{self.base}/location", timeout=10,
                                         json={"lat": lat, "lng": lng, "precision": 20}))

    def said(self) -> str:
        params: dict[str, str | int] = {"platform": "wecom", "user": self.user,
                                        "since": self.seen}
        response = requests.get(f"{self.emulator}/_emu/messages", timeout=5, params=params)
        response.raise_for_status()
        messages = response.json()
        if messages:
            self.seen = max(m["id"] for m in messages)
        out = [m for m in messages if m["direction"] == "out"]
        assert all(m["delivered"] is not False for m in out), out
        return "\n".join(_text(m["content"]) for m in out)


def _text(body: dict[str, Any]) -> str:
    inner = body[body["msgtype"]]
    if isinstance(inner, dict):
        return str(inner.get("content") or inner.get("text") or inner)
    return str(inner)


@pytest.fixture()
def chat(emulator: str, run_jobs: Callable[[], int], shop: int) -> Callable[[str], Chat]:
    return lambda user: Chat(emulator, run_jobs, user)


def _visits() -> list[vm.Visit]:
    with session_scope() as session:
        return list(session.exec(select(vm.Visit)))


def _flow(user: str) -> Conversation | None:
    with session_scope() as session:
        return session.exec(select(Conversation).where(Conversation.user_id == user)).first()


def _in_a_week() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=7)


def _at_the_shop() -> tuple[float, float]:
    """Where WeCom reports the rep at the customer (GCJ-02, as LOCATION events are)."""
    return wgs84_to_gcj02(HANGZHOU.lat, HANGZHOU.lng)


def test_full_chat_checkin_submits_once_the_photo_is_stored(chat, shop):
    rep = chat("zhangwei")
    started = rep.send(f"拜访签到 {SHOP}")
    assert f"开始为「{SHOP}」拜访签到" in started and "请拍一张拜访现场的照片" in started

    asked = rep.photo(camera_photo(7, gps=HANGZHOU))
    assert "照片已收到" in asked and "请发送您当前的位置" in asked
    with session_scope() as session:
        (photo,) = session.exec(select(media.Media)).all()
        assert photo.status == media.STATUS_STORED and Path(photo.path or "").is_file()

    asked = rep.location(*_at_the_shop())
    assert "位置已收到" in asked and "客户等级" in asked
    asked = rep.send("a")
    assert "客户的痛点" in asked and "1. 价格偏高" in asked and "3. 质量不稳定" in asked
    assert "具体问题" in rep.send("1 3")
    asked = rep.send("这款滤芯多久需要更换一次？")
    assert "下一步行动" in asked and "1. 寄送样品" in asked
    assert _visits() == []

    due = _in_a_week()
    done = rep.send(f"1 {due:%m-%d}")
    assert "拜访已提交，正在核验照片…" in done
    # The evidence job ran in the same worker burst and told the rep.
    assert f"拜访已记录：{SHOP}" in done
    (visit,) = _visits()
    assert (visit.rep, visit.customer_id, visit.grade) == ("zhangwei", shop, "A")
    assert visit.pain_points == ["价格偏高", "质量不稳定"]
    assert visit.question == "这款滤芯多久需要更换一次？"
    assert (visit.next_action, visit.next_action_date) == ("寄送样品", due)
    assert visit.device_coord == "gcj02" and visit.device_lat is not None
    assert visit.photo_path and Path(visit.photo_path).is_file()
    assert "originals" in visit.photo_path
    assert visit.photo_marked_path and Path(visit.photo_marked_path).is_file()
    assert visit.photo_lat is not None  # the EXIF GPS was read by the job
    assert visit.status == vm.STATUS_CHECKED and visit.compliant is True
    assert _flow("zhangwei") is None


def test_recent_location_is_used_and_a_late_photo_submits_from_the_download(chat, shop):
    from jobs.media import fetch_media

    rep = chat("zhangwei")
    assert rep.location(*_at_the_shop()) == ""  # a report on entering the app: no reply
    started = rep.send(f"拜访签到 {SHOP}")
    # The location reported minutes ago is taken: five steps, numbered without a gap.
    assert "共5步" in started and "已使用您10分钟内上报的位置" in started
    assert "第1步：请拍一张拜访现场的照片" in started
    asked = rep.photo(camera_photo(8, gps=HANGZHOU))
    assert "第2步：客户等级" in asked and "第3步" not in asked

    # Pretend the download is slow: the photo is not stored yet when the last answer comes.
    with session_scope() as session:
        (photo,) = session.exec(select(media.Media)).all()
        photo.status, photo.path = media.STATUS_PENDING, None
        session.add(photo)
        media_pk = photo.id
    rep.send("B")
    rep.send("价格偏高")
    rep.send("能不能先给一个小批量的报价？")
    waiting = rep.send("电话回访")
    assert "照片还在接收中" in waiting and _visits() == []
    assert "照片还在接收中" in rep.send("好了吗")

    # The download finishes: the same transaction submits the waiting check-in.
    assert fetch_media(media_pk) == "stored"
    rep.run_jobs()
    done = rep.said()
    assert "拜访已提交，正在核验照片…" in done and f"拜访已记录：{SHOP}" in done
    (visit,) = _visits()
    assert (visit.grade, visit.pain_points, visit.next_action) == ("B", ["价格偏高"], "电话回访")
    assert visit.next_action_date is None and visit.device_lat is not None
    assert _flow("zhangwei") is None


def test_a_location_reported_mid_flow_is_counted_as_its_step(chat, shop):
    rep = chat("zhangwei")
    started = rep.send(f"拜访签到 {SHOP}")
    assert "共6步" in started and "第1步" in started
    rep.location(*_at_the_shop())
    asked = rep.photo(camera_photo(14, gps=HANGZHOU))
    assert "第2步（位置）已完成" in asked and "第3步：客户等级" in asked


def test_a_failed_download_asks_for_the_photo_again(chat, shop):
    from jobs.media import _fail

    rep = chat("zhangwei")
    rep.send(f"拜访签到 {SHOP}")
    rep.photo(camera_photo(12, gps=HANGZHOU))
    with session_scope() as session:
        (photo,) = session.exec(select(media.Media)).all()
        photo.status, photo.path = media.STATUS_PENDING, None
        session.add(photo)
        media_pk = photo.id
    for answer in ("跳过", "A", "1", "多久能到货？", "2"):
        rep.send(answer)
    assert photo.id is not None and _visits() == []
    _fail(media_pk, "下载失败：媒体文件已过期")
    rep.run_jobs()
    assert "照片没能接收（下载失败：媒体文件已过期），请重新发送" in rep.said()
    assert _flow("zhangwei").step == "photo"  # type: ignore[union-attr]
    # The answers were kept: the new photo is all that was missing.
    done = rep.photo(camera_photo(13, gps=HANGZHOU))
    assert "拜访已提交，正在核验照片…" in done
    (visit,) = _visits()
    assert (visit.question, visit.next_action) == ("多久能到货？", "预约技术交流会")


def test_bad_answers_are_explained_and_asked_again(chat):
    rep = chat("zhangwei")
    rep.send(f"拜访签到 {SHOP}")
    assert "需要一张现场照片" in rep.send("等一下")
    rep.photo(camera_photo(9, gps=HANGZHOU))
    asked = rep.send("在店里")
    assert "还没有收到您的位置" in asked and "请发送您当前的位置" in asked
    asked = rep.send("跳过")
    assert "已跳过定位" in asked and "客户等级" in asked

    asked = rep.send("D")
    assert "客户等级只能是 A、B 或 C，您回复的是「D」" in asked and "第3步：客户等级" in asked
    assert _flow("zhangwei").step == "grade"  # type: ignore[union-attr]
    rep.send("C")
    asked = rep.send("1 42")
    assert "没有第42项" in asked and "第4步" in asked
    assert "「便宜点」不在列表里" in rep.send("便宜点")
    rep.send("2")
    asked = rep.send("？？")
    assert "第5步" in asked and _flow("zhangwei").step == "question"  # type: ignore[union-attr]
    rep.send("交期能不能缩短到两周？")
    asked = rep.send("1 2")
    assert "只能选一项" in asked and "第6步" in asked
    asked = rep.send("1 13-45")
    assert "日期「13-45」不对" in asked and _visits() == []
    assert "拜访已提交" in rep.send("寄送样品")
    (visit,) = _visits()
    assert (visit.grade, visit.pain_points, visit.device_lat) == ("C", ["交期太长"], None)
    assert visit.next_action_date is None


def test_cancel_writes_nothing(chat):
    rep = chat("zhangwei")
    rep.send(f"拜访签到 {SHOP}")
    rep.photo(camera_photo(10, gps=HANGZHOU))
    rep.send("跳过")
    rep.send("A")
    assert "已取消拜访签到" in rep.send("取消")
    assert _visits() == [] and _flow("zhangwei") is None
    # Later text is no answer any more.
    assert "没有看懂" in rep.send("1 3")
    assert _visits() == []


def test_another_reps_customer_reads_as_not_found(chat):
    other = chat("lina")
    assert f"没有找到客户「{SHOP}」" in other.send(f"拜访签到 {SHOP}")
    assert "没有找到客户「不存在的公司」" in other.send("拜访签到 不存在的公司")
    assert _flow("lina") is None
    # A photo from lina is just a photo: no check-in is waiting.
    assert "照片已收到，正在保存" in other.photo(camera_photo(11))
    assert _visits() == []


def test_finance_is_refused_and_a_name_is_required(chat):
    assert "仅限业务员、主管和总监" in chat("chenjing").send(f"拜访签到 {SHOP}")
    assert "请在命令后写上客户名称" in chat("zhangwei").send("拜访签到")
