"""Message-center rules (C7) as data: what triggers, the threshold, when it runs, who is
told and through which channel. An admin changes a row; the next sweep reads it.

``threshold``, ``schedule`` and ``recipients`` are JSON whose shape depends on the rule
``code`` (e.g. ``{"hours": 72}``, ``{"A": 15, "B": 30, "C": 60}``,
``{"weekday": 0, "time": "09:00"}``, ``["finance_lead"]``).

Also here: ``RuleFiring`` (the exactly-once ledger the sweeps in handlers/rules/ write),
the shipped defaults (``DEFAULTS``, seeded as rows by migration 0010; a missing row falls
back to them) and ``update_rule`` — THE function every rule change goes through (admin
page, presets, CLI), validating with Chinese messages and changing nothing on error, so
an audit log can hook in there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from models.base import utcnow
from models.config.audit import AREA_RULE, record_change
from models.dashboard.refresh import refresh_after_commit
from models.org.user import by_platform_id

CHANNELS = ("wecom", "dingtalk", "both")


class Rule(SQLModel, table=True):
    __tablename__ = "rule"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64)
    enabled: bool = True
    threshold: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    schedule: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    channel: str = Field(default="both", max_length=16)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=64)


class RuleFiring(SQLModel, table=True):
    """One occurrence of a rule that has fired — the exactly-once ledger.

    A sweep inserts the due occurrences with ``INSERT … SELECT … ON CONFLICT DO NOTHING
    RETURNING``: only the rows it really inserted are notified, in the same transaction,
    so re-runs, restarts and racing schedulers can never fire one twice. ``subject_at`` is
    what started the occurrence (the signing time, the last interaction, the last order,
    the digest week) so a re-signed contract or a customer who went quiet again is a new
    occurrence; ``occurrence`` is the business day of a daily repeat (``ONCE`` for rules
    that fire once per subject_at)."""

    __tablename__ = "rule_firing"
    __table_args__ = (
        UniqueConstraint("rule_code", "subject_id", "subject_at", "occurrence",
                         name="uq_rule_firing_occurrence"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_code: str = Field(max_length=32)
    subject_id: int
    subject_at: datetime
    occurrence: date
    fired_at: datetime = Field(default_factory=utcnow, index=True)


class RuleSweep(SQLModel, table=True):
    """How far a customer-wide rule's sweeps have looked (an optimisation, never the
    exactly-once guarantee — that is ``RuleFiring``): with ``swept_at`` known, a sweep
    only looks at deadlines since then (minus a margin) instead of every overdue
    customer; ``full_at`` is the last sweep that looked at all of them. Deleted when the
    rule changes, so the next sweep looks at everything again."""

    __tablename__ = "rule_sweep"

    code: str = Field(max_length=32, primary_key=True)
    swept_at: datetime | None = None
    full_at: datetime | None = None


# -- defaults, validation and the one place rules change ---------------------------------

REVIEW_72H = "contract_review_72h"
STAMP_24H = "contract_stamp_24h"
PLAN_DEADLINE = "plan_deadline"
INACTIVE = "customer_inactive"
ZOMBIE = "customer_zombie"
DIGEST = "supervisor_digest"
#: The business day stored for rules that fire once per occurrence (not daily).
ONCE = date(1970, 1, 1)

RECIPIENT_TOKENS = ("rep", "supervisor", "finance_lead", "director")
RECIPIENT_NAMES = {"rep": "业务员", "supervisor": "主管", "finance_lead": "财务负责人",
                   "director": "销售总监"}
CHANNEL_NAMES = {"wecom": "企业微信", "dingtalk": "钉钉", "both": "企业微信和钉钉"}
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
GRADE_KEYS = ("A", "B", "C", "other")

#: The shipped rules (also seeded by migration 0010). Tests and fresh installs without the
#: rows fall back to these, so a missing row never silences a rule.
DEFAULTS: dict[str, dict[str, Any]] = {
    REVIEW_72H: {"name": "合同签约72小时未审核提醒", "threshold": {"hours": 72},
                 "schedule": {"time": "09:00"}, "recipients": ["finance_lead"],
                 "channel": "dingtalk"},
    STAMP_24H: {"name": "签约24小时未上传盖章页（风险单）", "threshold": {"hours": 24},
                "schedule": {"time": "09:00"}, "recipients": ["rep", "supervisor"],
                "channel": "wecom"},
    PLAN_DEADLINE: {"name": "周五17:00拜访计划截止通知", "threshold": {},
                    "schedule": {"time": "08:30"}, "recipients": ["supervisor"],
                    "channel": "wecom"},
    INACTIVE: {"name": "客户长期未互动唤醒任务",
               "threshold": {"A": 15, "B": 30, "C": 60, "other": 30},
               "schedule": {"time": "09:00"}, "recipients": ["rep", "supervisor"],
               "channel": "wecom"},
    ZOMBIE: {"name": "90天未成交僵尸客户", "threshold": {"days": 90},
             "schedule": {"time": "09:00"}, "recipients": ["rep", "supervisor"],
             "channel": "wecom"},
    DIGEST: {"name": "主管周一团队周报", "threshold": {},
             "schedule": {"weekday": 0, "time": "09:00"}, "recipients": ["supervisor"],
             "channel": "wecom"},
}
CODES = tuple(DEFAULTS)

#: Allowed threshold keys per rule: (label, minimum, maximum).
THRESHOLD_LIMITS: dict[str, dict[str, tuple[str, int, int]]] = {
    REVIEW_72H: {"hours": ("小时数", 1, 720)},
    STAMP_24H: {"hours": ("小时数", 1, 720)},
    PLAN_DEADLINE: {},
    INACTIVE: {"A": ("A级客户天数", 1, 365), "B": ("B级客户天数", 1, 365),
               "C": ("C级客户天数", 1, 365), "other": ("未评级客户天数", 1, 365)},
    ZOMBIE: {"days": ("天数", 1, 730)},
    DIGEST: {},
}

ERR_UNKNOWN_RULE = "没有这条规则"
ERR_ENABLED = "启用状态只能是开或关"
ERR_THRESHOLD_KEY = "未知的阈值项：{key}"
ERR_THRESHOLD_NUMBER = "{label}必须是整数"
ERR_THRESHOLD_RANGE = "{label}必须在 {low} 到 {high} 之间"
ERR_TIME = "时间格式应为 HH:MM（24小时制），例如 09:00"
ERR_WEEKDAY = "星期只能是周一到周日"
ERR_SCHEDULE_KEY = "未知的时间设置项：{key}"
ERR_RECIPIENTS_EMPTY = "至少要有一个接收人"
ERR_RECIPIENT = ("未知的接收人：{token}（可选 rep、supervisor、finance_lead、director 或 user:"
                 "企业微信账号）")
ERR_CHANNEL = "推送渠道只能是 wecom、dingtalk 或 both"
ERR_FIELD = "不能修改的字段：{key}"
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class RuleInvalid(ValueError):
    """A rule change was refused; ``errors`` maps a field to its Chinese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class RuleConfig:
    """A rule as the sweeps use it: the stored row over the shipped defaults."""

    code: str
    name: str
    enabled: bool
    threshold: dict[str, Any]
    schedule: dict[str, Any]
    recipients: tuple[str, ...]
    channel: str

    @property
    def at_time(self) -> time:
        hour, minute = str(self.schedule.get("time", "09:00")).split(":")
        return time(int(hour), int(minute))


def _config(code: str, row: Rule | None) -> RuleConfig:
    default = DEFAULTS[code]
    if row is None:
        return RuleConfig(code=code, name=default["name"], enabled=True,
                          threshold=dict(default["threshold"]),
                          schedule=dict(default["schedule"]),
                          recipients=tuple(default["recipients"]), channel=default["channel"])
    return RuleConfig(code=code, name=row.name, enabled=row.enabled,
                      threshold={**default["threshold"], **(row.threshold or {})},
                      schedule={**default["schedule"], **(row.schedule or {})},
                      recipients=tuple(row.recipients or default["recipients"]),
                      channel=row.channel)


def get_rule(session: Session, code: str) -> RuleConfig:
    """The rule as configured now (read fresh by every sweep: no restart needed)."""
    if code not in DEFAULTS:
        raise KeyError(code)
    row = session.exec(select(Rule).where(Rule.code == code)).first()
    return _config(code, row)


def all_rules(session: Session) -> list[RuleConfig]:
    rows = {r.code: r for r in session.exec(select(Rule))}
    return [_config(code, rows.get(code)) for code in CODES]


def _check_threshold(code: str, value: Any, errors: dict[str, str]) -> dict[str, int]:
    limits = THRESHOLD_LIMITS[code]
    if not isinstance(value, dict):
        errors["threshold"] = ERR_THRESHOLD_KEY.format(key=value)
        return {}
    clean: dict[str, int] = {}
    for key, raw in value.items():
        if key not in limits:
            errors[f"threshold.{key}"] = ERR_THRESHOLD_KEY.format(key=key)
            continue
        label, low, high = limits[key]
        try:
            number = int(str(raw).strip())
        except ValueError:
            errors[f"threshold.{key}"] = ERR_THRESHOLD_NUMBER.format(label=label)
            continue
        if not low <= number <= high:
            errors[f"threshold.{key}"] = ERR_THRESHOLD_RANGE.format(label=label, low=low,
                                                                    high=high)
            continue
        clean[key] = number
    return clean


def _check_schedule(code: str, value: Any, errors: dict[str, str]) -> dict[str, Any]:
    allowed = set(DEFAULTS[code]["schedule"])
    if not isinstance(value, dict):
        errors["schedule.time"] = ERR_TIME
        return {}
    clean: dict[str, Any] = {}
    for key, raw in value.items():
        if key not in allowed:
            errors[f"schedule.{key}"] = ERR_SCHEDULE_KEY.format(key=key)
        elif key == "time":
            text = str(raw).strip()
            if len(text) == 4 and text[1] == ":":
                text = "0" + text  # 9:00 means 09:00
            if not TIME_RE.match(text):
                errors["schedule.time"] = ERR_TIME
            else:
                clean["time"] = text
        elif key == "weekday":
            try:
                day = int(str(raw).strip())
            except ValueError:
                day = -1
            if not 0 <= day <= 6:
                errors["schedule.weekday"] = ERR_WEEKDAY
            else:
                clean["weekday"] = day
    return clean


def _check_recipients(session: Session, value: Any, errors: dict[str, str]) -> list[str]:
    tokens = value.replace("，", ",").split(",") if isinstance(value, str) else list(value or [])
    tokens = [str(t).strip() for t in tokens if str(t).strip()]
    clean: list[str] = []
    for token in tokens:
        if token in RECIPIENT_TOKENS:
            clean.append(token)
            continue
        userid = token.removeprefix("user:") if token.startswith("user:") else None
        known = userid and by_platform_id(session, "wecom", userid)
        if not known:
            errors["recipients"] = ERR_RECIPIENT.format(token=token)
            return []
        clean.append(token)
    if not clean:
        errors["recipients"] = ERR_RECIPIENTS_EMPTY
    return list(dict.fromkeys(clean))


def update_rule(session: Session, *, code: str, changes: dict[str, Any], actor: str,
                batch: str | None = None) -> Rule:
    """Change one rule — THE function every path uses (admin page, presets, CLI), so an
    audit log hooks in here. ``changes`` may hold ``enabled``, ``threshold`` (merged into
    the current one), ``schedule`` (merged), ``recipients`` (a list or "a, b") and
    ``channel``. Everything is validated first; on any error ``RuleInvalid`` carries the
    Chinese message per field and nothing changes."""
    if code not in DEFAULTS:
        raise RuleInvalid({"code": ERR_UNKNOWN_RULE})
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "enabled":
            if isinstance(value, bool):
                clean["enabled"] = value
            elif str(value).lower() in ("1", "true", "on", "yes", "0", "false", "off", "no"):
                clean["enabled"] = str(value).lower() in ("1", "true", "on", "yes")
            else:
                errors["enabled"] = ERR_ENABLED
        elif key == "threshold":
            clean["threshold"] = _check_threshold(code, value, errors)
        elif key == "schedule":
            clean["schedule"] = _check_schedule(code, value, errors)
        elif key == "recipients":
            clean["recipients"] = _check_recipients(session, value, errors)
        elif key == "channel":
            if value not in CHANNELS:
                errors["channel"] = ERR_CHANNEL
            else:
                clean["channel"] = value
        else:
            errors[key] = ERR_FIELD.format(key=key)
    if errors:
        raise RuleInvalid(errors)
    row = session.exec(select(Rule).where(Rule.code == code).with_for_update()).first()
    before = None if row is None else {key: getattr(row, key) for key in clean}
    if row is None:
        default = DEFAULTS[code]
        row = Rule(code=code, name=default["name"], threshold=dict(default["threshold"]),
                   schedule=dict(default["schedule"]), recipients=list(default["recipients"]),
                   channel=default["channel"])
    if "enabled" in clean:
        row.enabled = clean["enabled"]
    # New dicts/lists, so SQLAlchemy sees the JSON columns change.
    if "threshold" in clean:
        row.threshold = {**DEFAULTS[code]["threshold"], **(row.threshold or {}),
                         **clean["threshold"]}
    if "schedule" in clean:
        row.schedule = {**DEFAULTS[code]["schedule"], **(row.schedule or {}),
                        **clean["schedule"]}
    if "recipients" in clean:
        row.recipients = list(clean["recipients"])
    if "channel" in clean:
        row.channel = clean["channel"]
    after = {key: getattr(row, key) for key in clean}
    if before == after:
        return row
    row.updated_at = utcnow()
    row.updated_by = actor
    # Every configuration change is in the audit log and can be undone (C8).
    record_change(session, actor=actor, area=AREA_RULE, key=code, before=before, after=after,
                  batch=batch)
    if code == ZOMBIE and "threshold" in clean:
        # The dashboard counts zombies by these days: recount once this is committed.
        refresh_after_commit(session)
    # New thresholds move deadlines: the next sweep looks at every subject again.
    sweep = session.get(RuleSweep, code)
    if sweep is not None:
        session.delete(sweep)
    session.add(row)
    session.flush()
    return row
