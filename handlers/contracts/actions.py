"""What people do with contracts (C6): draft, sign, upload the stamped page, finance
review, payments and the reps' collection forecasts — the one place these changes are
written, whichever path (chat, card button, H5 page, import) asks for them.

Rules (see models/contracts/contract.py for the lifecycle):

| action          | who                                   | from status                   |
|-----------------|---------------------------------------|-------------------------------|
| create draft    | rep / supervisor / director, on a customer they may edit      | —   |
| sign            | the same, on a contract in their scope | draft, returned              |
| stamped page    | the same                              | any signed one (signed_at set)|
| approve/return  | finance only; return needs a reason   | signed                        |
| book payment    | finance only; 0 < amount ≤ outstanding | approved, partly_collected   |
| forecast        | rep / supervisor / director in scope   | signed … partly_collected    |

Every change writes one ``ContractEvent``. An illegal request raises ``ContractError``
with a Chinese message before anything is written, so callers show it and the database
is as it was. Signing (also re-signing a returned contract, which sets a new
``signed_at`` so the 72 h review clock restarts) queues the finance review messages in
the same transaction (handlers/contracts/notify.py)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from handlers.contracts.notify import close_review_cards, queue_finance_review, queue_rep_notice
from lib import photos
from lib.numbers import parse_number
from models.base import utcnow
from models.contracts import texts as CM
from models.contracts.contract import (
    APPROVED,
    COLLECTED,
    DRAFT,
    PARTLY_COLLECTED,
    RETURNED,
    SIGNED,
    CollectionForecast,
    Contract,
    ContractEvent,
    Payment,
    outstanding,
    status_label,
)
from models.customers.scope import (
    EDITOR_ROLES,
    get_contract_for,
    get_customer_for,
    scope_contracts,
)
from models.org.user import ROLE_NAMES, User
from models.platform import media as media_model
from zhongshu import clock
from zhongshu.settings import get_settings

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e12")
MAX_STAMPED_BYTES = 15 * 1024 * 1024
REASON_MAX = 200
PDF = "PDF"
STAMPED_TYPES = {photos.JPEG: "image/jpeg", photos.PNG: "image/png", PDF: "application/pdf"}
CONTRACT_NO_RE = re.compile(r"^[0-9A-Za-z_\-]{1,64}$")
FORECAST_STATUSES = (SIGNED, APPROVED, PARTLY_COLLECTED)
_DATE = re.compile(r"^(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?$")


class ContractError(ValueError):
    """A refused request; ``message`` is what the person is told."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def today() -> date:
    return utcnow().astimezone(clock.business_tz()).date()


# -- parsing what people type -------------------------------------------------------------
def parse_amount(value: str | Decimal | float) -> Decimal:
    """"128000", "12.8万", "3千", "¥3,000.50", "五十万" (lib.numbers) → Decimal with
    cents; > 0."""
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        number = Decimal(str(value))
    else:
        try:
            number = parse_number(value)
        except ValueError:
            raise ContractError(CM.AMOUNT_INVALID.format(value=value)) from None
    if not number.is_finite():
        raise ContractError(CM.AMOUNT_INVALID.format(value=value))
    if number <= 0:
        raise ContractError(CM.AMOUNT_NOT_POSITIVE)
    if number >= MAX_AMOUNT:
        raise ContractError(CM.AMOUNT_TOO_LARGE.format(value=value))
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_day(text: str, *, now: date | None = None) -> date:
    """"2026-12-31", "2026/12/31", "12-31", "12月31日" (this year) → date."""
    match = _DATE.match(text.strip())
    if not match:
        raise ContractError(CM.DATE_INVALID.format(value=text))
    year, month, day = match.groups()
    try:
        return date(int(year) if year else (now or today()).year, int(month), int(day))
    except ValueError:
        raise ContractError(CM.DATE_INVALID.format(value=text)) from None


# -- helpers --------------------------------------------------------------------------------
def _event(session: Session, contract: Contract, *, kind: str, actor: str | None,
           from_status: str | None, note: str | None = None,
           at: datetime | None = None) -> ContractEvent:
    assert contract.id is not None
    row = ContractEvent(contract_id=contract.id, at=at or utcnow(), actor=actor, kind=kind,
                        from_status=from_status, to_status=contract.status,
                        note=note[:REASON_MAX] if note else None)
    session.add(row)
    return row


def _editor(user: User) -> None:
    if not user.active or user.role not in EDITOR_ROLES:
        raise ContractError(CM.NOT_EDITOR.format(role=_role_name(user.role)))


def _finance(user: User) -> None:
    if not user.active or user.role != "finance":
        raise ContractError(CM.NOT_FINANCE)


def _role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role)


def _touch(session: Session, contract: Contract) -> None:
    contract.updated_at = utcnow()
    session.add(contract)


def lock(session: Session, contract_id: int) -> Contract | None:
    """Re-read the contract holding its row until commit (PostgreSQL ``FOR UPDATE``): two
    finance clerks booking at once are applied one after the other, never over-collecting."""
    return session.exec(select(Contract).where(Contract.id == contract_id)
                        .with_for_update().execution_options(populate_existing=True)).first()


def find_for(session: Session, user: User, contract_no: str) -> Contract | None:
    """The contract with this number if ``user`` may see it (else None, like missing)."""
    return session.exec(scope_contracts(
        select(Contract).where(Contract.contract_no == contract_no.strip().upper()),
        user)).first()


def _next_number(session: Session, day: date) -> str:
    prefix = f"HT{day:%Y%m%d}"
    taken = session.exec(select(func.count()).select_from(Contract)
                         .where(Contract.contract_no.startswith(prefix))).one()
    n = int(taken) + 1
    while session.exec(select(Contract.id).where(
            Contract.contract_no == f"{prefix}{n:03d}")).first() is not None:
        n += 1
    return f"{prefix}{n:03d}"


# -- the lifecycle ----------------------------------------------------------------------------
def create_draft(session: Session, *, user: User, customer_id: int, amount: Decimal,
                 contract_no: str | None = None) -> Contract:
    """A draft for a customer ``user`` may edit; the owner is the customer's rep."""
    _editor(user)
    customer = get_customer_for(session, user, customer_id, for_edit=True)
    if customer is None:
        raise ContractError(CM.CUSTOMER_NOT_FOUND.format(query=customer_id))
    amount = parse_amount(amount)
    if contract_no is None:
        contract_no = _next_number(session, today())
    contract_no = contract_no.strip().upper()
    if not CONTRACT_NO_RE.match(contract_no):
        raise ContractError(CM.CONTRACT_NO_INVALID)
    if session.exec(select(Contract.id).where(Contract.contract_no == contract_no)).first():
        raise ContractError(CM.CONTRACT_NO_TAKEN.format(no=contract_no))
    contract = Contract(contract_no=contract_no, customer_id=customer_id,
                        owner=customer.owner or user.wecom_userid, amount=amount,
                        status=DRAFT)
    session.add(contract)
    session.flush()
    _event(session, contract, kind=DRAFT, actor=user.wecom_userid, from_status=None)
    return contract


def sign(session: Session, *, user: User, contract_id: int,
         now: datetime | None = None) -> Contract:
    """draft / returned → signed, ``signed_at`` = now; finance is told at once."""
    _editor(user)
    if get_contract_for(session, user, contract_id) is None:
        raise ContractError(CM.NOT_FOUND_PLAIN)
    contract = lock(session, contract_id)
    assert contract is not None
    if contract.status not in (DRAFT, RETURNED):
        raise ContractError(CM.SIGN_ILLEGAL.format(no=contract.contract_no,
                                                   status=status_label(contract.status)))
    before = contract.status
    contract.status = SIGNED
    contract.signed_at = now or utcnow()
    contract.reviewed_at = None
    contract.reviewed_by = None
    _touch(session, contract)
    note = contract.return_reason if before == RETURNED else None
    _event(session, contract, kind=SIGNED, actor=user.wecom_userid, from_status=before,
           note=note, at=contract.signed_at)
    session.flush()
    queue_finance_review(session, contract)
    return contract


def review(session: Session, *, user: User, contract_id: int, approve: bool,
           reason: str | None = None, now: datetime | None = None) -> Contract:
    """Finance: signed → approved (a receivable) or → returned with a reason."""
    _finance(user)
    contract = lock(session, contract_id)
    if contract is None:
        raise ContractError(CM.NOT_FOUND_PLAIN)
    if contract.status != SIGNED:
        raise ContractError(CM.REVIEW_ILLEGAL.format(no=contract.contract_no,
                                                     status=status_label(contract.status)))
    reason = " ".join((reason or "").split())
    if not approve:
        if not reason:
            raise ContractError(CM.RETURN_NEEDS_REASON)
        if len(reason) > REASON_MAX:
            raise ContractError(CM.REASON_TOO_LONG.format(n=len(reason)))
    moment = now or utcnow()
    if approve:
        contract.status = APPROVED
        contract.reviewed_at = moment
        contract.reviewed_by = user.wecom_userid
    else:
        contract.status = RETURNED
        contract.return_reason = reason
    _touch(session, contract)
    event = _event(session, contract, kind=contract.status, actor=user.wecom_userid,
                   from_status=SIGNED, note=reason or None, at=moment)
    session.flush()
    close_review_cards(session, contract, reviewer=user, approved=approve)
    notice = (CM.REP_APPROVED.format(no=contract.contract_no, by=user.name) if approve else
              CM.REP_RETURNED.format(no=contract.contract_no, by=user.name, reason=reason))
    queue_rep_notice(session, contract, event, notice)
    return contract


def book_payment(session: Session, *, user: User, contract_id: int, amount: Decimal | str,
                 paid_on: date | None = None, bank_ref: str | None = None,
                 source: str = "manual") -> Payment | None:
    """Finance books money received. None when ``bank_ref`` was booked before (re-importing
    a bank export is a no-op); over-collection and non-positive amounts are refused."""
    _finance(user)
    amount = parse_amount(amount)
    paid_on = paid_on or today()
    if paid_on > today():
        raise ContractError(CM.PAYMENT_FUTURE.format(day=paid_on.isoformat()))
    if bank_ref is not None:
        bank_ref = bank_ref.strip()
        if len(bank_ref) > 64:
            raise ContractError(CM.BANK_REF_TOO_LONG)
        if session.exec(select(Payment.id).where(Payment.bank_ref == bank_ref)).first():
            return None
    contract = lock(session, contract_id)
    if contract is None:
        raise ContractError(CM.NOT_FOUND_PLAIN)
    if contract.status not in (APPROVED, PARTLY_COLLECTED):
        raise ContractError(CM.PAYMENT_ILLEGAL.format(no=contract.contract_no,
                                                      status=status_label(contract.status)))
    left = outstanding(contract)
    if amount > left:
        raise ContractError(CM.PAYMENT_OVER.format(amount=f"{amount:,.2f}",
                                                   no=contract.contract_no,
                                                   outstanding=f"{left:,.2f}"))
    assert contract.id is not None
    payment = Payment(contract_id=contract.id, amount=amount, paid_on=paid_on, source=source,
                      bank_ref=bank_ref or None, booked_by=user.wecom_userid)
    session.add(payment)
    before = contract.status
    contract.collected_amount = Decimal(contract.collected_amount) + amount
    contract.status = COLLECTED if outstanding(contract) == 0 else PARTLY_COLLECTED
    _touch(session, contract)
    _event(session, contract, kind=contract.status, actor=user.wecom_userid,
           from_status=before, note=f"{amount:,.2f}" + (f" / {bank_ref}" if bank_ref else ""))
    session.flush()
    return payment


def add_forecast(session: Session, *, user: User, contract_id: int, amount: Decimal | str,
                 expected_on: date) -> CollectionForecast:
    """A rep's promise: ``amount`` of the outstanding money arrives by ``expected_on``."""
    _editor(user)
    contract = get_contract_for(session, user, contract_id)
    if contract is None:
        raise ContractError(CM.NOT_FOUND_PLAIN)
    amount = parse_amount(amount)
    if contract.status not in FORECAST_STATUSES:
        raise ContractError(CM.FORECAST_ILLEGAL.format(no=contract.contract_no,
                                                       status=status_label(contract.status)))
    left = outstanding(contract)
    if amount > left:
        raise ContractError(CM.FORECAST_OVER.format(amount=f"{amount:,.2f}",
                                                    no=contract.contract_no,
                                                    outstanding=f"{left:,.2f}"))
    if expected_on < today():
        raise ContractError(CM.FORECAST_PAST.format(day=expected_on.isoformat()))
    assert contract.id is not None
    row = CollectionForecast(contract_id=contract.id, owner=contract.owner, amount=amount,
                             expected_on=expected_on)
    session.add(row)
    _event(session, contract, kind="forecast", actor=user.wecom_userid,
           from_status=contract.status, note=f"{amount:,.2f} @ {expected_on.isoformat()}")
    session.flush()
    return row


# -- the stamped page -------------------------------------------------------------------------
@dataclass(frozen=True)
class StampedFile:
    kind: str  # JPEG / PNG / PDF
    content_type: str


def check_stamped_file(data: bytes) -> StampedFile:
    """Accept a photo (JPEG/PNG) or a scanned PDF under the size cap; else ContractError."""
    if not data:
        raise ContractError(CM.STAMP_EMPTY)
    if len(data) > MAX_STAMPED_BYTES:
        raise ContractError(CM.STAMP_TOO_LARGE.format(
            size=photos.human_bytes(len(data)), limit=photos.human_bytes(MAX_STAMPED_BYTES)))
    kind = PDF if data[:5] == b"%PDF-" else photos.sniff_format(data)
    if kind not in STAMPED_TYPES:
        raise ContractError(CM.STAMP_WRONG_TYPE)
    if kind != PDF:
        try:
            photos.analyse(data)
        except photos.PhotoError as error:
            raise ContractError(error.message) from None
    return StampedFile(kind, STAMPED_TYPES[kind])


def stamped_folder() -> Path:
    return get_settings().instance_dir / "contracts" / "stamped"


def upload_stamped_page(session: Session, *, user: User, contract_id: int, data: bytes,
                        now: datetime | None = None) -> Contract:
    """Keep the scan (content-addressed, like visit photos) and mark the page received;
    a contract flagged as risk stops being one at once (risk = risk_at and no page)."""
    _editor(user)
    contract = get_contract_for(session, user, contract_id)
    if contract is None:
        raise ContractError(CM.NOT_FOUND_PLAIN)
    if contract.signed_at is None:
        raise ContractError(CM.STAMP_NOT_SIGNED.format(no=contract.contract_no))
    checked = check_stamped_file(data)
    path = photos.store_original(data, stamped_folder())
    if checked.kind == PDF and path.suffix != ".pdf":
        final = path.with_suffix(".pdf")
        if not final.exists():
            path.replace(final)
        else:
            path.unlink(missing_ok=True)
        path = final
    digest = hashlib.sha256(data).hexdigest()
    moment = now or utcnow()
    assert contract.id is not None
    row = media_model.Media(platform="web", user_id=user.wecom_userid,
                            media_id=f"contract-{contract.id}-{digest[:32]}-{moment.timestamp():.0f}",
                            status=media_model.STATUS_STORED, content_type=checked.content_type,
                            size=len(data), sha256=digest, path=str(path), stored_at=moment)
    session.add(row)
    session.flush()
    contract.stamped_at = moment
    contract.stamped_media_id = row.id
    _touch(session, contract)
    _event(session, contract, kind="stamped_page", actor=user.wecom_userid,
           from_status=contract.status, at=moment)
    session.flush()
    return contract
