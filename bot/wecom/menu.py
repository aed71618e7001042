"""The WeCom app's menu (the workbench entries under the app's chat), set with menu/create.

报备客户 is a ``view`` entry: WeCom opens its URL directly, which is our sign-in entry
(``cards.links.wecom_oauth_url``: OAuth, silent) for the registration form — one tap to the
form, signed in. The others are ``click`` entries: WeCom sends Event=click with the key
and the router's ``@router.click`` handlers answer in the chat. WeCom allows at most 3
first-level entries with at most 5 under each, so the less used ones sit under 更多."""

from __future__ import annotations

from typing import Any

from bot.wecom.client import WeComClient, get_client
from cards.links import wecom_oauth_url

REGISTER_PATH = "/h5/register"
MENU_MORE = "更多"


def app_menu() -> dict[str, Any]:
    """The menu/create body."""
    return {"button": [
        {"type": "view", "name": "报备客户", "url": wecom_oauth_url(REGISTER_PATH)},
        {"type": "click", "name": "拜访签到", "key": "checkin"},
        {"name": MENU_MORE, "sub_button": [
            {"type": "click", "name": "我的客户", "key": "my_customers"},
            {"type": "click", "name": "帮助", "key": "help"},
        ]},
    ]}


def push_app_menu(client: WeComClient | None = None) -> dict[str, Any]:
    """Set the app's menu on WeCom (replaces the one there); returns WeCom's answer."""
    client = client or get_client()
    return dict(client.post("menu/create", params={"agentid": client.agent_id},
                            data=app_menu()))
