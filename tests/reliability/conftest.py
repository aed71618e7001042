"""Fixtures for the fault tests: a private redis-server with AOF (stopped and restarted
by the tests, never the machine's), and settings re-read for one test."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A redis-server child with ``appendonly yes`` in its own folder."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (bash dev.sh test installs it)")
        self.binary = binary
        self.dir = Path(tempfile.mkdtemp(prefix="zs-redis-aof-"))
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--appendonly", "yes",
             "--appendfsync", "always", "--save", "", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Kill it hard (SIGKILL): the AOF, not a graceful save, must carry the state."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture()
def aof_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """The service pointed at a private AOF Redis for one test."""
    from zhongshu.queues import get_redis
    from zhongshu.settings import get_settings

    server = RedisServer()
    monkeypatch.setenv("REDIS_URL", server.url)
    get_settings.cache_clear()
    get_redis.cache_clear()
    try:
        yield server
    finally:
        server.close()
        get_settings.cache_clear()
        get_redis.cache_clear()
        monkeypatch.undo()
        get_settings.cache_clear()
        get_redis.cache_clear()
