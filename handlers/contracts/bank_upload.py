"""Book a bank export uploaded by finance (/h5/contracts/payments/import): the action the
RQ job jobs.bank_imports.run_bank_import runs for one upload id (the page saved the file
and its state in models/imports/uploads.py).

The file is read under lib.sheets' limits and each row is booked as the uploader, who
must still be an active finance user when it runs."""

from __future__ import annotations

import logging
from pathlib import Path

from handlers.contracts import import_payments as ip
from handlers.contracts import texts
from models.imports import core as import_core
from models.imports import uploads
from models.org.user import by_platform_id
from zhongshu.db import session_scope

log = logging.getLogger(__name__)

AREA = "bank"


def book_bank_upload(upload_id: str) -> str:
    """Book the upload's rows and record the result; returns the final status."""
    meta = uploads.start(AREA, upload_id)
    if meta is None:
        return "skipped"
    path = Path(meta["path"])
    try:
        with session_scope() as db:
            user = by_platform_id(db, "wecom", meta["uploader"])
            if user is None or user.role != "finance":
                return uploads.finish(AREA, upload_id, uploads.STATUS_FAILED,
                                      error=texts.IMPORT_JOB_FAILED)
            result = ip.import_payments(db, path, user=user,
                                        report_path=path.with_name("report.xlsx"))
    except import_core.ImportFileError as error:
        return uploads.finish(AREA, upload_id, uploads.STATUS_REFUSED, error=error.message)
    except Exception:
        log.exception("bank import %s failed", upload_id)
        return uploads.finish(AREA, upload_id, uploads.STATUS_FAILED,
                              error=texts.IMPORT_JOB_FAILED)
    log.info("bank import by %s: %s", meta["uploader"], ip.summary(result))
    return uploads.finish(AREA, upload_id, uploads.STATUS_DONE, summary=ip.summary(result),
                          rows=[{"row": r.row, "reason": r.reason} for r in result.refused])
