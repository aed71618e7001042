"""Who is looking at an H5 page: the WeCom OAuth code exchange, the DingTalk 免登 state,
the signed session cookie, the sign-in rate limit and the safe ``next`` target.

Identity without a login: links sent to WeCom users go through WeCom's OAuth page
(cards.links.wecom_oauth_url), which sends the browser back with ``?code=``. The first page
hit exchanges the code server-side for the WeCom userid (``sign_in``), checks the person is
an active User, keeps only the userid (and a CSRF token) in Flask's signed session cookie,
and redirects to the same URL without the code — so the code never stays in the address
bar, the history or a Referer. Later pages read the cookie (``session_user``); nothing else
identifies a user.

Login CSRF: a code is only accepted together with the ``state`` this browser was given
when it started the sign-in (``/h5/login`` and the DingTalk entry set it in a short-lived
cookie) — otherwise someone could send a link carrying a code for *their* account and
have the victim work (and register customers) under it.

Used by web.auth.views (the sign-in pages) and web.auth.guard (``login_required``, the
error pages); page views read ``request_db``."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import secrets
from urllib.parse import unquote, urlsplit

from flask import g, redirect, request, session
from sqlmodel import Session
from werkzeug.wrappers import Response

from bot import pacing
from bot.delivery import DeliveryError
from bot.wecom import client as wecom_client
from models.org import user as users
from models.org.user import User
from web import texts
from web.auth.pages import message_page, not_registered, open_from_workbench
from web.auth.paths import clean_path
from zhongshu.db import read_session, session_scope
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

SESSION_USER = "uid"  # the WeCom userid; the User row is re-read on every request
SESSION_CSRF = "csrf"
SESSION_HOURS = 12  # a working day; after that the page goes through OAuth again
OAUTH_STATE_COOKIE = "zs_oauth_state"
OAUTH_STATE_SECONDS = 600  # WeCom's codes live 5 minutes; the round trip takes seconds
# The DingTalk entry's state: its own cookie, so a WeCom sign-in under way in the same
# browser is not disturbed. DingTalk's auth codes also live 5 minutes, one use.
DINGTALK_STATE_COOKIE = "zs_dd_state"
READ_SESSION = "zs_read_session"


def request_db() -> Session:
    """This request's read-only session: the sign-in check and a page that only reads share
    one pooled connection, in autocommit; closed when the request ends. Pages that write
    open their own ``session_scope``."""
    db = g.get(READ_SESSION)
    if db is None:
        db = read_session()
        setattr(g, READ_SESSION, db)
    return db


def session_user() -> tuple[str | None, User | None]:
    """(userid in the cookie, the active User for it). Re-read per request so that a user
    deactivated by an admin loses access at once, not when the cookie expires."""
    userid = session.get(SESSION_USER)
    if not isinstance(userid, str) or not userid:
        return None, None
    db = request_db()
    user = users.by_platform_id(db, "wecom", userid)
    if user is not None:
        db.expunge(user)  # handed to views that may add it to a session of their own
    return userid, user


HOME_PATH = "/h5/customers"
# Any control character (tab and newlines included: browsers drop them from a URL, so
# "/\t/evil.example" is "//evil.example" to them) and the backslash (read as "/").
_UNSAFE_IN_PATH = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(raw: str | None) -> str:
    """``raw`` if it is a path on this site, else the home page: parsed, never trusted.

    Checked as given and once fully percent-decoded (what a browser or a proxy may make of
    it): no control character or backslash, no scheme, no host, a path that starts with
    exactly one "/"."""
    if not raw or len(raw) > 2048:
        return HOME_PATH
    forms = [raw]
    while len(forms) < 5 and unquote(forms[-1]) != forms[-1]:
        forms.append(unquote(forms[-1]))
    for form in forms:
        if _UNSAFE_IN_PATH.search(form):
            return HOME_PATH
        try:
            parts = urlsplit(form)
        except ValueError:
            return HOME_PATH
        # "///host" parses with an empty host, yet a browser goes to that host.
        if (parts.scheme or parts.netloc or not form.startswith("/") or form.startswith("//")
                or not parts.path.startswith("/") or parts.path.startswith("//")):
            return HOME_PATH
    return raw


def bind_state(response: Response, cookie: str, state: str) -> Response:
    """Bind a fresh sign-in ``state`` to this browser: a short-lived cookie of its own."""
    response.set_cookie(cookie, state, max_age=OAUTH_STATE_SECONDS, httponly=True,
                        samesite="Lax", path="/",
                        secure=get_settings().base_url.lower().startswith("https://"))
    return response


def start_session(userid: str) -> None:
    """A fresh session on every sign-in: nothing from before (another user, a planted
    token) survives it."""
    session.clear()
    session.permanent = True
    session[SESSION_USER] = userid
    session[SESSION_CSRF] = secrets.token_urlsafe(32)


def _browser_key() -> str:
    """Who "this browser" is for the sign-in limits: its session's CSRF token (kept for
    as long as the browser keeps its cookie), else its address and user agent — a client
    that drops its cookies is counted by those, and by its address below. Hashed: the key
    names no one."""
    token = session.get(SESSION_CSRF)
    raw = token if isinstance(token, str) and token else (
        f"{request.remote_addr}|{request.user_agent.string}")
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def signin_throttled() -> tuple[str, int] | None:
    """One sign-in attempt (an entry opened, a code exchanged) from this browser and this
    IP address: refused with 429 once either has made too many in a minute. Guessed codes
    would otherwise spend the app's platform API quota."""
    settings = get_settings()
    prefix = f"{pacing.KEY_PREFIX}:signin"
    wait = pacing.reserve([
        pacing.Window(f"{prefix}:ip:{request.remote_addr or '-'}",
                      settings.signin_per_ip_per_minute, 60.0),
        pacing.Window(f"{prefix}:browser:{_browser_key()}",
                      settings.signin_per_browser_per_minute, 60.0),
    ])
    if wait <= 0:
        return None
    seconds = max(1, math.ceil(wait))
    log.warning("sign-in rate limit: %s %s refused for %ss", request.method, request.path,
                seconds)
    return message_page(texts.SIGNIN_TOO_FAST_TITLE,
                        texts.SIGNIN_TOO_FAST_DESC.format(seconds=seconds), status=429)


def state_matches(cookie: str = OAUTH_STATE_COOKIE, given: str | None = None) -> bool:
    expected = request.cookies.get(cookie) or ""
    given = (request.args.get("state") if given is None else given) or ""
    return bool(expected) and hmac.compare_digest(expected.encode("utf-8"),
                                                  given.encode("utf-8"))


def sign_in(code: str) -> Response | tuple[str, int]:
    if not state_matches():
        # Not a sign-in this browser started (a planted link, or a stale one): the code
        # is not even exchanged.
        if session_user()[1] is not None:
            return redirect(clean_path())
        log.info("oauth callback refused: state does not match this browser's")
        return open_from_workbench()
    if not get_settings().wecom_enabled:
        return open_from_workbench()
    refused = signin_throttled()
    if refused is not None:
        return refused

    try:
        userid = wecom_client.get_client().oauth_userid(code)
    except DeliveryError as error:
        log.warning("oauth code exchange failed: %s", error)
        return message_page(texts.IDENTITY_UNAVAILABLE_TITLE, texts.IDENTITY_UNAVAILABLE_DESC,
                            status=503)
    if userid is None:
        # Codes are single-use: a reload or back-button of a URL that still had one lands
        # here. Someone already signed in just continues.
        if session_user()[1] is not None:
            return redirect(clean_path())
        return open_from_workbench()
    with session_scope() as db:
        user = users.by_platform_id(db, "wecom", userid)
    if user is None:
        session.clear()
        log.info("oauth sign-in refused: %s is not an active user", userid)
        return not_registered()
    start_session(userid)
    response = redirect(clean_path())
    response.delete_cookie(OAUTH_STATE_COOKIE, path="/")  # one state, one sign-in
    return response
