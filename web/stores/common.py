"""What every store page module shares (C12): the ``stores`` blueprint and the counter
API's, the pages' clock (tests patch ``now``), the not-found page and number formats.
Used by web/stores/pages.py, upload.py, api.py, promotions.py and members.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import Blueprint

from models.base import utcnow
from models.org.user import User
from web.auth.pages import message_page
from web.customers.common import money
from web.stores import texts as S
from zhongshu.clock import business_tz

bp = Blueprint("stores", __name__)
api_bp = Blueprint("store_api", __name__)


def now() -> datetime:
    """The clock of these pages (tests patch it)."""
    return utcnow()


def today() -> date:
    return now().astimezone(business_tz()).date()


def store_not_found(user: User) -> tuple[str, int]:
    return message_page(S.STORE_NOT_FOUND_TITLE, S.STORE_NOT_FOUND_DESC, status=404,
                        user=user, buttons=[(S.STORES_TITLE, "/h5/stores", True)])


def money_text(value: Decimal | str | float | None) -> str:
    """Money as the pages show it: thousands separators and cents (¥ in the template)."""
    return money(Decimal(str(value)) if value is not None else None)


def pct(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else S.NO_VALUE


def window(weeks: int) -> tuple[date, date]:
    end = today()
    return end - timedelta(days=7 * weeks), end
