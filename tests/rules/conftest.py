"""Fixtures for the message-center tests: the org of rulekit and the helpers there."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

from rulekit import make_org


@pytest.fixture()
def org() -> None:
    make_org()
