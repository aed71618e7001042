"""The message-center rules page (C7): ``/admin/rules`` lists every rule — trigger,
threshold, schedule, recipients, channel, on/off — and lets an admin change them without
a code change. Supervisors and directors may look (read-only). Every change goes through
``models.rules.rule.update_rule`` (validation with Chinese messages, nothing saved on error);
the sweeps read the row on their next run, so no restart is needed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlmodel import col, select
from werkzeug.wrappers import Response

from models.org.user import ROLE_NAMES, User
from models.rules import rule as rules
from web.auth.guard import login_required
from web.customers.common import local_time, user_names
from zhongshu import clock
from zhongshu.db import session_scope

bp = Blueprint("admin_rules", __name__)

EDITORS = ("admin",)
READERS = ("admin", "supervisor", "director")

TITLE = "消息中心规则"
DESC = "每条规则的触发条件、阈值、时间、接收人和推送渠道；修改后下一次检查即生效，无需重启。"
READ_ONLY = "只有管理员可以修改规则，你可以查看。"
SAVED = "已保存：{name}"
SAVE = "保存"
ENABLED = "启用"
SCHEDULE_TIME = "推送时间（工作日）"
WEEKDAY = "每周"
RECIPIENTS = "接收人"
RECIPIENT_ROLES = "按角色"
RECIPIENT_PEOPLE = "指定人员（可多选）"
RECIPIENTS_CHOSEN = "已选：{names}"
RECIPIENTS_HINT = "角色按每条消息对应的人发送（例如客户的业务员和其主管）；指定人员每次都会收到。"
CHANNEL = "推送渠道"
UPDATED = "最后修改：{at} · {by}"
SYSTEM_AUTHOR = "系统预置"
TRIGGERS = {
    rules.REVIEW_72H: "合同签约后超过阈值小时仍未审核，提醒财务负责人，之后每个工作日再提醒一次，"
                      "直到审核",
    rules.STAMP_24H: "签约后超过阈值小时仍未上传盖章页，标记为风险单并通知业务员和主管；"
                     "上传后自动解除",
    rules.PLAN_DEADLINE: "每周五 17:00 截止下周拜访计划；"
                         "下一个工作日在推送时间通知主管未提交的业务员",
    rules.INACTIVE: "客户超过阈值天数没有拜访、沟通或订单，给业务员派唤醒任务（按客户等级）",
    rules.ZOMBIE: "客户超过阈值天数没有成交，标记为僵尸客户并通知",
    rules.DIGEST: "每周在指定日（遇节假日顺延到下一个工作日）给每位主管推送团队上周数据",
}


def author_name(actor: str | None, names: dict[str, str]) -> str:
    """Who changed a rule or setting, by name; the shipped defaults (a migration, or no
    author at all) are 系统预置."""
    if not actor or actor.startswith("migration"):
        return SYSTEM_AUTHOR
    return names.get(actor, actor)


def recipient_tokens(value: Any) -> list[str]:
    """Recipients as a list of tokens, from the stored list or the posted form (the
    pickers post one value each; a typed "a, b" is split)."""
    items = value if isinstance(value, (list, tuple)) else [value or ""]
    return [t.strip() for item in items for t in str(item).replace("，", ",").split(",")
            if t.strip()]


def recipient_names(tokens: Any, names: dict[str, str]) -> str:
    """"财务负责人、张伟" for ``["finance_lead", "user:zhangwei"]``."""
    out = []
    for token in recipient_tokens(tokens):
        if token.startswith("user:"):
            out.append(names.get(token[5:], token[5:]))
        else:
            out.append(rules.RECIPIENT_NAMES.get(token, token))
    return "、".join(out)


CHANGE_LABELS = {"enabled": ENABLED, "schedule.time": "推送时间", "schedule.weekday": WEEKDAY,
                 "recipients": RECIPIENTS, "channel": CHANNEL}
ON, OFF, NONE = "已开启", "已关闭", "（无）"


def _flat(value: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in (value or {}).items():
        if isinstance(item, dict):
            out.update({f"{key}.{sub}": v for sub, v in item.items()})
        else:
            out[key] = item
    return out


def _shown(code: str, key: str, value: Any, names: dict[str, str]) -> str:
    if value is None:
        return NONE
    if key == "enabled":
        return ON if value else OFF
    if key == "recipients":
        return recipient_names(list(value), names) or NONE
    if key == "channel":
        return rules.CHANNEL_NAMES.get(value, str(value))
    if key == "schedule.weekday":
        return rules.WEEKDAY_NAMES[int(value)] if str(value).isdigit() and int(value) < 7 \
            else str(value)
    if key.startswith("threshold.") and "天" in rules.THRESHOLD_LIMITS.get(code, {}).get(
            key[10:], ("",))[0]:
        return f"{value} 天"
    if key.startswith("threshold.") and key.endswith("hours"):
        return f"{value} 小时"
    return str(value)


def change_label(code: str, key: str) -> str:
    if key.startswith("threshold."):
        limits = rules.THRESHOLD_LIMITS.get(code, {})
        return limits[key[10:]][0] if key[10:] in limits else key[10:]
    return CHANGE_LABELS.get(key, key)


def rule_diff(code: str, before: dict[str, Any] | None, after: dict[str, Any] | None,
              names: dict[str, str]) -> list[tuple[str, str, str]]:
    """What one change of a rule did, field by field: (label, before, after) for every
    field whose value differs, in the page's words."""
    if before is None and code in rules.DEFAULTS:  # the first change: from the shipped rule
        shipped = {"enabled": True, **rules.DEFAULTS[code]}
        before = {k: v for k, v in shipped.items() if k in (after or {})}
    old, new = _flat(before), _flat(after)
    keys = [k for k in dict.fromkeys([*new, *old]) if old.get(k) != new.get(k)]
    return [(change_label(code, k), _shown(code, k, old.get(k), names),
             _shown(code, k, new.get(k), names)) for k in keys]


def rule_name(code: str) -> str:
    return rules.DEFAULTS[code]["name"] if code in rules.DEFAULTS else code


def _people(session: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """Active people to pick as recipients, grouped by role: (role name, [(token, name)])."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for person in session.exec(select(User).where(col(User.active).is_(True))
                               .order_by(User.role, User.name, User.wecom_userid)):
        groups.setdefault(person.role, []).append((f"user:{person.wecom_userid}", person.name))
    order = list(ROLE_NAMES)
    return [(ROLE_NAMES.get(role, role), groups[role])
            for role in sorted(groups, key=lambda r: order.index(r) if r in order else 99)]


def _view(session: Any, user: User, *, errors: dict[str, dict[str, str]] | None = None,
          form: dict[str, dict[str, Any]] | None = None, saved: str | None = None,
          status: int = 200) -> tuple[str, int]:
    stored = {r.code: r for r in session.exec(select(rules.Rule))}
    people = _people(session)
    names = user_names(session, [r.updated_by for r in stored.values()])
    names.update({token[5:]: name for _, persons in people for token, name in persons})
    tz = clock.business_tz()
    items: list[dict[str, Any]] = []
    for config in rules.all_rules(session):
        row = stored.get(config.code)
        posted = (form or {}).get(config.code)
        chosen = (recipient_tokens(request.form.getlist("recipients"))
                  if posted is not None else list(config.recipients))
        items.append({
            "config": config, "trigger": TRIGGERS[config.code],
            "limits": rules.THRESHOLD_LIMITS[config.code],
            "has_weekday": "weekday" in config.schedule,
            "chosen": chosen, "chosen_names": recipient_names(chosen, names),
            "updated": UPDATED.format(at=local_time(row.updated_at, tz),
                                      by=author_name(row.updated_by, names)) if row else "",
            "errors": (errors or {}).get(config.code, {}),
            "form": posted,
        })
    saved_name = next((i["config"].name for i in items if i["config"].code == saved), None)
    return render_template(
        "h5/admin_rules.html", user=user, items=items, editable=user.role in EDITORS,
        saved=SAVED.format(name=saved_name) if saved_name else None,
        channels=rules.CHANNEL_NAMES, weekdays=rules.WEEKDAY_NAMES,
        roles=rules.RECIPIENT_NAMES, people=people,
        R={"TITLE": TITLE, "DESC": DESC, "READ_ONLY": READ_ONLY, "SAVE": SAVE,
           "ENABLED": ENABLED, "SCHEDULE_TIME": SCHEDULE_TIME, "WEEKDAY": WEEKDAY,
           "RECIPIENTS": RECIPIENTS, "RECIPIENTS_HINT": RECIPIENTS_HINT,
           "RECIPIENTS_CHOSEN": RECIPIENTS_CHOSEN,
           "RECIPIENT_ROLES": RECIPIENT_ROLES, "RECIPIENT_PEOPLE": RECIPIENT_PEOPLE,
           "CHANNEL": CHANNEL}), status


@bp.route("/admin/rules", methods=["GET"])
@login_required(roles=READERS)
def index(user: User) -> tuple[str, int]:
    with session_scope() as session:
        return _view(session, user, saved=request.args.get("saved"))


@bp.route("/admin/rules/<code>", methods=["POST"])
@login_required(roles=EDITORS)
def save(user: User, code: str) -> tuple[str, int] | Response:
    if code not in rules.DEFAULTS:
        with session_scope() as session:
            return _view(session, user, status=404)
    try:
        with session_scope() as session:
            rules.update_rule(session, code=code, changes=_changes(code),
                              actor=user.wecom_userid)
    except rules.RuleInvalid as invalid:
        with session_scope() as session:
            return _view(session, user, errors={code: invalid.errors},
                         form={code: dict(request.form)}, status=400)
    return redirect(url_for(".index", saved=code) + f"#rule-{code}", 303)


def _changes(code: str) -> dict[str, Any]:
    """The posted form as an ``update_rule`` change set (validated there)."""
    form = request.form
    changes: dict[str, Any] = {"enabled": form.get("enabled") == "on"}
    threshold = {key: form.get(f"threshold.{key}", "")
                 for key in rules.THRESHOLD_LIMITS[code] if f"threshold.{key}" in form}
    if threshold:
        changes["threshold"] = threshold
    schedule = {key: form.get(f"schedule.{key}", "") for key in ("time", "weekday")
                if f"schedule.{key}" in form}
    if schedule:
        changes["schedule"] = schedule
    if "recipients" in form or "recipients_shown" in form:
        # The role boxes and the people picker post one value each; none at all is an
        # empty list (refused with its message).
        changes["recipients"] = recipient_tokens(form.getlist("recipients"))
    if "channel" in form:
        changes["channel"] = form.get("channel", "")
    return changes
