"""``zhongshu demo`` with a port already taken: it says so in Chinese, names the flags to
use another port, and starts nothing (no migration, no banner, no gunicorn traceback)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _listening() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


def _free() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _demo(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["ZS_INSTANCE_DIR"] = str(tmp_path / "instance")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "zhongshu.cli", "demo", *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    return done, time.monotonic() - started


@pytest.mark.parametrize("taken", ["web", "emulator"])
def test_a_taken_port_is_reported_in_chinese_before_anything_starts(tmp_path: Path,
                                                                    taken: str):
    with _listening() as busy:
        port = busy.getsockname()[1]
        other = _free()
        web, emu = (port, other) if taken == "web" else (other, port)
        done, seconds = _demo(tmp_path, "--port", str(web), "--emulator-port", str(emu))
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert f"端口 {port} 已被其他程序占用" in done.stderr
    assert ("服务" if taken == "web" else "模拟器") + f"端口 {port}" in done.stderr
    assert "--port" in done.stderr and "--emulator-port" in done.stderr
    assert "演示没有启动" in done.stderr
    assert "中枢演示已启动" not in output and "Address already in use" not in output
    assert "数据库迁移" not in output and not (tmp_path / "instance").exists()
    assert seconds < 20


def test_the_same_port_twice_is_refused(tmp_path: Path):
    port = _free()
    done, _ = _demo(tmp_path, "--port", str(port), "--emulator-port", str(port))
    assert done.returncode == 2
    assert f"模拟器和服务不能用同一个端口 {port}" in done.stderr
