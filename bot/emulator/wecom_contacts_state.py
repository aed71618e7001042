"""WeCom 客户联系 state of one emulator: external contacts, the reps' follow records, the
corp tag library, transfers (在职继承 / 离职继承), welcome codes and the per-API call
windows (PLATFORMS.md §7).

``ContactBook`` is plain data; callers hold ``EmulatorState.lock`` around anything that
reads and then changes it. ``settle`` applies the transfers that are due on the emulated
clock and says which callbacks WeCom would send for them (``ContactEvent``); sending them
is wecom_contacts_events' job, outside the lock. The ``*_json`` helpers give the shapes
the API answers with.
"""

from __future__ import annotations

import base64
import math
import random
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any

TYPE_WECHAT = 1
TYPE_WECOM = 2

# transfer_result / resigned/transfer_result status values (WeCom 94088 / 94082).
STATUS_DONE = 1
STATUS_WAITING = 2
STATUS_REFUSED = 3
STATUS_LIMIT = 4
FAIL_REASONS = {"customer_refused": STATUS_REFUSED, "customer_limit_exceed": STATUS_LIMIT}

KIND_ONJOB = "onjob"
KIND_RESIGNED = "resigned"

# add_way of a record the takeover rep got through a transfer: 管理员/负责人分配.
ADD_WAY_ASSIGNED = 202


def make_id(prefix: str, rng: random.Random | None = None) -> str:
    """A WeCom-looking id: ``prefix`` + 30 url-safe characters ("wm…" WeChat customers,
    "wo…" WeCom customers, "et…" corp tags); deterministic when ``rng`` is seeded."""
    raw = (rng.getrandbits(192).to_bytes(24, "big") if rng is not None
           else secrets.token_bytes(24))
    return prefix + base64.urlsafe_b64encode(raw).decode("ascii")[:30]


def avatar_url(external_userid: str) -> str:
    # Derived, not stored: 50,000 generated contacts need no 100-byte URL each.
    return f"http://wx.qlogo.cn/mmhead/{external_userid[2:]}/0"


@dataclass(slots=True)
class ExternalContact:
    external_userid: str
    name: str
    type: int = TYPE_WECHAT
    gender: int = 0  # 0 unknown, 1 male, 2 female
    # WeCom customers (type 2) only: their corp's short and full names.
    corp_name: str = ""
    corp_full_name: str = ""


@dataclass(slots=True)
class FollowRecord:
    """One rep's relation to one customer (follow_info / follow_user)."""

    userid: str
    external_userid: str
    createtime: int
    remark: str = ""
    description: str = ""
    tag_ids: tuple[str, ...] = ()
    remark_corp_name: str = ""
    remark_mobiles: tuple[str, ...] = ()
    add_way: int = 0
    state: str = ""
    oper_userid: str = ""
    # The customer deleted the rep (del_follow_user): the rep still has the record.
    deleted_by_customer: bool = False


@dataclass(slots=True)
class CorpTag:
    id: str
    name: str
    group_id: str
    create_time: int
    order: int


@dataclass
class TagGroup:
    group_id: str
    group_name: str
    create_time: int
    order: int
    tags: list[CorpTag] = field(default_factory=list)


@dataclass(slots=True)
class Transfer:
    kind: str  # KIND_ONJOB or KIND_RESIGNED
    handover: str
    takeover: str
    external_userid: str
    started_at: float
    due_at: float
    status: int = STATUS_WAITING
    takeover_time: int = 0
    message: str = ""


@dataclass(slots=True)
class WelcomeCode:
    code: str
    userid: str
    external_userid: str
    expires_at: float
    used: bool = False


@dataclass(frozen=True)
class ContactEvent:
    """A change_external_contact callback to send: fields before and after UserID /
    ExternalUserID keep the order of WeCom's samples (FailReason first, Source last)."""

    change_type: str
    userid: str
    external_userid: str
    before: tuple[tuple[str, str], ...] = ()
    after: tuple[tuple[str, str], ...] = ()


class ContactBook:
    """Everything 客户联系 knows; ``reset`` of the emulator builds a fresh one."""

    def __init__(self) -> None:
        self.contacts: dict[str, ExternalContact] = {}
        # rep userid -> {external_userid: record}, in the order the rep added them.
        self.follows: dict[str, dict[str, FollowRecord]] = {}
        # external_userid -> rep userids following it, in follow order.
        self.followers: dict[str, list[str]] = {}
        self.groups: list[TagGroup] = []
        self.tags: dict[str, CorpTag] = {}
        self.transfers: list[Transfer] = []
        # external_userid -> FailReason for the next transfer of that customer.
        self.refusals: dict[str, str] = {}
        # Reps who left the corp (离职), userid -> dimission_time.
        self.departed: dict[str, int] = {}
        self.welcome_codes: dict[str, WelcomeCode] = {}
        # Rate windows per API name: call times, and when a tripped block ends.
        self.minute_calls: dict[str, deque[float]] = {}
        self.hour_calls: dict[str, deque[float]] = {}
        self.blocked_until: dict[str, float] = {}
        self.next_due = math.inf

    # -- contacts and follow records -----------------------------------------------------
    def add_contact(self, contact: ExternalContact) -> ExternalContact:
        return self.contacts.setdefault(contact.external_userid, contact)

    def follow(self, record: FollowRecord) -> None:
        """Add (or replace) the record of ``record.userid`` for that customer."""
        mine = self.follows.setdefault(record.userid, {})
        if record.external_userid not in mine:
            self.followers.setdefault(record.external_userid, []).append(record.userid)
        mine[record.external_userid] = record

    def unfollow(self, userid: str, external_userid: str) -> FollowRecord | None:
        record = self.follows.get(userid, {}).pop(external_userid, None)
        if record is not None:
            reps = self.followers.get(external_userid, [])
            if userid in reps:
                reps.remove(userid)
        return record

    def record(self, userid: str, external_userid: str) -> FollowRecord | None:
        return self.follows.get(userid, {}).get(external_userid)

    def rep_records(self, userid: str) -> list[FollowRecord]:
        return list(self.follows.get(userid, {}).values())

    def follow_records(self, external_userid: str) -> list[FollowRecord]:
        return [self.follows[rep][external_userid]
                for rep in self.followers.get(external_userid, [])]

    # -- tags ----------------------------------------------------------------------------
    def add_group(self, name: str, tag_names: list[str], create_time: int,
                  rng: random.Random | None = None) -> TagGroup:
        group = TagGroup(make_id("et", rng), name, create_time, len(self.groups) + 1)
        for order, tag_name in enumerate(tag_names, start=1):
            tag = CorpTag(make_id("et", rng), tag_name, group.group_id, create_time, order)
            group.tags.append(tag)
            self.tags[tag.id] = tag
        self.groups.append(group)
        return group

    def tag_named(self, name: str) -> CorpTag | None:
        """A tag by its name, or by "group/name" when two groups share a tag name."""
        group_name, _, tag_name = name.rpartition("/")
        return next((t for g in self.groups for t in g.tags
                     if t.name == tag_name and group_name in ("", g.group_name)), None)

    # -- transfers -----------------------------------------------------------------------
    def pending_transfer(self, external_userid: str) -> Transfer | None:
        return next((t for t in self.transfers if t.external_userid == external_userid
                     and t.status == STATUS_WAITING), None)

    def transfers_since(self, external_userid: str, since: float, kind: str) -> int:
        return sum(1 for t in self.transfers
                   if t.external_userid == external_userid and t.kind == kind
                   and t.started_at > since and t.status in (STATUS_DONE, STATUS_WAITING))

    def start_transfer(self, transfer: Transfer) -> None:
        self.transfers.append(transfer)
        self.next_due = min(self.next_due, transfer.due_at)

    def settle(self, now: float) -> list[ContactEvent]:
        """Finish every transfer due by ``now``: the record moves to the takeover rep, or
        (refused through the control API) stays, and WeCom sends transfer_fail."""
        if now < self.next_due:
            return []
        events: list[ContactEvent] = []
        for transfer in self.transfers:
            if transfer.status == STATUS_WAITING and transfer.due_at <= now:
                events += self._complete(transfer)
        self.next_due = min((t.due_at for t in self.transfers if t.status == STATUS_WAITING),
                            default=math.inf)
        return events

    def _complete(self, transfer: Transfer) -> list[ContactEvent]:
        ext = transfer.external_userid
        transfer.takeover_time = int(transfer.due_at)
        reason = self.refusals.pop(ext, None)
        old = self.record(transfer.handover, ext)
        if reason is not None or old is None:
            reason = reason or "customer_refused"
            transfer.status = FAIL_REASONS[reason]
            return [ContactEvent("transfer_fail", transfer.takeover, ext,
                                 before=(("FailReason", reason),))]
        transfer.status = STATUS_DONE
        self.unfollow(transfer.handover, ext)
        if self.record(transfer.takeover, ext) is None:
            self.follow(FollowRecord(
                transfer.takeover, ext, int(transfer.due_at), old.remark, old.description,
                old.tag_ids, old.remark_corp_name, old.remark_mobiles, ADD_WAY_ASSIGNED,
                old.state, transfer.handover))
        return [ContactEvent("del_external_contact", transfer.handover, ext,
                             after=(("Source", "DELETE_BY_TRANSFER"),))]

    # -- rate windows --------------------------------------------------------------------
    def over_limit(self, api: str, now: float, per_minute: int, per_hour: int) -> bool:
        """Count one call of ``api``; True when WeCom would answer 45009 instead. Going
        over a limit blocks the API for that limit's period (PLATFORMS.md 2.5)."""
        if self.blocked_until.get(api, 0.0) > now:
            return True
        minute = self.minute_calls.setdefault(api, deque())
        hour = self.hour_calls.setdefault(api, deque())
        while minute and minute[0] <= now - 60:
            minute.popleft()
        while hour and hour[0] <= now - 3600:
            hour.popleft()
        if len(minute) >= per_minute:
            self.blocked_until[api] = now + 60
            return True
        if len(hour) >= per_hour:
            self.blocked_until[api] = now + 3600
            return True
        minute.append(now)
        hour.append(now)
        return False


# -- JSON shapes ------------------------------------------------------------------------------

def contact_json(contact: ExternalContact) -> dict[str, Any]:
    """external_contact: corp_name / corp_full_name only for WeCom customers, as WeCom."""
    data: dict[str, Any] = {"external_userid": contact.external_userid, "name": contact.name,
                            "type": contact.type, "avatar": avatar_url(contact.external_userid),
                            "gender": contact.gender}
    if contact.type == TYPE_WECOM:
        data["corp_name"] = contact.corp_name
        data["corp_full_name"] = contact.corp_full_name
    return data


def _follow_common(record: FollowRecord) -> dict[str, Any]:
    return {"userid": record.userid, "remark": record.remark,
            "description": record.description, "createtime": record.createtime}


def _follow_rest(record: FollowRecord) -> dict[str, Any]:
    return {"remark_corp_name": record.remark_corp_name,
            "remark_mobiles": list(record.remark_mobiles), "oper_userid": record.oper_userid,
            "add_way": record.add_way, "state": record.state}


def follow_info_json(record: FollowRecord) -> dict[str, Any]:
    """batch/get_by_user's follow_info: tags as ids."""
    return {**_follow_common(record), "tag_id": list(record.tag_ids), **_follow_rest(record)}


def follow_user_json(record: FollowRecord, book: ContactBook) -> dict[str, Any]:
    """get's follow_user entry: tags spelled out (type 1 = corp tag)."""
    tags = []
    for tag_id in record.tag_ids:
        tag = book.tags.get(tag_id)
        if tag is not None:
            group = next(g for g in book.groups if g.group_id == tag.group_id)
            tags.append({"group_name": group.group_name, "tag_name": tag.name,
                         "tag_id": tag.id, "type": 1})
    return {**_follow_common(record), "tags": tags, **_follow_rest(record)}


def tag_group_json(group: TagGroup, tags: list[CorpTag] | None = None) -> dict[str, Any]:
    return {"group_id": group.group_id, "group_name": group.group_name,
            "create_time": group.create_time, "order": group.order,
            "tag": [{"id": t.id, "name": t.name, "create_time": t.create_time,
                     "order": t.order} for t in (group.tags if tags is None else tags)]}
