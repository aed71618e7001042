"""Fixtures for the platform-edge tests: post signed fixtures through the real endpoints,
look at what was stored, override settings for one test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import Session, select

from models.platform.inbox import InboxEvent
from tests.edge.edgekit import (
    dedupe_keys,
    inbound_job_ids,
    wecom_encrypt,
    wecom_envelope,
    wecom_query,
)
from zhongshu.settings import get_settings


@pytest.fixture()
def wecom_post(client: Any) -> Callable[..., Any]:
    """POST a plaintext WeCom callback, encrypted and signed now, to /wecom/callback."""

    def post(plaintext: str, **query: Any) -> Any:
        encrypt = wecom_encrypt(plaintext)
        return client.post("/wecom/callback?" + wecom_query(encrypt, **query),
                           data=wecom_envelope(encrypt), content_type="text/xml")

    return post


@pytest.fixture()
def inbox(session: Session) -> Callable[[], list[InboxEvent]]:
    def rows() -> list[InboxEvent]:
        session.expire_all()
        return list(session.exec(select(InboxEvent).order_by(InboxEvent.id)))  # type: ignore[arg-type]

    return rows


@pytest.fixture()
def assert_nothing_stored(inbox: Callable[[], list[InboxEvent]]) -> Callable[[], None]:
    def check() -> None:
        assert inbox() == []
        assert dedupe_keys() == []
        assert inbound_job_ids() == []

    return check


@pytest.fixture()
def settings_env() -> Iterator[Callable[..., None]]:
    """Override settings through the environment for one test, then restore them."""
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
