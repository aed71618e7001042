"""The pages the H5 side shows instead of the one asked for: a WeUI result page
(``message_page``), "open it from the workbench", "not registered", "not your role", and
where each role's "返回首页" leads.

Used by the sign-in (web.auth.identity, web.auth.views), the guard (web.auth.guard) and
by page views that refuse or confirm something."""

from __future__ import annotations

from collections.abc import Iterable

from flask import render_template

from cards.links import dingtalk_login_url, wecom_oauth_url
from models.org.user import User
from web import texts
from web.auth.paths import clean_path
from zhongshu.settings import get_settings

# Where each role starts: the "返回首页" of an error page.
HOMES = {"finance": "/h5/contracts", "admin": "/admin/fields", "store_manager": "/h5/stores",
         "hq": "/h5/stores"}
DEFAULT_HOME = "/h5/customers"


def home_for(user: User | None) -> str:
    """Where a person starts: the page of their role."""
    return HOMES.get(user.role, DEFAULT_HOME) if user is not None else DEFAULT_HOME


def message_page(title: str, desc: str, *, status: int, icon: str = "warn",
                 buttons: Iterable[tuple[str, str, bool]] = (),
                 user: User | None = None) -> tuple[str, int]:
    """A WeUI result page; ``buttons`` are (label, href, primary). A refusal shown to a
    signed-in person without buttons of its own gets the way home."""
    buttons = list(buttons)
    if not buttons and status >= 400 and user is not None:
        buttons = [(texts.GO_HOME, home_for(user), True)]
    return render_template("h5/message.html", title=title, desc=desc, icon=icon,
                           buttons=buttons, user=user), status


def open_from_workbench() -> tuple[str, int]:
    path = clean_path()
    settings = get_settings()
    buttons = []
    if settings.wecom_enabled:
        buttons.append((texts.OPEN_IN_WECOM, wecom_oauth_url(path), True))
    if settings.dingtalk_enabled:
        buttons.append((texts.OPEN_IN_DINGTALK, dingtalk_login_url(path), not buttons))
    return message_page(texts.OPEN_FROM_WORKBENCH_TITLE, texts.OPEN_FROM_WORKBENCH_DESC,
                        status=401, icon="info", buttons=buttons)


def not_registered() -> tuple[str, int]:
    return message_page(texts.NOT_REGISTERED_TITLE, texts.NOT_REGISTERED_DESC, status=403)


def forbidden(user: User, roles: Iterable[str]) -> tuple[str, int]:
    names = "、".join(texts.ROLE_NAMES.get(r, r) for r in roles)
    return message_page(texts.FORBIDDEN_TITLE, texts.FORBIDDEN_ROLE_DESC.format(roles=names),
                        status=403, user=user)
