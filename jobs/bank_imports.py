"""Bank exports uploaded by finance (/h5/contracts/payments/import), booked by an RQ worker
rather than in the request (jobs.uploads keeps the file and the result page's state).

The job reads the file under models.sheets' limits and books each row as the uploader,
who must still be an active finance user when it runs."""

from __future__ import annotations

import logging
from pathlib import Path

from jobs import uploads
from models import import_core
from models import import_payments as ip
from models.user import by_platform_id
from web import contracts_texts as C
from zhongshu.db import session_scope

log = logging.getLogger(__name__)

AREA = "bank"


def run_bank_import(upload_id: str) -> str:
    meta = uploads.start(AREA, upload_id)
    if meta is None:
        return "skipped"
    path = Path(meta["path"])
    try:
        with session_scope() as db:
            user = by_platform_id(db, "wecom", meta["uploader"])
            if user is None or user.role != "finance":
                return uploads.finish(AREA, upload_id, uploads.STATUS_FAILED,
                                      error=C.IMPORT_JOB_FAILED)
            result = ip.import_payments(db, path, user=user,
                                        report_path=path.with_name("report.xlsx"))
    except import_core.ImportFileError as error:
        return uploads.finish(AREA, upload_id, uploads.STATUS_REFUSED, error=error.message)
    except Exception:
        log.exception("bank import %s failed", upload_id)
        return uploads.finish(AREA, upload_id, uploads.STATUS_FAILED, error=C.IMPORT_JOB_FAILED)
    log.info("bank import by %s: %s", meta["uploader"], ip.summary(result))
    return uploads.finish(AREA, upload_id, uploads.STATUS_DONE, summary=ip.summary(result),
                          rows=[{"row": r.row, "reason": r.reason} for r in result.refused])
