"""Order rows: headers, cleaning, linking to customers, and the batch upsert by order
number with line replacement (see models.imports.importer)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlmodel import Session

from lib.text import clean_text
from models import messages as M
from models.base import utcnow
from models.customers import cleaning as fields
from models.customers.customer import Customer, clean_name
from models.customers.orders import OrderLine, SalesOrder, refresh_last_order_at
from models.imports import core
from models.imports.customers import CUSTOMER_COLUMNS

ORDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "order_no": ("订单编号", "订单号", "单号", "订单编码", "销售单号"),
    "name": CUSTOMER_COLUMNS["name"],
    "phone": CUSTOMER_COLUMNS["phone"],
    "ordered_at": ("下单时间", "下单日期", "订单日期", "订单时间", "日期", "成交日期"),
    "amount": ("金额", "订单金额", "金额(元)", "总金额", "销售金额", "成交金额", "含税金额"),
    "product_model": ("产品型号", "型号", "产品", "产品名称", "规格型号"),
    "quantity": ("数量", "订购数量", "销售数量"),
    "owner": CUSTOMER_COLUMNS["owner"],
}


@dataclass
class OrderRow:
    """One cleaned row: one line of the order ``order_no``."""

    order_no: str
    phone: str | None
    name: str | None
    ordered_at: datetime
    amount: Decimal
    product_model: str | None
    quantity: Decimal | None
    owner: str | None


class OrderImport(core.Importer):
    """Order lines grouped by order number, linked to customers by phone, else by name."""

    kind = "orders"
    columns = ORDER_COLUMNS
    required = ("order_no", "ordered_at", "amount")
    one_of = ("name", "phone")

    def __init__(self, session: Session, tz: ZoneInfo) -> None:
        self.session = session
        self.tz = tz
        self.owners = core.Owners(session)
        # order number → (customer id, first row) for every order touched in this run.
        self.seen: dict[str, tuple[int, int]] = {}
        self.orders = SalesOrder.__table__  # type: ignore[attr-defined]
        self.lines_table = OrderLine.__table__  # type: ignore[attr-defined]
        ins = core.upsert_insert(session, self.orders)
        self.statement = ins.on_conflict_do_update(
            index_elements=[self.orders.c.order_no],
            set_={"customer_id": ins.excluded.customer_id,
                  "ordered_at": ins.excluded.ordered_at, "amount": ins.excluded.amount,
                  "updated_at": ins.excluded.updated_at,
                  "owner": func.coalesce(ins.excluded.owner, self.orders.c.owner)})

    def clean(self, row: int, values: list[Any], cols: core.Columns) -> OrderRow:
        errors: list[str] = []

        def attempt(fn: Callable[[], Any]) -> Any:
            try:
                return fn()
            except fields.FieldError as error:
                errors.append(error.message)
                return None

        def cell(name: str) -> Any:
            return core.first(values, cols, name)

        order_no = attempt(lambda: fields.text("order_no", cell("order_no"), max_len=64,
                                               required=True))
        name_value = cell("name")
        phone_value = cell("phone")
        phone = name = None
        if phone_value is None and name_value is None:
            errors.append(M.IMPORT_NEED_CUSTOMER)
        if phone_value is not None:
            try:
                phone = fields.phone(core.phone_text(phone_value))
            except fields.FieldError as error:
                if name_value is None:
                    errors.append(error.message)
        if name_value is not None:
            name = clean_name(clean_text(name_value) or "")
        ordered_at = attempt(lambda: self._datetime(cell("ordered_at")))
        amount = attempt(lambda: core.parse_decimal(cell("amount"), "amount", core.CENT,
                                                    required=True))
        product = attempt(lambda: fields.text("product_model", cell("product_model"),
                                              max_len=64))
        quantity = attempt(lambda: core.parse_decimal(cell("quantity"), "quantity", core.MILLI))
        owner = attempt(lambda: self.owners.resolve(cell("owner")))
        if errors:
            raise core.RowError(errors)
        return OrderRow(order_no=order_no, phone=phone, name=name, ordered_at=ordered_at,
                        amount=amount, product_model=product, quantity=quantity, owner=owner)

    def _datetime(self, value: Any) -> datetime:
        parsed = core.parse_datetime(value, self.tz)
        if parsed.year < 2000 or parsed > utcnow() + timedelta(days=1):
            raise fields.FieldError("ordered_at", M.IMPORT_DATE_RANGE.format(
                value=parsed.astimezone(self.tz).strftime("%Y-%m-%d")))
        return parsed

    def _customers(self, rows: list[OrderRow]) -> tuple[dict[str, tuple[int, str | None]],
                                                        dict[str, list[tuple[int, str | None]]]]:
        """(phone → customer, name → customers) for the batch: one query each, not per row."""
        table = Customer.__table__  # type: ignore[attr-defined]
        by_phone: dict[str, tuple[int, str | None]] = {}
        by_name: dict[str, list[tuple[int, str | None]]] = {}
        phones = sorted({r.phone for r in rows if r.phone})
        names = sorted({r.name for r in rows if r.name})
        for chunk in core.chunks(phones):
            for cid, phone, owner in self.session.execute(
                    select(table.c.id, table.c.phone, table.c.owner)
                    .where(table.c.phone.in_(chunk))):
                by_phone[phone] = (cid, owner)
        for chunk in core.chunks(names):
            for cid, name, owner in self.session.execute(
                    select(table.c.id, table.c.name, table.c.owner)
                    .where(table.c.name.in_(chunk))):
                by_name.setdefault(name, []).append((cid, owner))
        return by_phone, by_name

    def write(self, batch: list[tuple[int, Any]], result: core.ImportResult) -> list[core.Refusal]:
        rows: list[tuple[int, OrderRow]] = batch
        by_phone, by_name = self._customers([r for _, r in rows])
        refused: list[core.Refusal] = []
        groups: dict[str, dict[str, Any]] = {}
        now = utcnow()
        for number, r in rows:
            match = by_phone.get(r.phone) if r.phone else None
            if match is None and r.name:
                named = by_name.get(r.name, [])
                if len(named) > 1:
                    refused.append(core.Refusal(
                        number, M.IMPORT_ORDER_AMBIGUOUS_CUSTOMER.format(value=r.name)))
                    continue
                match = named[0] if named else None
            if match is None:
                refused.append(core.Refusal(number, M.IMPORT_ORDER_NO_CUSTOMER.format(
                    value=" ".join(v for v in (r.name, r.phone) if v))))
                continue
            customer_id, customer_owner = match
            if r.order_no in groups:
                first: tuple[int, int] | None = (groups[r.order_no]["customer_id"],
                                                 groups[r.order_no]["row"])
            else:
                first = self.seen.get(r.order_no)
            if first is not None and first[0] != customer_id:
                refused.append(core.Refusal(number, M.IMPORT_ORDER_CUSTOMER_CONFLICT.format(
                    row=first[1])))
                continue
            group = groups.setdefault(r.order_no, {
                "order_no": r.order_no, "customer_id": customer_id, "ordered_at": r.ordered_at,
                "amount": Decimal(0), "owner": r.owner or customer_owner, "source": "import",
                "created_at": now, "updated_at": now, "row": number, "lines": []})
            group["amount"] += r.amount
            if r.product_model is not None or r.quantity is not None:
                group["lines"].append({"product_model": r.product_model,
                                       "quantity": r.quantity, "amount": r.amount})
        if groups:
            self._write_groups(groups, result)
        return refused

    def _write_groups(self, groups: dict[str, dict[str, Any]], result: core.ImportResult) -> None:
        orders, lines = self.orders, self.lines_table
        fresh = [no for no in groups if no not in self.seen]
        continuing = [no for no in groups if no in self.seen]
        existing: dict[str, tuple[int, int]] = {}
        for chunk in core.chunks(fresh):
            for no, oid, cid in self.session.execute(
                    select(orders.c.order_no, orders.c.id, orders.c.customer_id)
                    .where(orders.c.order_no.in_(chunk))):
                existing[no] = (oid, cid)
        columns = ("order_no", "customer_id", "ordered_at", "amount", "owner", "source",
                   "created_at", "updated_at")
        if fresh:
            self.session.execute(self.statement,
                                 [{c: groups[no][c] for c in columns} for no in fresh])
        if continuing:  # a later batch of an order begun earlier in this file
            for no in continuing:
                self.session.execute(update(orders).where(orders.c.order_no == no)
                                     .values(amount=orders.c.amount + groups[no]["amount"]))
        # Re-importing an order replaces its lines.
        for chunk in core.chunks([oid for oid, _ in existing.values()]):
            self.session.execute(delete(lines).where(lines.c.order_id.in_(chunk)))
        ids: dict[str, int] = {}
        for chunk in core.chunks(list(groups)):
            ids.update(self.session.execute(select(orders.c.order_no, orders.c.id)
                                            .where(orders.c.order_no.in_(chunk))).all())
        line_rows = [dict(line, order_id=ids[no])
                     for no, g in groups.items() for line in g["lines"]]
        if line_rows:
            self.session.execute(lines.insert(), line_rows)
        touched = {g["customer_id"] for g in groups.values()}
        touched |= {cid for _, cid in existing.values()}
        refresh_last_order_at(self.session, touched)
        for no in fresh:
            self.seen[no] = (groups[no]["customer_id"], groups[no]["row"])
        result.inserted += len(fresh) - len(existing)
        result.updated += len(existing)
        result.lines += len(line_rows)
