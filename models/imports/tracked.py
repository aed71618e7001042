"""Spreadsheet imports started from the admin page (C3): their state and the run an RQ
worker does (web/admin/imports.py creates, queues and shows one; the RQ entry point
jobs.imports.run_import runs ``run``).

The upload is saved under ``instance/imports/<id>/`` and described by a small Redis hash
(``zs:import:<id>``): who uploaded what, and the progress the page polls — status, rows
done / total, and at the end inserted / updated / refused and the error report's path.
The job takes only the import id and reads everything else from that hash.

Before anything is written the whole file is read once to count its rows. That gives the
progress bar its total and, above all, means a file that is corrupt half-way through is
refused before the importer (which commits batch by batch) has written its first batch:
a bad file writes nothing. Re-running an import is safe, the importer only upserts."""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from pathlib import Path
from typing import Any

from redis.exceptions import RedisError

from lib.sheets import SheetError, iter_rows
from models.imports import importer as importing
from zhongshu.db import session_scope
from zhongshu.queues import QUEUE_DEFAULT, get_queue, get_redis

JOB_IMPORT = "jobs.imports.run_import"  # queued by name: jobs/ sits above this module

log = logging.getLogger(__name__)

KINDS = ("customers", "orders")
STATE_TTL = 7 * 24 * 3600  # the page, its numbers and the report link live a week
JOB_TIMEOUT = 3600  # 100k rows take well under this; RQ's default 180 s does not do

STATUS_QUEUED = "queued"
STATUS_COUNTING = "counting"
STATUS_RUNNING = "running"
STATUS_DONE = "done"
STATUS_FAILED = "failed"
FINISHED = (STATUS_DONE, STATUS_FAILED)

# Why a failed import failed; the page words each one (the importer's own message, when
# it has one, is in ``error``).
ERROR_FILE = "file"  # the importer or reader refused the file: message in ``error``
ERROR_CORRUPT = "corrupt"  # the file broke part-way through reading
ERROR_INTERNAL = "internal"  # our bug or the database: logged with the traceback

_INT_FIELDS = ("total", "done", "inserted", "updated", "existing", "overwritten", "refused",
               "noted", "lines", "blank")


def _key(import_id: str) -> str:
    return f"zs:import:{import_id}"


def new_import_id() -> str:
    # Unguessable: the id appears in URLs (access is still checked on every request).
    return secrets.token_hex(12)


def create(import_id: str, *, kind: str, path: Path, filename: str, uploader: str,
           overwrite: bool = False) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    redis = get_redis()
    key = _key(import_id)
    redis.hset(key, mapping={
        "kind": kind, "path": str(path.resolve()), "filename": filename, "uploader": uploader,
        "overwrite": "1" if overwrite else "0", "status": STATUS_QUEUED,
        "created_at": f"{time.time():.0f}",
        **dict.fromkeys(_INT_FIELDS, 0)})
    redis.expire(key, STATE_TTL)


def state(import_id: str) -> dict[str, Any] | None:
    """The import's description and progress, or None if unknown / expired."""
    raw = get_redis().hgetall(_key(import_id))
    if not raw:
        return None
    out: dict[str, Any] = {k.decode() if isinstance(k, bytes) else k:
                           v.decode() if isinstance(v, bytes) else v for k, v in raw.items()}
    for name in _INT_FIELDS:
        out[name] = int(out.get(name) or 0)
    return out


def _update(import_id: str, **values: Any) -> None:
    get_redis().hset(_key(import_id), mapping={k: "" if v is None else v
                                                for k, v in values.items()})


def enqueue(import_id: str) -> None:
    get_queue(QUEUE_DEFAULT).enqueue(JOB_IMPORT, import_id, job_id=f"import-{import_id}",
                                     job_timeout=JOB_TIMEOUT, result_ttl=STATE_TTL,
                                     failure_ttl=STATE_TTL)


def count_rows(path: Path) -> int:
    """Data rows in the file (non-blank rows, less the header): the progress bar's total.
    Title rows above the header make it a little high; the final count is the importer's."""
    rows = 0
    for _number, values in iter_rows(path):
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
            rows += 1
    return max(rows - 1, 0)


def _fail(import_id: str, code: str, message: str = "") -> str:
    _update(import_id, status=STATUS_FAILED, error_code=code, error=message)
    return STATUS_FAILED


def run(import_id: str) -> str:
    """Count, then import the file. Returns the final status ("skipped" for an import
    already finished)."""
    meta = state(import_id)
    if meta is None:
        log.warning("import %s: no state (expired?)", import_id)
        return "missing"
    if meta["status"] in FINISHED:
        return "skipped"
    path = Path(meta["path"])
    _update(import_id, status=STATUS_COUNTING, started_at=f"{time.time():.0f}")
    try:
        total = count_rows(path)
    except SheetError as error:
        return _fail(import_id, ERROR_FILE, error.message)
    except Exception as error:  # noqa: BLE001 - zip, XML, decoding: all "the file is broken"
        log.info("import %s: file unreadable part-way: %r", import_id, error)
        return _fail(import_id, ERROR_CORRUPT, type(error).__name__)
    _update(import_id, status=STATUS_RUNNING, total=total, done=0)

    def progress(rows: int) -> None:
        # progress is for the page; the import itself must not stop for it
        with contextlib.suppress(RedisError):
            _update(import_id, done=rows)

    try:
        with session_scope() as db:
            if meta["kind"] == "customers":
                result = importing.import_customers(db, path, progress=progress,
                                                    overwrite=meta.get("overwrite") == "1")
            else:
                result = importing.import_orders(db, path, progress=progress)
    except importing.ImportFileError as error:
        return _fail(import_id, ERROR_FILE, error.message)
    except Exception:
        log.exception("import %s failed", import_id)
        return _fail(import_id, ERROR_INTERNAL)
    _update(import_id, status=STATUS_DONE, total=result.total, done=result.total,
            inserted=result.inserted, updated=result.updated, refused=len(result.refused),
            existing=result.existing, overwritten=result.overwritten, noted=len(result.notes),
            lines=result.lines, blank=result.blank,
            report=str(result.report_path) if result.report_path else "",
            seconds=f"{result.seconds:.1f}", finished_at=f"{time.time():.0f}")
    log.info("import %s (%s, by %s): %s", import_id, meta["kind"], meta["uploader"],
             importing.summary_lines(result)[0])
    return STATUS_DONE
