"""``zhongshu worker`` keeps a worker running: RQ leaves its work loop, logging but not
raising, on a Redis timeout or any unhandled error (seen when Redis restarts from its AOF
mid-dequeue); the command must start a fresh worker then, and stop only when asked."""

from __future__ import annotations

from typing import Any
from unittest import mock

from click.testing import CliRunner

from zhongshu.cli import main

MADE: list[_FakeWorker] = []


class _FakeWorker:
    """Leaves ``work`` as RQ does: the first time on an error, then on a stop request."""

    def __init__(self, queues: Any, connection: Any) -> None:
        self._stop_requested = False
        MADE.append(self)

    def work(self, *, burst: bool, with_scheduler: bool) -> bool:
        if len(MADE) >= 2:
            self._stop_requested = True  # SIGTERM: warm shutdown
        return False


def test_a_worker_that_quits_on_its_own_is_restarted_and_a_requested_stop_ends_it() -> None:
    MADE.clear()
    with mock.patch("rq.Worker", _FakeWorker), mock.patch("rq.SimpleWorker", _FakeWorker), \
            mock.patch("time.sleep") as slept:
        result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 0, result.output
    assert len(MADE) == 2
    slept.assert_called_once_with(2)


def test_burst_ends_after_one_pass() -> None:
    MADE.clear()
    with mock.patch("rq.Worker", _FakeWorker), mock.patch("rq.SimpleWorker", _FakeWorker), \
            mock.patch("time.sleep") as slept:
        result = CliRunner().invoke(main, ["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert len(MADE) == 1
    slept.assert_not_called()
