"""``/h5/dashboard`` (C9) and ``/h5/drill`` (C10): the sales health dashboard, the
drill-down, the coaching export and the before/after table, for directors and supervisors.

Same identity as every H5 page (WeCom OAuth → ``login_required``). Reps, admins and
finance are refused (finance: its money views are the receivables pages of C6 — a
dashboard showing it only half the metrics would mislead). Every figure is read through
``analytics.metrics.Selection``: a team, rep, region or customer outside the user's scope
answers 404, the same as one that does not exist. Each page is server-rendered on the
first request; the drill-down's clicks then fetch ``/h5/drill/data`` (JSON) and redraw in
place. Figures come from the roll-ups, refreshed every few minutes; the page shows when."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from sqlmodel import Session

from analytics import coaching, compare, drill, metrics, rollup
from analytics.rollup import freshness
from cards.dashboard import WHOLE_SCOPE, days, pct
from cards.links import chart_signature
from models.base import parse_id, utcnow
from models.config import glossary
from models.org.user import User, record_user
from models.visits.plan import week_of
from web.auth.guard import login_required
from web.auth.identity import request_db
from web.auth.pages import message_page
from zhongshu import clock

bp = Blueprint("dashboard", __name__)

TITLE = "销售健康度"
DRILL_TITLE = "钻取分析"
COMPARE_TITLE = "改善前后对比"
NOT_FOUND_TITLE = "没有找到"
NOT_FOUND_DESC = "该团队、业务员、区域或客户不存在，或不在你的查看范围内。"
ROLES = metrics.DASHBOARD_ROLES
LABELS = {
    "coverage": "拜访覆盖率", "conversion_days": "线索转化周期", "collection_rate": "回款率",
    "compliance": "流程合规率", "zombie_ratio": "僵尸客户占比", "fake_rate": "虚假拜访率",
    "approval_days": "合同审批时长", "forecast_accuracy": "回款预测准确率",
}
HINTS = {
    "coverage": "有效拜访 / 计划拜访（本周）",
    "conversion_days": "建档到首单，中位数（近 12 周首单）",
    "collection_rate": "本月回款 / 本月应收", "compliance": "记录、需求、下一步齐全的拜访占比",
    "zombie_ratio": "{zombie_days} 天无成交的客户占比",
    "fake_rate": "有造假疑点的拜访占已核验拜访（记录不全不算）",
    "approval_days": "签约到财务审核，平均（近 12 周）",
    "forecast_accuracy": "本月回款预测 vs 实际",
}
PAGE: dict[str, Any]  # texts for the templates; TILE_STATES is a nested dict
PAGE = {"TITLE": TITLE, "DRILL_TITLE": DRILL_TITLE, "COMPARE_TITLE": COMPARE_TITLE,
        "TEAMS": "团队", "REPS": "业务员", "PREV": "上一周", "NEXT": "下一周",
        "EXPORT": "导出辅导名单（Excel）",
        "COACH": "本周辅导名单（每个团队流程合规率最低、未达 100% 的至多 3 位）",
        "COACH_TEAM": "团队", "COACH_REP": "业务员",
        "COACH_NONE": "本周没有需要辅导的业务员：有拜访的都已 100% 合规",
        "TARGET": "目标", "TILE_STATES": {"good": "达标", "warn": "接近警戒", "bad": "未达标",
                                          "none": "暂无数据"},
        "TREND": "近 12 周趋势", "NAME": "名称", "VISITS": "拜访", "BACK": "返回全部",
        "BEFORE": "改善前", "AFTER": "改善后", "METRIC": "指标", "RUN": "对比",
        "FROM": "从", "TO": "到", "WEEK": "周", "NONE": "暂无数据"}
DRILL_COLUMNS = {"regions": ("区域", "成交客户", "复购客户", "近12周成交额"),
                 "grades": ("等级", "成交客户", "复购客户", "近12周成交额"),
                 "customers": ("复购客户", "订单数", "累计金额", "最近下单"),
                 "customer": ("下单时间", "订单号", "金额", "产品型号")}
COMPARE_ROWS = (("chores_share", "管理时间耗在杂务上的占比（代理指标）", "pct"),
                ("completeness", "过程数据完整度", "pct"),
                ("approval_days", "合同审批天数", "days"),
                ("forecast_accuracy", "回款预测准确率", "pct"))


def _now() -> datetime:
    """The clock of these pages (tests patch it)."""
    return utcnow()


def money(value: Decimal | float) -> str:
    return f"¥{Decimal(value):,.0f}"


def _week_arg(now: datetime) -> date:
    tz = clock.business_tz()
    try:
        return week_of(date.fromisoformat(request.args.get("week", "")))
    except ValueError:
        return week_of(now.astimezone(tz).date())


def _not_found(user: User) -> tuple[str, int]:
    return message_page(NOT_FOUND_TITLE, NOT_FOUND_DESC, status=404, user=user)


def _selection(db: Session, user: User) -> metrics.Selection | None:
    return metrics.selection(db, user, team=request.args.get("team") or None,
                             rep=request.args.get("rep") or None)


# Each metric's target and warning line: (higher is better, target, warning line). A tile
# is green at or past its target, orange between target and warning line, red beyond it.
# Coverage, compliance and collection from C9; fake visits 2.4 % and approval 1.3 days
# are the article's after-figures.
TARGETS: dict[str, tuple[bool, float, float]] = {
    "coverage": (True, 0.9, 0.7), "conversion_days": (False, 30, 60),
    "collection_rate": (True, 0.9, 0.7), "compliance": (True, 0.9, 0.7),
    "zombie_ratio": (False, 0.2, 0.4), "fake_rate": (False, 0.03, 0.1),
    "approval_days": (False, 1.5, 3), "forecast_accuracy": (True, 0.85, 0.7),
}


def tile_state(key: str, value: float | None) -> str:
    """good / warn / bad against the metric's target, or none without a value."""
    if value is None:
        return "none"
    higher, target, warning = TARGETS[key]
    if value >= target if higher else value <= target:
        return "good"
    return "warn" if (value >= warning if higher else value <= warning) else "bad"


def _target_text(key: str) -> str:
    higher, target, _ = TARGETS[key]
    shown = days(target) if key.endswith("_days") else f"{target:.0%}"
    return f"{PAGE['TARGET']} {'≥' if higher else '≤'} {shown}"


def tiles(h: metrics.Health, zombie_days: int) -> list[dict[str, str]]:
    raw = {"coverage": h.sums.coverage, "conversion_days": h.conversion_days,
           "collection_rate": h.collection_rate, "compliance": h.sums.compliance,
           "zombie_ratio": h.zombie_ratio, "fake_rate": h.sums.fake_rate,
           "approval_days": h.approval_days, "forecast_accuracy": h.forecast_accuracy}
    out = []
    for k, label in LABELS.items():
        value = raw[k]
        state = tile_state(k, None if value is None else float(value))
        out.append({"key": k, "label": label,
                    "value": days(value) if k.endswith("_days") else pct(value),
                    "hint": HINTS[k].format(zombie_days=zombie_days),
                    "state": state, "state_text": PAGE["TILE_STATES"][state],
                    "target": _target_text(k)})
    return out


def _row_json(row: metrics.Row, base: str, param: str,
              extra: dict[str, str]) -> dict[str, Any]:
    return {"key": row.key, "name": row.name, "visits": int(row.sums["visits"]),
            "coverage": pct(row.sums.coverage), "compliance": pct(row.sums.compliance),
            "fake_rate": pct(row.sums.fake_rate),
            "href": _href(base, **extra, **{param: row.key})}


def dashboard_data(db: Session, sel: metrics.Selection, week: date) -> dict[str, Any]:
    tz = clock.business_tz()
    trend = metrics.week_trend(db, sel, week)
    h = metrics.health(db, sel, week, tz=tz, trend=trend)
    owners = metrics.by_owner(db, sel, week)
    all_reps = metrics.reps(db, sel.user, sel.team)
    team_rows, rep_rows = metrics.breakdown(db, sel, week, owners=owners, all_reps=all_reps)
    base, page = {"week": week.isoformat()}, url_for(".show")
    coach = (coaching.coaching_list(db, sel, week, owners=owners, members=all_reps)
             if sel.rep is None else [])
    return {
        "week": week.isoformat(), "tiles": tiles(h, rollup.zombie_days(db)), "health": h.as_json(),
        "trend": {"weeks": [w.week.isoformat() for w in trend if w.week],
                  "coverage": [w.coverage for w in trend],
                  "compliance": [w.compliance for w in trend],
                  "fake_rate": [w.fake_rate for w in trend],
                  "orders": [float(w["order_amount"]) for w in trend]},
        "teams": [_row_json(r, page, "team", base) for r in team_rows],
        "reps": [_row_json(r, page, "rep", {**base, **({"team": sel.team} if sel.team else {})})
                 for r in rep_rows],
        "coach": [{"team": c.team_name, "name": c.name, "visits": c.visits,
                   "rate": c.rate_text} for c in coach],
        "coach_shown": sel.rep is None and bool(rep_rows),
        "freshness": freshness(db),
    }


def _scope_label(db: Session, sel: metrics.Selection) -> str:
    if sel.rep:
        return next((r.name for r in metrics.reps(db, sel.user) if r.wecom_userid == sel.rep),
                    sel.rep)
    if sel.team:
        name = next((t.name for t in metrics.teams(db, sel.user)
                     if t.wecom_userid == sel.team), sel.team)
        return f"{name}团队"
    if sel.user.role == "director" and sel.user.region:
        return sel.user.region
    return WHOLE_SCOPE.get(sel.user.role, "")


@bp.get("/h5/dashboard")
@login_required(roles=ROLES)
def show(user: User) -> Any:
    week = _week_arg(_now())
    db = request_db()
    sel = _selection(db, user)
    if sel is None:
        return _not_found(user)
    data = dashboard_data(db, sel, week)
    label = _scope_label(db, sel)
    args: dict[str, Any] = {k: v for k, v in (("team", sel.team), ("rep", sel.rep)) if v}
    nav = {"prev": url_for(".show", week=(week - timedelta(weeks=1)).isoformat(), **args),
           "next": url_for(".show", week=(week + timedelta(weeks=1)).isoformat(), **args),
           "export": url_for(".export", week=week.isoformat(), **args),
           "data": url_for(".data", week=week.isoformat(), **args)}
    return render_template("h5/dashboard.html", user=user, P=PAGE, data=data, label=label,
                           week=week, week_end=week + timedelta(days=6), nav=nav,
                           narrowed=bool(args))


@bp.get("/h5/dashboard/data")
@login_required(roles=ROLES, api=True)
def data(user: User) -> Any:
    week = _week_arg(_now())
    db = request_db()
    sel = _selection(db, user)
    if sel is None:
        return jsonify({"error": NOT_FOUND_TITLE}), 404
    return jsonify(dashboard_data(db, sel, week))


@bp.get("/h5/dashboard/coaching.xlsx")
@login_required(roles=ROLES)
def export(user: User) -> Any:
    week = _week_arg(_now())
    db = request_db()
    sel = _selection(db, user)
    if sel is None:
        return _not_found(user)
    lines = coaching.coaching_list(db, sel, week)
    body = coaching.workbook(lines, week)
    name = f"coaching-{week.isoformat()}.xlsx"
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


# -- the coaching chart behind the Monday card (its signed link: cards.links.chart_path) ----

@bp.get("/h5/dashboard/coaching.png")
def chart() -> Any:
    team = request.args.get("team", "")
    try:
        week = week_of(date.fromisoformat(request.args.get("week", "")))
    except ValueError:
        abort(404)
    if not hmac.compare_digest(request.args.get("sig", ""), chart_signature(team, week)):
        abort(404)
    db = request_db()
    sup = record_user(db, team)
    if sup is None or sup.role != "supervisor" or not sup.active:
        abort(404)
    sel = metrics.Selection(sup)
    lines = coaching.team_lines(db, sel, sup, week)
    return Response(coaching.chart_png(lines, week), mimetype="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


# -- drill-down ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DrillView:
    level: str
    title: str
    crumbs: list[dict[str, str]]
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    trend: dict[str, Any]
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"level": self.level, "title": self.title, "crumbs": self.crumbs,
                "columns": list(self.columns), "rows": self.rows, "trend": self.trend,
                "note": self.note}


def _href(base: str, **params: Any) -> str:
    """``base`` (a ``url_for`` of this page, resolved once per request) with ``params``:
    a list of hundreds of links costs no route lookup per row."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{base}?{query}" if query else base


def drill_view(db: Session, sel: metrics.Selection, week: date, region: str | None,
               grade: str | None, customer_id: int | None) -> DrillView | None:
    tz = clock.business_tz()
    base = url_for(".drill_page")
    crumbs = [{"label": DRILL_TITLE, "href": base}]
    rows: list[dict[str, Any]]
    if customer_id is not None:
        one = drill.customer(db, sel, customer_id, week, tz)
        if one is None:
            return None
        if one.region:
            crumbs.append({"label": one.region, "href": _href(base, region=one.region)})
            if one.grade:
                crumbs.append({"label": glossary.grade_label(one.grade),
                               "href": _href(base, region=one.region, grade=one.grade)})
        rows = [{"cells": [p.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), p.order_no,
                           money(p.amount), "、".join(p.models) or "-"], "href": None}
                for p in one.purchases]
        return DrillView("customer", one.name, crumbs, DRILL_COLUMNS["customer"], rows,
                         one.trend.as_json())
    if region is None:
        level = drill.regions(db, sel, week)
        rows = [{"cells": [b.label, b.buying_customers, b.repurchasing, money(b.amount)],
                 "href": _href(base, region=b.key)} for b in level.buckets]
        return DrillView("regions", DRILL_TITLE, crumbs[:0], DRILL_COLUMNS["regions"], rows,
                         level.trend.as_json())
    crumbs.append({"label": region, "href": _href(base, region=region)})
    if grade is None:
        found = drill.grades(db, sel, region, week)
        if found is None:
            return None
        rows = [{"cells": [b.label, b.buying_customers, b.repurchasing, money(b.amount)],
                 "href": _href(base, region=region, grade=b.key)} for b in found.buckets]
        return DrillView("grades", region, crumbs[:1], DRILL_COLUMNS["grades"], rows,
                         found.trend.as_json())
    buyers = drill.repurchasers(db, sel, region, grade, week)
    if buyers is None:
        return None
    rows = [{"cells": [r.name, r.orders, money(r.amount),
                       r.last_order_day(tz) or "-"],
             "href": f"{base}?customer={r.customer_id}"} for r in buyers.rows]
    note = (f"共 {buyers.total} 位，显示金额最高的 {len(rows)} 位"
            if buyers.total > len(rows) else f"共 {buyers.total} 位")
    label = glossary.grade_label(grade if grade != "-" else None)
    return DrillView("customers", f"{region} · {label} · 复购客户", crumbs,
                     DRILL_COLUMNS["customers"], rows, buyers.trend.as_json(), note)


def _drill_args() -> tuple[str | None, str | None, int | None] | None:
    region = request.args.get("region") or None
    grade = request.args.get("grade") or None
    raw = request.args.get("customer")
    customer = parse_id(raw) if raw else None
    if raw and customer is None:
        return None
    return region, grade, customer


def _requested_view(db: Session, user: User) -> DrillView | None:
    """The drill level the query string asks for, inside the user's scope (None: 404)."""
    args = _drill_args()
    sel = metrics.selection(db, user)
    return drill_view(db, sel, _week_arg(_now()), *args) if sel and args else None


@bp.get("/h5/drill")
@login_required(roles=ROLES)
def drill_page(user: User) -> Any:
    db = request_db()
    view = _requested_view(db, user)
    if view is None:
        return _not_found(user)
    fresh = freshness(db)
    return render_template("h5/drill.html", user=user, P=PAGE, view=view,
                           data=view.as_json(), freshness=fresh)


@bp.get("/h5/drill/data")
@login_required(roles=ROLES, api=True)
def drill_data(user: User) -> Any:
    db = request_db()
    view = _requested_view(db, user)
    if view is None:
        return jsonify({"error": NOT_FOUND_TITLE}), 404
    return jsonify(view.as_json())


# -- before / after -----------------------------------------------------------------------

def _range(prefix: str, default: tuple[date, date]) -> tuple[date, date]:
    try:
        first = date.fromisoformat(request.args.get(f"{prefix}_from", ""))
        last = date.fromisoformat(request.args.get(f"{prefix}_to", ""))
    except ValueError:
        return default
    return (first, last) if first <= last else (last, first)


def _fmt(kind: str, value: float | None) -> str:
    return pct(value) if kind == "pct" else days(value)


@bp.get("/h5/dashboard/compare")
@login_required(roles=ROLES)
def compare_page(user: User) -> Any:
    tz = clock.business_tz()
    today = _now().astimezone(tz).date()
    after = _range("after", (today - timedelta(days=89), today))
    before = _range("before", (after[0] - timedelta(days=90), after[0] - timedelta(days=1)))
    db = request_db()
    sel = metrics.selection(db, user)
    if sel is None:
        return _not_found(user)
    periods = [compare.period(db, sel, *before, tz), compare.period(db, sel, *after, tz)]
    rows = [(label, *(_fmt(kind, getattr(p, key)) for p in periods))
            for key, label, kind in COMPARE_ROWS]
    return render_template("h5/compare.html", user=user, P=PAGE, rows=rows, before=before,
                           after=after, notes=compare.__doc__)

