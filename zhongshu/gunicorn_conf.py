"""gunicorn settings for the web process (callbacks must be answered well inside 5 s)."""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
# Each worker builds its own app (its own DB pool and Redis connection).
preload_app = False
