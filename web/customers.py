"""Customer pages (C3, C11): my customers, one customer's 360 view, and the Excel export.

Every query starts from models.scope (``visible_customers``, ``get_customer_for``,
``scope_orders``, ``scope_customer_records``), so a page shows exactly what the rule there
allows. A customer outside the user's scope and one that doesn't exist get the same 404
page, which names neither."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from sqlalchemy import func, or_
from sqlmodel import Session, select
from werkzeug.wrappers import Response

from models import custom_fields as cf
from models import glossary
from models import messages as M
from models import visit as vm
from models.base import as_utc, utcnow
from models.communication import Communication
from models.customer import GRADES, Customer
from models.order import OrderLine, SalesOrder
from models.scope import (
    EDITOR_ROLES,
    get_customer_for,
    scope_customer_records,
    scope_orders,
    visible_customers,
)
from models.ticket import ServiceTicket
from models.user import User
from models.visit import Visit, VisitFlag
from web import checkin_texts as CT
from web import custom_fields as cfw
from web import texts
from web.auth import login_required, max_body, message_page, request_db
from zhongshu import clock
from zhongshu.db import session_scope

log = logging.getLogger(__name__)

bp = Blueprint("customers", __name__, template_folder="templates")

PAGE_SIZE = 20
TIMELINE_STEP = 20  # entries shown at first and added by each 查看更多
TIMELINE_MAX = 500
EXPORT_ROLES = ("supervisor", "director")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_GRADE_FILTER = "none"
CONTRACTS_LABEL = "合同与回款"  # the 360's link to the customer's contracts (C6)


def customer_not_found(user: User | None) -> tuple[str, int]:
    """The one answer for "missing" and "not yours": nothing tells them apart."""
    return message_page(texts.CUSTOMER_NOT_FOUND_TITLE, texts.CUSTOMER_NOT_FOUND_DESC,
                        status=404, user=user,
                        buttons=[(texts.BACK_TO_LIST, "/h5/customers", True)])


# -- time, in the business time zone ---------------------------------------------------------


def days_since(moment: datetime | None, now: datetime, tz: ZoneInfo) -> int | None:
    """Calendar days between ``moment`` and ``now`` as the team's clock shows them: 23:50
    yesterday is 1 day ago at 00:10 today, although only 20 minutes passed."""
    if moment is None:
        return None
    today = as_utc(now).astimezone(tz).date()
    return max(0, (today - as_utc(moment).astimezone(tz).date()).days)


def local_time(moment: datetime | None, tz: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return as_utc(moment).astimezone(tz).strftime(fmt) if moment is not None else ""


def ago(days: int | None) -> str:
    if days is None:
        return texts.NEVER
    return texts.TODAY if days == 0 else texts.DAYS_AGO.format(days=days)


def money(amount: Decimal | None) -> str:
    return f"{amount or Decimal(0):,.2f}"


def quantity(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}"


# -- the 360 view -------------------------------------------------------------------------------
@dataclass
class Entry:
    """One item of the merged timeline."""

    kind: str  # "order" | "ticket" | "communication" | "visit"
    at: datetime
    title: str
    amount: str | None = None
    lines: list[str] = field(default_factory=list)
    body: str | None = None
    photo_url: str | None = None  # a visit's watermarked photo (never the original)
    url: str | None = None  # the entry's own page (a contract)


def user_names(db: Session, userids: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({u for u in userids if u})
    if not wanted:
        return {}
    rows = db.exec(select(User.wecom_userid, User.name)
                   .where(User.wecom_userid.in_(wanted)))  # type: ignore[attr-defined]
    return dict(rows.all())


def timeline(db: Session, user: User, customer_id: int, limit: int) -> tuple[list[Entry], bool]:
    """Orders (with lines), service tickets and communication records, newest first; the
    first ``limit`` of them and whether there are more. Each source is read through its
    scope function and at most ``limit + 1`` rows deep, which is all a merge can need."""
    depth = limit + 1
    orders = db.exec(
        scope_orders(select(SalesOrder).where(SalesOrder.customer_id == customer_id), user)
        .order_by(SalesOrder.ordered_at.desc(), SalesOrder.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(depth)).all()
    tickets = db.exec(
        scope_customer_records(select(ServiceTicket)
                               .where(ServiceTicket.customer_id == customer_id),
                               user, ServiceTicket.customer_id)
        .order_by(ServiceTicket.opened_at.desc(), ServiceTicket.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(depth)).all()
    talks = db.exec(
        scope_customer_records(select(Communication)
                               .where(Communication.customer_id == customer_id),
                               user, Communication.customer_id)
        .order_by(Communication.at.desc(), Communication.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(depth)).all()

    lines: dict[int, list[OrderLine]] = {}
    order_ids = [o.id for o in orders if o.id is not None]
    if order_ids:
        for line in db.exec(select(OrderLine)
                            .where(OrderLine.order_id.in_(order_ids))  # type: ignore[attr-defined]
                            .order_by(OrderLine.id)):  # type: ignore[arg-type]
            lines.setdefault(line.order_id, []).append(line)
    visits = db.exec(
        scope_customer_records(select(Visit).where(Visit.customer_id == customer_id),
                               user, Visit.customer_id)
        .order_by(Visit.at.desc(), Visit.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(depth)).all()
    visit_flags: dict[int, list[str]] = {}
    visit_ids = [v.id for v in visits if v.id is not None]
    if visit_ids:
        for flag in db.exec(select(VisitFlag).where(VisitFlag.visit_id.in_(visit_ids))  # type: ignore[attr-defined]
                            .order_by(VisitFlag.id)):  # type: ignore[arg-type]
            visit_flags.setdefault(flag.visit_id, []).append(flag.reason)
    names = user_names(db, [t.user_id for t in talks] + [v.rep for v in visits])
    visit_fields = cf.visible_fields(db, cf.VISIT, user)
    visit_values = cf.values_for(db, cf.VISIT, visit_ids) if visit_fields and visit_ids else {}

    entries: list[Entry] = []
    for order in orders:
        order_lines = [texts.ORDER_LINE.format(model=line.product_model or texts.UNKNOWN_MODEL,
                                               quantity=quantity(line.quantity),
                                               amount=money(line.amount))
                       for line in lines.get(order.id or 0, [])]
        entries.append(Entry("order", as_utc(order.ordered_at),
                             texts.ORDER_TITLE.format(order_no=order.order_no),
                             amount=texts.ORDER_AMOUNT.format(amount=money(order.amount)),
                             lines=order_lines or [texts.ORDER_NO_LINES]))
    for ticket in tickets:
        status = M.TICKET_STATUS_LABELS.get(ticket.status, ticket.status)
        entries.append(Entry("ticket", as_utc(ticket.opened_at),
                             texts.TICKET_TITLE.format(status=status),
                             body=ticket.subject + (f"：{ticket.detail}" if ticket.detail else "")))
    for talk in talks:
        entries.append(Entry("communication", as_utc(talk.at), texts.COMM_TITLE.format(
            channel=M.CHANNEL_LABELS.get(talk.channel, talk.channel),
            who=names.get(talk.user_id, talk.user_id)), body=talk.summary))
    for visit in visits:
        entries.append(visit_entry(visit, names.get(visit.rep, visit.rep),
                                   visit_flags.get(visit.id or 0, []),
                                   cf.shown(visit_fields, visit_values.get(visit.id or 0, {}))))
    from web.contracts import customer_entries  # contracts and payments (C6)

    entries += [Entry("contract", c.at, c.title, amount=c.amount, lines=c.lines, url=c.url)
                for c in customer_entries(db, user, customer_id, depth)]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit], len(entries) > limit


def visit_entry(visit: Visit, rep_name: str, reasons: list[str],
                custom: Iterable[tuple[str, str]] = ()) -> Entry:
    state = CT.VISIT_STATES.get(visit.status, "")
    if visit.status == vm.STATUS_CHECKED:
        state = CT.VISIT_OK if visit.compliant else CT.VISIT_FLAGGED
    lines = [CT.VISIT_STATE.format(state=state)] if state else []
    lines += [CT.VISIT_FLAG_LINE.format(reason=r) for r in reasons]
    if visit.pain_points:
        lines.append(CT.VISIT_PAIN_POINTS.format(items="、".join(visit.pain_points)))
    if visit.next_action:
        lines.append(CT.VISIT_NEXT.format(action=visit.next_action))
    lines += [texts.CUSTOM_FIELD_LINE.format(name=name, value=value) for name, value in custom]
    return Entry("visit", as_utc(visit.at),
                 CT.VISIT_TITLE.format(rep=rep_name, grade=glossary.grade_label(visit.grade)),
                 lines=lines, body=visit.question,
                 photo_url=f"/h5/visits/{visit.id}/photo" if visit.photo_marked_path else None)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


@bp.get("/h5/customers/<int:customer_id>")
@login_required
def detail(customer_id: int, user: User) -> str | tuple[str, int]:
    limit = _int_arg("n", TIMELINE_STEP, 1, TIMELINE_MAX)
    db = request_db()
    customer = get_customer_for(db, user, customer_id)
    if customer is None:
        return customer_not_found(user)
    owner = user_names(db, [customer.owner]).get(customer.owner or "")
    entries, more = timeline(db, user, customer_id, limit)
    custom_fields = cf.record_fields(db, cf.CUSTOMER, customer.owner)
    can_edit_fields = bool(custom_fields) and get_customer_for(
        db, user, customer_id, for_edit=True) is not None
    custom_values = cf.values_for(db, cf.CUSTOMER, [customer_id]).get(customer_id, {})
    # (label, value, link): a photo field links to the photo, served below.
    custom_rows = [(f.name, texts.PHOTO_ON_FILE if f.kind == cf.PHOTO else custom_values[f.id],
                    f"/h5/customers/{customer_id}/fields/{f.id}/photo"
                    if f.kind == cf.PHOTO else None)
                   for f in custom_fields if f.id is not None and custom_values.get(f.id)]
    tz = clock.business_tz()
    now = utcnow()
    return render_template(
        "h5/customer.html", user=user, customer=customer, custom_rows=custom_rows,
        can_edit_fields=can_edit_fields,
        owner=owner or customer.owner or M.NO_OWNER,
        stage=M.STAGE_LABELS.get(customer.stage, customer.stage),
        source=M.SOURCE_LABELS.get(customer.source, customer.source),
        created=local_time(customer.created_at, tz, "%Y-%m-%d"),
        since_interaction=days_since(customer.last_interaction_at, now, tz),
        since_order=days_since(customer.last_order_at, now, tz),
        entries=[(e, local_time(e.at, tz)) for e in entries],
        more_url=f"?n={min(limit + TIMELINE_STEP, TIMELINE_MAX)}" if more else None,
        contracts_url=f"/h5/contracts?customer={customer_id}", contracts_label=CONTRACTS_LABEL)


# -- the list and the export -----------------------------------------------------------------------
def name_or_phone(q: str) -> Any:
    """What a search box matches: part of the name, or a few digits of the number."""
    found = [Customer.name.icontains(q, autoescape=True)]  # type: ignore[attr-defined]
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 3:  # a few digits of the number, as people remember it
        found.append(Customer.phone.contains(digits, autoescape=True))  # type: ignore[union-attr]
    return or_(*found)


@dataclass(frozen=True)
class Filters:
    q: str
    grade: str  # "", "A", "B", "C" or NO_GRADE_FILTER
    custom: tuple[tuple[int, str], ...] = ()  # f_<field id>=value (C8)

    @classmethod
    def from_request(cls) -> Filters:
        q = " ".join((request.args.get("q") or "").split())[:50]
        grade = request.args.get("grade", "")
        if grade not in (*GRADES, NO_GRADE_FILTER):
            grade = ""
        return cls(q=q, grade=grade,
                   custom=tuple(sorted(cf.field_filters(request.args).items())))

    def query(self, user: User, db: Session | None = None) -> Any:
        """The user's customers matching the filters, in list order (custom field
        filters need ``db`` to read the field definitions)."""
        stmt = visible_customers(user)
        if self.custom and db is not None:
            stmt = cf.filter_by_fields(db, stmt, Customer.id, cf.CUSTOMER, dict(self.custom))
        if self.q:
            stmt = stmt.where(name_or_phone(self.q))
        if self.grade == NO_GRADE_FILTER:
            stmt = stmt.where(Customer.grade.is_(None))  # type: ignore[union-attr]
        elif self.grade:
            stmt = stmt.where(Customer.grade == self.grade)
        return stmt.order_by(Customer.last_interaction_at.desc().nulls_last(),  # type: ignore[union-attr]
                             Customer.id.desc())  # type: ignore[union-attr]

    def args(self) -> dict[str, str]:
        out = {k: v for k, v in (("q", self.q), ("grade", self.grade)) if v}
        out.update({f"{cf.FORM_PREFIX}{field_id}": value for field_id, value in self.custom})
        return out


@bp.get("/h5/customers")
@login_required
def index(user: User) -> str:
    filters = Filters.from_request()
    page = _int_arg("page", 1, 1, 100_000)
    db = request_db()
    stmt = filters.query(user, db)
    filter_fields = [f for f in cf.visible_fields(db, cf.CUSTOMER, user) if f.is_select]
    total = db.exec(select(func.count()).select_from(
        stmt.order_by(None).subquery())).one()
    rows = db.exec(stmt.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    owners = user_names(db, [c.owner for c in rows])
    tz = clock.business_tz()
    now = utcnow()
    items = [{"customer": c, "owner": owners.get(c.owner or "", c.owner or M.NO_OWNER),
              "since": ago(days_since(c.last_interaction_at, now, tz))} for c in rows]
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("h5/customers.html", user=user, items=items, total=total,
                           page=page, pages=pages, filters=filters, grades=GRADES,
                           filter_fields=filter_fields, chosen=dict(filters.custom),
                           no_grade=NO_GRADE_FILTER, can_export=user.role in EXPORT_ROLES,
                           show_owner=user.role != "rep")


ValuesOf = Callable[[list[int]], dict[int, dict[int, str]]]
EXPORT_CHUNK = 500
T = TypeVar("T")


def stream_xlsx(path: str, sheet: str, headers: list[str], items: Iterable[T],
                rows_of: Callable[[list[T]], Iterable[list[Any]]], tz: ZoneInfo) -> int:
    """``items`` as an .xlsx at ``path`` in openpyxl's write-only mode: rows stream to disk
    a chunk at a time (``rows_of`` turns a chunk into rows and may read what the chunk
    needs in one query), so a director's 100k customers never sit in memory. Text that
    looks like a formula stays text, headers included (models.sheet_out) — a customer
    name must never run as a formula in the spreadsheet a manager opens — and times are in
    business time. Returns the row count."""
    from openpyxl import Workbook

    from models.sheet_out import text_cell, text_row

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


@bp.get("/h5/customers/export.xlsx")
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


@bp.get("/h5/visits/export.xlsx")
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


@bp.get("/h5/customers/<int:customer_id>/fields/<int:field_id>/photo")
@login_required
def field_photo(customer_id: int, field_id: int, user: User) -> Response | tuple[str, int]:
    """A customer's photo field (C8), for whoever may see the customer (not finance, as
    with visit photos). The path comes from the stored value, never from the request."""
    with session_scope() as db:
        field = cf.get_field(db, field_id)
        visible = (field is not None and field.kind == cf.PHOTO and field.entity == cf.CUSTOMER
                   and user.role != "finance"
                   and get_customer_for(db, user, customer_id) is not None)
        path = cf.values_for(db, cf.CUSTOMER, [customer_id]).get(customer_id, {}).get(
            field_id) if visible else None
    if not path or not os.path.isfile(path):
        return customer_not_found(user)
    response = send_file(path, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- filling a customer's custom fields (C8) ---------------------------------------------------
@bp.route("/h5/customers/<int:customer_id>/fields", methods=["GET", "POST"])
@max_body(cfw.PHOTO_MAX + 64 * 1024)  # a photo field is an upload
@login_required(roles=EDITOR_ROLES)
def edit_fields(customer_id: int, user: User) -> Response | tuple[str, int]:
    """Fill or change the supervisor's fields of one customer the user may edit — the
    way to give existing customers a value for a field added later, and to attach a
    photo proof. A photo already on file stays unless a new one is chosen."""
    with session_scope() as db:
        customer = get_customer_for(db, user, customer_id, for_edit=True)
        if customer is None:
            return customer_not_found(user)
        fields = cf.record_fields(db, cf.CUSTOMER, customer.owner)
        stored = cf.values_for(db, cf.CUSTOMER, [customer_id]).get(customer_id, {})
    on_file = {f.key for f in fields if f.kind == cf.PHOTO and stored.get(f.id or 0)}
    if request.method == "GET":
        values = {f.key: stored.get(f.id or 0, "").split("、") if f.kind == cf.MULTI
                  else stored.get(f.id or 0, "") for f in fields if f.kind != cf.PHOTO}
        return _fields_form(user, customer, fields, values, {}, on_file)
    raw, uploads, upload_errors = cfw.read_form(fields)
    for key in on_file:  # keep the photo on file when none is chosen
        if raw.get(key) is None:
            raw[key] = cfw.UPLOADED
    values, problems = cf.clean_values(fields, raw)
    errors = {**problems, **upload_errors}  # "not a photo" says more than "required"
    if errors:
        return _fields_form(user, customer, fields, cfw.echo(fields, raw), errors, on_file,
                            status=422)
    keep = {f.id for f in fields if f.key in on_file and f.key not in uploads}
    with session_scope() as db:
        if get_customer_for(db, user, customer_id, for_edit=True) is None:
            return customer_not_found(user)
        cf.save_values(db, cf.CUSTOMER, customer_id, {
            k: v for k, v in cfw.store_uploads(fields, values, uploads).items() if k not in keep})
    return redirect(url_for(".detail", customer_id=customer_id), 303)


def _fields_form(user: User, customer: Customer, fields: list[cf.FieldDef],
                 values: dict[str, Any], errors: dict[str, str], on_file: set[str], *,
                 status: int = 200) -> tuple[str, int]:
    return render_template("h5/customer_fields.html", user=user, customer=customer,
                           fields=fields, values=values, errors=errors, on_file=on_file,
                           C=texts), status
