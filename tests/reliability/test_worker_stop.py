"""A deploy stops ``zhongshu worker`` with SIGTERM: an idle worker exits at once, cleanly,
instead of starting a fresh worker (which the process manager would SIGKILL later, maybe
in the middle of a job)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.reliability.workers import Workers, wait_for


def test_an_idle_worker_exits_on_sigterm_without_restarting(tmp_path: Path) -> None:
    workers = Workers(1, tmp_path)
    try:
        # RQ logs "Listening on" before it starts its scheduler and installs its signal
        # handlers; its first registry clean-up runs inside the loop, after both.
        wait_for(lambda: "cleaning registries" in workers.output(), timeout=60,
                 what="the worker's loop", explain=workers.output)
        proc = workers.procs[0]
        started = time.monotonic()
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(10) == 0
        assert time.monotonic() - started < 5
        assert "restarting" not in workers.output()
    finally:
        workers.stop()
