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

    idle_stop = False  # how RQ records the SIGTERM: idle, or in the middle of a job

    def __init__(self, queues: Any, connection: Any) -> None:
        self._stop_requested = False
        self._shutdown_requested_date: object = None
        MADE.append(self)

    def work(self, *, burst: bool, with_scheduler: bool) -> bool:
        if len(MADE) >= 2:  # SIGTERM: warm shutdown
            self._shutdown_requested_date = object()
            self._stop_requested = not self.idle_stop
        return False


def test_a_worker_that_quits_on_its_own_is_restarted_and_a_requested_stop_ends_it() -> None:
    MADE.clear()
    with mock.patch("rq.Worker", _FakeWorker), mock.patch("rq.SimpleWorker", _FakeWorker), \
            mock.patch("time.sleep") as slept:
        result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 0, result.output
    assert len(MADE) == 2
    slept.assert_called_once_with(2)


def test_a_stop_requested_while_idle_ends_it_too() -> None:
    # RQ leaves an idle worker's loop by StopRequested without setting _stop_requested.
    MADE.clear()
    with mock.patch("rq.Worker", _IdleStop), mock.patch("rq.SimpleWorker", _IdleStop), \
            mock.patch("time.sleep"):
        result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 0, result.output
    assert len(MADE) == 2


class _IdleStop(_FakeWorker):
    idle_stop = True


def test_burst_ends_after_one_pass() -> None:
    MADE.clear()
    with mock.patch("rq.Worker", _FakeWorker), mock.patch("rq.SimpleWorker", _FakeWorker), \
            mock.patch("time.sleep") as slept:
        result = CliRunner().invoke(main, ["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert len(MADE) == 1
    slept.assert_not_called()
