"""The visit validation switch of the team presets: off → a far-away check-in keeps its
flag for the record but counts, and no review card reaches the supervisor; on (the
default) → the supervisor gets the card, as before presets existed."""

from __future__ import annotations

from jobs.visits import process_visit
from models.config import team_config as tc
from models.visits import visit as vm
from tests.visits.visitkit import HANGZHOU, camera_photo, point_at
from tests.web.webkit import outbox_rows
from zhongshu.db import session_scope


def _far_visit(check_in, shop) -> int:
    return check_in("zhangwei", shop, camera_photo(3, gps=point_at(HANGZHOU, 10)),
                    device=point_at(HANGZHOU, 10))


def _state(visit_id: int) -> tuple[bool | None, set[str]]:
    with session_scope() as session:
        visit = session.get(vm.Visit, visit_id)
        return visit.compliant, {f.code for f in vm.flags_of(session, visit_id)}


def test_validation_off_keeps_flags_but_does_not_push_to_the_supervisor(shop, check_in):
    with session_scope() as session:
        tc.set_value(session, tc.VISIT_VALIDATION, False, actor="wangfang")
    visit_id = _far_visit(check_in, shop)
    process_visit(visit_id)
    compliant, codes = _state(visit_id)
    assert compliant is True and "far_from_customer" in codes
    assert [(r.recipient, r.dedupe_key) for r in outbox_rows()] == [
        ("zhangwei", f"visit:{visit_id}:recorded")]


def test_validation_on_sends_the_review_card(shop, check_in):
    visit_id = _far_visit(check_in, shop)
    process_visit(visit_id)
    compliant, codes = _state(visit_id)
    assert compliant is False and "far_from_customer" in codes
    assert ("wangfang", f"visit:{visit_id}:review") in [(r.recipient, r.dedupe_key)
                                                          for r in outbox_rows()]
