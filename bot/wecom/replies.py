"""Plaintext XML for WeCom passive replies (PLATFORMS.md §1.6); ``WeComCrypto.encrypt_reply``
wraps them for the HTTP response. wechatpy has no update_button reply, so we render it."""

from __future__ import annotations

import time


def cdata(value: str) -> str:
    """A CDATA section that survives a ``]]>`` inside the value (split across two sections)."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _head(to_user: str, corp_id: str, msg_type: str, create_time: int | None) -> str:
    # A passive reply goes to the user (ToUserName) from the corp (FromUserName).
    ts = int(time.time()) if create_time is None else create_time
    return (f"<ToUserName>{cdata(to_user)}</ToUserName>"
            f"<FromUserName>{cdata(corp_id)}</FromUserName>"
            f"<CreateTime>{ts}</CreateTime>"
            f"<MsgType>{cdata(msg_type)}</MsgType>")


def update_button(*, to_user: str, corp_id: str, replace_name: str,
                  create_time: int | None = None) -> str:
    """Turn the tapped card's button into ``replace_name`` at once."""
    return ("<xml>" + _head(to_user, corp_id, "update_button", create_time)
            + f"<Button><ReplaceName>{cdata(replace_name)}</ReplaceName></Button></xml>")


def text(*, to_user: str, corp_id: str, content: str, create_time: int | None = None) -> str:
    """A plain text passive reply."""
    return ("<xml>" + _head(to_user, corp_id, "text", create_time)
            + f"<Content>{cdata(content)}</Content></xml>")
