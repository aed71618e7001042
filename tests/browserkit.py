"""Shared set-up of the browser tests: Debian's chromium driven by Playwright (browser
downloads are blocked here, so never ``playwright install``), its launch flags, and
screenshots kept when ZS_SCREENSHOT_DIR is set (e.g. docs/img for the README).

Without chromium the browser tests are skipped on a developer machine, but never in CI
(``CI`` set): there a missing browser is a failure, not a silent skip."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

needs_chromium = pytest.mark.skipif(not shutil.which(CHROMIUM) and not os.environ.get("CI"),
                                    reason="Debian chromium not installed")


PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True,
         "has_touch": True}


def phone_page(browser: Any, problems: list[str], **options: Any) -> Any:
    """A new page in a phone-sized context (``options`` add to it: geolocation, scale…);
    every console error and uncaught script error on it lands in ``problems``."""
    page = browser.new_context(**{**PHONE, **options}).new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("ZS_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)
