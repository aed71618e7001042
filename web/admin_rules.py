"""The message-center rules page (C7): ``/admin/rules`` lists every rule — trigger,
threshold, schedule, recipients, channel, on/off — and lets an admin change them without
a code change. Supervisors and directors may look (read-only). Every change goes through
``models.rule.update_rule`` (validation with Chinese messages, nothing saved on error);
the sweeps read the row on their next run, so no restart is needed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlmodel import select
from werkzeug.wrappers import Response

from models import rule as rules
from models.user import User
from web.auth import login_required
from zhongshu.db import session_scope

bp = Blueprint("admin_rules", __name__, template_folder="templates")

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
RECIPIENTS_HINT = "用逗号分隔：rep 业务员、supervisor 主管、finance_lead 财务负责人、director 销售总监、user:企业微信账号"
CHANNEL = "推送渠道"
UPDATED = "最后修改：{at} {by}"
TRIGGERS = {
    rules.REVIEW_72H: "合同签约后超过阈值小时仍未审核，提醒财务负责人，之后每个工作日再提醒一次，直到审核",
    rules.STAMP_24H: "签约后超过阈值小时仍未上传盖章页，标记为风险单并通知业务员和主管；上传后自动解除",
    rules.PLAN_DEADLINE: "每周五 17:00 截止下周拜访计划；下一个工作日在推送时间通知主管未提交的业务员",
    rules.INACTIVE: "客户超过阈值天数没有拜访、沟通或订单，给业务员派唤醒任务（按客户等级）",
    rules.ZOMBIE: "客户超过阈值天数没有成交，标记为僵尸客户并通知",
    rules.DIGEST: "每周在指定日（遇节假日顺延到下一个工作日）给每位主管推送团队上周数据",
}


def _view(session: Any, user: User, *, errors: dict[str, dict[str, str]] | None = None,
          form: dict[str, dict[str, Any]] | None = None, saved: str | None = None,
          status: int = 200) -> tuple[str, int]:
    stored = {r.code: r for r in session.exec(select(rules.Rule))}
    items = []
    for config in rules.all_rules(session):
        row = stored.get(config.code)
        items.append({
            "config": config, "trigger": TRIGGERS[config.code],
            "limits": rules.THRESHOLD_LIMITS[config.code],
            "has_weekday": "weekday" in config.schedule,
            "recipients": ", ".join(config.recipients),
            "updated": UPDATED.format(at=row.updated_at.strftime("%Y-%m-%d %H:%M"),
                                      by=row.updated_by or "") if row else "",
            "errors": (errors or {}).get(config.code, {}),
            "form": (form or {}).get(config.code),
        })
    saved_name = next((i["config"].name for i in items if i["config"].code == saved), None)
    return render_template(
        "h5/admin_rules.html", user=user, items=items, editable=user.role in EDITORS,
        saved=SAVED.format(name=saved_name) if saved_name else None,
        channels=rules.CHANNEL_NAMES, weekdays=rules.WEEKDAY_NAMES,
        R={"TITLE": TITLE, "DESC": DESC, "READ_ONLY": READ_ONLY, "SAVE": SAVE,
           "ENABLED": ENABLED, "SCHEDULE_TIME": SCHEDULE_TIME, "WEEKDAY": WEEKDAY,
           "RECIPIENTS": RECIPIENTS, "RECIPIENTS_HINT": RECIPIENTS_HINT,
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
    if "recipients" in form:
        changes["recipients"] = form.get("recipients", "")
    if "channel" in form:
        changes["channel"] = form.get("channel", "")
    return changes
