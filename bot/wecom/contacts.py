"""WeCom 客户联系 server API (PLATFORMS.md §7), over ``WeComClient``'s token handling and
error vocabulary: every failure is a ``RetryLater`` / ``Rejected`` with WeCom's errcode.

wechatpy 1.8.18 has no remark, transfer or welcome calls, so every call is a plain
``get`` / ``post`` on the client."""

from __future__ import annotations

from typing import Any

from bot.wecom.client import WeComClient, get_client

BATCH_USERS_MAX = 100  # batch/get_by_user: userid_list ≤ 100
BATCH_LIMIT_MAX = 100  # and limit ≤ 100
NOT_A_CONTACT = 84061
INVALID_EXTERNAL_USERID = 40096


class ContactsApi:
    def __init__(self, client: WeComClient | None = None) -> None:
        self.client = client or get_client()

    def batch_get_by_user(self, userids: list[str], cursor: str = "",
                          limit: int = BATCH_LIMIT_MAX) -> dict[str, Any]:
        """One page of these reps' contacts: ``external_contact_list`` and ``next_cursor``
        ("" after the last page)."""
        if not 0 < len(userids) <= BATCH_USERS_MAX:
            raise ValueError(f"1 to {BATCH_USERS_MAX} userids, not {len(userids)}")
        body = {"userid_list": userids, "cursor": cursor,
                "limit": max(1, min(limit, BATCH_LIMIT_MAX))}
        return dict(self.client.post("externalcontact/batch/get_by_user", data=body))

    def get(self, external_userid: str) -> dict[str, Any]:
        """One contact with every rep who follows it (``external_contact``, ``follow_user``)."""
        answer = dict(self.client.get("externalcontact/get",
                                      params={"external_userid": external_userid}))
        follows = list(answer.get("follow_user") or [])
        cursor = answer.get("next_cursor") or ""
        while cursor:  # more than 500 followers
            more = dict(self.client.get("externalcontact/get", params={
                "external_userid": external_userid, "cursor": cursor}))
            follows += list(more.get("follow_user") or [])
            cursor = more.get("next_cursor") or ""
        answer["follow_user"] = follows
        return answer

    def remark(self, userid: str, external_userid: str, *, remark: str | None = None,
               description: str | None = None, remark_company: str | None = None,
               remark_mobiles: list[str] | None = None) -> None:
        body: dict[str, Any] = {"userid": userid, "external_userid": external_userid}
        for key, value in (("remark", remark), ("description", description),
                           ("remark_company", remark_company),
                           ("remark_mobiles", remark_mobiles)):
            if value is not None:
                body[key] = value
        self.client.post("externalcontact/remark", data=body)

    def corp_tags(self) -> list[dict[str, Any]]:
        """The corp tag library: groups, each with its tags."""
        answer = self.client.post("externalcontact/get_corp_tag_list", data={})
        return list(answer.get("tag_group") or [])

    def mark_tag(self, userid: str, external_userid: str, *, add: list[str] | None = None,
                 remove: list[str] | None = None) -> None:
        self.client.post("externalcontact/mark_tag", data={
            "userid": userid, "external_userid": external_userid,
            "add_tag": add or [], "remove_tag": remove or []})

    def send_welcome(self, welcome_code: str, text: str) -> None:
        self.client.post("externalcontact/send_welcome_msg", data={
            "welcome_code": welcome_code, "text": {"content": text}})

    def transfer_customer(self, handover: str, takeover: str, external_userids: list[str], *,
                          message: str = "", resigned: bool = False) -> dict[str, int]:
        """Start 在职继承 (or 离职继承 when ``resigned``); external_userid → per-customer
        errcode (0 started)."""
        path = ("externalcontact/resigned/transfer_customer" if resigned
                else "externalcontact/transfer_customer")
        body: dict[str, Any] = {"handover_userid": handover, "takeover_userid": takeover,
                                "external_userid": external_userids[:100]}
        if message and not resigned:
            body["transfer_success_msg"] = message[:200]
        answer = self.client.post(path, data=body)
        return {str(c.get("external_userid")): int(c.get("errcode") or 0)
                for c in answer.get("customer") or []}

    def transfer_result(self, handover: str, takeover: str, *,
                        resigned: bool = False) -> list[dict[str, Any]]:
        """Each customer's transfer status: 1 done, 2 waiting, 3 refused, 4 at limit."""
        path = ("externalcontact/resigned/transfer_result" if resigned
                else "externalcontact/transfer_result")
        out: list[dict[str, Any]] = []
        cursor = ""
        while True:
            answer = self.client.post(path, data={"handover_userid": handover,
                                                  "takeover_userid": takeover,
                                                  "cursor": cursor})
            out += list(answer.get("customer") or [])
            cursor = answer.get("next_cursor") or ""
            if not cursor:
                return out
