"""The people counter's endpoint (C12), ``POST /stores/traffic`` on ``api_bp`` (no cookie,
no CSRF; registered by web/__init__.py through web/stores/pages.py).

A people counter posts ``{"rows": [{"store", "hour", "visitors"}]}`` signed with
HMAC-SHA256 over ``"{timestamp}.{body}"`` (headers ``X-ZS-Timestamp``, ``X-ZS-Signature``
hex) with ``ZS_COUNTER_SECRET``. Checked in this order, each answered with a JSON error
and nothing stored: secret configured, headers present, timestamp within the window, the
signature (constant-time), replay (the signature seen before, kept in Redis for twice
the window), JSON shape, then every row — all or nothing, upsert by store and hour."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time as clock
from typing import Any

from flask import jsonify, request
from redis.exceptions import RedisError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from models.stores import ingest
from web.stores import common
from web.stores import texts as S
from web.stores.common import api_bp
from zhongshu.clock import business_tz
from zhongshu.db import session_scope
from zhongshu.queues import get_redis
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

MAX_COUNTER_BODY = 1024 * 1024
REPLAY_PREFIX = "zs:stores:counter-sig:"


def _api_error(status: int, code: str, message: str,
               errors: list[dict[str, Any]] | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"ok": False, "error": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return jsonify(body), status


def counter_signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                    hashlib.sha256).hexdigest()


@api_bp.post("/stores/traffic")
def counter_traffic() -> tuple[Response, int]:
    settings = get_settings()
    if not settings.counter_secret:
        return _api_error(503, "not_configured", S.API_NOT_CONFIGURED)
    if request.content_length is not None and request.content_length > MAX_COUNTER_BODY:
        return _api_error(413, "too_large", S.API_TOO_LARGE)
    # Also caps a chunked body that carries no Content-Length.
    request.max_content_length = MAX_COUNTER_BODY
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _api_error(413, "too_large", S.API_TOO_LARGE)
    timestamp = request.headers.get("X-ZS-Timestamp", "")
    signature = request.headers.get("X-ZS-Signature", "")
    if not timestamp or not signature:
        return _api_error(401, "missing_signature", S.API_MISSING_SIGNATURE)
    try:
        sent_at = int(timestamp)
    except ValueError:
        return _api_error(401, "stale_timestamp",
                          S.API_STALE.format(window=settings.counter_window))
    if abs(clock.time() - sent_at) > settings.counter_window:
        return _api_error(401, "stale_timestamp",
                          S.API_STALE.format(window=settings.counter_window))
    expected = counter_signature(settings.counter_secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        log.info("counter post with a bad signature from %s", request.remote_addr)
        return _api_error(401, "bad_signature", S.API_BAD_SIGNATURE)
    try:
        fresh = get_redis().set(REPLAY_PREFIX + expected, 1, nx=True,
                                ex=2 * settings.counter_window)
    except RedisError:
        fresh = True  # the timestamp window still bounds replays; upserts are idempotent
        log.warning("counter replay check skipped: redis unavailable")
    if not fresh:
        return _api_error(409, "replay", S.API_REPLAY)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _api_error(400, "bad_json", S.API_BAD_JSON)
    rows = payload.get("rows") if isinstance(payload, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return _api_error(400, "bad_json", S.API_BAD_SHAPE)
    try:
        with session_scope() as db:
            result = ingest.ingest_traffic(db, list(enumerate(rows, start=1)), tz=business_tz(),
                                           source="counter", now=common.now())
            if not result.ok:
                db.rollback()
    except ingest.BatchError as exc:
        return _api_error(400, "no_rows", exc.message, [])
    if not result.ok:
        return _api_error(422, "rows_refused", S.API_REFUSED.format(n=len(result.errors)),
                          [issue.to_dict() for issue in result.errors])
    return jsonify({"ok": True, "stored": result.stored}), 200
