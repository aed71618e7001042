"""Request guards shared by every inbound platform endpoint (WeCom's and DingTalk's).

Each guard raises an ``EdgeError`` that already knows its HTTP status, so a view is one
``try`` around "read, verify, parse" and one ``except`` that answers with ``reject``. The
rule these encode: a request that fails a check gets a short plain 4xx, one log line without
secrets or plaintext, and nothing is stored.

(These helpers are platform-neutral; they live here because this package owns the edge.
DingTalk's views import them rather than keep a second copy of security checks.)
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Protocol

from flask import Response, request

log = logging.getLogger("bot.edge")

_READ_CHUNK = 64 * 1024


class _Lookup(Protocol):
    """Query args and headers alike (both Werkzeug multidicts answer ``get``)."""

    def get(self, key: str, /) -> str | None: ...


class EdgeError(Exception):
    """A request refused at the edge; ``reason`` is safe to log and to send back."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadRequest(EdgeError):
    status = 400


class Forbidden(EdgeError):
    status = 403


class TooLarge(EdgeError):
    status = 413


def read_body(max_bytes: int) -> bytes:
    """The request body, refusing anything over ``max_bytes``.

    Content-Length is checked first so an honest oversized request is refused unread; the
    actual byte count is checked too because a chunked (or lying) request has none."""
    declared = request.content_length
    if declared is not None and declared > max_bytes:
        raise TooLarge("body too large")
    stream = request.stream
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_READ_CHUNK, max_bytes + 1 - total))
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise TooLarge("body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def require(values: _Lookup, *names: str) -> list[str]:
    """The first non-empty value among each group of alternative names.

    A name may list spellings separated by ``|`` (DingTalk sends ``timestamp`` or
    ``timeStamp``); a missing one is a 400, never a guess."""
    found: list[str] = []
    for name in names:
        value = next((values.get(n) for n in name.split("|") if values.get(n)), None)
        if not value:
            raise BadRequest(f"missing {name.split('|')[0]}")
        found.append(value)
    return found


def parse_timestamp(raw: str) -> int:
    """A platform timestamp as an int; anything but plain digits is a 400."""
    # isdigit() alone would accept non-ASCII digits such as '١٢'.
    if not raw.isascii() or not raw.isdigit() or len(raw) > 16:
        raise BadRequest("bad timestamp")
    return int(raw)


def check_window(seconds: float, window: int, now: float | None = None) -> None:
    """Refuse a request signed too far from now: a captured request cannot be replayed later."""
    current = time.time() if now is None else now
    if abs(current - seconds) > window:
        raise Forbidden("stale timestamp")


def same(expected: str, given: str) -> bool:
    """Constant-time string comparison (bytes, so non-ASCII input cannot raise)."""
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def reject(error: EdgeError, platform: str) -> Response:
    """The answer to a refused request, logged without secrets or body contents."""
    log.warning("%s edge refused %s %s: %s (status %s, from %s, %s bytes)", platform,
                request.method, request.path, error.reason, error.status,
                request.remote_addr, request.content_length)
    return Response(error.reason, status=error.status, mimetype="text/plain")
