"""A thin client for the emulator's /_emu control API, shared by the outbound tests."""

from __future__ import annotations

import time
from typing import Any

import requests


def text_of(message: dict[str, Any]) -> str | None:
    """The text of a filed text message, whether the emulator files the whole message
    (``{"msgtype", "text": {"content"}}``) or just its body (``{"content"}``)."""
    content = message["content"]
    if isinstance(content.get("text"), dict):
        return content["text"].get("content")
    return content.get("content")


class Emu:
    def __init__(self, base: str) -> None:
        self.base = base

    def calls(self, api: str) -> list[dict[str, Any]]:
        res = requests.get(f"{self.base}/_emu/calls", params={"api": api}, timeout=5)
        res.raise_for_status()
        data = res.json()
        return list(data["calls"] if isinstance(data, dict) else data)

    def count(self, api: str, platform: str | None = None) -> int:
        return sum(1 for c in self.calls(api) if platform is None or c["platform"] == platform)

    def messages(self, platform: str, user: str) -> list[dict[str, Any]]:
        res = requests.get(f"{self.base}/_emu/messages",
                           params={"platform": platform, "user": user}, timeout=5)
        res.raise_for_status()
        data = res.json()
        return list(data["messages"] if isinstance(data, dict) else data)

    def delivered(self, platform: str, user: str) -> list[dict[str, Any]]:
        return [m for m in self.messages(platform, user)
                if m["direction"] == "out" and m["delivered"]]

    def fault(self, platform: str, api: str, *, times: int = 1, **what: Any) -> None:
        requests.post(f"{self.base}/_emu/faults",
                      json={"platform": platform, "api": api, "times": times, **what},
                      timeout=5).raise_for_status()

    def wait_calls(self, api: str, n: int, timeout: float = 5.0) -> None:
        """Wait until the emulator logged ``n`` calls of ``api`` — a delayed (timed-out)
        call must finish inside its own test, or it lands in the next test's state."""
        deadline = time.monotonic() + timeout
        while self.count(api) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"emulator saw fewer than {n} {api} calls")
            time.sleep(0.05)

    def token(self, platform: str, action: str) -> None:
        requests.post(f"{self.base}/_emu/{platform}/token", json={"action": action},
                      timeout=5).raise_for_status()
