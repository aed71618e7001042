"""The baseline for bench/webhook_ack.py: a bare WSGI endpoint that reads the request body
and answers an empty 200 — no Flask, no crypto, no database, no Redis.

It runs under the same gunicorn settings as the service (same config module, workers,
threads, access log off), so the ratio service/bare isolates what the service's own ack
path costs on top of gunicorn itself.

    python -m gunicorn --config python:bench.gunicorn_conf --workers 2 --threads 4 \
        --bind 127.0.0.1:8001 bench.bare_app:app
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_CHUNK = 64 * 1024
_HEADERS = [("Content-Type", "text/plain"), ("Content-Length", "0")]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    stream = environ["wsgi.input"]
    while stream.read(_CHUNK):
        pass
    start_response("200 OK", _HEADERS)
    return [b""]
