"""Configuration has an owner. A supervisor's field, preset and setting changes apply to
their own team; the company's fields and settings are an admin's or a director's, the
message-center rules an admin's only; undoing a change needs the right the change itself
needed (the undo of an undo too), and the change log says who may undo each change.

The reproductions: a supervisor reverted an admin's rule edit through
``/admin/changes/<id>/undo`` (and undoing the undo flipped it back); one team's
supervisor applying the small-team preset switched off the finance 72 h and 24 h rules
for the whole company; a supervisor's custom fields were everyone's."""

from __future__ import annotations

import re

import pytest

from models.config import custom_fields as cf
from models.config import presets
from models.config import team_config as tc
from models.rules.rule import update_rule
from tests.fields.fieldkit import rule_states
from tests.reliability.relkit import outbox_rows, post_wecom_text
from tests.web.webkit import login
from zhongshu.db import session_scope

FINANCE_RULES = ("contract_review_72h", "contract_stamp_24h")


def _threshold(code: str) -> dict:
    with session_scope() as session:
        rule = tc.rule_by_code(session, code)
        assert rule is not None
        return dict(rule.threshold)


def _undo(client, token: str, change_id: int) -> str:
    client.post(f"/admin/changes/{change_id}/undo", data={"csrf_token": token})
    return client.get("/admin/changes").get_data(as_text=True)


def _row(page: str, change_id: int) -> str:
    return page.split(f'id="change-{change_id}"')[1].split('<div class="weui-cell zs-change"')[0]


def test_a_supervisor_cannot_undo_an_admins_rule_edit_nor_the_undo(client, org, rules):
    with session_scope() as session:
        before = dict(tc.rule_by_code(session, "contract_review_72h").threshold)
        update_rule(session, code="contract_review_72h", changes={"threshold": {"hours": 96}},
                    actor="admin")
    edited = _threshold("contract_review_72h")
    assert edited != before
    with session_scope() as session:
        change_id = tc.history(session)[0].id

    token = login(client, "wangfang")
    page = _undo(client, token, change_id)
    assert "这条修改只有管理员可以撤销" in page
    assert _threshold("contract_review_72h") == edited
    # The log says who may undo it, and offers the supervisor no button.
    row = _row(page, change_id)
    assert "可撤销：管理员" in row and "zs-undo" not in row

    admin = login(client, "admin")
    assert "zs-undo" in _row(client.get("/admin/changes").get_data(as_text=True), change_id)
    _undo(client, admin, change_id)
    assert _threshold("contract_review_72h") == before
    with session_scope() as session:
        undo_id = tc.history(session)[0].id
        assert tc.history(session)[0].undo_of == change_id

    token = login(client, "wangfang")
    assert "这条修改只有管理员可以撤销" in _undo(client, token, undo_id)
    assert _threshold("contract_review_72h") == before


def test_a_supervisors_small_preset_leaves_the_finance_rules_and_other_teams_alone(
        client, org, rules):
    with session_scope() as session:
        presets.apply(session, presets.GROWTH, actor="admin")  # the company's choice
    assert all(rule_states()[code] for code in FINANCE_RULES)

    token = login(client, "wangfang")
    preview = client.get("/admin/presets/small").get_data(as_text=True)
    assert 'id="pv-rules"' not in preview and "只有管理员可以修改" in preview
    assert "只改变你的团队" in client.get("/admin/presets").get_data(as_text=True)
    assert client.post("/admin/presets/small", data={"csrf_token": token}).status_code == 303

    assert all(rule_states()[code] for code in FINANCE_RULES)
    with session_scope() as session:
        assert tc.get(session, tc.PRESET) == presets.GROWTH
        assert tc.get(session, tc.PRESET, "wangfang") == presets.SMALL
        assert tc.visit_validation_on(session) and tc.visit_validation_on(session, "sunli")
        assert not tc.visit_validation_on(session, "wangfang")
        # The preset's fields are the team's: zhangwei (wangfang's) gets them, zhaolei
        # (sunli's) does not.
        mine = [f.name for f in cf.fields_of(session, cf.CUSTOMER, team="wangfang")]
        assert mine == [presets.NEXT_FIELD, presets.STAGE_FIELD, presets.PROOF_FIELD]
        assert cf.fields_of(session, cf.CUSTOMER, team="sunli") == []
    login(client, "zhangwei")
    assert presets.STAGE_FIELD in client.get("/h5/register").get_data(as_text=True)
    assert client.get("/h5/board").status_code == 200
    login(client, "zhaolei")
    assert presets.STAGE_FIELD not in client.get("/h5/register").get_data(as_text=True)
    assert client.get("/h5/board").status_code == 404

    # And the supervisor may undo their own team's switch.
    with session_scope() as session:
        latest = tc.history(session)[0]
        assert latest.team == "wangfang"
    login(client, "wangfang")
    _undo(client, token, latest.id)
    with session_scope() as session:
        assert tc.visit_validation_on(session, "wangfang")
        assert cf.fields_of(session, cf.CUSTOMER, team="wangfang") == []


def test_a_supervisors_field_is_their_teams_and_the_companys_is_read_only(client, org):
    token = login(client, "wangfang")
    client.post("/admin/fields?entity=visit",
                data={"csrf_token": token, "name": "主推型号", "kind": "text"})
    with session_scope() as session:
        mine = cf.find_field(session, cf.VISIT, "主推型号")
        company = cf.create_field(session, actor="admin", entity=cf.VISIT, name="拜访时长",
                                  kind=cf.NUMBER)
        assert mine is not None and mine.team == "wangfang" and company.team == tc.COMPANY
        mine_id, company_id = mine.id, company.id

    login(client, "zhangwei")
    form = client.get("/h5/checkin").get_data(as_text=True)
    assert "主推型号" in form and "拜访时长" in form
    login(client, "zhaolei")
    form = client.get("/h5/checkin").get_data(as_text=True)
    assert "主推型号" not in form and "拜访时长" in form

    # Another team's supervisor neither sees nor changes it.
    other = login(client, "sunli")
    assert "主推型号" not in client.get("/admin/fields?entity=visit").get_data(as_text=True)
    answer = client.post(f"/admin/fields/{mine_id}/edit",
                         data={"csrf_token": other, "name": "改名", "kind": "text"})
    assert answer.status_code == 422 and "找不到该字段" in answer.get_data(as_text=True)
    assert client.post(f"/admin/fields/{mine_id}/retire",
                       data={"csrf_token": other}).status_code == 422

    # The company's field is read-only to a supervisor, with the reason.
    token = login(client, "wangfang")
    page = client.get("/admin/fields?entity=visit").get_data(as_text=True)
    company_cell = page.split('data-name="拜访时长"')[1].split('data-name=')[0]
    assert "全公司" in company_cell and "只读" in company_cell and "zs-retire" not in company_cell
    answer = client.post(f"/admin/fields/{company_id}/retire", data={"csrf_token": token})
    assert answer.status_code == 422
    assert "“拜访时长”是全公司字段，只有管理员或销售总监可以修改" in answer.get_data(as_text=True)
    with session_scope() as session:
        assert cf.get_field(session, company_id).active
        assert cf.get_field(session, mine_id).name == "主推型号"
    # A director may change it.
    director = login(client, "liuyang")
    client.post(f"/admin/fields/{company_id}/retire", data={"csrf_token": director})
    with session_scope() as session:
        assert not cf.get_field(session, company_id).active


def test_a_supervisor_cannot_undo_a_company_field_change(client, org):
    with session_scope() as session:
        field = cf.create_field(session, actor="admin", entity=cf.CUSTOMER, name="渠道",
                                kind=cf.TEXT)
        change_id = tc.history(session)[0].id
        field_id = field.id
    token = login(client, "wangfang")
    page = _undo(client, token, change_id)
    assert "这条修改只有管理员、销售总监可以撤销" in page
    assert "可撤销：管理员、销售总监" in _row(page, change_id)
    with session_scope() as session:
        assert cf.get_field(session, field_id).active


def test_a_change_of_another_team_is_not_even_listed(client, org):
    with session_scope() as session:
        tc.set_value(session, tc.VISIT_VALIDATION, False, actor="sunli", team="sunli")
        change_id = tc.history(session)[0].id
    token = login(client, "wangfang")
    page = _undo(client, token, change_id)
    assert f'id="change-{change_id}"' not in page and "找不到这条修改记录" in page
    with session_scope() as session:
        assert not tc.visit_validation_on(session, "sunli")
    # Its own supervisor sees who may undo it.
    login(client, "sunli")
    row = _row(client.get("/admin/changes").get_data(as_text=True), change_id)
    assert "可撤销：管理员、销售总监、孙丽（主管）" in row and "zs-undo" in row


@pytest.mark.parametrize("command", ["停用字段 客户 渠道", "重命名字段 客户 渠道 来源"])
def test_the_chat_refuses_a_supervisor_changing_a_company_field(client, org, run_jobs,
                                                               command):
    with session_scope() as session:
        cf.create_field(session, actor="admin", entity=cf.CUSTOMER, name="渠道", kind=cf.TEXT)
    post_wecom_text(client, "wangfang", command)
    run_jobs()
    reply = [r.payload["text"]["content"] for r in outbox_rows(recipient="wangfang")][-1]
    assert reply == "“渠道”是全公司字段，只有管理员或销售总监可以修改"
    with session_scope() as session:
        field = cf.find_field(session, cf.CUSTOMER, "渠道")
        assert field is not None and field.active


def test_a_supervisors_chat_field_is_their_teams(client, org, run_jobs):
    post_wecom_text(client, "wangfang", "新建字段 客户 渠道 文本")
    run_jobs()
    with session_scope() as session:
        field = cf.find_field(session, cf.CUSTOMER, "渠道")
        assert field is not None and field.team == "wangfang"
    # sunli's team may have its own field of the same name.
    post_wecom_text(client, "sunli", "新建字段 客户 渠道 单选 代理/直销")
    run_jobs()
    with session_scope() as session:
        assert {f.team for f in cf.fields_of(session, cf.CUSTOMER)} == {"wangfang", "sunli"}
    reply = [r.payload["text"]["content"] for r in outbox_rows(recipient="sunli")][-1]
    assert re.search("已新建客户字段：渠道", reply)


def test_existing_company_wide_settings_and_fields_stay_company_wide(session):
    """What was there before ownership existed stays the company's (migration 0016's
    defaults): rows written without a team are company-wide."""
    from sqlalchemy import text

    session.exec(text("INSERT INTO team_config (key, value, updated_at) "
                      "VALUES ('visit_validation', 'false', CURRENT_TIMESTAMP)"))
    session.exec(text("INSERT INTO field_def (entity, name, kind, options, required, "
                      "position, active, created_at, updated_at) VALUES ('customer', '旧字段', "
                      "'text', '[]', false, 1, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    session.commit()
    assert tc.get(session, tc.VISIT_VALIDATION) is False
    assert tc.get(session, tc.VISIT_VALIDATION, "wangfang") is False  # teams inherit it
    (old,) = cf.fields_of(session, cf.CUSTOMER, team="sunli")
    assert (old.name, old.team) == ("旧字段", tc.COMPANY)


def test_a_company_preset_clashing_with_a_teams_field_names_is_refused_whole(client, org,
                                                                             rules):
    with session_scope() as session:
        presets.apply(session, presets.SMALL, actor="wangfang", team="wangfang",
                      with_rules=False)
    token = login(client, "admin")
    answer = client.post("/admin/presets/small", data={"csrf_token": token})
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "已有名为“下次跟进时间”的字段" in page
    with session_scope() as session:
        assert tc.get(session, tc.PRESET) is None  # nothing of the switch was saved
        assert [f.team for f in cf.fields_of(session, cf.CUSTOMER)] == ["wangfang"] * 3
