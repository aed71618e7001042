"""``门店`` typed in the emulator's WeCom chat by store roles: a store manager gets their
own stores with the page and today's daily report, and the promotion check-ins; HQ every
store; a rep is told the command is not theirs; help points store roles at 门店."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
import requests

from bot.emulator.common import EXTENSION_KEY


@pytest.fixture()
def phones(emulator: str, emulator_app: Any, chain: dict[str, int]) -> Iterator[str]:
    """The chain's people in the emulator's directory for this test."""
    users = emulator_app.extensions[EXTENSION_KEY].config.users
    added = [{"userid": u, "name": n, "department": [1], "position": p}
             for u, n, p in (("dz1", "王店长", "店长"), ("zongbu", "周敏", "总部运营"))]
    users.extend(added)
    try:
        yield emulator
    finally:
        for user in added:
            users.remove(user)


def _ask(emulator: str, run_jobs, user: str, text: str) -> str:
    requests.post(f"{emulator}/_emu/wecom/users/{user}/text", json={"content": text},
                  timeout=10).raise_for_status()
    run_jobs()
    out = [m for m in requests.get(f"{emulator}/_emu/messages", params={
        "platform": "wecom", "user": user}, timeout=5).json() if m["direction"] == "out"]
    assert out and out[-1]["delivered"] is not False
    body = out[-1]["content"]
    return unquote(str(body[body["msgtype"]].get("content", "")))


def test_a_store_manager_opens_their_stores_report_and_promotions(phones, run_jobs, chain):
    said = _ask(phones, run_jobs, "dz1", "门店")
    assert "我的门店（2 家）" in said
    assert "幸福路店（S001）" in said and "长江路店（S003）" in said and "和平路店" not in said
    assert f"next=/h5/stores/{chain['S001']}/report" in said and "填写今日日报" in said
    assert "next=/h5/promotions" in said
    help_text = _ask(phones, run_jobs, "dz1", "帮助")
    assert "发送「门店」" in help_text and "报备客户" not in help_text


def test_hq_sees_every_store_without_a_report_link(phones, run_jobs, chain):
    said = _ask(phones, run_jobs, "zongbu", "门店")
    assert "我的门店（3 家）" in said and "和平路店（S002）" in said
    assert "填写今日日报" not in said


def test_help_names_the_workbench_only_to_those_who_use_it(phones, run_jobs, chain):
    from handlers.general.commands import help_text

    assert "工作台按钮：报备客户" in help_text("rep")
    assert "工作台按钮" not in help_text("finance") and "工作台按钮" not in help_text("admin")
    assert "发送「门店」" in help_text("hq") and "发送「门店」" not in help_text("rep")
