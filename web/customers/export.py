"""The Excel exports (C3, C8): the customers a supervisor or director sees, with the list's
filters, and their visits; each active custom field is one more column.

Rows stream to a temporary .xlsx in openpyxl's write-only mode, a chunk at a time.
Routes are registered by web.customers.pages."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import send_file
from openpyxl import Workbook
from sqlmodel import Session, select
from werkzeug.wrappers import Response

from lib.sheet_out import text_cell, text_row
from models import messages as M
from models.base import as_utc, utcnow
from models.config import custom_fields as cf
from models.customers.customer import Customer
from models.customers.scope import scope_customer_records
from models.org.user import User
from models.visits.visit import Visit
from web import texts
from web.auth.guard import login_required
from web.customers.common import EXPORT_ROLES, user_names
from web.customers.listing import Filters
from web.visits import checkin_texts as CT
from zhongshu import clock
from zhongshu.db import session_scope

log = logging.getLogger(__name__)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ValuesOf = Callable[[list[int]], dict[int, dict[int, str]]]
EXPORT_CHUNK = 500
T = TypeVar("T")


def stream_xlsx(path: str, sheet: str, headers: list[str], items: Iterable[T],
                rows_of: Callable[[list[T]], Iterable[list[Any]]], tz: ZoneInfo) -> int:
    """``items`` as an .xlsx at ``path`` in openpyxl's write-only mode: rows stream to disk
    a chunk at a time (``rows_of`` turns a chunk into rows and may read what the chunk
    needs in one query), so a director's 100k customers never sit in memory. Text that
    looks like a formula stays text, headers included (lib.sheet_out) — a customer
    name must never run as a formula in the spreadsheet a manager opens — and times are in
    business time. Returns the row count."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    # Headers hold custom field names: text cells like every other string.
    ws.append(text_row(ws, headers))

    def cell(value: Any) -> Any:
        if isinstance(value, datetime):
            return as_utc(value).astimezone(tz).replace(tzinfo=None)
        return text_cell(ws, value)

    count = 0
    chunk: list[T] = []

    def flush() -> None:
        for row in rows_of(chunk):
            ws.append([cell(v) for v in row])
        chunk.clear()

    for item in items:
        chunk.append(item)
        count += 1
        if len(chunk) >= EXPORT_CHUNK:
            flush()
    flush()
    wb.save(path)
    return count


def send_export(prefix: str, filename: str, write: Callable[[str], int]) -> tuple[Response,
                                                                                   int]:
    """``write`` fills a temporary file; it is sent as ``filename`` and removed once sent
    (or at once, when writing fails)."""
    handle, path = tempfile.mkstemp(prefix=prefix, suffix=".xlsx")
    os.close(handle)
    try:
        count = write(path)
        response = send_file(path, mimetype=XLSX_MIME, as_attachment=True,
                             download_name=filename)
    except BaseException:
        os.unlink(path)
        raise
    response.call_on_close(lambda: os.unlink(path))
    return response, count


def write_export(path: str, customers: Iterable[Customer], owners: dict[str, str],
                 tz: ZoneInfo, fields: list[cf.FieldDef] | None = None,
                 values_of: ValuesOf | None = None) -> int:
    """The customers as an .xlsx at ``path``; each active custom field is one more
    column, its values read per chunk of rows."""
    fields = fields or []

    def rows_of(chunk: list[Customer]) -> Iterable[list[Any]]:
        extra = values_of([c.id for c in chunk if c.id is not None]) \
            if fields and values_of else {}
        for c in chunk:
            mine = extra.get(c.id or 0, {})
            yield [c.name, c.contact, c.phone, c.industry, c.intent, c.grade,
                   M.STAGE_LABELS.get(c.stage, c.stage), c.region, c.province, c.city,
                   c.address, owners.get(c.owner or "", c.owner), c.owner,
                   c.last_interaction_at, c.last_order_at, c.created_at,
                   *(mine.get(f.id or 0) for f in fields)]

    return stream_xlsx(path, texts.EXPORT_SHEET,
                       [*texts.EXPORT_HEADERS, *(f.name for f in fields)], customers,
                       rows_of, tz)


@login_required(roles=EXPORT_ROLES)


def export(user: User) -> Response:
    filters = Filters.from_request()
    tz = clock.business_tz()

    def write(path: str) -> int:
        with session_scope() as db:
            owners = dict(db.exec(select(User.wecom_userid, User.name)).all())
            fields = cf.visible_fields(db, cf.CUSTOMER, user)
            rows = db.exec(filters.query(user, db).execution_options(yield_per=1000))
            # A second connection reads the values while the first streams customers.
            with session_scope() as side:
                return write_export(path, rows, owners, tz, fields,
                                    lambda ids: cf.values_for(side, cf.CUSTOMER, ids))

    response, count = send_export("zs-export-", texts.EXPORT_FILENAME.format(
        date=utcnow().astimezone(tz).strftime("%Y%m%d")), write)
    # Exports leave the system: who took how many is worth a line in the log.
    log.info("customer export by %s (%s): %d rows, filters %s", user.wecom_userid, user.role,
             count, filters.args())
    return response


# -- the visit export (C8: each active visit field is a column) --------------------------------


def write_visit_export(path: str, db: Session, visits: Iterable[Visit], tz: ZoneInfo,
                       fields: list[cf.FieldDef]) -> int:
    """Visits as an .xlsx at ``path``, streamed in chunks like the customer export."""

    def rows_of(chunk: list[Visit]) -> Iterable[list[Any]]:
        ids = [v.id for v in chunk if v.id is not None]
        extra = cf.values_for(db, cf.VISIT, ids) if fields else {}
        names = dict(db.exec(select(Customer.id, Customer.name).where(
            Customer.id.in_({v.customer_id for v in chunk}))).all())  # type: ignore[union-attr]
        reps = user_names(db, [v.rep for v in chunk])
        for v in chunk:
            mine = extra.get(v.id or 0, {})
            yield [v.at, reps.get(v.rep, v.rep), v.rep, names.get(v.customer_id, ""), v.grade,
                   "、".join(v.pain_points), v.question, v.next_action, v.next_action_date,
                   CT.VISIT_STATES.get(v.status, v.status),
                   "" if v.compliant is None else ("是" if v.compliant else "否"),
                   *(mine.get(f.id or 0) for f in fields)]

    return stream_xlsx(path, texts.VISIT_EXPORT_SHEET,
                       [*texts.VISIT_EXPORT_HEADERS, *(f.name for f in fields)], visits,
                       rows_of, tz)


@login_required(roles=EXPORT_ROLES)


def visit_export(user: User) -> Response:
    tz = clock.business_tz()

    def write(path: str) -> int:
        with session_scope() as db:
            fields = cf.visible_fields(db, cf.VISIT, user)
            stmt = scope_customer_records(select(Visit), user, Visit.customer_id).order_by(
                Visit.at.desc(), Visit.id.desc())  # type: ignore[attr-defined,union-attr]
            # Streamed; a second connection reads names and values per chunk.
            with session_scope() as side:
                return write_visit_export(
                    path, side, db.exec(stmt.execution_options(yield_per=1000)), tz, fields)

    response, count = send_export("zs-visits-", texts.VISIT_EXPORT_FILENAME.format(
        date=utcnow().astimezone(tz).strftime("%Y%m%d")), write)
    log.info("visit export by %s (%s): %d rows", user.wecom_userid, user.role, count)
    return response
