"""Import customers and orders from the spreadsheets sales teams already keep (C3).

``import_customers`` / ``import_orders`` read a file (lib.sheets), find the header row
among the first rows (title rows and merged banners above it are common), map Chinese
headers and their usual synonyms to fields, clean and validate every row, and write
valid rows in batches with one INSERT … ON CONFLICT DO UPDATE per batch (SQLite and
PostgreSQL both have it). Refused rows are collected with their row number and reason,
and copied with an added 错误原因 column into an .xlsx error report the person can fix
and import again (the report's extra columns are ignored on re-import).

Upsert rules: customers by normalised phone — a row for a stored customer fills in only
its empty fields (the values it would have changed are listed in the report), unless
overwriting is asked for; an empty cell never blanks a stored value; a new phone whose
company name is a stored customer's under another spelling is refused, naming its owner;
columns nobody mapped go to ``customer.extra`` and are merged key by key. Orders by
订单编号 — each row is one order line (产品型号, 数量, 金额); rows sharing an order
number make one order whose amount is their sum, and importing an order again replaces its
lines.

Each batch is committed on its own so a long import never holds the SQLite write lock
for long; re-running a file after an interruption is safe because every write is an
upsert."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from models import messages as M
from models.imports import core
from models.imports.core import (
    BATCH_SIZE,
    IGNORED_HEADERS,
    ImportFileError,
    ImportResult,
    Progress,
    Refusal,
    default_report_path,
)
from models.imports.customers import CUSTOMER_COLUMNS, CustomerImport
from models.imports.orders import ORDER_COLUMNS, OrderImport
from zhongshu import clock

__all__ = ["BATCH_SIZE", "CUSTOMER_COLUMNS", "IGNORED_HEADERS", "ORDER_COLUMNS",
           "ImportFileError", "ImportResult", "Refusal", "default_report_path",
           "import_customers", "import_orders", "summary_lines", "to_json"]


def import_customers(session: Session, path: Path, *, report_path: Path | None = None,
                     progress: Progress | None = None, batch_size: int = BATCH_SIZE,
                     overwrite: bool = False) -> ImportResult:
    """Add the new customers in ``path`` and fill in stored customers' empty fields (or,
    with ``overwrite``, replace them); see the module docstring for the rules."""
    return core.run(session, path, CustomerImport(session, overwrite=overwrite),
                    report_path=report_path, progress=progress, batch_size=batch_size)


def import_orders(session: Session, path: Path, *, report_path: Path | None = None,
                  progress: Progress | None = None, batch_size: int = BATCH_SIZE,
                  timezone: str | None = None) -> ImportResult:
    """Upsert the orders in ``path`` and move each customer's ``last_order_at``.
    Times without a zone are business time (``ZS_TIMEZONE``)."""
    tz = clock.business_tz() if timezone is None else ZoneInfo(timezone)
    return core.run(session, path, OrderImport(session, tz),
                    report_path=report_path, progress=progress, batch_size=batch_size)


def summary_lines(result: ImportResult) -> list[str]:
    """The Chinese row-level report the CLI prints: summary, one line per refused row,
    then where the error report is."""
    counts = {"total": result.total, "inserted": result.inserted, "updated": result.updated,
              "existing": result.existing, "overwritten": result.overwritten,
              "refused": len(result.refused), "lines": result.lines}
    template = M.IMPORT_SUMMARY_CUSTOMERS if result.kind == "customers" \
        else M.IMPORT_SUMMARY_ORDERS
    head = template.format(**counts)
    if result.blank:
        head += M.IMPORT_BLANK_SKIPPED.format(blank=result.blank)
    out = [head]
    out += [M.IMPORT_REFUSED_ROW.format(row=r.row, reason=r.reason) for r in result.refused]
    out += [M.IMPORT_NOTED_ROW.format(row=r.row, reason=r.reason) for r in result.notes]
    if result.report_path is not None:
        out.append(M.IMPORT_REPORT_WRITTEN.format(path=result.report_path))
    return out


def to_json(result: ImportResult) -> str:
    """Machine-readable result, for scripts (``--json``)."""
    return json.dumps({
        "kind": result.kind, "total": result.total, "inserted": result.inserted,
        "updated": result.updated, "lines": result.lines, "blank": result.blank,
        "existing": result.existing, "overwritten": result.overwritten,
        "refused": [{"row": r.row, "reason": r.reason} for r in result.refused],
        "notes": [{"row": r.row, "reason": r.reason} for r in result.notes],
        "report": str(result.report_path) if result.report_path else None,
        "seconds": round(result.seconds, 3),
    }, ensure_ascii=False)
