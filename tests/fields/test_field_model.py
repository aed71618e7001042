"""Field definitions, values, validation of bad definitions and the filter, at the model
level (contracts included: their pages are built elsewhere and call these functions)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.config import custom_fields as cf
from models.config import team_config as tc
from models.config import undo as config_undo
from models.customers.customer import Customer, name_key


def _customer(session: Session, name: str, phone: str) -> int:
    row = Customer(name=name, name_key=name_key(name), phone=phone, owner="zhangwei")
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _snapshot(session: Session) -> list[dict]:
    session.expire_all()
    return [f.snapshot() for f in session.exec(select(cf.FieldDef).order_by(cf.FieldDef.id))]


def test_create_fill_filter_and_read_back(session: Session, org: None) -> None:
    brand = cf.create_field(session, actor="wangfang", entity="客户", name="竞品品牌",
                            kind="单选", options="A牌/B牌/其他", required=True)
    size = cf.create_field(session, actor="wangfang", entity="customer", name="年用量",
                           kind="数字")
    since = cf.create_field(session, actor="wangfang", entity="customer", name="合作起始",
                            kind="日期")
    tags = cf.create_field(session, actor="wangfang", entity="customer", name="关注点",
                           kind="多选", options=["价格", "交期", "服务"])
    a, b = _customer(session, "甲公司", "13800000001"), _customer(session, "乙公司", "13800000002")
    fields = cf.fields_of(session, cf.CUSTOMER)
    assert [f.name for f in fields] == ["竞品品牌", "年用量", "合作起始", "关注点"]
    values, errors = cf.clean_values(fields, {brand.key: "A牌", size.key: "1,200",
                                              since.key: "2025/3/1", tags.key: ["价格", "服务"]})
    assert errors == {}
    cf.save_values(session, cf.CUSTOMER, a, values)
    values, errors = cf.clean_values(fields, {brand.key: "B牌", tags.key: "交期"})
    cf.save_values(session, cf.CUSTOMER, b, values)
    read = cf.values_for(session, cf.CUSTOMER, [a, b])
    assert read[a] == {brand.id: "A牌", size.id: "1200", since.id: "2025-03-01",
                       tags.id: "价格、服务"}
    base = select(Customer.id)
    def ids(wanted: dict[int, str]) -> list[int]:
        return list(session.exec(cf.filter_by_fields(session, base, Customer.id, cf.CUSTOMER,
                                                      wanted)))
    assert ids({brand.id: "A牌"}) == [a]
    assert ids({tags.id: "交期"}) == [b]
    assert ids({size.id: "1200"}) == [a]
    assert ids({since.id: "2025-03-01", brand.id: "A牌"}) == [a]
    # A value the field cannot hold is no filter at all (the list shows everyone).
    assert sorted(ids({brand.id: "没有的牌"})) == [a, b]


def test_value_validation_messages(session: Session, org: None) -> None:
    brand = cf.create_field(session, actor="a", entity="拜访", name="竞品品牌", kind="单选",
                            options="A牌/B牌/其他", required=True)
    qty = cf.create_field(session, actor="a", entity="拜访", name="数量", kind="数字")
    day = cf.create_field(session, actor="a", entity="拜访", name="交期", kind="日期")
    _, errors = cf.clean_values([brand, qty, day], {qty.key: "十个", day.key: "明天"})
    assert errors == {brand.key: "请选择“竞品品牌”", qty.key: "“数量”应为数字，“十个”不是数字",
                      day.key: "“交期”应为日期（如 2026-12-05），“明天”不是日期"}
    _, errors = cf.clean_values([brand], {brand.key: "D牌"})
    assert errors[brand.key] == "“竞品品牌”没有选项“D牌”，可选：A牌、B牌、其他"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "竞品品牌", "kind": "文本"}, "拜访已有名为“竞品品牌”的字段，请换一个名称"),
    ({"name": " ", "kind": "文本"}, "字段名称不能为空"),
    ({"name": "一" * 21, "kind": "文本"}, "字段名称过长，最多20个字"),
    ({"name": "品牌2", "kind": "单选", "options": "A//B"}, "选项不能为空（两个 / 之间没有内容）"),
    ({"name": "品牌2", "kind": "单选", "options": "A/B/A"}, "选项“A”重复"),
    ({"name": "品牌2", "kind": "单选"}, "单选和多选字段需要选项，用 / 分隔，例如：A牌/B牌/其他"),
    ({"name": "品牌2", "kind": "表格"}, "字段类型“表格”无效，可选："
                                        "文本、数字、日期、单选、多选、照片"),
])
def test_bad_definitions_are_refused_and_change_nothing(session: Session, org: None,
                                                        kwargs: dict, message: str) -> None:
    cf.create_field(session, actor="a", entity="拜访", name="竞品品牌", kind="单选",
                    options="A牌/B牌")
    session.commit()
    before, log = _snapshot(session), len(tc.history(session))
    with pytest.raises(cf.FieldRefused) as refused:
        cf.create_field(session, actor="a", entity="拜访", **kwargs)
    assert refused.value.message == message
    session.rollback()
    assert _snapshot(session) == before and len(tc.history(session)) == log


def test_type_change_and_option_removal_that_lose_data_are_refused(session: Session,
                                                                   org: None) -> None:
    note = cf.create_field(session, actor="a", entity="客户", name="规模", kind="文本")
    brand = cf.create_field(session, actor="a", entity="客户", name="品牌", kind="单选",
                            options="A牌/B牌")
    c = _customer(session, "甲公司", "13800000001")
    cf.save_values(session, cf.CUSTOMER, c, {note.id: cf.Cleaned(texts=("大约五十人",)),
                                              brand.id: cf.Cleaned(texts=("A牌",))})
    session.commit()
    before = _snapshot(session)
    with pytest.raises(cf.FieldRefused) as refused:
        cf.update_field(session, note.id, actor="a", kind="数字")
    assert refused.value.message == ("已有1条记录的值不是数字（例如“大约五十人”），改类型会丢数据，"
                                     "未修改")
    session.rollback()
    with pytest.raises(cf.FieldRefused) as refused:
        cf.update_field(session, brand.id, actor="a", options="B牌/C牌")
    assert refused.value.message == "选项“A牌”已有1条记录在用，不能删除（可以改名或保留）"
    session.rollback()
    assert _snapshot(session) == before
    # Text that all reads as numbers converts and keeps its values.
    cf.save_values(session, cf.CUSTOMER, c, {note.id: cf.Cleaned(texts=("50",))})
    cf.update_field(session, note.id, actor="a", kind="数字")
    assert cf.values_for(session, cf.CUSTOMER, [c])[c][note.id] == "50"


def test_retire_keeps_data_and_undo_restores(session: Session, org: None) -> None:
    field = cf.create_field(session, actor="a", entity="合同", name="付款方式", kind="单选",
                            options="月结/预付")
    cf.save_values(session, cf.CONTRACT, 7, {field.id: cf.Cleaned(texts=("月结",))})
    cf.set_active(session, field.id, actor="a", active=False)
    assert cf.fields_of(session, cf.CONTRACT) == []
    assert cf.values_for(session, cf.CONTRACT, [7]) == {7: {field.id: "月结"}}
    retired = tc.history(session)[0]
    assert retired.before["active"] is True and retired.after["active"] is False
    config_undo.undo(session, retired.id, actor="b")
    assert [f.name for f in cf.fields_of(session, cf.CONTRACT)] == ["付款方式"]
    renamed = cf.update_field(session, field.id, actor="a", name="结算方式")
    assert renamed.name == "结算方式"
    config_undo.undo(session, tc.history(session)[0].id, actor="a")
    assert cf.get_field(session, field.id).name == "付款方式"
    with pytest.raises(config_undo.UndoRefused):
        config_undo.undo(session, retired.id, actor="b")


def test_cards_show_custom_values_under_the_title() -> None:
    from cards.customer import CustomerSummary, customer_card
    from cards.render import wecom_template_card
    from cards.visit import FlaggedVisit, review_card

    card = customer_card(CustomerSummary(name="甲公司", url="https://x/1",
                                         extra=(("竞品品牌", "A牌"), ("年用量", "1200"))))
    assert card.description == "竞品品牌：A牌\n年用量：1200"
    assert len(card.fields) == 6  # WeCom's limit is kept: values go in the description
    rendered = wecom_template_card(card)
    assert rendered["sub_title_text"] == "竞品品牌：A牌\n年用量：1200"
    assert len(rendered["horizontal_content_list"]) == 6
    many = customer_card(CustomerSummary(name="甲公司", url="https://x/1",
                                         extra=tuple((f"字段{i}", "值") for i in range(6))))
    assert many.description.endswith("另有2项，见详情")
    review = review_card(FlaggedVisit(visit_id=1, rep_name="张伟", customer_name="甲公司",
                                      when="2026-11-27 10:00", reasons=("距离客户10公里",),
                                      url="https://x/1", task_id="t1",
                                      extra=(("竞品品牌", "B牌"),)))
    assert review.description.endswith("\n竞品品牌：B牌")


def test_contract_fields_form_fragment_and_storage(session: Session, org: None, app) -> None:
    """What the contract pages call: the definitions, validation, storage and the macro."""
    from flask import render_template_string

    pay = cf.create_field(session, actor="admin", entity="合同", name="付款方式", kind="单选",
                          options="月结/预付", required=True)
    due = cf.create_field(session, actor="admin", entity="合同", name="预计回款日", kind="日期")
    fields = cf.fields_of(session, cf.CONTRACT)
    _, errors = cf.clean_values(fields, {due.key: "下个月"})
    assert errors == {pay.key: "请选择“付款方式”",
                      due.key: "“预计回款日”应为日期（如 2026-12-05），“下个月”不是日期"}
    values, errors = cf.clean_values(fields, {pay.key: "预付", due.key: "2026-12-31"})
    assert errors == {}
    cf.save_values(session, cf.CONTRACT, 42, values)
    assert cf.values_for(session, cf.CONTRACT, [42]) == {42: {pay.id: "预付",
                                                              due.id: "2026-12-31"}}
    with app.test_request_context():
        html = render_template_string(
            '{% from "h5/_custom_fields.html" import custom_fields %}'
            "{{ custom_fields(fields, values, errors) }}",
            fields=fields, values={pay.key: "预付"}, errors={due.key: "日期不对"})
    assert f'name="{pay.key}" value="预付" id="{pay.key}-2" checked' in html
    assert f'id="{due.key}-error"' in html and "日期不对" in html
