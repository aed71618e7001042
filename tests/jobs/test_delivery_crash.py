"""A delivery worker SIGKILLed right before or right after the platform call still ends in
exactly one message on the user's phone (the emulator records every delivery)."""

from __future__ import annotations

import multiprocessing
import os
import signal
from datetime import timedelta
from unittest import mock

import requests

from bot import channels
from jobs import deliver as deliver_mod
from jobs.schedule import sweep_outbox
from models.base import utcnow
from models.platform import outbox
from zhongshu.db import get_engine, session_scope
from zhongshu.settings import get_settings


def _queue_text(content: str) -> int:
    with session_scope() as session:
        row = outbox.add(session, dedupe_key=f"crash:{content}", channel=outbox.CHANNEL_WECOM_APP,
                         recipient="zhangwei",
                         payload={"msgtype": "text", "text": {"content": content}})
        assert row is not None and row.id is not None
        return row.id


def _die_in_child(outbox_id: int, when: str) -> int:
    """Run deliver() in a forked worker that SIGKILLs itself before or after the send."""

    def child() -> None:
        get_engine().dispose(close=False)  # never share the parent's connections
        real_send = channels.send

        def send(*args, **kwargs):
            if when == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            result = real_send(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
            return result

        with mock.patch.object(channels, "send", side_effect=send):
            deliver_mod.deliver(outbox_id)

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join(30)
    return int(process.exitcode or 0)


def _delivered(emulator: str, content: str) -> int:
    messages = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": "wecom", "user": "zhangwei"}, timeout=5).json()
    return sum(1 for m in messages
               if m["direction"] == "out" and m["delivered"]
               and m["content"].get("text", {}).get("content") == content)


def _recover(outbox_id: int) -> str:
    lease = get_settings().outbox_lease_seconds
    with mock.patch("jobs.schedule.enqueue_delivery"):
        released = sweep_outbox(utcnow() + timedelta(seconds=lease + 1))["released"]
    assert released == 1
    # The sweep ran "in the future"; make the released row due now.
    with session_scope() as session:
        row = session.get(outbox.OutboxMessage, outbox_id)
        assert row is not None and row.resend_check
        row.next_attempt_at = utcnow()
        session.add(row)
    return deliver_mod.deliver(outbox_id)


def test_killed_after_the_send_does_not_send_again(emulator):
    oid = _queue_text("合同 HT-001 已签约，请审核")
    assert _die_in_child(oid, "after") == -signal.SIGKILL
    assert _delivered(emulator, "合同 HT-001 已签约，请审核") == 1
    assert _recover(oid) == "sent"
    assert _delivered(emulator, "合同 HT-001 已签约，请审核") == 1


def test_killed_before_the_send_still_sends_once(emulator):
    oid = _queue_text("客户 绍兴滤材 30 天无互动")
    assert _die_in_child(oid, "before") == -signal.SIGKILL
    assert _delivered(emulator, "客户 绍兴滤材 30 天无互动") == 0
    assert _recover(oid) == "sent"
    assert _delivered(emulator, "客户 绍兴滤材 30 天无互动") == 1
