"""``/h5/plan`` (C5): next week's visit plan of the signed-in rep or supervisor — add
customers from their own list, remove them — read-only once locked (Friday 17:00,
business time, of the week before). Supervisors also see this week's high-potential
customers of their team not yet visited. Every change is a POST with the CSRF token,
then a redirect (POST → 303 → GET)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cards import plan as cards
from models.base import parse_id, utcnow
from models.customers.lookup import owner_names
from models.org.user import User
from models.visits import plan as plans
from web.auth.guard import login_required
from zhongshu import clock
from zhongshu.db import session_scope

bp = Blueprint("plans", __name__)

TITLE = "下周拜访计划"
ADD = "加入计划"
REMOVE = "移除"
MY_CUSTOMERS = "我的客户"
NO_CUSTOMERS = "还没有自己的客户。"
LOCKED = "已于 {lock} 截止，计划只读。"
OPEN = "{lock} 截止，截止前可随时修改。"
EMPTY = "计划还是空的，从下面的客户列表中添加。"
UNCOVERED = "本周未覆盖的高潜客户（A级或高意向）"
LOCKED_ERROR = "计划已截止，未做修改。"
DAY = "计划日期"
PAGE = {"TITLE": TITLE, "ADD": ADD, "REMOVE": REMOVE, "MY_CUSTOMERS": MY_CUSTOMERS,
        "NO_CUSTOMERS": NO_CUSTOMERS, "EMPTY": EMPTY, "UNCOVERED": UNCOVERED,
        "UNCOVERED_NONE": cards.UNCOVERED_NONE, "LOCKED_ERROR": LOCKED_ERROR,
        "DAY": DAY}


def _now() -> datetime:
    """The clock of this page (tests patch it to freeze time)."""
    return utcnow()


def _day(value: str, week: date) -> date | None:
    """The optional planned day: a date inside the planned week, else none."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if plans.week_of(day) == week else None


@bp.get("/h5/plan")
@login_required(roles=plans.PLAN_ROLES)
def show(user: User) -> str:
    now = _now()
    tz = clock.business_tz()
    with session_scope() as db:
        view = plans.get_plan(db, user, plans.next_week(now, tz), now=now, tz=tz)
        planned = {c.customer_id for c in view.customers}
        available = [c for c in plans.own_customers(db, user) if c.id not in planned]
        uncovered: list[tuple[str, str, str]] = []
        if user.role == "supervisor":
            found = plans.uncovered_high_potential(db, user, now=now, tz=tz)
            names = owner_names(db, [c.owner for c in found])
            uncovered = [(c.name, names.get(c.owner or "", c.owner or ""), c.grade or "-")
                         for c in found]
        start, end = cards.week_range(view.week)
        note = (LOCKED if view.locked else OPEN).format(
            lock=cards.lock_text(view.lock_at.astimezone(tz)))
        days = [view.week + timedelta(days=n) for n in range(7)]
        return render_template(
            "h5/plan.html", user=user, P=PAGE, view=view, available=available, start=start,
            end=end, note=note, day_text=cards.day_text, uncovered=uncovered, days=days,
            error=request.args.get("error"))


@bp.post("/h5/plan")
@login_required(roles=plans.PLAN_ROLES)
def change(user: User) -> Response:
    now = _now()
    tz = clock.business_tz()
    week = plans.next_week(now, tz)
    action = request.form.get("action", "")
    customer_id = parse_id(request.form.get("customer_id", ""))
    if customer_id is None:
        return redirect(url_for(".show"), 303)
    with session_scope() as db:
        try:
            if action == "add":
                # Own customers only: anyone else's id reads as "no such customer".
                mine = [c for c in plans.own_customers(db, user) if c.id == customer_id]
                if mine:
                    plans.add_customers(db, user, week, mine, now=now, tz=tz,
                                        day=_day(request.form.get("day", ""), week))
            elif action == "remove":
                plans.remove_customer(db, user, week, customer_id, now=now, tz=tz)
        except plans.PlanLocked:
            return redirect(url_for(".show", error="locked"), 303)
    return redirect(url_for(".show"), 303)
