"""Fixtures for the custom field, preset and config tests: the fixed org of
tests/web/webkit.py (and the check-in photo helpers), and the message-center rule rows
the presets switch (seeded by another module in production)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent.parent
for folder in ("web", "visits", "edge", "handlers"):
    if str(_TESTS / folder) not in sys.path:
        sys.path.insert(0, str(_TESTS / folder))

from webkit import make_org  # noqa: E402

from models.rule import Rule  # noqa: E402
from zhongshu.db import session_scope  # noqa: E402

RULE_CODES = {"contract_review_72h": "合同审核超时", "contract_stamp_24h": "盖章超时",
              "plan_deadline": "计划截止", "customer_inactive": "客户未跟进",
              "customer_zombie": "僵尸客户", "supervisor_digest": "主管摘要"}


@pytest.fixture()
def org() -> None:
    make_org()


@pytest.fixture()
def rules() -> None:
    """The six rule rows, all off (as a team starts before choosing a preset)."""
    with session_scope() as session:
        for code, name in RULE_CODES.items():
            session.add(Rule(code=code, name=name, enabled=False))


def rule_states() -> dict[str, bool]:
    from sqlmodel import select

    with session_scope() as session:
        return {r.code: r.enabled for r in session.exec(select(Rule))}
