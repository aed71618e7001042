"""The security tests reuse the reliability kit (signed callbacks) and the web kit (org,
sign-in)."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent.parent
for folder in ("reliability", "web", "edge", "visits"):
    if str(_TESTS / folder) not in sys.path:
        sys.path.insert(0, str(_TESTS / folder))

import pytest
from webkit import make_org


@pytest.fixture()
def org() -> None:
    """The fixed organisation of tests/web/webkit.ORG (roles, two teams, an inactive rep)."""
    make_org()
