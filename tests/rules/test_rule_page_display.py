"""What /admin/rules and the change log show: rule names (never their codes), recipients
picked by role and by person's name, the last change in business time by its author's
name (系统预置 for the shipped rows), and a change log that says which fields changed,
before → after."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import select

from models.rules import rule as rules
from tests.rules.test_rule_admin import _form, _rule, login
from zhongshu.db import session_scope


def _seed_as_migration() -> None:
    """The rows migration 0010 writes (author "migration 0010", UTC timestamps)."""
    with session_scope() as session:
        for code, default in rules.DEFAULTS.items():
            if session.exec(select(rules.Rule).where(rules.Rule.code == code)).first():
                continue
            session.add(rules.Rule(code=code, name=default["name"],
                                   threshold=dict(default["threshold"]),
                                   schedule=dict(default["schedule"]),
                                   recipients=list(default["recipients"]),
                                   channel=default["channel"],
                                   updated_at=datetime(2026, 11, 30, 1, 5, tzinfo=UTC),
                                   updated_by="migration 0010"))


def _section(html: str, code: str) -> str:
    return html.split(f'id="rule-{code}"', 1)[1].split("</form>", 1)[0]


def test_names_pickers_business_time_and_authors(client, org):
    _seed_as_migration()
    login(client, "admin")
    html = client.get("/admin/rules").get_data(as_text=True)
    review = _section(html, rules.REVIEW_72H)
    # No internal codes shown as text (they stay in ids and form actions only).
    visible = re.sub(r"<[^>]+>", " ", html)
    for code in rules.CODES:
        assert code not in visible
    assert "finance_lead" not in visible and "user:" not in visible
    # Role boxes by name, the shipped recipient ticked; people picked by name.
    assert re.search(r'<input type="checkbox" name="recipients" value="finance_lead" checked> '
                     r'财务负责人', review)
    assert '<input type="checkbox" name="recipients" value="rep"> 业务员' in review
    assert re.search(r'<option value="user:wangfang">王芳</option>', review)
    # 01:05 UTC is 09:05 in Shanghai; the migration is 系统预置.
    assert "最后修改：2026-11-30 09:05 · 系统预置" in review


def test_recipients_picked_by_name_are_saved_and_shown_by_name(client, org):
    token = login(client, "admin")
    data = _form(rules.REVIEW_72H, token)
    data.pop("recipients")
    body = [(k, v) for k, v in data.items()] + [
        ("recipients_shown", "1"), ("recipients", "finance_lead"),
        ("recipients", "user:wangfang")]
    from werkzeug.datastructures import MultiDict

    answer = client.post(f"/admin/rules/{rules.REVIEW_72H}", data=MultiDict(body))
    assert answer.status_code == 303
    assert _rule(rules.REVIEW_72H).recipients == ("finance_lead", "user:wangfang")
    page = _section(client.get("/admin/rules").get_data(as_text=True), rules.REVIEW_72H)
    assert '<option value="user:wangfang" selected>王芳</option>' in page
    assert "已选：财务负责人、王芳" in page
    assert re.search(r"最后修改：\d{4}-\d\d-\d\d \d\d:\d\d · 赵敏", page)
    # Nothing ticked at all is refused where it was picked.
    none = [(k, v) for k, v in data.items()] + [("recipients_shown", "1")]
    refused = client.post(f"/admin/rules/{rules.REVIEW_72H}", data=MultiDict(none))
    assert refused.status_code == 400 and "至少要有一个接收人" in refused.get_data(as_text=True)


def test_the_change_log_shows_what_changed_before_and_after(client, org):
    token = login(client, "admin")
    answer = client.post(f"/admin/rules/{rules.REVIEW_72H}", data=_form(
        rules.REVIEW_72H, token, **{"threshold.hours": "48", "schedule.time": "10:30",
                                    "recipients": "finance_lead, user:wangfang"}))
    assert answer.status_code == 303
    log = client.get("/admin/changes").get_data(as_text=True)
    entry = log.split('data-key="contract_review_72h"', 1)[1].split("zs-undo", 1)[0]
    assert "规则 · 合同签约72小时未审核提醒" in entry
    lines = [re.sub(r"<[^>]+>", "", li).strip()
             for li in re.findall(r'<li class="zs-hint"[^>]*>(.*?)</li>', entry, re.DOTALL)]
    assert lines == ["小时数：72 小时 → 48 小时", "推送时间：09:00 → 10:30",
                     "接收人：财务负责人 → 财务负责人、王芳"]
    assert "已开启 / " not in entry and "修改前：已开启" not in entry
    assert "赵敏 · " in entry
