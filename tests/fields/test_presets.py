"""Team presets: switching small → growth turns on visit validation and the collection
warnings, the audit log shows each change, and one undo restores the previous state."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from models.config import custom_fields as cf
from models.config import presets
from models.config import team_config as tc
from models.config import undo as config_undo
from models.customers.customer import Customer, name_key
from tests.fields.fieldkit import rule_states


def test_small_then_growth_then_undo(session: Session, org: None, rules: None) -> None:
    presets.apply(session, presets.SMALL, actor="wangfang")
    session.commit()
    assert [f.name for f in cf.fields_of(session, cf.CUSTOMER)] == ["下次跟进时间", "跟进阶段",
                                                                    "跟进照片"]
    assert tc.get(session, tc.VISIT_VALIDATION) is False
    assert tc.get(session, tc.FOLLOWUP_BOARD) is True
    stage = cf.find_field(session, cf.CUSTOMER, "跟进阶段")
    shop = Customer(name="甲公司", name_key=name_key("甲公司"), phone="13800000001")
    session.add(shop)
    session.flush()
    cf.save_values(session, cf.CUSTOMER, shop.id, {stage.id: cf.Cleaned(texts=("方案报价",))})
    session.commit()

    preview = presets.plan(session, presets.GROWTH)
    assert [(f.name, n) for f, n in preview.retire] == [("下次跟进时间", 0), ("跟进阶段", 1),
                                                          ("跟进照片", 0)]
    assert [(code, on) for code, _, on in preview.rules] == [("contract_review_72h", True),
                                                             ("contract_stamp_24h", True)]
    assert (tc.VISIT_VALIDATION, False, True) in preview.settings
    assert preview.forms == ["客户"]

    presets.apply(session, presets.GROWTH, actor="wangfang")
    session.commit()
    states = rule_states()
    assert states["contract_review_72h"] and states["contract_stamp_24h"]
    assert not states["supervisor_digest"] and not states["plan_deadline"]
    assert tc.visit_validation_on(session)
    assert cf.fields_of(session, cf.CUSTOMER) == []
    # Retired, not deleted: the stage someone chose is still there.
    assert cf.values_for(session, cf.CUSTOMER, [shop.id]) == {shop.id: {stage.id: "方案报价"}}
    log = tc.history(session)
    batch = log[0].batch
    mine = [(c.area, c.key, c.before, c.after) for c in log if c.batch == batch]
    assert ("rule", "contract_review_72h", {"enabled": False}, {"enabled": True}) in mine
    assert ("config", tc.VISIT_VALIDATION, False, True) in mine
    assert ("preset", tc.PRESET, presets.SMALL, presets.GROWTH) in mine
    assert all(c.actor == "wangfang" for c in log)

    config_undo.undo(session, log[0].id, actor="admin")
    session.commit()
    assert rule_states() == dict.fromkeys(states, False)
    assert tc.get(session, tc.VISIT_VALIDATION) is False
    assert tc.get(session, tc.PRESET) == presets.SMALL
    assert [f.name for f in cf.fields_of(session, cf.CUSTOMER)] == ["下次跟进时间", "跟进阶段",
                                                                    "跟进照片"]
    undo_rows = [c for c in tc.history(session) if c.undo_of is not None]
    assert undo_rows and all(c.actor == "admin" for c in undo_rows)


def test_large_turns_on_the_digest_and_department_kpis(session: Session, org: None,
                                                       rules: None) -> None:
    presets.apply(session, presets.LARGE, actor="admin")
    assert rule_states()["supervisor_digest"] is False  # not committed yet: other session
    session.commit()
    assert rule_states()["supervisor_digest"] is True
    assert tc.get(session, tc.HEALTH_KPIS) is True


def test_missing_rule_rows_are_skipped(session: Session, org: None) -> None:
    preview = presets.plan(session, presets.GROWTH)
    assert preview.rules == [] and set(preview.missing_rules) == set(presets.PRESET_RULES)
    presets.apply(session, presets.GROWTH, actor="admin")
    session.commit()
    assert rule_states() == {}


def test_rule_edits_are_logged_and_undone(session: Session, org: None, rules: None) -> None:
    """The rule admin page changes rules through update_rule, which logs every change;
    undo puts the previous values back (itself logged)."""
    from models.rules.rule import update_rule

    update_rule(session, code="customer_inactive", changes={"enabled": True}, actor="admin")
    session.commit()
    rule = tc.rule_by_code(session, "customer_inactive")
    assert rule is not None
    before = dict(rule.threshold)
    update_rule(session, code="customer_inactive", changes={"threshold": {"A": 10}},
                actor="admin")
    session.commit()
    change = tc.history(session, limit=1)[0]
    assert (change.area, change.key, change.actor) == ("rule", "customer_inactive", "admin")
    assert change.before == {"threshold": before}
    assert change.after["threshold"]["A"] == 10
    config_undo.undo(session, change.id, actor="wangfang")
    session.commit()
    session.refresh(rule)
    assert (rule.threshold, rule.enabled) == (before, True)
    assert tc.history(session, limit=1)[0].actor == "wangfang"
    other = tc.record_change(session, actor="admin", area="dashboard", key="x", before=1,
                             after=2)
    with pytest.raises(config_undo.UndoRefused) as refused:
        config_undo.undo(session, other.id, actor="admin")
    assert refused.value.message == "这类修改暂不支持撤销，请到对应页面手动改回"
