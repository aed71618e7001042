"""Contract import (``zhongshu import contracts FILE``, called by zhongshu/cli.py, C6): the
contracts a team kept in a spreadsheet before, upserted by 合同编号. A business action
(it signs contracts and queues finance's review), so it lives here; the spreadsheet
machinery it shares with the other imports is models/imports/core.py.

Columns: 合同编号, 客户名称 or 电话, 负责人 (WeCom userid or unique name), 金额, 状态
(草稿 / 已签约 / 已退回 / 已审核 / 部分回款 / 已回款 and usual synonyms), 签约时间
(required unless 草稿); optional 盖章页 (有/无), 审核时间, 回款金额.

- The customer is found by phone, else by a unique name; unknown customers are refused
  (import customers first).
- 回款金额 becomes one Payment with source ``import`` (``bank_ref`` ``import:<合同编号>``,
  so a re-import updates it instead of adding one); ``collected_amount`` is the sum of
  the contract's payments and the status follows it (approved → partly → collected).
  已回款 without an amount means the whole contract amount.
- 盖章页 = 有 sets ``stamped_at`` to the signing time (the scan itself stays on paper);
  无 leaves a page uploaded in Zhongshu alone.
- ``signed_at`` is stored as given, so the review and stamped-page rules see an imported
  signed-but-unreviewed contract at once. Finance is pushed a review card only for
  contracts signed in the last 72 hours: older ones are history (a migration of 500
  signed contracts must not become 500 pushes), they show in the review queue and the
  72 h reminder rule covers them. The pushes' dedupe keys make a re-import silent.
- Each row is written in a savepoint: a row is imported completely or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from handlers.contracts import actions as ops
from handlers.contracts.actions import ContractError
from handlers.contracts.notify import queue_finance_review
from lib.text import clean_text
from models.base import as_utc, utcnow
from models.contracts import texts as CM
from models.contracts.contract import (
    APPROVED,
    COLLECTED,
    DRAFT,
    PARTLY_COLLECTED,
    RECEIVABLE_STATUSES,
    SIGNED,
    Contract,
    ContractEvent,
    Payment,
)
from models.customers import cleaning as fields
from models.customers.customer import Customer, clean_name
from models.imports import core
from models.imports.customers import CUSTOMER_COLUMNS
from zhongshu import clock

PUSH_WINDOW = timedelta(hours=72)
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "contract_no": ("合同编号", "合同号", "合同编码"),
    "name": CUSTOMER_COLUMNS["name"],
    "phone": CUSTOMER_COLUMNS["phone"],
    "owner": CUSTOMER_COLUMNS["owner"],
    "amount": ("金额", "合同金额", "金额(元)", "合同总额"),
    "status": ("状态", "合同状态"),
    "signed_at": ("签约时间", "签约日期", "签订日期", "签订时间"),
    "stamped": ("盖章页", "盖章", "是否盖章"),
    "reviewed_at": ("审核时间", "审核日期"),
    "paid": ("回款金额", "已回款金额", "已回款", "回款"),
}
STATUS_WORDS = {
    "草稿": DRAFT, "draft": DRAFT,
    "已签约": SIGNED, "签约": SIGNED, "待审核": SIGNED, "已签约待审核": SIGNED, "signed": SIGNED,
    "已退回": "returned", "退回": "returned", "returned": "returned",
    "已审核": APPROVED, "审核通过": APPROVED, "已审核(应收)": APPROVED, "应收": APPROVED,
    "approved": APPROVED,
    "部分回款": PARTLY_COLLECTED, "partly_collected": PARTLY_COLLECTED,
    "已回款": COLLECTED, "回款完成": COLLECTED, "已结清": COLLECTED, "collected": COLLECTED,
}
STAMP_WORDS = {"有": True, "是": True, "已盖章": True, "无": False, "否": False, "没有": False,
               "未盖章": False}


@dataclass
class ContractRow:
    contract_no: str
    phone: str | None
    name: str | None
    owner: str
    amount: Decimal
    status: str
    signed_at: datetime | None
    stamped: bool | None
    reviewed_at: datetime | None
    paid: Decimal | None


class ContractImport(core.Importer):
    kind = "contracts"
    columns = CONTRACT_COLUMNS
    required = ("contract_no", "owner", "amount", "status", "signed_at")
    one_of = ("name", "phone")

    def __init__(self, session: Session, tz: ZoneInfo, now: datetime) -> None:
        self.session = session
        self.tz = tz
        self.now = now
        self.owners = core.Owners(session)
        self.pushed = 0

    def clean(self, row: int, values: list[Any], cols: core.Columns) -> ContractRow:
        errors: list[str] = []

        def cell(name: str) -> Any:
            return core.first(values, cols, name)

        number = (clean_text(cell("contract_no")) or "").upper()
        if not ops.CONTRACT_NO_RE.match(number):
            errors.append(CM.CONTRACT_NO_INVALID)
        phone = name = None
        if cell("phone") is not None:
            try:
                phone = fields.phone(core.phone_text(cell("phone")))
            except fields.FieldError as error:
                if cell("name") is None:
                    errors.append(error.message)
        if cell("name") is not None:
            name = clean_name(clean_text(cell("name")) or "")
        if not phone and not name:
            errors.append(core.M.IMPORT_NEED_CUSTOMER)
        owner = None
        try:
            owner = self.owners.resolve(cell("owner"))
            if owner is None:
                errors.append(CM.IMPORT_OWNER_REQUIRED)
        except fields.FieldError as error:
            errors.append(error.message)
        amount = paid = None
        try:
            amount = ops.parse_amount(cell("amount") if cell("amount") is not None else "")
        except ContractError as error:
            errors.append(error.message)
        raw_status = (clean_text(cell("status")) or "").replace("（", "(").replace("）", ")")
        status = STATUS_WORDS.get(raw_status) or STATUS_WORDS.get(raw_status.lower())
        if status is None:
            errors.append(CM.IMPORT_STATUS_UNKNOWN.format(value=raw_status))
        signed_at = self._moment(cell("signed_at"), errors)
        if status not in (None, DRAFT) and signed_at is None and not errors:
            errors.append(CM.IMPORT_SIGNED_AT_REQUIRED.format(
                status=CM.STATUS_LABELS.get(status or "", raw_status)))
        reviewed_at = self._moment(cell("reviewed_at"), errors)
        raw_stamp = clean_text(cell("stamped"))
        stamped = None
        if raw_stamp is not None:
            stamped = STAMP_WORDS.get(raw_stamp)
            if stamped is None:
                errors.append(CM.IMPORT_STAMP_INVALID.format(value=raw_stamp))
        if clean_text(cell("paid")) not in (None, "0", "0.00"):
            try:
                paid = ops.parse_amount(cell("paid"))
            except ContractError as error:
                errors.append(error.message)
        if not errors and amount is not None and status is not None:
            if status == COLLECTED and paid is None:
                paid = amount
            if paid is not None and status not in RECEIVABLE_STATUSES:
                errors.append(CM.IMPORT_PAID_NOT_RECEIVABLE.format(
                    status=CM.STATUS_LABELS[status]))
            elif paid is not None and paid > amount:
                errors.append(CM.IMPORT_PAID_OVER.format(paid=f"{paid:,.2f}",
                                                         amount=f"{amount:,.2f}"))
        if errors:
            raise core.RowError(errors)
        assert owner is not None and amount is not None and status is not None
        return ContractRow(number, phone, name, owner, amount, status, signed_at, stamped,
                           reviewed_at, paid)

    def _moment(self, value: Any, errors: list[str]) -> datetime | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            moment = core.parse_datetime(value, self.tz)
        except fields.FieldError:
            errors.append(CM.DATE_INVALID.format(value=clean_text(value) or ""))
            return None
        if moment > self.now + timedelta(days=1) or moment.year < 2000:
            errors.append(CM.DATE_INVALID.format(value=clean_text(value) or ""))
            return None
        return moment

    def _customer(self, row: ContractRow) -> tuple[int | None, str | None]:
        if row.phone:
            found = self.session.exec(select(Customer.id).where(Customer.phone == row.phone)
                                      ).first()
            if found is not None:
                return found, None
        if row.name:
            named = self.session.exec(select(Customer.id).where(Customer.name == row.name)
                                      .limit(2)).all()
            if len(named) == 1:
                return named[0], None
            if len(named) > 1:
                return None, CM.IMPORT_CUSTOMER_AMBIGUOUS.format(value=row.name)
        return None, CM.IMPORT_CUSTOMER_MISSING.format(
            value=" ".join(v for v in (row.name, row.phone) if v))

    def write(self, batch: list[tuple[int, Any]], result: core.ImportResult) -> list[core.Refusal]:
        refused: list[core.Refusal] = []
        for number, row in batch:
            customer_id, problem = self._customer(row)
            if customer_id is None:
                refused.append(core.Refusal(number, problem or ""))
                continue
            try:
                with self.session.begin_nested():
                    created = self._write_row(row, customer_id)
            except ContractError as error:
                refused.append(core.Refusal(number, error.message))
                continue
            if created:
                result.inserted += 1
            else:
                result.updated += 1
        return refused

    def _write_row(self, row: ContractRow, customer_id: int) -> bool:
        now = self.now
        contract = self.session.exec(select(Contract).where(
            Contract.contract_no == row.contract_no).with_for_update()).first()
        created = contract is None
        before = None if contract is None else contract.status
        if contract is None:
            contract = Contract(contract_no=row.contract_no, customer_id=customer_id,
                                owner=row.owner, source="import", created_at=now)
        old_signed = contract.signed_at
        contract.customer_id = customer_id
        contract.owner = row.owner
        contract.amount = row.amount
        contract.signed_at = row.signed_at
        if row.status in RECEIVABLE_STATUSES:
            contract.reviewed_at = row.reviewed_at or contract.reviewed_at
        elif row.status in (DRAFT, SIGNED):
            contract.reviewed_at = None
            contract.reviewed_by = None
        if row.stamped is True and contract.stamped_at is None:
            contract.stamped_at = row.signed_at or now
        elif row.stamped is False and contract.stamped_media_id is None:
            contract.stamped_at = None
        contract.updated_at = now
        self.session.add(contract)
        self.session.flush()
        assert contract.id is not None
        collected = self._import_payment(contract, row)
        if row.status in RECEIVABLE_STATUSES:
            contract.status = (APPROVED if collected == 0 else
                               COLLECTED if collected >= row.amount else PARTLY_COLLECTED)
        else:
            contract.status = row.status
        if collected > row.amount:
            raise ContractError(CM.IMPORT_PAID_OVER.format(paid=f"{collected:,.2f}",
                                                           amount=f"{row.amount:,.2f}"))
        contract.collected_amount = collected
        self.session.add(contract)
        if created or before != contract.status or _differs(old_signed, contract.signed_at):
            self.session.add(ContractEvent(contract_id=contract.id, at=now, kind="import",
                                           from_status=before, to_status=contract.status))
        self.session.flush()
        if (contract.status == SIGNED and contract.signed_at is not None
                and contract.signed_at >= now - PUSH_WINDOW
                and queue_finance_review(self.session, contract)):
            self.pushed += 1
        return created

    def _import_payment(self, contract: Contract, row: ContractRow) -> Decimal:
        """Keep the one ``import`` payment equal to 回款金额; the sum of all payments."""
        ref = f"import:{contract.contract_no}"
        existing = self.session.exec(select(Payment).where(Payment.bank_ref == ref)).first()
        if row.paid:
            paid_on = _day(row.reviewed_at or row.signed_at or self.now, self.tz)
            if existing is None:
                self.session.add(Payment(contract_id=contract.id, amount=row.paid,  # type: ignore[arg-type]
                                         paid_on=paid_on, source="import", bank_ref=ref))
            else:
                existing.amount, existing.paid_on = row.paid, paid_on
                self.session.add(existing)
        elif existing is not None:
            self.session.delete(existing)
        self.session.flush()
        total = self.session.exec(select(func.coalesce(func.sum(Payment.amount), 0))
                                  .where(Payment.contract_id == contract.id)).one()
        return Decimal(total).quantize(ops.CENT)


def _day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def _differs(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is not b
    return as_utc(a) != as_utc(b)


def import_contracts(session: Session, path: Path, *, report_path: Path | None = None,
                     progress: core.Progress | None = None, now: datetime | None = None
                     ) -> tuple[core.ImportResult, int]:
    """Upsert the contracts in ``path``; returns the result and how many were pushed to
    finance (see the module docstring)."""
    importer = ContractImport(session, clock.business_tz(), now or utcnow())
    result = core.run(session, path, importer, report_path=report_path, progress=progress,
                      batch_size=core.BATCH_SIZE)
    return result, importer.pushed


def summary(result: core.ImportResult, pushed: int) -> str:
    return CM.IMPORT_SUMMARY.format(total=result.total, inserted=result.inserted,
                                    updated=result.updated, refused=len(result.refused),
                                    pushed=pushed)
