"""The state of spreadsheet uploads read by an RQ worker instead of the web request (store
traffic and POS files, bank exports; the admin import tracks its own progress in
models/imports/tracked.py). The pages (web/stores, web/contracts) save and queue an upload
and show its state; the actions the jobs run (handlers/stores/uploads.py,
handlers/contracts/bank_upload.py) start and finish it.

A page saves the file under ``instance/uploads/<area>/<id>/`` and records it here in a
small Redis hash (``zs:upload:<area>:<id>``): the uploader, the status, and at the end what
the result page shows (a summary, a refusal, the rows with problems as JSON). The job
deletes the file when it is done. The result page is the uploader's only."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redis.typing import EncodableT

from zhongshu.queues import QUEUE_DEFAULT, get_queue, get_redis
from zhongshu.settings import get_settings

STATE_TTL = 24 * 3600
JOB_TIMEOUT = 900
MAX_ROWS_KEPT = 500  # rows with problems kept for the page; the count is always exact
UPLOAD_ID = re.compile(r"^[0-9a-f]{24}$")

STATUS_QUEUED = "queued"
STATUS_RUNNING = "running"
STATUS_DONE = "done"
STATUS_REFUSED = "refused"
STATUS_FAILED = "failed"
FINISHED = (STATUS_DONE, STATUS_REFUSED, STATUS_FAILED)


def progress_view(meta: dict[str, Any], labels: dict[str, str], waiting: str) -> dict[str, Any]:
    """What a result page and its JSON show of an upload (app.js polls until
    ``finished``), in the page's own words for the statuses and the wait."""
    return {"status": meta["status"], "finished": meta["finished"],
            "percent": 100 if meta["finished"] else 0,
            "status_label": labels.get(meta["status"], meta["status"]),
            "progress_text": "" if meta["finished"] else waiting}


def folder(area: str) -> Path:
    return (get_settings().instance_dir / "uploads" / area).resolve()


def _key(area: str, upload_id: str) -> str:
    return f"zs:upload:{area}:{upload_id}"


def new_path(area: str, suffix: str) -> tuple[str, Path]:
    """A fresh id and where to save its file (our own name; the person's is not used)."""
    upload_id = secrets.token_hex(12)
    target = folder(area) / upload_id
    target.mkdir(parents=True, exist_ok=True)
    return upload_id, target / f"upload{suffix}"


def discard(path: Path) -> None:
    """Remove a saved upload's folder (only ever one of ours)."""
    root = (get_settings().instance_dir / "uploads").resolve()
    parent = path.parent.resolve()
    if parent.is_relative_to(root) and len(parent.relative_to(root).parts) == 2:
        shutil.rmtree(parent, ignore_errors=True)


def queue(area: str, upload_id: str, job: Callable[[str], Any], *, path: Path, uploader: str,
          **fields: str) -> None:
    redis = get_redis()
    key = _key(area, upload_id)
    mapping: dict[EncodableT, EncodableT] = {
        "path": str(path.resolve()), "uploader": uploader, "status": STATUS_QUEUED,
        "created_at": f"{time.time():.0f}"}
    mapping.update(fields)
    redis.hset(key, mapping=mapping)
    redis.expire(key, STATE_TTL)
    get_queue(QUEUE_DEFAULT).enqueue(job, upload_id, job_id=f"{area}-{upload_id}",
                                     job_timeout=JOB_TIMEOUT, result_ttl=STATE_TTL,
                                     failure_ttl=STATE_TTL)


def state(area: str, upload_id: str) -> dict[str, Any] | None:
    raw = get_redis().hgetall(_key(area, upload_id))
    if not raw:
        return None
    out: dict[str, Any] = {
        k.decode() if isinstance(k, bytes) else k: v.decode() if isinstance(v, bytes) else v
        for k, v in raw.items()}
    out["rows"] = json.loads(out.get("rows") or "[]")
    out["row_count"] = int(out.get("row_count") or 0)
    out["finished"] = out["status"] in FINISHED
    return out


def state_for(area: str, upload_id: str, userid: str) -> dict[str, Any] | None:
    """The upload if it exists and ``userid`` uploaded it."""
    if not UPLOAD_ID.match(upload_id):
        return None
    meta = state(area, upload_id)
    if meta is None or meta.get("uploader") != userid:
        return None
    return meta


def start(area: str, upload_id: str) -> dict[str, Any] | None:
    """The job's first step: the upload's state, marked running; None when it expired or
    already finished (a retried job does nothing twice)."""
    meta = state(area, upload_id)
    if meta is None or meta["finished"]:
        return None
    get_redis().hset(_key(area, upload_id), "status", STATUS_RUNNING)
    return meta


def finish(area: str, upload_id: str, status: str, *, rows: list[dict[str, Any]] | None = None,
           **values: Any) -> str:
    """Record the result and delete the file."""
    fields: dict[EncodableT, Any] = {"status": status, "finished_at": f"{time.time():.0f}",
                              **{k: "" if v is None else v for k, v in values.items()}}
    if rows is not None:
        fields["rows"] = json.dumps(rows[:MAX_ROWS_KEPT], ensure_ascii=False)
        fields["row_count"] = len(rows)
    get_redis().hset(_key(area, upload_id), mapping=fields)
    meta = state(area, upload_id)
    if meta is not None and meta.get("path"):
        discard(Path(meta["path"]))
    return status
