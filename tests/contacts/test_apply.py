"""WeCom contacts into CRM customers (handlers.contacts.apply): one customer per contact or
company, the owner by the product's rules, existing customers linked and never duplicated,
and a page applied twice changes nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlmodel import Session, select

from handlers.contacts.apply import apply_contacts
from models.contacts.contact import WeChatContact, WeChatFollow
from models.contacts.rules import from_batch
from models.customers.customer import Customer
from models.org import user as users

T0 = 1_700_000_000  # createtime of the oldest friendship in these pages


def _item(ext: str, userid: str, *, name: str = "李经理", corp: str = "", remark: str = "",
          mobiles: list[str] | None = None, remark_corp: str = "", added: int = T0,
          state: str = "") -> dict[str, Any]:
    return {"external_contact": {"external_userid": ext, "name": name, "type": 1,
                                 "corp_name": corp, "gender": 1, "avatar": ""},
            "follow_info": {"userid": userid, "remark": remark, "description": "",
                            "createtime": added, "tag_id": ["etA"], "remark_corp_name": remark_corp,
                            "remark_mobiles": mobiles or [], "add_way": 1, "state": state}}


def _reps(session: Session) -> None:
    users.upsert(session, wecom_userid="zhangwei", name="张伟", role="rep", region="华东")
    users.upsert(session, wecom_userid="lina", name="李娜", role="rep", region="华南")
    gone = users.upsert(session, wecom_userid="departed", name="离职的王强", role="rep")
    gone.active = False
    session.add(gone)
    session.commit()


def _apply(session: Session, items: list[dict[str, Any]]) -> Counter[str]:
    report: Counter[str] = Counter()
    apply_contacts(session, from_batch(items), report=report)
    session.commit()
    return report


def test_a_contact_two_reps_follow_is_one_customer_owned_by_the_first(session: Session) -> None:
    _reps(session)
    report = _apply(session, [
        _item("wmA", "lina", added=T0 + 3600, remark="王总"),
        _item("wmA", "zhangwei", added=T0, remark="王总-华东机械"),
    ])
    [customer] = session.exec(select(Customer)).all()
    assert customer.owner == "zhangwei" and customer.source == "wechat"
    assert customer.region == "华东"
    assert sorted(f.userid for f in session.exec(select(WeChatFollow))) == ["lina", "zhangwei"]
    assert report["customers_created"] == 1 and report["contacts"] == 1


def test_existing_customer_is_linked_by_an_oddly_written_remark_mobile(session: Session) -> None:
    _reps(session)
    session.add(Customer(name="杭州华东机械有限公司", name_key="", phone="13800138000",
                         owner="lina", source="manual"))
    session.commit()
    report = _apply(session, [_item("wmB", "zhangwei", mobiles=["+86 138-0013-8000"])])
    [customer] = session.exec(select(Customer)).all()
    assert customer.owner == "lina"  # a WeChat friendship never moves a customer
    [contact] = session.exec(select(WeChatContact)).all()
    assert contact.customer_id == customer.id
    assert report["linked_by_phone"] == 1 and report["customers_created"] == 0


def test_existing_customer_is_linked_by_its_normalised_company_name(session: Session) -> None:
    _reps(session)
    session.add(Customer(name="恒达精密机械（苏州）有限公司", name_key="", owner="zhangwei"))
    session.commit()
    report = _apply(session, [
        _item("wmC", "lina", remark_corp="苏州 恒达精密机械有限公司"),
        _item("wmD", "lina", corp="恒达精密机械(苏州)有限公司", name="采购小刘"),
    ])
    assert len(session.exec(select(Customer)).all()) == 1
    assert report["linked_by_company"] == 2


def test_nameless_emoji_and_bad_mobile_contacts_are_kept_and_counted(session: Session) -> None:
    _reps(session)
    report = _apply(session, [
        _item("wm000000000000000000000000abc123", "zhangwei", name=""),
        _item("wmE", "zhangwei", name="🌸小美🌸", mobiles=["12345"]),
    ])
    names = sorted(c.name for c in session.exec(select(Customer)))
    assert names == ["微信客户·abc123", "🌸小美🌸"]
    assert report["no_name"] == 1 and report["bad_mobiles"] == 1


def test_a_departed_follower_never_owns(session: Session) -> None:
    _reps(session)
    report = _apply(session, [
        _item("wmF", "departed", added=T0), _item("wmF", "lina", added=T0 + 60),
        _item("wmG", "departed", added=T0),
    ])
    owners = {contact.external_userid: session.get(Customer, contact.customer_id).owner
              for contact in session.exec(select(WeChatContact))}
    assert owners == {"wmF": "lina", "wmG": None}
    assert report["inactive_followers"] == 2 and report["no_owner"] == 1


def test_a_page_applied_twice_changes_nothing(session: Session) -> None:
    _reps(session)
    page = [_item("wmH", "zhangwei", mobiles=["13900139000"], remark="赵总"),
            _item("wmI", "lina", corp="宁波海纳贸易有限公司")]
    _apply(session, page)
    before = [(c.id, c.name, c.owner, c.phone) for c in session.exec(select(Customer))]
    again = _apply(session, page)
    after = [(c.id, c.name, c.owner, c.phone) for c in session.exec(select(Customer))]
    assert after == before
    assert again["customers_created"] == 0 and again["linked_existing"] == 2
    assert len(session.exec(select(WeChatFollow)).all()) == 2
