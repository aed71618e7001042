"""Contract pages (C6): the list and one contract (history, stamped page, forecasts,
payments and the actions the viewer may take), finance's review queue, the risk list,
the bank export import, and the collection reports (aging with .xlsx export, forecast
accuracy, approval time).

Every read goes through models.customers.scope (``scope_contracts`` / ``get_contract_for``): a
contract outside the viewer's scope and a missing one get the same 404 page. Every change
goes through handlers.contracts.actions, which refuses illegal steps with a Chinese message
shown on the page (status 400), nothing written."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, send_file, url_for
from openpyxl import Workbook
from sqlalchemy import func, or_
from sqlmodel import Session, select
from sqlmodel import col as sql_col
from werkzeug.wrappers import Response

from analytics import collections as col
from handlers.contracts import actions as ops
from handlers.contracts.actions import ContractError
from handlers.contracts.bank_upload import AREA as UPLOAD_AREA
from jobs import bank_imports
from lib import sheets
from lib.sheet_out import text_row
from models import messages as M
from models.base import as_utc, utcnow
from models.contracts import texts as CM
from models.contracts.contract import (
    SIGNED,
    STATUSES,
    CollectionForecast,
    Contract,
    ContractEvent,
    Payment,
    is_risk,
    outstanding,
    status_label,
)
from models.customers.customer import Customer
from models.customers.scope import EDITOR_ROLES, get_contract_for, get_customer_for, scope_contracts
from models.imports import uploads
from models.org.user import User
from models.platform.media import Media
from web.auth.guard import login_required, max_body
from web.auth.pages import message_page
from web.contracts import texts as C
from zhongshu import clock
from zhongshu.db import session_scope

log = logging.getLogger(__name__)

bp = Blueprint("contracts", __name__)

PAGE_SIZE = 20
VIEW_ROLES = (*EDITOR_ROLES, "finance")
REPORT_ROLES = ("supervisor", "director", "finance")
FINANCE = ("finance",)
MAX_IMPORT = 10 * 1024 * 1024
BODY_SLACK = 64 * 1024
REPORT_MONTHS = 6
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def not_found(user: User | None) -> tuple[str, int]:
    return message_page(C.NOT_FOUND_TITLE, C.NOT_FOUND_DESC, status=404, user=user,
                        buttons=[(C.BACK_TO_LIST, "/h5/contracts", True)])


def money(amount: Decimal | None) -> str:
    return f"{amount or Decimal(0):,.2f}"


def when(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if moment is None:
        return ""
    return as_utc(moment).astimezone(clock.business_tz()).strftime(fmt)


def _render(name: str, **context: Any) -> str:
    return render_template(name, C=C, CM=CM, money=money, when=when,
                           status_label=status_label, **context)


@dataclass(frozen=True)
class Row:
    contract: Contract
    customer: str
    owner: str


def _rows(db: Session, contracts: list[Contract]) -> list[Row]:
    customers = dict(db.exec(select(Customer.id, Customer.name).where(
        Customer.id.in_({c.customer_id for c in contracts}))).all()) if contracts else {}  # type: ignore[union-attr]
    owners = col._names(db, [c.owner for c in contracts])
    return [Row(c, customers.get(c.customer_id, ""), owners.get(c.owner, c.owner))
            for c in contracts]


# -- list ---------------------------------------------------------------------------------
@bp.get("/h5/contracts")
@login_required(roles=VIEW_ROLES)
def index(user: User) -> str:
    q = " ".join((request.args.get("q") or "").split())[:50]
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    customer_id = request.args.get("customer", type=int)
    page = max(1, min(request.args.get("page", 1, type=int), 100_000))
    stmt = scope_contracts(select(Contract), user)
    if q:
        names = select(Customer.id).where(Customer.name.icontains(q, autoescape=True))  # type: ignore[attr-defined]
        stmt = stmt.where(or_(Contract.contract_no.icontains(q, autoescape=True),  # type: ignore[attr-defined]
                              Contract.customer_id.in_(names)))  # type: ignore[attr-defined]
    if status:
        stmt = stmt.where(Contract.status == status)
    if customer_id:
        stmt = stmt.where(Contract.customer_id == customer_id)
    with session_scope() as db:
        total = db.exec(select(func.count()).select_from(stmt.subquery())).one()
        contracts = list(db.exec(stmt.order_by(Contract.updated_at.desc(),  # type: ignore[attr-defined]
                                               Contract.id.desc())  # type: ignore[union-attr]
                                 .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
        rows = _rows(db, contracts)
        head = col.receivables(db, user)
    pages = max(1, -(-total // PAGE_SIZE))
    return _render("h5/contracts.html", user=user, rows=rows, total=total, page=page,
                   pages=pages, q=q, status=status, statuses=STATUSES, head=head,
                   customer_id=customer_id, is_risk=is_risk)


# -- one contract ---------------------------------------------------------------------------
def _detail(user: User, contract_id: int, *, error: str | None = None,
            status: int = 200) -> str | tuple[str, int]:
    with session_scope() as db:
        contract = get_contract_for(db, user, contract_id)
        if contract is None:
            return not_found(user)
        (row,) = _rows(db, [contract])
        history = list(db.exec(select(ContractEvent).where(
            ContractEvent.contract_id == contract_id)
            .order_by(sql_col(ContractEvent.at), sql_col(ContractEvent.id))))
        forecasts = list(db.exec(select(CollectionForecast).where(
            CollectionForecast.contract_id == contract_id)
            .order_by(CollectionForecast.expected_on)))  # type: ignore[arg-type]
        paid = list(db.exec(select(Payment).where(Payment.contract_id == contract_id)
                            .order_by(Payment.paid_on, Payment.id)))  # type: ignore[arg-type]
        actors = col._names(db, [e.actor for e in history if e.actor])
        customer_visible = get_customer_for(db, user, contract.customer_id) is not None
    done = C.DONE.get(request.args.get("done", ""))
    page = _render("h5/contract.html", user=user, row=row, contract=contract,
                   history=history, actors=actors, forecasts=forecasts, payments=paid,
                   outstanding=outstanding(contract), risk=is_risk(contract),
                   error=error, done=done, today=ops.today().isoformat(),
                   can_edit=user.role in EDITOR_ROLES, is_finance=user.role == "finance",
                   customer_visible=customer_visible,
                   upload_limit=f"{ops.MAX_STAMPED_BYTES // (1024 * 1024)} MB")
    return page, status


@bp.get("/h5/contracts/<int:contract_id>")
@login_required(roles=VIEW_ROLES)
def detail(contract_id: int, user: User) -> str | tuple[str, int]:
    return _detail(user, contract_id)


def _act(user: User, contract_id: int, action: Any, done: str) -> Response | tuple[str, int]:
    """Run one change; success → back to the contract (PRG), refusal → the page with the
    message (400), a contract out of scope → 404."""
    try:
        with session_scope() as db:
            if get_contract_for(db, user, contract_id) is None:
                return not_found(user)
            done = action(db) or done
    except ContractError as error:
        result = _detail(user, contract_id, error=error.message, status=400)
        return result if isinstance(result, tuple) else (result, 400)
    return redirect(url_for("contracts.detail", contract_id=contract_id, done=done))


@bp.post("/h5/contracts/<int:contract_id>/sign")
@login_required(roles=EDITOR_ROLES)
def sign(contract_id: int, user: User) -> Response | tuple[str, int]:
    def run(db: Session) -> None:
        ops.sign(db, user=user, contract_id=contract_id)
    return _act(user, contract_id, run, "signed")


@bp.post("/h5/contracts/<int:contract_id>/stamped")
@max_body(ops.MAX_STAMPED_BYTES + BODY_SLACK)
@login_required(roles=EDITOR_ROLES)
def stamped_upload(contract_id: int, user: User) -> Response | tuple[str, int]:
    upload = request.files.get("page")
    data = upload.read() if upload is not None else b""

    def run(db: Session) -> None:
        ops.upload_stamped_page(db, user=user, contract_id=contract_id, data=data)
    return _act(user, contract_id, run, "stamped")


@bp.get("/h5/contracts/<int:contract_id>/stamped")
@login_required(roles=VIEW_ROLES)
def stamped_file(contract_id: int, user: User) -> Response | tuple[str, int]:
    with session_scope() as db:
        contract = get_contract_for(db, user, contract_id)
        media = db.get(Media, contract.stamped_media_id) if contract and \
            contract.stamped_media_id else None
    if media is None or not media.path or not Path(media.path).exists():
        return not_found(user)
    return send_file(media.path, mimetype=media.content_type or "application/octet-stream",
                     max_age=0)


@bp.post("/h5/contracts/<int:contract_id>/forecasts")
@login_required(roles=EDITOR_ROLES)
def forecast(contract_id: int, user: User) -> Response | tuple[str, int]:
    def run(db: Session) -> None:
        day = ops.parse_day(request.form.get("expected_on", ""))
        ops.add_forecast(db, user=user, contract_id=contract_id,
                         amount=request.form.get("amount", ""), expected_on=day)
    return _act(user, contract_id, run, "forecast")


@bp.post("/h5/contracts/<int:contract_id>/review")
@login_required(roles=FINANCE)
def review(contract_id: int, user: User) -> Response | tuple[str, int]:
    approve = request.form.get("decision") == "approve"
    reason = request.form.get("reason", "")
    back = request.form.get("back") == "queue"

    def run(db: Session) -> str:
        ops.review(db, user=user, contract_id=contract_id, approve=approve, reason=reason)
        return "approved" if approve else "returned"
    result = _act(user, contract_id, run, "approved")
    if back and isinstance(result, Response):
        return redirect(url_for("contracts.review_queue",
                                done="approved" if approve else "returned"))
    return result


@bp.post("/h5/contracts/<int:contract_id>/payments")
@login_required(roles=FINANCE)
def payment(contract_id: int, user: User) -> Response | tuple[str, int]:
    def run(db: Session) -> str:
        raw_day = request.form.get("paid_on", "").strip()
        day = ops.parse_day(raw_day) if raw_day else ops.today()
        booked = ops.book_payment(db, user=user, contract_id=contract_id,
                                  amount=request.form.get("amount", ""), paid_on=day,
                                  bank_ref=request.form.get("bank_ref", "").strip() or None)
        return "payment" if booked is not None else "payment_dup"
    return _act(user, contract_id, run, "payment")


# -- finance's queue and the risk list ---------------------------------------------------------
@bp.get("/h5/contracts/review")
@login_required(roles=FINANCE)
def review_queue(user: User) -> str:
    with session_scope() as db:
        contracts = list(db.exec(scope_contracts(select(Contract), user)
                                 .where(Contract.status == SIGNED)
                                 .order_by(Contract.signed_at, Contract.id)  # type: ignore[arg-type]
                                 .limit(200)))
        rows = _rows(db, contracts)
    now = utcnow()
    waited = {r.contract.id: int((now - as_utc(r.contract.signed_at)).total_seconds()
                                 // 3600) if r.contract.signed_at else 0 for r in rows}
    return _render("h5/contract_review.html", user=user, rows=rows, waited=waited,
                   done=C.DONE.get(request.args.get("done", "")))


@bp.get("/h5/contracts/risk")
@login_required(roles=VIEW_ROLES)
def risk_list(user: User) -> str:
    with session_scope() as db:
        contracts = list(db.exec(scope_contracts(select(Contract), user)
                                 .where(Contract.risk_at.is_not(None),  # type: ignore[union-attr]
                                        Contract.stamped_at.is_(None))  # type: ignore[union-attr]
                                 .order_by(Contract.risk_at, Contract.id)  # type: ignore[arg-type]
                                 .limit(500)))
        rows = _rows(db, contracts)
    return _render("h5/contract_risk.html", user=user, rows=rows)


# -- bank export import -------------------------------------------------------------------------
@bp.route("/h5/contracts/payments/import", methods=["GET", "POST"])
@max_body(MAX_IMPORT + BODY_SLACK)
@login_required(roles=FINANCE)
def payments_import(user: User) -> str | tuple[str, int] | Response:
    """Saves the file and queues jobs.bank_imports (nothing is unpacked in the request);
    the result page follows the job."""
    if request.method == "GET":
        return _render("h5/payments_import.html", user=user, job=None, error=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render("h5/payments_import.html", user=user, job=None,
                       error=C.IMPORT_FILE_MISSING), 400
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        return _render("h5/payments_import.html", user=user, job=None,
                       error=M.IMPORT_UNSUPPORTED_FILE.format(suffix=suffix or upload.filename)
                       ), 400
    upload_id, path = uploads.new_path(UPLOAD_AREA, suffix)
    upload.save(path)
    try:
        if suffix == ".xlsx":
            sheets.check_readable(path)  # the zip directory only; unpacking is the job's
    except sheets.SheetError as error:
        uploads.discard(path)
        return _render("h5/payments_import.html", user=user, job=None,
                       error=error.message), 400
    uploads.queue(UPLOAD_AREA, upload_id, bank_imports.run_bank_import, path=path,
                  uploader=user.wecom_userid)
    return redirect(url_for(".payments_import_result", upload_id=upload_id), 303)


def _bank_view(meta: dict[str, Any]) -> dict[str, Any]:
    return uploads.progress_view(meta, C.IMPORT_STATUS, C.IMPORT_WAITING)


@bp.get("/h5/contracts/payments/import/<upload_id>")
@login_required(roles=FINANCE)
def payments_import_result(upload_id: str, user: User) -> str | tuple[str, int]:
    meta = uploads.state_for(UPLOAD_AREA, upload_id, user.wecom_userid)
    if meta is None:
        return message_page(C.IMPORT_NOT_FOUND, "", status=404, user=user,
                            buttons=[(C.IMPORT_ANOTHER, url_for(".payments_import"), True)])
    return _render("h5/payments_import.html", user=user, job=meta, view=_bank_view(meta),
                   more=meta["row_count"] - len(meta["rows"]), error=None,
                   status_url=url_for(".payments_import_status", upload_id=upload_id))


@bp.get("/h5/contracts/payments/import/<upload_id>/status.json")
@login_required(roles=FINANCE, api=True)
def payments_import_status(upload_id: str, user: User) -> Response | tuple[Response, int]:
    meta = uploads.state_for(UPLOAD_AREA, upload_id, user.wecom_userid)
    if meta is None:
        return jsonify({"error": C.IMPORT_NOT_FOUND}), 404
    return jsonify(_bank_view(meta))


# -- reports ----------------------------------------------------------------------------------
@bp.get("/h5/contracts/reports")
@login_required(roles=REPORT_ROLES)
def reports(user: User) -> str:
    months = col.last_months(REPORT_MONTHS, today=ops.today())
    with session_scope() as db:
        aging = col.aging(db, user)
        accuracy = col.forecast_accuracy(db, user, months)
        approval = col.approval_time(db, user, months)
        head = col.receivables(db, user)
    return _render("h5/contract_reports.html", user=user, aging=aging,
                   totals=col.aging_totals(aging), accuracy=accuracy, approval=approval,
                   head=head)


@bp.get("/h5/contracts/aging.xlsx")
@login_required(roles=REPORT_ROLES)
def aging_export(user: User) -> Response:
    with session_scope() as db:
        rows = col.aging(db, user)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(C.AGING_SHEET)
    ws.append(text_row(ws, [*C.AGING_HEADERS, "企业微信账号"]))
    for r in rows:
        ws.append(text_row(ws, [r.name, *(float(b) for b in r.buckets), float(r.total),
                                r.owner]))
    totals = col.aging_totals(rows)
    ws.append(text_row(ws, [C.AGING_TOTAL, *(float(b) for b in totals),
                            float(sum(totals))]))
    handle, path = tempfile.mkstemp(prefix="zs-aging-", suffix=".xlsx")
    os.close(handle)
    try:
        wb.save(path)
        response = send_file(path, mimetype=XLSX_MIME, as_attachment=True,
                             download_name=C.AGING_FILENAME.format(
                                 date=ops.today().strftime("%Y%m%d")))
    except BaseException:
        os.unlink(path)
        raise
    response.call_on_close(lambda: os.unlink(path))
    log.info("aging export by %s (%s): %d reps", user.wecom_userid, user.role, len(rows))
    return response


# -- the customer 360's contract entries ------------------------------------------------------
@dataclass(frozen=True)
class ContractEntry:
    at: datetime
    title: str
    amount: str
    lines: list[str]
    url: str


def customer_entries(db: Session, user: User, customer_id: int,
                     limit: int) -> list[ContractEntry]:
    """Contracts (at their signing or creation) and payments of one customer, newest
    first, for the 360 timeline; read through the contract scope."""
    contracts = list(db.exec(scope_contracts(select(Contract), user)
                             .where(Contract.customer_id == customer_id)
                             .order_by(sql_col(Contract.created_at).desc(),
                                       sql_col(Contract.id).desc())
                             .limit(limit)))
    by_id = {c.id: c for c in contracts}
    out = [ContractEntry(as_utc(c.signed_at or c.created_at),
                         C.CUSTOMER_CONTRACT_TITLE.format(no=c.contract_no,
                                                          status=status_label(c.status)),
                         C.CUSTOMER_CONTRACT_AMOUNT.format(amount=money(c.amount)),
                         [C.CUSTOMER_CONTRACT_LINE.format(
                             collected=money(c.collected_amount),
                             outstanding=money(outstanding(c)))],
                         f"/h5/contracts/{c.id}") for c in contracts]
    if by_id:
        for p in db.exec(select(Payment).where(Payment.contract_id.in_(list(by_id)))  # type: ignore[attr-defined]
                         .order_by(Payment.paid_on.desc()).limit(limit)):  # type: ignore[attr-defined]
            contract = by_id[p.contract_id]
            out.append(ContractEntry(col.local_midnight(p.paid_on, clock.business_tz()),
                                     C.CUSTOMER_PAYMENT_TITLE.format(no=contract.contract_no),
                                     C.CUSTOMER_CONTRACT_AMOUNT.format(amount=money(p.amount)),
                                     [C.PAYMENT_LINE.format(day=p.paid_on.isoformat(),
                                                            amount=money(p.amount))],
                                     f"/h5/contracts/{contract.id}"))
    return out
