"""The emulated WeCom app menu (menu/create, menu/get) under /cgi-bin/: what the
emulated phones' workbench shows. Registered by bot.emulator."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from bot.emulator.common import get_state, json_body, platform_api, wecom_error
from bot.emulator.state import PLATFORM_WECOM
from bot.emulator.wecom_api import API_PREFIX, Answer, agent_ok, token_error

bp = Blueprint("emulator_wecom_menu", __name__, url_prefix=API_PREFIX)

MENU_TOP_MAX = 3  # first-level buttons
MENU_SUB_MAX = 5  # second-level buttons under one first-level button


def _menu_leaf(button: Any) -> dict[str, str] | None:
    """One clickable menu entry as the workbench shows it, or None if WeCom would refuse
    it: ``click`` needs a key (the app gets Event=click), ``view`` an http(s) url (the
    client opens it)."""
    if not isinstance(button, dict) or not button.get("name"):
        return None
    if button.get("type") == "click" and button.get("key"):
        return {"key": str(button["key"]), "name": str(button["name"])}
    if button.get("type") == "view" and str(button.get("url", "")).startswith(
            ("http://", "https://")):
        return {"url": str(button["url"]), "name": str(button["name"])}
    return None


def menu_entries(menu: Any) -> list[dict[str, str]] | None:
    """The workbench entries of a menu/create body, flattened in order, or None when the
    body is not a menu WeCom accepts."""
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MENU_TOP_MAX:
        return None
    entries: list[dict[str, str]] = []
    for button in buttons:
        subs = button.get("sub_button") if isinstance(button, dict) else None
        if subs:
            if not isinstance(subs, list) or len(subs) > MENU_SUB_MAX or not button.get("name"):
                return None
            leaves = [_menu_leaf(sub) for sub in subs]
        else:
            leaves = [_menu_leaf(button)]
        if any(leaf is None for leaf in leaves):
            return None
        entries += [leaf for leaf in leaves if leaf is not None]
    return entries


@bp.post("/menu/create")
@platform_api(PLATFORM_WECOM, "menu/create")
def menu_create() -> Answer:
    """Set the app's menu: the phone pages' workbench shows it from then on."""
    state = get_state()
    if (error := token_error(state)) is not None:
        return error
    if not agent_ok(state, request.args.get("agentid")):
        return wecom_error(40056)
    body = json_body()
    entries = menu_entries(body)
    if body is None or entries is None:
        return wecom_error(40058, "invalid menu")
    with state.lock:
        state.menu, state.menu_entries = body, entries
    return wecom_error(0)


@bp.get("/menu/get")
@platform_api(PLATFORM_WECOM, "menu/get")
def menu_get() -> Answer:
    state = get_state()
    if (error := token_error(state)) is not None:
        return error
    if not agent_ok(state, request.args.get("agentid")):
        return wecom_error(40056)
    return {**wecom_error(0), **(state.menu or {"button": []})}
