"""One page of WeCom contacts into the CRM, in the caller's transaction.

Shared by the full sync and the live events, so both give the same customers. A contact is
linked to the CRM customer it already belongs to (an earlier sync), else to an existing
customer with one of its remark mobiles, else to one with the same normalised company name,
else to a new customer owned by its first follower still in the company. An existing
customer keeps its owner: a WeChat friendship never moves a customer between reps.

New rows go in as one multi-row INSERT per table and changed rows as one bulk UPDATE: a
full sync writes 50k contacts, and building an ORM object per row costs more than the
rows' SQL (docs/BENCHMARKS.md, "WeChat customers")."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from models.base import as_utc, utcnow
from models.contacts import contact as cm
from models.contacts import rules
from models.contacts.rules import ContactInfo
from models.customers.customer import Customer, name_key
from models.customers.scope import EDITOR_ROLES
from models.org.user import User

REPORT_KEYS = ("contacts", "customers_created", "linked_existing", "linked_by_phone",
               "linked_by_company", "follows_added", "no_name", "bad_mobiles",
               "inactive_followers", "no_owner")
FOLLOW_FIELDS = ("remark", "description", "remark_corp_name", "remark_mobiles", "tag_ids",
                 "added_at", "add_way", "state")
CONTACT_FIELDS = ("name", "type", "corp_name", "gender", "avatar")


@dataclass
class _NewCustomer:
    """A customer this page creates; ``id`` once inserted."""

    values: dict[str, Any]
    id: int | None = None


@dataclass
class _Page:
    """What the page already finds in the database, and what it adds to it."""

    customers: dict[int, Customer] = field(default_factory=dict)  # by id
    by_phone: dict[str, Customer | _NewCustomer] = field(default_factory=dict)
    by_company: dict[str, Customer | _NewCustomer] = field(default_factory=dict)
    new: list[_NewCustomer] = field(default_factory=list)


def _active_wecom(session: Session, userids: set[str]) -> dict[str, User]:
    if not userids:
        return {}
    # Only people who sell may own a customer (not HQ, finance or a store manager).
    rows = session.exec(select(User).where(col(User.wecom_userid).in_(userids),
                                           col(User.active).is_(True),
                                           col(User.role).in_(EDITOR_ROLES)))
    return {u.wecom_userid: u for u in rows if u.wecom_userid}


def _load(session: Session, infos: list[ContactInfo], known: dict[str, cm.WeChatContact],
          phones: dict[str, tuple[list[str], int]]) -> _Page:
    page = _Page()
    ids = {r.customer_id for r in known.values()}
    wanted_phones = {p for good, _ in phones.values() for p in good}
    keys = {name_key(rules.company(i)) for i in infos if rules.company(i)} - {""}
    conditions = []
    if ids:
        conditions.append(col(Customer.id).in_(ids))
    if wanted_phones:
        conditions.append(col(Customer.phone).in_(wanted_phones))
    if keys:
        conditions.append(col(Customer.name_key).in_(keys))
    for condition in conditions:
        for customer in session.exec(select(Customer).where(condition)
                                     .order_by(col(Customer.id))):
            assert customer.id is not None
            page.customers[customer.id] = customer
            if customer.phone:
                page.by_phone.setdefault(customer.phone, customer)
            if customer.name_key in keys:
                page.by_company.setdefault(customer.name_key, customer)
    return page


def apply_contacts(session: Session, infos: list[ContactInfo], *,
                   report: Counter[str] | None = None,
                   revive: bool = False) -> dict[str, int]:
    """Upsert ``infos``; returns external_userid → customer id. Counts go to ``report``.

    A customer who deleted the rep still shows in the rep's list: only ``revive`` (they
    added the rep again) makes that follow active again."""
    report = report if report is not None else Counter()
    infos = list({i.external_userid: i for i in infos if i.external_userid}.values())
    ids = [i.external_userid for i in infos]
    known = cm.by_external_ids(session, ids)
    users = _active_wecom(session, {f.userid for i in infos for f in i.follows})
    phones = {i.external_userid: rules.mobiles(i.follows) for i in infos}
    page = _load(session, infos, known, phones)
    now = utcnow()
    chosen: list[tuple[ContactInfo, Customer | _NewCustomer]] = []
    for info in infos:
        report["contacts"] += 1
        report["no_name"] += not info.name
        good_phones, bad = phones[info.external_userid]
        report["bad_mobiles"] += bad
        report["inactive_followers"] += sum(1 for f in info.follows if f.userid not in users)
        row = known.get(info.external_userid)
        target: Customer | _NewCustomer | None = (
            page.customers.get(row.customer_id) if row is not None else None)
        if target is not None:
            report["linked_existing"] += 1
        else:
            target = _match(info, good_phones, page, report)
            if target is None:
                target = _new_customer(info, good_phones, page, users, now, report)
        if isinstance(target, Customer) and target.owner is None:
            owner = rules.first_follower(info.follows, set(users))
            if owner is not None:
                target.owner = owner.userid
                session.add(target)
        chosen.append((info, target))
    if page.new:
        inserted = session.execute(
            insert(Customer).returning(col(Customer.id), sort_by_parameter_order=True),
            [n.values for n in page.new])
        for new, (customer_id,) in zip(page.new, inserted, strict=True):
            new.id = customer_id
    linked = {info.external_userid: int(target.id or 0) for info, target in chosen}
    _write_contacts(session, infos, known, linked, now)
    report["follows_added"] += _write_follows(session, infos, now, revive=revive)
    return linked


def _match(info: ContactInfo, good_phones: list[str], page: _Page,
           report: Counter[str]) -> Customer | _NewCustomer | None:
    for phone in good_phones:
        if phone in page.by_phone:
            report["linked_by_phone"] += 1
            return page.by_phone[phone]
    company = rules.company(info)
    found = page.by_company.get(name_key(company)) if company else None
    if found is not None:
        report["linked_by_company"] += 1
    return found


def _new_customer(info: ContactInfo, good_phones: list[str], page: _Page,
                  users: dict[str, User], now: datetime,
                  report: Counter[str]) -> _NewCustomer:
    owner = rules.first_follower(info.follows, set(users))
    if owner is None:
        report["no_owner"] += 1
    added = min((f.added_at for f in info.follows if f.added_at), default=now)
    phone = good_phones[0] if good_phones else None
    channel = rules.source_channel(info.follows)
    name = rules.customer_name(info)
    new = _NewCustomer({
        "name": name, "name_key": name_key(name), "contact": rules.person(info) or None,
        "phone": phone, "owner": owner.userid if owner is not None else None,
        "source": "wechat", "stage": "lead",
        "region": users[owner.userid].region if owner is not None else None,
        "created_at": added, "updated_at": now, "last_interaction_at": added,
        "extra": {"wechat_channel": channel} if channel else None})
    page.new.append(new)
    if phone:
        page.by_phone[phone] = new
    if rules.company(info) and new.values["name_key"]:
        page.by_company.setdefault(new.values["name_key"], new)
    report["customers_created"] += 1
    return new


def _write_contacts(session: Session, infos: list[ContactInfo],
                    known: dict[str, cm.WeChatContact], linked: dict[str, int],
                    now: datetime) -> None:
    fresh_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for info in infos:
        values = {k: getattr(info, k) for k in CONTACT_FIELDS}
        row = known.get(info.external_userid)
        if row is None:
            fresh_rows.append({**values, "external_userid": info.external_userid,
                               "customer_id": linked[info.external_userid],
                               "created_at": now, "updated_at": now})
        elif any(getattr(row, k) != v for k, v in values.items()):
            changed.append({**values, "id": row.id, "updated_at": now})
    if fresh_rows:
        session.connection().execute(insert(cm.table(cm.WeChatContact)), fresh_rows)
    if changed:
        session.execute(update(cm.WeChatContact), changed)


def _write_follows(session: Session, infos: list[ContactInfo], now: datetime, *,
                   revive: bool) -> int:
    existing = cm.follows_of(session, [i.external_userid for i in infos])
    fresh_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    added: set[tuple[str, str]] = set()
    for info in infos:
        for follow in info.follows:
            values = {k: getattr(follow, k) for k in FOLLOW_FIELDS}
            key = (info.external_userid, follow.userid)
            row = existing.get(key)
            if row is None:
                if key in added:
                    continue
                added.add(key)
                fresh_rows.append({**values, "external_userid": info.external_userid,
                                   "userid": follow.userid, "status": cm.FOLLOW_ACTIVE,
                                   "status_at": now})
                continue
            update_values = {k: v for k, v in values.items() if _stored(row, k) != v}
            if row.status != cm.FOLLOW_ACTIVE and (
                    revive or row.status != cm.FOLLOW_DELETED_BY_CUSTOMER):
                update_values |= {"status": cm.FOLLOW_ACTIVE, "status_at": now}
            if update_values and row.id is not None:
                changed.append({**update_values, "id": row.id})
    if fresh_rows:
        session.connection().execute(insert(cm.table(cm.WeChatFollow)), fresh_rows)
    for values in changed:  # rows differ in which columns changed: one UPDATE each
        session.execute(update(cm.WeChatFollow).where(col(cm.WeChatFollow.id) == values["id"])
                        .values({k: v for k, v in values.items() if k != "id"}))
    return len(fresh_rows)


def _stored(row: cm.WeChatFollow, key: str) -> Any:
    value = getattr(row, key)
    if key == "added_at" and value is not None:
        return as_utc(value)
    if key in ("remark_mobiles", "tag_ids"):
        return list(value or [])
    return value
