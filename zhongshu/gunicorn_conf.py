"""gunicorn settings for the web process (callbacks must be answered well inside 5 s)."""

import multiprocessing
import os

from zhongshu.settings import serving_settings

workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2)))
# One thread per worker: the ack path is short CPU work between loopback round trips, and
# extra threads mostly queue on the GIL (bench/webhook_ack.py measured p99 52 ms with
# 1 thread vs 353 ms with 4 at 200 req/s on 2 cores).
threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
# Each worker builds its own app (its own DB pool and Redis connection).
preload_app = False


def on_starting(server: object) -> None:
    """Refuse an unsafe configuration once, in the master, before any worker is forked:
    the lines naming each variable, and exit status 2 (not a loop of failing workers)."""
    serving_settings()
