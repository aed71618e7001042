"""Store traffic / POS uploads (C12), read by an RQ worker rather than in the request.

The page saves the file under ``instance/store_uploads/<id>/`` and describes it in a small
Redis hash (``zs:store-upload:<id>``): kind, uploader, status, and at the end the result —
the "saved" line, or the refusal (a file-level message, or the rows with errors). The job
reads the file under models.sheets' limits, re-derives which stores the uploader may write
from the database (not from the request), stores all rows or none, and deletes the file."""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from models import store_ingest as ingest
from models.base import utcnow
from models.store_scope import visible_stores
from models.user import User
from web import store_texts as S
from zhongshu.db import session_scope
from zhongshu.queues import QUEUE_DEFAULT, get_queue, get_redis
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

STATE_TTL = 24 * 3600
JOB_TIMEOUT = 900
MAX_ISSUES_KEPT = 500  # rows with errors shown on the page; the count is always exact

STATUS_QUEUED = "queued"
STATUS_RUNNING = "running"
STATUS_DONE = "done"
STATUS_REFUSED = "refused"
STATUS_FAILED = "failed"
FINISHED = (STATUS_DONE, STATUS_REFUSED, STATUS_FAILED)


def uploads_dir() -> Path:
    return (get_settings().instance_dir / "store_uploads").resolve()


def _key(upload_id: str) -> str:
    return f"zs:store-upload:{upload_id}"


def new_upload_id() -> str:
    return secrets.token_hex(12)


def create(upload_id: str, *, kind: str, path: Path, uploader: str) -> None:
    redis = get_redis()
    key = _key(upload_id)
    redis.hset(key, mapping={"kind": kind, "path": str(path.resolve()), "uploader": uploader,
                             "status": STATUS_QUEUED, "created_at": f"{time.time():.0f}"})
    redis.expire(key, STATE_TTL)


def state(upload_id: str) -> dict[str, Any] | None:
    raw = get_redis().hgetall(_key(upload_id))
    if not raw:
        return None
    out = {k.decode() if isinstance(k, bytes) else k: v.decode() if isinstance(v, bytes) else v
           for k, v in raw.items()}
    out["issues"] = [ingest.RowIssue(**i) for i in json.loads(out.get("issues") or "[]")]
    out["issue_count"] = int(out.get("issue_count") or 0)
    return out


def _update(upload_id: str, **values: Any) -> None:
    get_redis().hset(_key(upload_id), mapping={k: "" if v is None else v
                                                for k, v in values.items()})


def enqueue(upload_id: str) -> None:
    get_queue(QUEUE_DEFAULT).enqueue(run_upload, upload_id, job_id=f"store-upload-{upload_id}",
                                     job_timeout=JOB_TIMEOUT, result_ttl=STATE_TTL,
                                     failure_ttl=STATE_TTL)


def _now() -> datetime:
    return utcnow()


def run_upload(upload_id: str) -> str:
    """The RQ job: read, check and store the file (all rows or none)."""
    meta = state(upload_id)
    if meta is None:
        log.warning("store upload %s: no state (expired?)", upload_id)
        return "missing"
    if meta["status"] in FINISHED:
        return "skipped"
    path, kind = Path(meta["path"]), meta["kind"]
    _update(upload_id, status=STATUS_RUNNING)
    tz = ZoneInfo(get_settings().timezone)
    try:
        with session_scope() as db:
            user = db.exec(select(User).where(User.wecom_userid == meta["uploader"],
                                              User.active == True)).first()
            if user is None:
                return _finish(upload_id, path, STATUS_FAILED, error=S.UPLOAD_FAILED)
            allowed = None if user.role == "hq" else {s.code for s in visible_stores(db, user)}
            rows = list(ingest.file_rows(path, kind))
            if kind == "traffic":
                result = ingest.ingest_traffic(db, rows, tz=tz, source="upload",
                                               allowed=allowed, now=_now())
            else:
                result = ingest.ingest_sales(db, rows, tz=tz, allowed=allowed, now=_now())
            if not result.ok:
                db.rollback()
    except ingest.BatchError as exc:
        return _finish(upload_id, path, STATUS_REFUSED, error=exc.message)
    except Exception:
        log.exception("store upload %s failed", upload_id)
        return _finish(upload_id, path, STATUS_FAILED, error=S.UPLOAD_FAILED)
    if not result.ok:
        log.info("store upload %s refused: %s rows with errors", upload_id, len(result.errors))
        issues = [i.to_dict() for i in result.errors[:MAX_ISSUES_KEPT]]
        return _finish(upload_id, path, STATUS_REFUSED,
                       error=S.UPLOAD_REFUSED.format(n=len(result.errors)),
                       issues=json.dumps(issues, ensure_ascii=False),
                       issue_count=len(result.errors))
    done = (S.UPLOAD_DONE_TRAFFIC.format(n=result.stored) if kind == "traffic"
            else S.UPLOAD_DONE_SALES.format(n=result.stored, same=result.unchanged))
    return _finish(upload_id, path, STATUS_DONE, done=done)


def _finish(upload_id: str, path: Path, status: str, **values: Any) -> str:
    _update(upload_id, status=status, finished_at=f"{time.time():.0f}", **values)
    folder = path.parent
    if folder.is_relative_to(uploads_dir()):
        shutil.rmtree(folder, ignore_errors=True)
    return status
