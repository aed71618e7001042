"""Store traffic / POS uploads (C12): the action the RQ job jobs.store_uploads.run_upload
runs for one upload id (the page saved the file and its state in
models/imports/uploads.py).

The file is read under lib.sheets' limits, which stores the uploader may write is
re-derived from the database (not from the request), and all rows are stored or none."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from handlers.stores import texts as S
from models.base import utcnow
from models.imports import uploads
from models.org.user import by_platform_id
from models.stores import ingest
from models.stores.scope import visible_stores
from zhongshu import clock
from zhongshu.db import session_scope

log = logging.getLogger(__name__)

AREA = "stores"


def _now() -> datetime:
    return utcnow()


def store_upload(upload_id: str) -> str:
    """Read, check and store the file (all rows or none); returns the final status."""
    meta = uploads.start(AREA, upload_id)
    if meta is None:
        return "skipped"
    path, kind = Path(meta["path"]), meta["kind"]
    tz = clock.business_tz()
    try:
        with session_scope() as db:
            user = by_platform_id(db, "wecom", meta["uploader"])
            if user is None:
                return uploads.finish(AREA, upload_id, uploads.STATUS_FAILED,
                                      error=S.UPLOAD_FAILED)
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
        return uploads.finish(AREA, upload_id, uploads.STATUS_REFUSED, error=exc.message)
    except Exception:
        log.exception("store upload %s failed", upload_id)
        return uploads.finish(AREA, upload_id, uploads.STATUS_FAILED, error=S.UPLOAD_FAILED)
    if not result.ok:
        log.info("store upload %s refused: %s rows with errors", upload_id, len(result.errors))
        return uploads.finish(AREA, upload_id, uploads.STATUS_REFUSED,
                              error=S.UPLOAD_REFUSED.format(n=len(result.errors)),
                              rows=[i.to_dict() for i in result.errors])
    done = (S.UPLOAD_DONE_TRAFFIC.format(n=result.stored) if kind == "traffic"
            else S.UPLOAD_DONE_SALES.format(n=result.stored, same=result.unchanged))
    return uploads.finish(AREA, upload_id, uploads.STATUS_DONE, done=done)
