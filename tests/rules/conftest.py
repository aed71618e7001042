"""Fixtures for the message-center tests: the org of rulekit and the helpers there."""

from __future__ import annotations

import pytest

from tests.rules.rulekit import make_org


@pytest.fixture()
def org() -> None:
    make_org()
