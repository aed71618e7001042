"""The configuration pages through the Flask client: who may open them (rep and finance
forbidden), CSRF on every change, a bad definition shown on the page with nothing
changed, the retire preview, the preset preview and switch, and undo from the log."""

from __future__ import annotations

from datetime import date

import pytest

from models.config import custom_fields as cf
from models.config import team_config as tc
from tests.fields.fieldkit import rule_states
from tests.web.webkit import add_customer, login
from zhongshu.db import session_scope

PAGES = ("/admin/fields", "/admin/fields?entity=visit", "/admin/presets",
         "/admin/presets/growth", "/admin/changes")


@pytest.mark.parametrize("user", ["zhangwei", "chenjing"])
@pytest.mark.parametrize("path", PAGES)
def test_reps_and_finance_are_forbidden(client, org, user, path):
    login(client, user)
    response = client.get(path)
    assert response.status_code == 403 and "没有权限" in response.get_data(as_text=True)


def test_reps_cannot_post_either(client, org):
    token = login(client, "zhangwei")
    response = client.post("/admin/fields", data={"csrf_token": token, "entity": "visit",
                                                  "name": "竞品", "kind": "text"})
    assert response.status_code == 403
    with session_scope() as session:
        assert cf.fields_of(session, cf.VISIT) == []


@pytest.mark.parametrize("user", ["wangfang", "liuyang", "admin"])
def test_managers_open_every_page(client, org, user):
    login(client, user)
    for path in PAGES:
        assert client.get(path).status_code == 200, path


def test_csrf_is_required(client, org):
    login(client, "wangfang")
    response = client.post("/admin/fields", data={"entity": "visit", "name": "竞品",
                                                  "kind": "text"})
    assert response.status_code == 400
    with session_scope() as session:
        assert cf.fields_of(session, cf.VISIT) == []


def test_create_refuse_and_retire_with_preview(client, org):
    token = login(client, "wangfang")
    created = client.post("/admin/fields", data={
        "csrf_token": token, "entity": "customer", "name": "竞品品牌", "kind": "select",
        "options": "A牌/B牌/其他", "required": "1"})
    assert created.status_code == 303
    page = client.get("/admin/fields?entity=customer").get_data(as_text=True)
    assert "已新建字段“竞品品牌”" in page and "A牌/B牌/其他" in page

    for form, message in [
        ({"name": "竞品品牌", "kind": "text"}, "客户已有名为“竞品品牌”的字段，请换一个名称"),
        ({"name": "渠道", "kind": "select", "options": "代理//直销"},
         "选项不能为空（两个 / 之间没有内容）"),
        ({"name": "", "kind": "text"}, "字段名称不能为空"),
        ({"name": "这是一个非常非常非常非常非常非常长的字段名称", "kind": "text"},
         "字段名称过长，最多20个字"),
    ]:
        refused = client.post("/admin/fields", data={"csrf_token": token,
                                                     "entity": "customer", **form})
        assert refused.status_code == 422
        assert message in refused.get_data(as_text=True)
    with session_scope() as session:
        (field,) = cf.fields_of(session, cf.CUSTOMER, include_retired=True)
        shop = add_customer("甲机械有限公司", "13800000001", "zhangwei")
        cf.save_values(session, cf.CUSTOMER, shop, {field.id: cf.Cleaned(texts=("A牌",))})

    # Removing an option in use is refused on the page, nothing changes.
    refused = client.post(f"/admin/fields/{field.id}/edit", data={
        "csrf_token": token, "name": "竞品品牌", "kind": "select", "options": "B牌/其他"})
    assert refused.status_code == 422
    assert "选项“A牌”已有1条记录在用" in refused.get_data(as_text=True)
    with session_scope() as session:
        assert cf.get_field(session, field.id).options == ["A牌", "B牌", "其他"]

    preview = client.get(f"/admin/fields/{field.id}/retire").get_data(as_text=True)
    assert "有数据的记录：1条" in preview and "客户报备" in preview
    with session_scope() as session:
        assert cf.get_field(session, field.id).active  # a preview changes nothing
    assert client.post(f"/admin/fields/{field.id}/retire",
                       data={"csrf_token": token}).status_code == 303
    with session_scope() as session:
        assert cf.fields_of(session, cf.CUSTOMER) == []
        assert cf.values_count(session, field.id) == 1


def test_preset_preview_switch_and_undo(client, org, rules):
    token = login(client, "admin")
    assert client.post("/admin/presets/small", data={"csrf_token": token}).status_code == 303
    preview = client.get("/admin/presets/growth").get_data(as_text=True)
    assert "拜访验真" in preview and "已关闭 → 已开启" in preview
    assert "合同审核超时" in preview and "盖章超时" in preview
    assert "跟进阶段" in preview and "受影响的表单：客户" in preview
    assert rule_states()["contract_review_72h"] is False  # preview only

    assert client.post("/admin/presets/growth", data={"csrf_token": token}).status_code == 303
    states = rule_states()
    assert states["contract_review_72h"] and states["contract_stamp_24h"]
    log = client.get("/admin/changes").get_data(as_text=True)
    assert "已切换到「成长团队（10–50人）」" in log
    assert "规则 · 合同签约72小时未审核提醒" in log and "团队设置 · 拜访验真" in log
    assert "contract_review_72h" not in log.replace('data-key="contract_review_72h"', "")
    with session_scope() as session:
        latest = tc.history(session)[0]
        assert tc.visit_validation_on(session)

    assert client.post(f"/admin/changes/{latest.id}/undo",
                       data={"csrf_token": token}).status_code == 303
    assert rule_states()["contract_review_72h"] is False
    with session_scope() as session:
        assert not tc.visit_validation_on(session)
        assert tc.get(session, tc.PRESET) == "small"
    log = client.get("/admin/changes").get_data(as_text=True)
    assert "已撤销，恢复到修改前的状态。" in log and f"（撤销 #{latest.id}）" in log
    # Undoing twice is refused politely.
    client.post(f"/admin/changes/{latest.id}/undo", data={"csrf_token": token})
    assert "这条修改已撤销过" in client.get("/admin/changes").get_data(as_text=True)


def test_settings_switch_is_audited(client, org):
    token = login(client, "wangfang")
    client.post("/admin/settings", data={"csrf_token": token, "key": "visit_validation",
                                         "value": "off"})
    with session_scope() as session:
        # A supervisor's switch is their team's: the company and sunli's team keep it on.
        assert not tc.visit_validation_on(session, "wangfang")
        assert tc.visit_validation_on(session) and tc.visit_validation_on(session, "sunli")
        (change,) = tc.history(session)
        assert (change.actor, change.key, change.before, change.after, change.team) == (
            "wangfang", "visit_validation", True, False, "wangfang")


def test_small_preset_board(client, org, rules):
    login(client, "zhangwei")
    assert client.get("/h5/board").status_code == 404  # not on before the preset
    with session_scope() as session:
        from models.config import presets

        presets.apply(session, presets.SMALL, actor="admin")
    with session_scope() as session:
        stage = cf.find_field(session, cf.CUSTOMER, "跟进阶段")
        due = cf.find_field(session, cf.CUSTOMER, "下次跟进时间")
        a = add_customer("甲机械有限公司", "13800000001", "zhangwei", contact="周经理")
        b = add_customer("乙机械有限公司", "13800000002", "zhangwei")
        add_customer("丙机械有限公司", "13800000003", "lina")
        cf.save_values(session, cf.CUSTOMER, a, {stage.id: cf.Cleaned(texts=("方案报价",)),
                                                 due.id: cf.Cleaned(day=date(2020, 1, 2))})
        cf.save_values(session, cf.CUSTOMER, b, {stage.id: cf.Cleaned(texts=("初步接触",))})
    page = client.get("/h5/board").get_data(as_text=True)
    quote = page.split('data-stage="方案报价"')[1].split("</section>")[0]
    assert "甲机械有限公司" in quote and "周经理" in quote and "下次跟进：2020-01-02" in quote
    assert "zs-overdue" in quote
    assert "乙机械有限公司" in page.split('data-stage="初步接触"')[1].split("</section>")[0]
    assert "丙机械有限公司" not in page  # lina's: not in zhangwei's scope


def test_reorder_and_restore(client, org):
    token = login(client, "wangfang")
    with session_scope() as session:
        ids = [cf.create_field(session, actor="wangfang", entity="visit", name=name,
                               kind="text", team="wangfang").id for name in ("甲", "乙", "丙")]
    client.post(f"/admin/fields/{ids[2]}/move", data={"csrf_token": token, "dir": "up"})
    with session_scope() as session:
        assert [f.name for f in cf.fields_of(session, cf.VISIT)] == ["甲", "丙", "乙"]
    client.post(f"/admin/fields/{ids[0]}/retire", data={"csrf_token": token})
    page = client.get("/admin/fields?entity=visit").get_data(as_text=True)
    assert 'id="retired-fields"' in page and "已停用字段“甲”" in page
    client.post(f"/admin/fields/{ids[0]}/restore", data={"csrf_token": token})
    with session_scope() as session:
        assert [f.name for f in cf.fields_of(session, cf.VISIT)] == ["甲", "丙", "乙"]
        assert len(tc.history(session)) == 3 + 2 + 1 + 1  # created, moved ×2, retired, restored
