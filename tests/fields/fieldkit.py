"""Plain helpers for the field tests (fixtures are in conftest.py)."""

from __future__ import annotations

from sqlmodel import select

from models.rules.rule import Rule
from zhongshu.db import session_scope


def rule_states() -> dict[str, bool]:
    with session_scope() as session:
        return {r.code: r.enabled for r in session.exec(select(Rule))}
