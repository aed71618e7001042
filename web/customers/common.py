"""What the customer pages share (and some other areas' pages reuse): the one "not found"
answer, dates and amounts as the team reads them (business time zone), user names by
WeCom userid, a bounded integer query argument.

Used by web.customers.listing, customer360 and export, and by the register, check-in,
visit review, store and admin pages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import request
from sqlmodel import Session, select

from models.base import as_utc
from models.org.user import User
from web import texts
from web.auth.pages import message_page

EXPORT_ROLES = ("supervisor", "director")


def customer_not_found(user: User | None) -> tuple[str, int]:
    """The one answer for "missing" and "not yours": nothing tells them apart."""
    return message_page(texts.CUSTOMER_NOT_FOUND_TITLE, texts.CUSTOMER_NOT_FOUND_DESC,
                        status=404, user=user,
                        buttons=[(texts.BACK_TO_LIST, "/h5/customers", True)])


def int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


# -- time, in the business time zone ---------------------------------------------------------


def days_since(moment: datetime | None, now: datetime, tz: ZoneInfo) -> int | None:
    """Calendar days between ``moment`` and ``now`` as the team's clock shows them: 23:50
    yesterday is 1 day ago at 00:10 today, although only 20 minutes passed."""
    if moment is None:
        return None
    today = as_utc(now).astimezone(tz).date()
    return max(0, (today - as_utc(moment).astimezone(tz).date()).days)


def local_time(moment: datetime | None, tz: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return as_utc(moment).astimezone(tz).strftime(fmt) if moment is not None else ""


def ago(days: int | None) -> str:
    if days is None:
        return texts.NEVER
    return texts.TODAY if days == 0 else texts.DAYS_AGO.format(days=days)


def money(amount: Decimal | None) -> str:
    return f"{amount or Decimal(0):,.2f}"


def quantity(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}"


def user_names(db: Session, userids: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({u for u in userids if u})
    if not wanted:
        return {}
    rows = db.exec(select(User.wecom_userid, User.name)
                   .where(User.wecom_userid.in_(wanted)))  # type: ignore[attr-defined]
    return dict(rows.all())
