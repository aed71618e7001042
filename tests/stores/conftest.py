"""Fixtures for the store tests (C12): the chain of storekit, the counter secret, and
the H5 page helpers of tests/web/webkit.py."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from tests.stores.storekit import SECRET, make_chain
from tests.web.webkit import make_org
from zhongshu.settings import get_settings


@pytest.fixture()
def chain() -> dict[str, int]:
    """Three stores, two managers, HQ and a regional director; plus webkit's sales org
    (reps must see no store)."""
    make_org()
    return make_chain()


@pytest.fixture()
def settings_env() -> Iterator[Callable[..., None]]:
    saved: dict[str, str | None] = {}

    def override(**env: str) -> None:
        for name, value in env.items():
            saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        get_settings.cache_clear()

    yield override
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    get_settings.cache_clear()


@pytest.fixture()
def counter_secret(settings_env: Callable[..., None]) -> str:
    settings_env(ZS_COUNTER_SECRET=SECRET)
    return SECRET
