"""Fuzzed chat input: the registration parser and every command through the router
(flows included) answer in Chinese or not at all — they never raise."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.customers.parse import clean_input, parse_registration
from lib.chat import Event, Reply
from models.org import user as users
from tests.fuzz.strategies import hostile
from zhongshu.db import session_scope

_ids = itertools.count(1)
COMMANDS = ["", "新客户 ", "客户 ", "我的客户 ", "拜访签到 ", "下周计划 ", "未覆盖 ", "帮助 ",
            "我的信息 "]


@given(hostile)
def test_the_registration_parser_never_raises(text):
    parsed = parse_registration(text)
    assert parsed is not None
    assert isinstance(clean_input(text), str)


@pytest.fixture()
def reps() -> None:
    with session_scope() as session:
        users.upsert(session, wecom_userid="wangfang", name="王芳", role="supervisor",
                     region="华东")
        users.upsert(session, wecom_userid="zhangwei", name="张伟", role="rep", region="华东",
                     supervisor_userid="wangfang")


@given(command=st.sampled_from(COMMANDS), text=hostile,
       platform=st.sampled_from(["wecom", "dingtalk"]))
def test_any_command_with_any_text_answers_without_raising(reps, command, text, platform):
    from handlers import router

    user = "zhangwei" if platform == "wecom" else "dt_zhangwei"
    event = Event(platform=platform, kind="text", key="", user_id=user,
                  dedupe_key=f"fuzz:{next(_ids)}", created_at=0,
                  payload={"content": command + text})
    with session_scope() as session:
        replies = router.dispatch(event, session)
    for reply in replies:
        assert isinstance(reply, Reply)
        for part in (reply.text, reply.markdown):
            assert part is None or len(part) < 20_000  # never echoes a 10k flood back whole


@given(key=hostile)
def test_any_card_button_key_answers_without_raising(reps, key):
    from handlers import router

    for prefix in ("visit.confirm:", "visit.reject:", "followup.done:", ""):
        event = Event(platform="wecom", kind="card_action", key=prefix + key[:200],
                      user_id="wangfang", dedupe_key=f"fuzz:{next(_ids)}", created_at=0,
                      payload={"task_id": "t", "card_type": "button_interaction"})
        with session_scope() as session:
            router.dispatch(event, session)
