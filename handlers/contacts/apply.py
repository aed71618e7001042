"""One page of WeCom contacts into the CRM, in the caller's transaction.

Shared by the full sync and the live events, so both give the same customers. A contact is
linked to the CRM customer it already belongs to (an earlier sync), else to an existing
customer with one of its remark mobiles, else to one with the same normalised company name,
else to a new customer owned by its first follower still in the company. An existing
customer keeps its owner: a WeChat friendship never moves a customer between reps."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlmodel import Session, col, select

from models.base import utcnow
from models.contacts import contact as cm
from models.contacts import rules
from models.contacts.rules import ContactInfo
from models.customers.customer import Customer, name_key
from models.customers.scope import EDITOR_ROLES
from models.org.user import User

REPORT_KEYS = ("contacts", "customers_created", "linked_existing", "linked_by_phone",
               "linked_by_company", "follows_added", "no_name", "bad_mobiles",
               "inactive_followers", "no_owner")


def _active_wecom(session: Session, userids: set[str]) -> dict[str, User]:
    if not userids:
        return {}
    # Only people who sell may own a customer (not HQ, finance or a store manager).
    rows = session.exec(select(User).where(col(User.wecom_userid).in_(userids),
                                           col(User.active).is_(True),
                                           col(User.role).in_(EDITOR_ROLES)))
    return {u.wecom_userid: u for u in rows if u.wecom_userid}


def apply_contacts(session: Session, infos: list[ContactInfo], *,
                   report: Counter[str] | None = None) -> dict[str, int]:
    """Upsert ``infos``; returns external_userid → customer id. Counts go to ``report``."""
    report = report if report is not None else Counter()
    infos = [i for i in infos if i.external_userid]
    ids = [i.external_userid for i in infos]
    known = cm.by_external_ids(session, ids)
    follows = cm.follows_of(session, ids)
    users = _active_wecom(session, {f.userid for i in infos for f in i.follows})
    phones = {i.external_userid: rules.mobiles(i.follows) for i in infos}
    wanted_phones = {p for good, _ in phones.values() for p in good}
    by_phone = {c.phone: c for c in session.exec(
        select(Customer).where(col(Customer.phone).in_(wanted_phones)))} if wanted_phones else {}
    keys = {name_key(rules.company(i)) for i in infos if rules.company(i)} - {""}
    by_company: dict[str, Customer] = {}
    if keys:
        for c in session.exec(select(Customer).where(col(Customer.name_key).in_(keys))
                              .order_by(col(Customer.id))):
            by_company.setdefault(c.name_key, c)
    linked: dict[str, int] = {}
    now = utcnow()
    for info in infos:
        report["contacts"] += 1
        if not info.name:
            report["no_name"] += 1
        good_phones, bad = phones[info.external_userid]
        report["bad_mobiles"] += bad
        report["inactive_followers"] += sum(1 for f in info.follows if f.userid not in users)
        row = known.get(info.external_userid)
        customer = session.get(Customer, row.customer_id) if row is not None else None
        if customer is not None:
            report["linked_existing"] += 1
        else:
            customer = _match(info, good_phones, by_phone, by_company, report)
            if customer is None:
                customer = _new_customer(info, good_phones, by_phone, users, now, report)
                session.add(customer)
                session.flush()
                key = name_key(customer.name)
                if rules.company(info) and key:
                    by_company.setdefault(key, customer)
        if customer.owner is None:
            owner = rules.first_follower(info.follows, set(users))
            if owner is not None:
                customer.owner = owner.userid
                session.add(customer)
        assert customer.id is not None
        if row is None:
            row = cm.WeChatContact(external_userid=info.external_userid,
                                   customer_id=customer.id)
            known[info.external_userid] = row
        row.name, row.type, row.corp_name = info.name, info.type, info.corp_name
        row.gender, row.avatar, row.updated_at = info.gender, info.avatar, now
        session.add(row)
        for follow in info.follows:
            report["follows_added"] += _follow(session, follows, info.external_userid, follow,
                                               now)
        linked[info.external_userid] = customer.id
    session.flush()
    return linked


def _match(info: ContactInfo, good_phones: list[str], by_phone: dict[str | None, Customer],
           by_company: dict[str, Customer], report: Counter[str]) -> Customer | None:
    for phone in good_phones:
        if phone in by_phone:
            report["linked_by_phone"] += 1
            return by_phone[phone]
    company = rules.company(info)
    found = by_company.get(name_key(company)) if company else None
    if found is not None:
        report["linked_by_company"] += 1
    return found


def _new_customer(info: ContactInfo, good_phones: list[str],
                  by_phone: dict[str | None, Customer], users: dict[str, User],
                  now: datetime, report: Counter[str]) -> Customer:
    owner = rules.first_follower(info.follows, set(users))
    if owner is None:
        report["no_owner"] += 1
    added = min((f.added_at for f in info.follows if f.added_at), default=now)
    phone = good_phones[0] if good_phones else None
    region = users[owner.userid].region if owner is not None else None
    customer = Customer(
        name=rules.customer_name(info), contact=rules.person(info) or None, phone=phone,
        owner=owner.userid if owner is not None else None, source="wechat", stage="lead",
        region=region, name_key="", created_at=added, updated_at=now,
        last_interaction_at=added,
        extra={"wechat_channel": channel} if (channel := rules.source_channel(info.follows))
        else None)
    if phone:
        by_phone[phone] = customer
    report["customers_created"] += 1
    return customer


def _follow(session: Session, follows: dict[tuple[str, str], cm.WeChatFollow],
            external_userid: str, follow: rules.Follow, now: datetime) -> int:
    row = follows.get((external_userid, follow.userid))
    added = 0
    if row is None:
        row = cm.WeChatFollow(external_userid=external_userid, userid=follow.userid)
        follows[(external_userid, follow.userid)] = row
        added = 1
    elif row.status != cm.FOLLOW_ACTIVE:
        row.status, row.status_at = cm.FOLLOW_ACTIVE, now
    row.remark, row.description = follow.remark, follow.description
    row.remark_corp_name, row.remark_mobiles = follow.remark_corp_name, follow.remark_mobiles
    row.tag_ids, row.added_at = follow.tag_ids, follow.added_at
    row.add_way, row.state = follow.add_way, follow.state
    session.add(row)
    return added
