"""Rules as data: ``update_rule`` validates with Chinese messages and changes nothing on
error; the admin page (signed-in admin, CSRF) edits a rule and the next sweep uses it;
supervisors may read, reps may not, and nobody posts without the CSRF token."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from jobs.rules import run_rule
from models.rules import rule as rules
from tests.rules.rulekit import add_customer, at, outbox_rows
from web.auth.identity import SESSION_CSRF, SESSION_USER
from zhongshu.db import session_scope


def login(client, userid: str) -> str:
    token = f"csrf-{userid}-0123456789abcdef"
    with client.session_transaction() as sess:
        sess.clear()
        sess[SESSION_USER] = userid
        sess[SESSION_CSRF] = token
    return token


def _rule(code: str) -> rules.RuleConfig:
    with session_scope() as session:
        return rules.get_rule(session, code)


def _form(code: str, token: str, **fields: str) -> dict[str, str]:
    config = _rule(code)
    data = {"csrf_token": token, "enabled": "on" if config.enabled else "",
            "schedule.time": config.schedule["time"],
            "recipients": ", ".join(config.recipients), "channel": config.channel}
    for key, value in config.threshold.items():
        data[f"threshold.{key}"] = str(value)
    data.update(fields)
    return {k: v for k, v in data.items() if v != ""}


def test_defaults_are_seeded_by_the_migration_codes() -> None:
    assert rules.CODES == ("contract_review_72h", "contract_stamp_24h", "plan_deadline",
                           "customer_inactive", "customer_zombie", "supervisor_digest")
    import importlib

    from migrations.versions import __path__ as versions  # noqa: F401
    migration = importlib.import_module(
        "migrations.versions.0010_rules_engine_firings_wakeup_tasks_")
    seeded = {code: (t, s, r, c) for code, _, t, s, r, c in migration.RULES}
    for code, default in rules.DEFAULTS.items():
        assert seeded[code] == (default["threshold"], default["schedule"],
                                default["recipients"], default["channel"])


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"threshold": {"hours": 0}}, "threshold.hours", "小时数必须在 1 到 720 之间"),
    ({"threshold": {"hours": "七十二"}}, "threshold.hours", "小时数必须是整数"),
    ({"threshold": {"days": 3}}, "threshold.days", "未知的阈值项：days"),
    ({"schedule": {"time": "25:00"}}, "schedule.time", "时间格式应为 HH:MM"),
    ({"schedule": {"time": "9点"}}, "schedule.time", "时间格式应为 HH:MM"),
    ({"recipients": ["finance_lead", "boss"]}, "recipients", "未知的接收人：boss"),
    ({"recipients": ["user:nobody"]}, "recipients", "未知的接收人：user:nobody"),
    ({"recipients": []}, "recipients", "至少要有一个接收人"),
    ({"channel": "sms"}, "channel", "推送渠道只能是 wecom、dingtalk 或 both"),
])
def test_bad_changes_are_refused_in_chinese_and_nothing_changes(org, changes, field,
                                                                 message):
    before = _rule(rules.REVIEW_72H)
    with session_scope() as session, pytest.raises(rules.RuleInvalid) as refused:
        # A valid part in the same change must not be saved either.
        rules.update_rule(session, code=rules.REVIEW_72H,
                          changes={"enabled": False, **changes}, actor="admin")
    assert message in refused.value.errors[field]
    assert _rule(rules.REVIEW_72H) == before


def test_a_good_change_is_saved_with_who_did_it(org):
    with session_scope() as session:
        rules.update_rule(session, code=rules.REVIEW_72H,
                          changes={"threshold": {"hours": "48"}, "schedule": {"time": "8:30"},
                                   "recipients": "finance_lead, user:wangfang",
                                   "channel": "both"}, actor="admin")
    config = _rule(rules.REVIEW_72H)
    assert config.threshold == {"hours": 48} and config.schedule == {"time": "08:30"}
    assert config.recipients == ("finance_lead", "user:wangfang")
    assert config.channel == "both"
    with session_scope() as session:
        row = session.exec(select(rules.Rule).where(rules.Rule.code == rules.REVIEW_72H)).one()
        assert row.updated_by == "admin"


def test_the_admin_page_lists_every_rule(client, org):
    login(client, "admin")
    page = client.get("/admin/rules")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for code, default in rules.DEFAULTS.items():
        assert f'id="rule-{code}"' in html and default["name"] in html
    assert 'name="csrf_token"' in html


def test_a_threshold_changed_on_the_page_changes_the_next_sweep(client, org):
    add_customer("杭州精工机械", "zhangwei", grade="A",
                 last_interaction_at=at("2026-11-01 10:00"))
    token = login(client, "admin")
    answer = client.post(f"/admin/rules/{rules.INACTIVE}",
                         data=_form(rules.INACTIVE, token, **{"threshold.A": "20"}))
    assert answer.status_code == 303
    assert "saved=customer_inactive" in answer.headers["Location"]
    assert _rule(rules.INACTIVE).threshold["A"] == 20
    # Day 15 no longer fires; the next sweep after day 20 (a Saturday → Monday) does.
    assert run_rule(rules.INACTIVE, at("2026-11-16 10:00")) == 0
    assert run_rule(rules.INACTIVE, at("2026-11-23 09:00")) == 2
    assert len(outbox_rows(f"rule:{rules.INACTIVE}:")) == 2
    done = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "已保存：客户长期未互动唤醒任务" in done


def test_switching_a_rule_off_on_the_page(client, org):
    add_customer("杭州精工机械", "zhangwei", grade="A",
                 last_interaction_at=at("2026-11-01 10:00"))
    token = login(client, "admin")
    data = _form(rules.INACTIVE, token)
    data.pop("enabled")
    assert client.post(f"/admin/rules/{rules.INACTIVE}", data=data).status_code == 303
    assert _rule(rules.INACTIVE).enabled is False
    assert run_rule(rules.INACTIVE, at("2026-11-16 10:00")) == 0


def test_bad_input_shows_chinese_errors_in_the_form_and_saves_nothing(client, org):
    token = login(client, "admin")
    before = _rule(rules.STAMP_24H)
    answer = client.post(f"/admin/rules/{rules.STAMP_24H}", data=_form(
        rules.STAMP_24H, token, **{"threshold.hours": "9999", "schedule.time": "8点半",
                                   "recipients": "rep, 老板"}))
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    errors = re.search(r'id="rule-contract_stamp_24h-errors">(.*?)</div>', html, re.DOTALL)
    assert errors is not None
    assert "小时数必须在 1 到 720 之间" in errors.group(1)
    assert "时间格式应为 HH:MM" in errors.group(1)
    assert "未知的接收人：老板" in errors.group(1)
    assert 'value="9999"' in html  # what was typed stays in the form
    assert _rule(rules.STAMP_24H) == before


def test_without_the_csrf_token_nothing_changes(client, org):
    login(client, "admin")
    before = _rule(rules.INACTIVE)
    data = _form(rules.INACTIVE, "wrong-token", **{"threshold.A": "20"})
    assert client.post(f"/admin/rules/{rules.INACTIVE}", data=data).status_code == 400
    data.pop("csrf_token")
    assert client.post(f"/admin/rules/{rules.INACTIVE}", data=data).status_code == 400
    assert _rule(rules.INACTIVE) == before


def test_a_supervisor_reads_but_cannot_change(client, org):
    token = login(client, "wangfang")
    page = client.get("/admin/rules")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "只有管理员可以修改规则" in html and "保存" not in html
    before = _rule(rules.INACTIVE)
    answer = client.post(f"/admin/rules/{rules.INACTIVE}",
                         data=_form(rules.INACTIVE, token, **{"threshold.A": "20"}))
    assert answer.status_code == 403
    assert _rule(rules.INACTIVE) == before


def test_a_rep_may_not_open_it(client, org):
    login(client, "zhangwei")
    assert client.get("/admin/rules").status_code == 403


def test_an_unknown_rule(client, org):
    token = login(client, "admin")
    assert client.post("/admin/rules/no_such_rule",
                       data={"csrf_token": token}).status_code == 404
