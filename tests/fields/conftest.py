"""Fixtures for the custom field, preset and config tests: the fixed org of
tests/web/webkit.py (and the check-in photo helpers), and the message-center rule rows
the presets switch (seeded by another module in production)."""

from __future__ import annotations

import pytest

from models.rules.rule import Rule
from tests.web.webkit import make_org
from zhongshu.db import session_scope

RULE_CODES = {"contract_review_72h": "合同审核超时", "contract_stamp_24h": "盖章超时",
              "plan_deadline": "计划截止", "customer_inactive": "客户未跟进",
              "customer_zombie": "僵尸客户", "supervisor_digest": "主管摘要"}


@pytest.fixture()
def org() -> None:
    make_org()


@pytest.fixture()
def rules() -> None:
    """The six rule rows as the migration seeds them, all off (as a team starts before
    choosing a preset)."""
    from models.rules.rule import DEFAULTS

    with session_scope() as session:
        for code, name in RULE_CODES.items():
            default = DEFAULTS[code]
            session.add(Rule(code=code, name=name, enabled=False,
                             threshold=dict(default["threshold"]),
                             schedule=dict(default["schedule"]),
                             recipients=list(default["recipients"]),
                             channel=default["channel"]))


@pytest.fixture()
def shop(org: None) -> int:
    """zhangwei's customer in Hangzhou, with WGS-84 coordinates."""
    from tests.visits.visitkit import HANGZHOU
    from tests.web.webkit import add_customer

    return add_customer("杭州华滤环保", "13800001111", "zhangwei", latitude=HANGZHOU.lat,
                        longitude=HANGZHOU.lng, coord="wgs84")


@pytest.fixture()
def check_in():  # type: ignore[no-untyped-def]
    """Submit a visit the way the H5 form does (original stored, row committed)."""
    from datetime import date, datetime

    from sqlmodel import select

    from lib import photos
    from lib.geo import GeoPoint
    from models.org.user import User
    from models.visits import visit as vm
    from tests.visits.visitkit import HANGZHOU
    from zhongshu.settings import get_settings

    def submit(rep: str, customer_id: int, photo: bytes, *, at: datetime | None = None,
               device: GeoPoint | None = HANGZHOU) -> int:
        path = photos.store_original(photo, get_settings().instance_dir / "visits" / "originals")
        with session_scope() as session:
            user = session.exec(select(User).where(User.wecom_userid == rep)).one()
            visit = vm.submit(session, user=user, customer_id=customer_id, grade="A",
                              pain_points=["价格偏高"], question="这款滤芯多久换一次？",
                              next_action="寄送样品", photo_path=str(path),
                              today=date(2000, 1, 1), device=device, at=at)
            assert visit.id is not None
            return visit.id

    return submit


@pytest.fixture()
def say():  # type: ignore[no-untyped-def]
    """``say(user, text)`` → the replies of one text event run through the router in its
    own committed transaction, as jobs/inbound.py does."""
    import itertools

    from handlers import router
    from lib.chat import Event

    counter = itertools.count(1)

    def run(user: str, text: str):  # type: ignore[no-untyped-def]
        event = Event(platform="wecom", kind="text", key="", user_id=user,
                      dedupe_key=f"fields-test:{next(counter)}", created_at=0,
                      payload={"content": text})
        with session_scope() as session:
            return router.dispatch(event, session)

    return run
