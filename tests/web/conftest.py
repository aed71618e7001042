"""Fixtures for the H5 page tests."""

from __future__ import annotations

import pytest

from tests.web.webkit import make_org


@pytest.fixture()
def org() -> None:
    """The fixed organisation of webkit.ORG, in the database."""
    make_org()
