"""Dispatch one card tap through the router in its own transaction (as jobs/inbound does)."""

from __future__ import annotations

import itertools

from handlers import router
from lib.chat import Event, Reply
from zhongshu.db import session_scope

_ids = itertools.count(1)


def click(user: str, key: str, *, platform: str = "wecom") -> list[Reply]:
    event = Event(platform=platform, kind="card_action", key=key, user_id=user,
                  dedupe_key=f"test-click:{next(_ids)}", created_at=0,
                  payload={"task_id": "t", "card_type": "button_interaction",
                           "response_code": "rc"})
    with session_scope() as session:
        return router.dispatch(event, session)


def say(user: str, text: str, *, platform: str = "wecom") -> list[Reply]:
    event = Event(platform=platform, kind="text", key="", user_id=user,
                  dedupe_key=f"test-say:{next(_ids)}", created_at=0,
                  payload={"content": text})
    with session_scope() as session:
        return router.dispatch(event, session)
