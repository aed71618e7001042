"""Fixtures for the layout tests: the shared helpers of tests/web."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent.parent
if str(_TESTS / "web") not in sys.path:
    sys.path.insert(0, str(_TESTS / "web"))
