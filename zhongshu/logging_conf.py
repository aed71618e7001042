"""Logging for every process: plain lines in development, JSON lines in production
(``ZS_LOG_JSON=1``), each carrying the request id (web) or the job id (worker), so one
event can be followed from the callback to the push across processes.

Secrets never reach a log line: the platform clients never log URLs with access tokens,
and as a last line of defence the filter below masks ``access_token=…`` and the like."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from rq import get_current_job

from zhongshu.settings import get_settings

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("zs_request_id",
                                                                         default=None)
job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("zs_job_id", default=None)

_SECRET_PARAM = re.compile(
    # One-time sign-in codes too (WeCom OAuth ``code=``, DingTalk 免登 ``{"code": …}``),
    # but not ``errcode`` and friends: a code only as a whole word.
    r"((?:access_token|corpsecret|appsecret|secret|token|EncodingAESKey|aes_key|sign"
    r"|\bcode|\bauthCode|\bauth_code)"
    r"[\"']?\s*[=:]\s*[\"']?)([^&\s\"',}]+)", re.IGNORECASE)


def mask_secrets(text: str) -> str:
    return _SECRET_PARAM.sub(lambda m: m.group(1) + "***", text)


class ContextFilter(logging.Filter):
    """Adds request_id / job_id to every record and masks secret-looking parameters."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Extra attributes the formatters read (LogRecord takes any attribute).
        rid = record.request_id = request_id.get() or ""
        jid = record.job_id = job_id.get() or _current_rq_job_id() or ""
        ids = " ".join(x for x in (rid, jid) if x)
        record.ctx = f"[{ids}] " if ids else ""
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def _current_rq_job_id() -> str | None:
    try:
        job = get_current_job()
        return job.id if job is not None else None
    except Exception:  # noqa: BLE001 - outside a worker there is no job
        return None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "process": record.process,
        }
        for key in ("request_id", "job_id"):
            value = getattr(record, key, None)
            if value:
                data[key] = value
        if record.exc_info:
            data["exc"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


def configure(*, json_lines: bool | None = None, level: str | None = None) -> None:
    """Install one handler on the root logger (idempotent: a second call replaces it)."""
    settings = get_settings()
    use_json = settings.log_json if json_lines is None else json_lines
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if use_json else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(ctx)s%(message)s"))
    handler.set_name("zhongshu")
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == "zhongshu":
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel((level or settings.log_level).upper())
