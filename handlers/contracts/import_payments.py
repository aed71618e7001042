"""Bank export import (C6; run for the H5 upload by handlers/contracts/bank_upload.py): one
payment per row of a bank statement (.xlsx/.csv with
交易日期, 金额, 合同编号, 流水号), booked by a finance user through
handlers.contracts.actions.book_payment — the same checks as a payment typed by hand.

Each row is written in its own savepoint, so a row is either booked completely (payment,
the contract's collected amount and status, its event) or not at all; refused rows are
reported with their row number and reason and everything else is booked. 流水号 is the
payment's ``bank_ref``: importing the same export again books nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.contracts import actions as ops
from handlers.contracts.actions import ContractError
from lib.text import clean_text
from models.contracts import texts as CM
from models.customers import cleaning as fields
from models.imports import core
from models.org.user import User
from zhongshu import clock

PAYMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "paid_on": ("交易日期", "日期", "入账日期", "到账日期", "交易时间", "记账日期"),
    "amount": ("金额", "交易金额", "收入金额", "贷方金额", "入账金额", "收款金额"),
    "contract_no": ("合同编号", "合同号", "合同编码"),
    "bank_ref": ("流水号", "交易流水号", "银行流水号", "交易参考号", "凭证号"),
}


@dataclass
class PaymentRow:
    paid_on: date
    amount: Decimal
    contract_no: str
    bank_ref: str


class PaymentImport(core.Importer):
    kind = "payments"
    columns = PAYMENT_COLUMNS
    required = ("paid_on", "amount", "contract_no", "bank_ref")

    def __init__(self, session: Session, user: User, tz: ZoneInfo) -> None:
        self.session = session
        self.user = user
        self.tz = tz
        self.refs: dict[str, int] = {}  # bank_ref → first row, to catch doubles in one file

    def clean(self, row: int, values: list[Any], cols: core.Columns) -> PaymentRow:
        errors: list[str] = []
        raw_day = core.first(values, cols, "paid_on")
        paid_on = None
        try:
            paid_on = core.parse_datetime(raw_day, self.tz).astimezone(self.tz).date()
        except fields.FieldError:
            errors.append(CM.DATE_INVALID.format(value=clean_text(raw_day) or ""))
        amount = None
        try:
            amount = ops.parse_amount(core.first(values, cols, "amount") or "")
        except ContractError as error:
            errors.append(error.message)
        contract_no = (clean_text(core.first(values, cols, "contract_no")) or "").upper()
        if not contract_no:
            errors.append(CM.IMPORT_PAYMENT_NO_CONTRACT.format(value=""))
        ref_value = core.first(values, cols, "bank_ref")
        if isinstance(ref_value, float) and ref_value.is_integer():
            ref_value = int(ref_value)
        bank_ref = clean_text(ref_value) or ""
        if not bank_ref:
            errors.append(CM.IMPORT_PAYMENT_REF_REQUIRED)
        elif len(bank_ref) > 64:
            errors.append(CM.BANK_REF_TOO_LONG)
        elif bank_ref in self.refs:
            errors.append(CM.IMPORT_PAYMENT_DUP_IN_FILE.format(ref=bank_ref,
                                                               row=self.refs[bank_ref]))
        if errors:
            raise core.RowError(errors)
        self.refs[bank_ref] = row
        assert paid_on is not None and amount is not None
        return PaymentRow(paid_on, amount, contract_no, bank_ref)

    def write(self, batch: list[tuple[int, Any]], result: core.ImportResult) -> list[core.Refusal]:
        refused: list[core.Refusal] = []
        for number, row in batch:
            contract = ops.find_for(self.session, self.user, row.contract_no)
            if contract is None or contract.id is None:
                refused.append(core.Refusal(number, CM.IMPORT_PAYMENT_NO_CONTRACT.format(
                    value=row.contract_no)))
                continue
            try:
                with self.session.begin_nested():
                    booked = ops.book_payment(self.session, user=self.user,
                                              contract_id=contract.id, amount=row.amount,
                                              paid_on=row.paid_on, bank_ref=row.bank_ref,
                                              source="bank")
            except ContractError as error:
                refused.append(core.Refusal(number, error.message))
                continue
            if booked is None:
                result.updated += 1  # already booked by an earlier import
            else:
                result.inserted += 1
        return refused


def import_payments(session: Session, path: Path, *, user: User,
                    report_path: Path | None = None) -> core.ImportResult:
    """Book the payments in a bank export as ``user`` (finance); see the module docstring."""
    return core.run(session, path, PaymentImport(session, user, clock.business_tz()),
                    report_path=report_path, progress=None, batch_size=core.BATCH_SIZE)


def summary(result: core.ImportResult) -> str:
    return CM.IMPORT_PAYMENTS_SUMMARY.format(total=result.total, booked=result.inserted,
                                             skipped=result.updated,
                                             refused=len(result.refused))
