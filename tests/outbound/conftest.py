"""Fixtures for the outbound tests: the emulator control client (``emu``) and a shortened
HTTP timeout (settings are re-read, then restored)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zhongshu.settings import get_settings

from .emu import Emu


@pytest.fixture()
def emu(emulator: str) -> Emu:
    return Emu(emulator)


@pytest.fixture()
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[float]:
    """ZS_HTTP_TIMEOUT=0.5 for one test; the settings cache is cleared on the way in and
    out (monkeypatch restores the variable after this fixture's teardown)."""
    monkeypatch.setenv("ZS_HTTP_TIMEOUT", "0.5")
    get_settings.cache_clear()
    yield get_settings().http_timeout
    get_settings.cache_clear()
