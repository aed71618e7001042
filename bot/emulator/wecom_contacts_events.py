"""The change_external_contact callbacks WeCom sends about 客户联系 (PLATFORMS.md §7), and
the lazy settlement of transfers that produces some of them.

A callback is an ordinary encrypted POST to the service's callback URL
(player_wecom.deliver), but WeCom sends it as the system: ``FromUserName=sys`` and no
``AgentID`` in the plaintext (the outer envelope still names the app, §1.3). It is filed
under the rep it is about (``UserID``) on channel "contact".

Transfers finish on the emulated clock. Nothing runs in the background: whatever request
comes after the due time settles them first (``settle_before_request``), a /_emu/clock
advance settles right after moving the clock (``settle_and_send``). Callbacks are never
sent under the state lock; when a platform API call settled them, they go out after that
call's answer, as WeCom's own callbacks come independently of the API.
"""

from __future__ import annotations

from typing import Any

from flask import Response, after_this_request, request

from bot.emulator.player_wecom import deliver
from bot.emulator.state import EmulatorState
from bot.emulator.wecom_contacts_state import ContactEvent
from bot.emulator.wire import XmlValue

EVENT = "change_external_contact"
SYSTEM_SENDER = "sys"
CONTACTS_API_PREFIX = "/cgi-bin/externalcontact/"
# Control calls that must not settle first: a reset throws the due transfers away.
NO_SETTLE = ("/_emu/reset", "/_emu/static/", "/_emu/clock")


def event_fields(state: EmulatorState, event: ContactEvent) -> list[tuple[str, XmlValue]]:
    """The plaintext XML fields, in the order of WeCom's samples."""
    return [("ToUserName", state.config.wecom_corp_id), ("FromUserName", SYSTEM_SENDER),
            ("CreateTime", int(state.now())), ("MsgType", "event"), ("Event", EVENT),
            ("ChangeType", event.change_type), *event.before,
            ("UserID", event.userid), ("ExternalUserID", event.external_userid),
            *event.after]


def send(state: EmulatorState, event: ContactEvent) -> dict[str, Any]:
    """POST one callback to the service; the player's usual answer plus what it was."""
    fields = event_fields(state, event)
    result = deliver(state, event.userid, fields, dict(fields), channel="contact")
    return {"change_type": event.change_type, "userid": event.userid,
            "external_userid": event.external_userid, **result}


def send_all(state: EmulatorState, events: list[ContactEvent]) -> list[dict[str, Any]]:
    return [send(state, event) for event in events]


def settle(state: EmulatorState) -> list[ContactEvent]:
    """Apply the transfers due by now; the callbacks they cause, still to be sent."""
    with state.lock:
        return state.contacts.settle(state.now())


def settle_and_send(state: EmulatorState) -> list[dict[str, Any]]:
    return send_all(state, settle(state))


def settle_before_request(state: EmulatorState) -> None:
    """Before a 客户联系 API call or a control call: settle what is due. A control call
    (a test, the phone page) waits for the callbacks; an API call answers first."""
    path = request.path
    if path.startswith(CONTACTS_API_PREFIX):
        events = settle(state)
        if events:
            @after_this_request
            def send_later(response: Response) -> Response:
                response.call_on_close(lambda: send_all(state, events))
                return response
    elif path.startswith("/_emu/") and not path.startswith(NO_SETTLE):
        send_all(state, settle(state))
