"""Fixtures for the check-in tests: the fixed org of tests/web/webkit.py and photo
fixtures of tests/visits/visitkit.py, and a ``check_in`` helper that submits a visit the
way the H5 form does (original stored, row committed) and returns its id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from lib import photos
from lib.geo import GeoPoint
from models.org.user import User
from models.visits import visit as vm
from tests.visits.visitkit import HANGZHOU
from tests.web.webkit import add_customer, make_org
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

CheckIn = Callable[..., int]


@pytest.fixture()
def org() -> None:
    make_org()


@pytest.fixture()
def shop(org: None) -> int:
    """zhangwei's customer in Hangzhou, with WGS-84 coordinates."""
    return add_customer("杭州华滤环保", "13800001111", "zhangwei", latitude=HANGZHOU.lat,
                        longitude=HANGZHOU.lng, coord="wgs84")


@pytest.fixture()
def check_in() -> CheckIn:
    def submit(rep: str, customer_id: int, photo: bytes, *, at: datetime | None = None,
               device: GeoPoint | None = HANGZHOU) -> int:
        folder = get_settings().instance_dir / "visits" / "originals"
        path = photos.store_original(photo, folder)
        with session_scope() as session:
            from sqlmodel import select

            user = session.exec(select(User).where(User.wecom_userid == rep)).one()
            visit = vm.submit(session, user=user, customer_id=customer_id, grade="A",
                              pain_points=["价格偏高"], question="这款滤芯多久换一次？",
                              next_action="寄送样品", photo_path=str(path),
                              today=date(2000, 1, 1), device=device, at=at)
            assert visit.id is not None
            return visit.id

    return submit
