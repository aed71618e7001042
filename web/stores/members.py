"""Member pages (C12): a member's purchase trajectory across stores and the members who
stopped buying. Registered on the ``stores`` blueprint (web/stores/common.py) when
web/stores/pages.py is imported."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from analytics import stores as metrics
from models.org.user import User
from models.stores.scope import STORE_ROLES
from web.auth.guard import login_required
from web.stores import common
from web.stores import texts as S
from web.stores.common import bp
from zhongshu.clock import business_tz
from zhongshu.db import session_scope
from zhongshu.settings import get_settings


@bp.get("/h5/members")
@login_required(roles=STORE_ROLES)
def find_member(user: User) -> Response:
    """The member-id search box on the store list: straight to the trajectory."""
    member_id = (request.args.get("id") or "").strip()[:64]
    if not member_id:
        return redirect(url_for(".index"), 303)
    return redirect(url_for(".member", member_id=member_id), 303)


@bp.get("/h5/members/<member_id>")
@login_required(roles=STORE_ROLES)
def member(member_id: str, user: User) -> tuple[str, int]:
    tz = business_tz()
    with session_scope() as db:
        purchases = metrics.member_purchases(db, user, member_id[:64])
    interval = metrics.repurchase_days([p.at for p in purchases], tz)
    return render_template(
        "h5/member.html", user=user, S=S, member=member_id[:64], purchases=purchases,
        stores=len({p.store_code for p in purchases}), tz=tz, money=common.money_text,
        interval=S.MEMBER_DAYS.format(days=interval) if interval is not None
        else S.MEMBER_NO_INTERVAL), 200


@bp.get("/h5/members/lapsed")
@login_required(roles=STORE_ROLES)
def lapsed(user: User) -> str:
    settings = get_settings()
    try:
        days = max(1, min(365, int(request.args.get("days", settings.member_lapsed_days))))
    except ValueError:
        days = settings.member_lapsed_days
    with session_scope() as db:
        members = metrics.lapsed_members(db, user, now=common.now(), days=days)
    return render_template("h5/members_lapsed.html", user=user, S=S, members=members,
                           days=days, tz=business_tz())
