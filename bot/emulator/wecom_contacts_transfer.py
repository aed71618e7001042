"""The emulated 客户联系 transfers under /cgi-bin/externalcontact/: 在职继承
(transfer_customer, transfer_result), 离职继承 (resigned/transfer_customer,
resigned/transfer_result, get_unassigned_list) — PLATFORMS.md §7, WeCom 94096 / 94081.

A transfer that starts (per-customer errcode 0) finishes ``wecom_transfer_delay`` (24 h)
later on the emulated clock: the record moves to the takeover rep and the handover rep's
side gets ``del_external_contact`` with ``Source=DELETE_BY_TRANSFER``; or, when
``POST /_emu/wecom/contacts/refuse`` named the customer, the record stays and the
takeover rep's side gets ``transfer_fail`` (wecom_contacts_state.settle,
wecom_contacts_events).

Per-customer errcodes follow WeCom's global table (90313): 40096 unknown customer, 40131
the handover rep does not follow them, 40129 already being transferred, 40128 transferred
``wecom_transfers_per_window`` (2) times in ``wecom_transfer_window`` (90 days). The call
as a whole: 60111 unknown rep, 40130 handover = takeover, 40058 no customers or more than
100, 40097 (resigned/…) a handover rep who has not left — a rep leaves through
``POST /_emu/wecom/contacts/resign``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from bot.emulator.common import get_state, json_body, platform_api, wecom_error
from bot.emulator.state import PLATFORM_WECOM, EmulatorState
from bot.emulator.wecom_api import API_PREFIX, Answer
from bot.emulator.wecom_contacts_api import (
    body_or_empty,
    decode_cursor,
    encode_cursor,
    guard,
    int_arg,
    string_list,
)
from bot.emulator.wecom_contacts_state import (
    KIND_ONJOB,
    KIND_RESIGNED,
    STATUS_WAITING,
    ContactBook,
    Transfer,
)

bp = Blueprint("emulator_wecom_contacts_transfer", __name__,
               url_prefix=API_PREFIX + "/externalcontact")

TRANSFER_MAX = 100
SUCCESS_MSG_MAX = 200
RESULT_PAGE = 1000
UNASSIGNED_PAGE_MAX = 1000

# Per-customer errcodes (WeCom 90313).
INVALID_CUSTOMER = 40096
NOT_FOLLOWER = 40131
IN_TRANSFER = 40129
TOO_FREQUENT = 40128


def _customer_code(state: EmulatorState, kind: str, handover: str, ext: str) -> int:
    book = state.contacts
    if ext not in book.contacts:
        return INVALID_CUSTOMER
    if book.record(handover, ext) is None:
        return NOT_FOLLOWER
    if book.pending_transfer(ext) is not None:
        return IN_TRANSFER
    config = state.config
    if kind == KIND_ONJOB and book.transfers_since(
            ext, state.now() - config.wecom_transfer_window, kind
    ) >= config.wecom_transfers_per_window:
        return TOO_FREQUENT
    return 0


def _start(kind: str) -> Answer:
    state = get_state()
    if (error := guard(state)) is not None:
        return error
    body = json_body()
    if body is None:
        return wecom_error(47001)
    handover = str(body.get("handover_userid") or "")
    takeover = str(body.get("takeover_userid") or "")
    config = state.config
    if config.wecom_user(handover) is None or config.wecom_user(takeover) is None:
        return wecom_error(60111)
    if handover == takeover:
        return wecom_error(40130)
    customers = string_list(body.get("external_userid"))
    if customers is None or not 1 <= len(customers) <= TRANSFER_MAX:
        return wecom_error(40058, f"external_userid must list 1 to {TRANSFER_MAX} customers")
    message = body.get("transfer_success_msg") or ""
    if not isinstance(message, str) or len(message) > SUCCESS_MSG_MAX:
        return wecom_error(40058, f"transfer_success_msg is over {SUCCESS_MSG_MAX} characters")
    answer: list[dict[str, Any]] = []
    with state.lock:
        if kind == KIND_RESIGNED and handover not in state.contacts.departed:
            return wecom_error(40097)
        now = state.now()
        for ext in dict.fromkeys(customers):
            code = _customer_code(state, kind, handover, ext)
            if code == 0:
                state.contacts.start_transfer(Transfer(
                    kind, handover, takeover, ext, now, now + config.wecom_transfer_delay,
                    message=message))
            answer.append({"external_userid": ext, "errcode": code})
    return {**wecom_error(0), "customer": answer}


def _latest(book: ContactBook, kind: str, handover: str, takeover: str) -> list[Transfer]:
    """The newest transfer of each customer between these two reps, oldest customer first."""
    latest: dict[str, Transfer] = {}
    for transfer in book.transfers:
        if (transfer.kind, transfer.handover, transfer.takeover) == (kind, handover, takeover):
            latest.pop(transfer.external_userid, None)
            latest[transfer.external_userid] = transfer
    return list(latest.values())


def _result(kind: str) -> Answer:
    state = get_state()
    if (error := guard(state)) is not None:
        return error
    body = json_body()
    if body is None:
        return wecom_error(47001)
    handover = str(body.get("handover_userid") or "")
    takeover = str(body.get("takeover_userid") or "")
    if state.config.wecom_user(handover) is None or state.config.wecom_user(takeover) is None:
        return wecom_error(60111)
    cursor = str(body.get("cursor") or "")
    position = decode_cursor(cursor, 1) if cursor else (0,)
    if position is None:
        return wecom_error(50100)
    with state.lock:
        rows = _latest(state.contacts, kind, handover, takeover)
    start = position[0]
    page = rows[start:start + RESULT_PAGE]
    # Waiting ones show when they will be taken over (WeCom 94088).
    customers = [{"external_userid": t.external_userid, "status": t.status,
                  "takeover_time": int(t.due_at) if t.status == STATUS_WAITING
                  else t.takeover_time} for t in page]
    more = start + RESULT_PAGE < len(rows)
    return {**wecom_error(0), "customer": customers,
            "next_cursor": encode_cursor(start + RESULT_PAGE) if more else ""}


@bp.post("/transfer_customer")
@platform_api(PLATFORM_WECOM, "externalcontact/transfer_customer")
def transfer_customer() -> Answer:
    return _start(KIND_ONJOB)


@bp.post("/transfer_result")
@platform_api(PLATFORM_WECOM, "externalcontact/transfer_result")
def transfer_result() -> Answer:
    return _result(KIND_ONJOB)


@bp.post("/resigned/transfer_customer")
@platform_api(PLATFORM_WECOM, "externalcontact/resigned/transfer_customer")
def resigned_transfer_customer() -> Answer:
    return _start(KIND_RESIGNED)


@bp.post("/resigned/transfer_result")
@platform_api(PLATFORM_WECOM, "externalcontact/resigned/transfer_result")
def resigned_transfer_result() -> Answer:
    return _result(KIND_RESIGNED)


@bp.post("/get_unassigned_list")
@platform_api(PLATFORM_WECOM, "externalcontact/get_unassigned_list")
def get_unassigned_list() -> Answer:
    """Customers of reps who left, not yet handed to anyone (transfers in flight excluded)."""
    state = get_state()
    if (error := guard(state)) is not None:
        return error
    body = body_or_empty()
    if body is None:
        return wecom_error(47001)
    page_size = int_arg(body.get("page_size"), UNASSIGNED_PAGE_MAX)
    if page_size is None or not 1 <= page_size <= UNASSIGNED_PAGE_MAX:
        return wecom_error(40058, f"page_size must be 1 to {UNASSIGNED_PAGE_MAX}")
    cursor = str(body.get("cursor") or "")
    position = decode_cursor(cursor, 1) if cursor else (0,)
    if position is None:
        return wecom_error(50100)
    book = state.contacts
    with state.lock:
        rows = [{"handover_userid": rep, "external_userid": ext, "dimission_time": left}
                for rep, left in book.departed.items()
                for ext in book.follows.get(rep, {})
                if book.pending_transfer(ext) is None]
    start = position[0]
    is_last = start + page_size >= len(rows)
    return {**wecom_error(0), "info": rows[start:start + page_size], "is_last": is_last,
            "next_cursor": "" if is_last else encode_cursor(start + page_size)}
