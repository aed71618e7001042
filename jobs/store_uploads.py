"""Store traffic / POS uploads (C12), read by an RQ worker rather than in the request
(jobs.uploads keeps the file and the state the result page shows).

The job reads the file under models.sheets' limits, re-derives which stores the uploader
may write from the database (not from the request), and stores all rows or none."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from jobs import uploads
from models import store_ingest as ingest
from models.base import utcnow
from models.store_scope import visible_stores
from models.user import by_platform_id
from web import store_texts as S
from zhongshu import clock
from zhongshu.db import session_scope

log = logging.getLogger(__name__)

AREA = "stores"


def _now() -> datetime:
    return utcnow()


def run_upload(upload_id: str) -> str:
    """The RQ job: read, check and store the file (all rows or none)."""
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
