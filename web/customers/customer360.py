"""One customer's 360 view (C3, C11): the card, custom field values, and the merged
timeline of orders, service tickets, communications and visits; plus the customer's
photo fields (C8) and the form that fills the supervisor's custom fields.

Every query goes through models.customers.scope, so a customer outside the user's scope
gets the same 404 as one that doesn't exist. Routes are registered by
web.customers.pages."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import redirect, render_template, request, send_file, url_for
from sqlmodel import Session, select
from werkzeug.wrappers import Response

from models import messages as M
from models.base import as_utc, utcnow
from models.config import custom_fields as cf
from models.config import glossary
from models.customers.communication import Communication
from models.customers.customer import Customer
from models.customers.orders import OrderLine, SalesOrder
from models.customers.scope import (
    EDITOR_ROLES,
    get_customer_for,
    scope_customer_records,
    scope_orders,
)
from models.customers.ticket import ServiceTicket
from models.org.user import User
from models.visits import visit as vm
from models.visits.visit import Visit, VisitFlag
from web import custom_fields as cfw
from web import texts
from web.auth.guard import login_required, max_body
from web.auth.identity import request_db
from web.contracts.pages import customer_entries  # contracts and payments (C6)
from web.customers.common import (
    customer_not_found,
    days_since,
    int_arg,
    local_time,
    money,
    quantity,
    user_names,
)
from web.visits import checkin_texts as CT
from zhongshu import clock
from zhongshu.db import session_scope

TIMELINE_STEP = 20  # entries shown at first and added by each 查看更多
TIMELINE_MAX = 500
CONTRACTS_LABEL = "合同与回款"  # the 360's link to the customer's contracts (C6)


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


@login_required


def detail(customer_id: int, user: User) -> str | tuple[str, int]:
    limit = int_arg("n", TIMELINE_STEP, 1, TIMELINE_MAX)
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
    cleaned, problems = cf.clean_values(fields, raw)
    errors = {**problems, **upload_errors}  # "not a photo" says more than "required"
    if errors:
        return _fields_form(user, customer, fields, cfw.echo(fields, raw), errors, on_file,
                            status=422)
    keep = {f.id for f in fields if f.key in on_file and f.key not in uploads}
    with session_scope() as db:
        if get_customer_for(db, user, customer_id, for_edit=True) is None:
            return customer_not_found(user)
        cf.save_values(db, cf.CUSTOMER, customer_id, {
            k: v for k, v in cfw.store_uploads(fields, cleaned, uploads).items() if k not in keep})
    return redirect(url_for(".detail", customer_id=customer_id), 303)


def _fields_form(user: User, customer: Customer, fields: list[cf.FieldDef],
                 values: dict[str, Any], errors: dict[str, str], on_file: set[str], *,
                 status: int = 200) -> tuple[str, int]:
    return render_template("h5/customer_fields.html", user=user, customer=customer,
                           fields=fields, values=values, errors=errors, on_file=on_file,
                           C=texts), status
