"""Pure rules that turn WeCom's description of an external contact into CRM terms.

WeCom describes a contact twice over: ``batch/get_by_user`` gives one item per (contact,
rep) with a single ``follow_info``; ``get`` gives the contact with every ``follow_user``.
``ContactInfo`` is the one shape both become. No database here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lib.phone import PhoneError, normalise_phone
from lib.text import halfwidth

CUSTOMER_NAME_MAX = 100
CONTACT_NAME_MAX = 32
UNNAMED = "微信客户"


@dataclass
class Follow:
    userid: str
    remark: str = ""
    description: str = ""
    remark_corp_name: str = ""
    remark_mobiles: list[str] = field(default_factory=list)
    tag_ids: list[str] = field(default_factory=list)
    added_at: datetime | None = None
    add_way: int = 0
    state: str = ""


@dataclass
class ContactInfo:
    external_userid: str
    name: str = ""
    type: int = 1
    corp_name: str = ""
    gender: int = 0
    avatar: str = ""
    follows: list[Follow] = field(default_factory=list)


def _text(value: Any, limit: int) -> str:
    return " ".join(halfwidth(str(value or "")).split())[:limit]


def _when(value: Any) -> datetime | None:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def _follow(raw: dict[str, Any]) -> Follow:
    tags = raw.get("tag_id")
    if tags is None:  # externalcontact/get spells them out
        tags = [t.get("tag_id") for t in raw.get("tags") or [] if isinstance(t, dict)]
    try:
        add_way = int(raw.get("add_way") or 0)
    except (TypeError, ValueError):
        add_way = 0
    return Follow(
        userid=str(raw.get("userid") or ""),
        remark=_text(raw.get("remark"), 100), description=_text(raw.get("description"), 300),
        remark_corp_name=_text(raw.get("remark_corp_name"), 100),
        remark_mobiles=[str(m) for m in raw.get("remark_mobiles") or [] if m][:10],
        tag_ids=[str(t) for t in tags if t], added_at=_when(raw.get("createtime")),
        add_way=add_way, state=_text(raw.get("state"), 64))


def _contact(raw: dict[str, Any], follows: list[Follow]) -> ContactInfo:
    def number(key: str, default: int) -> int:
        try:
            return int(raw.get(key) or default)
        except (TypeError, ValueError):
            return default
    return ContactInfo(
        external_userid=str(raw.get("external_userid") or ""),
        name=_text(raw.get("name"), 100), type=number("type", 1),
        corp_name=_text(raw.get("corp_name"), 100), gender=number("gender", 0),
        avatar=str(raw.get("avatar") or "")[:500], follows=follows)


def from_batch(items: list[dict[str, Any]]) -> list[ContactInfo]:
    """``external_contact_list`` of batch/get_by_user, one ``ContactInfo`` per contact (a
    contact two of the listed reps follow appears twice there, once here)."""
    merged: dict[str, ContactInfo] = {}
    for item in items:
        raw = item.get("external_contact") or {}
        info = _contact(raw, [])
        if not info.external_userid:
            continue
        kept = merged.setdefault(info.external_userid, info)
        follow = _follow(item.get("follow_info") or {})
        if follow.userid and all(f.userid != follow.userid for f in kept.follows):
            kept.follows.append(follow)
    return list(merged.values())


def from_get(answer: dict[str, Any]) -> ContactInfo | None:
    """externalcontact/get's answer."""
    info = _contact(answer.get("external_contact") or {},
                    [_follow(f) for f in answer.get("follow_user") or [] if isinstance(f, dict)])
    return info if info.external_userid else None


def mobiles(follows: list[Follow]) -> tuple[list[str], int]:
    """The valid remark mobiles (stored form, first seen first) and how many were not."""
    good: list[str] = []
    bad = 0
    for follow in follows:
        for raw in follow.remark_mobiles:
            try:
                phone = normalise_phone(raw)
            except PhoneError:
                bad += 1
                continue
            if phone not in good:
                good.append(phone)
    return good, bad


def company(info: ContactInfo) -> str:
    """The company the rep noted, else the one WeChat / WeCom reports; may be ""."""
    for follow in info.follows:
        if follow.remark_corp_name:
            return follow.remark_corp_name
    return info.corp_name


def person(info: ContactInfo) -> str:
    """The person: the rep's remark, else their WeChat name ("" when neither)."""
    for follow in info.follows:
        if follow.remark:
            return follow.remark[:CONTACT_NAME_MAX]
    return info.name[:CONTACT_NAME_MAX]


def customer_name(info: ContactInfo) -> str:
    """A new customer's name: the company, else the person, else 微信客户·<id tail>."""
    return (company(info) or person(info)
            or f"{UNNAMED}·{info.external_userid[-6:]}")[:CUSTOMER_NAME_MAX]


def first_follower(follows: list[Follow], active: set[str]) -> Follow | None:
    """The rep who added the contact first among those still in the company (the owner of
    a customer the CRM did not know); None when every follower has left."""
    live = [f for f in follows if f.userid in active]
    if not live:
        return None
    far = datetime.max.replace(tzinfo=UTC)
    return min(live, key=lambda f: (f.added_at or far, f.userid))


def source_channel(follows: list[Follow]) -> str:
    """The 联系我 / acquisition-link channel the contact came through ("" when none)."""
    for follow in follows:
        if follow.state:
            return follow.state
    return ""
