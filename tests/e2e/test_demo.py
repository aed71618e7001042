"""``zhongshu demo`` on a fresh instance folder: everything comes up on the embedded
defaults, and a user who types 帮助 on the emulator's phone page gets the help reply.

The phone page is driven in Debian's chromium through Playwright, as a person would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.browserkit import CHROMIUM, CHROMIUM_ARGS, needs_chromium


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    instance = tmp_path_factory.mktemp("demo-instance")
    web, emu = _port(), _port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "WECOM_API_BASE", "DINGTALK_API_BASE",
                        "ZS_BASE_URL", "DINGTALK_ROBOT_WEBHOOK", "DINGTALK_ROBOT_SECRET")}
    env["ZS_INSTANCE_DIR"] = str(instance)
    log = (instance / "demo.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "zhongshu.cli", "demo", "--port", str(web),
         "--emulator-port", str(emu)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    urls = {"service": f"http://127.0.0.1:{web}", "emulator": f"http://127.0.0.1:{emu}",
            "log": str(instance / "demo.log")}
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("demo exited early:\n" + Path(urls["log"]).read_text())
            if "中枢演示已启动" in Path(urls["log"]).read_text(errors="replace"):
                break
            time.sleep(0.5)
        else:
            pytest.fail("demo did not come up in 90 s:\n" + Path(urls["log"]).read_text())
        yield urls
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_demo_is_healthy_and_prints_its_urls(demo: dict[str, str]):
    assert requests.get(f"{demo['service']}/healthz", timeout=5).json() == {
        "db": "ok", "redis": "ok"}
    printed = Path(demo["log"]).read_text()
    assert f"{demo['emulator']}/phone/wecom/zhangwei" in printed


@needs_chromium
def test_user_types_help_on_the_phone_and_reads_the_answer(demo: dict[str, str],
                                                           tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{demo['emulator']}/phone/wecom/zhangwei")
        page.fill("#text", "帮助")
        page.click("button.send")
        answer = page.locator(".bubble", has_text="可用命令")
        expect(answer).to_be_visible(timeout=15_000)
        assert "我的信息" in answer.inner_text()
        page.screenshot(path=str(tmp_path / "phone-help.png"))
        shot_dir = os.environ.get("ZS_SCREENSHOT_DIR")
        if shot_dir:
            page.screenshot(path=str(Path(shot_dir) / "phone-help.png"))
        browser.close()
