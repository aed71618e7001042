"""Real ``zhongshu worker`` processes for the fault tests (the same command production
runs), started with this test process's environment and stopped by their own pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ZHONGSHU = str(Path(sys.executable).with_name("zhongshu"))


class Workers:
    def __init__(self, n: int, log_dir: Path, **env: str) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []
        for i in range(n):
            log = log_dir / f"worker-{i}.log"
            self.logs.append(log)
            self.procs.append(subprocess.Popen(
                [ZHONGSHU, "worker"], env={**os.environ, **env},
                stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True))

    def alive(self) -> int:
        return sum(1 for p in self.procs if p.poll() is None)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                # SIGTERM to the worker's own process group only (it and its work horse).
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)

    def output(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs if log.exists())


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str,
             every: float = 0.2, tick: Callable[[], object] | None = None,
             explain: Callable[[], str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            detail = explain()[-4000:] if explain is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{detail}")
        if tick is not None:
            tick()
        time.sleep(every)
