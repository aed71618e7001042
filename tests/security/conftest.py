"""The security tests reuse the reliability kit (signed callbacks) and the web kit (org,
sign-in)."""

from __future__ import annotations

import pytest

from tests.web.webkit import make_org


@pytest.fixture()
def org() -> None:
    """The fixed organisation of tests/web/webkit.ORG (roles, two teams, an inactive rep)."""
    make_org()
