"""Who is looking at an H5 page, and the protections every web page gets.

Identity without a login: links sent to WeCom users go through WeCom's OAuth page
(web.links.wecom_oauth_url), which sends the browser back with ``?code=``. The first page
hit exchanges the code server-side for the WeCom userid, checks the person is an active
User, keeps only the userid (and a CSRF token) in Flask's signed session cookie, and
redirects to the same URL without the code — so the code never stays in the address bar,
the history or a Referer. Later pages read the cookie; nothing else identifies a user.

DingTalk users (免登): links sent to them go to ``/h5/login/dingtalk?next=…``
(web.links.dingtalk_login_url), a page whose script asks the DingTalk client for a
one-time auth code for our corp (``dd.runtime.permission.requestAuthCode``) and POSTs it
back; the server exchanges it (topapi/v2/user/getuserinfo) for the DingTalk userid, finds
the active User by ``dingtalk_userid`` and keeps the same session identity as the WeCom
flow (that user's WeCom userid, the internal id every row has).

Login CSRF: a code is only accepted together with the ``state`` this browser was given
when it started the sign-in (``/h5/login`` and the DingTalk entry set it in a short-lived
cookie) — otherwise someone could send a link carrying a code for *their* account and
have the victim work (and register customers) under it. The DingTalk POST also carries
the session's CSRF token, like every form.

Every POST to a web blueprint is size-capped before its body is read and must carry the
session's CSRF token; every web response gets the security headers below."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import math
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import unquote, urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    Request,
    abort,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from sqlmodel import Session
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response

from bot import pacing
from bot.channels import DeliveryError
from models import messages
from models import user as users
from models.user import User
from web import texts
from web.links import (
    DINGTALK_LOGIN_PATH,
    LOGIN_PATH,
    dingtalk_login_url,
    wecom_authorize_url,
    wecom_oauth_url,
)
from zhongshu.db import read_session, session_scope
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

SESSION_USER = "uid"  # the WeCom userid; the User row is re-read on every request
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
OAUTH_PARAMS = ("code", "state")  # what WeCom's authorize page appends
SESSION_HOURS = 12  # a working day; after that the page goes through OAuth again
DEFAULT_MAX_BODY = 64 * 1024  # a form of a few fields; uploads declare their own cap
OAUTH_STATE_COOKIE = "zs_oauth_state"
OAUTH_STATE_SECONDS = 600  # WeCom's codes live 5 minutes; the round trip takes seconds
# The DingTalk entry's state: its own cookie, so a WeCom sign-in under way in the same
# browser is not disturbed. DingTalk's auth codes also live 5 minutes, one use.
DINGTALK_STATE_COOKIE = "zs_dd_state"

bp = Blueprint("auth", __name__)

# Only our own origin: no CDN, no inline script or style (the templates have none).
# WeUI's icons are data: SVG masks, hence img-src data:.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'; "
       "object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
}

F = TypeVar("F", bound=Callable[..., Any])
READ_SESSION = "zs_read_session"


# Control characters other than tab and newlines: nobody types them, a paste can carry
# them, and PostgreSQL refuses NUL in text — a search or a form must not become a 500.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _without_controls(values: MultiDict[str, str], storage: type) -> Any:
    return storage((_CONTROLS.sub("", k), _CONTROLS.sub("", v))
                   for k, v in values.items(multi=True))


class CleanRequest(Request):
    """Query and form values arrive without control characters (tabs and newlines stay,
    for text areas), for every page and form at once."""

    @cached_property
    def args(self) -> MultiDict[str, str]:
        return _without_controls(Request.args.fget(self),  # type: ignore[attr-defined]
                                 self.parameter_storage_class)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _without_controls(self.__dict__["form"],
                                                  self.parameter_storage_class)


def init_app(app: Flask, blueprints: Iterable[Blueprint]) -> None:
    """Cookie settings, the CSRF/size guard and the headers, for the given blueprints."""
    app.request_class = CleanRequest
    settings = get_settings()
    app.config.update(
        # Its own name: the emulator's pages live on the same host in the demo.
        SESSION_COOKIE_NAME="zs_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.lower().startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    # (A development ZS_SECRET_KEY with an https ZS_BASE_URL refuses to start: Settings.)
    names = {bp.name for bp in blueprints}

    @app.before_request
    def _guard() -> tuple[str, int] | None:
        # App-level hooks filtered by blueprint: blueprints are module globals, and
        # create_app may run more than once in a process (tests, gunicorn reloads).
        return _guard_unsafe_method() if request.blueprint in names else None

    @app.after_request
    def _security_headers(response: Response) -> Response:
        if request.blueprint in names:
            for header, value in SECURITY_HEADERS.items():
                response.headers.setdefault(header, value)
            if request.endpoint and not request.endpoint.endswith(".static"):
                # Pages carry customer data: never kept in a shared or back-button cache.
                response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_appcontext
    def _close_reads(_exc: BaseException | None) -> None:
        db = g.pop(READ_SESSION, None)
        if db is not None:
            db.close()

    app.jinja_env.globals.update(csrf_token=csrf_token, CSRF_FIELD=CSRF_FIELD,
                                 T=texts, M=messages)
    app.register_error_handler(HTTPException, error_page)
    app.register_error_handler(InternalServerError, error_page)


# -- error pages: the product's own, in Chinese, for every 4xx/5xx ---------------------------
# Where each role starts: the "返回首页" of an error page.
HOMES = {"finance": "/h5/contracts", "admin": "/admin/fields", "store_manager": "/h5/stores",
         "hq": "/h5/stores"}
DEFAULT_HOME = "/h5/customers"
# Paths answered in JSON (scripts, pollers, platform feeds), whatever went wrong.
_JSON_PATH = re.compile(r"(\.json|/data|/jsconfig|^/stores/traffic|^/healthz|^/metrics)$")


def home_for(user: User | None) -> str:
    """Where a person starts: the page of their role."""
    return HOMES.get(user.role, DEFAULT_HOME) if user is not None else DEFAULT_HOME


def wants_json() -> bool:
    """A script's request (a .json/data endpoint, a JSON body, or JSON preferred over
    HTML) gets its errors as JSON; a person's browser gets a page."""
    if _JSON_PATH.search(request.path) or request.is_json:
        return True
    accept = request.accept_mimetypes
    return accept.best_match(("text/html", "application/json")) == "application/json" \
        and accept["application/json"] > accept["text/html"]


def error_page(error: HTTPException) -> Any:
    """Any 4xx/5xx: JSON for scripts, else a WeUI page in Chinese with a way home. A WeCom
    sign-in that landed on a missing page still signs in, and the address loses its
    ``code``/``state`` first."""
    status = error.code or 500
    if status == 404 and request.method == "GET" and not wants_json() and any(
            k in request.args for k in OAUTH_PARAMS):
        code = request.args.get("code")
        return _sign_in(code) if code else redirect(_clean_path())
    if status >= 500:
        log.error("%s %s answered %s", request.method, request.path, status,
                  exc_info=getattr(error, "original_exception", None))
    title, desc = texts.ERROR_PAGES.get(
        status, texts.ERROR_OTHER_SERVER if status >= 500 else texts.ERROR_OTHER)
    if wants_json():
        response = jsonify({"error": title, "detail": desc, "status": status})
        response.status_code = status
    else:
        try:
            user = _session_user()[1]
        except Exception:  # noqa: BLE001 - the database may be why this page is shown
            user = None
        body, _ = message_page(title, desc, status=status, user=user,
                               buttons=[(texts.GO_HOME, home_for(user), True)])
        response = make_response(body, status)
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        response.headers.setdefault("Cache-Control", "no-store")
    if isinstance(error, HTTPException) and error.code == 405:
        allowed = error.get_headers()
        response.headers.update({k: v for k, v in allowed if k == "Allow"})
    return response


# -- pages shown instead of the one asked for ------------------------------------------------
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
    path = _clean_path()
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


# -- identity ---------------------------------------------------------------------------------
def request_db() -> Session:
    """This request's read-only session: the sign-in check and a page that only reads share
    one pooled connection, in autocommit; closed when the request ends. Pages that write
    open their own ``session_scope``."""
    db = g.get(READ_SESSION)
    if db is None:
        db = read_session()
        setattr(g, READ_SESSION, db)
    return db


def _clean_path() -> str:
    """This request's path and query without WeCom's OAuth parameters."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k not in OAUTH_PARAMS]
    return request.path + (f"?{urlencode(query)}" if query else "")


def _session_user() -> tuple[str | None, User | None]:
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


def _bind_state(response: Response, cookie: str, state: str) -> Response:
    """Bind a fresh sign-in ``state`` to this browser: a short-lived cookie of its own."""
    response.set_cookie(cookie, state, max_age=OAUTH_STATE_SECONDS, httponly=True,
                        samesite="Lax", path="/",
                        secure=get_settings().base_url.lower().startswith("https://"))
    return response


def _start_session(userid: str) -> None:
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


@bp.get(LOGIN_PATH)
def login() -> Response | tuple[str, int]:
    """Start a WeCom sign-in bound to this browser: a fresh ``state`` in a cookie, then
    WeCom's OAuth page, which comes back to ``next`` with ``code`` and the same state."""
    if not get_settings().wecom_enabled:
        abort(404)  # WeCom not configured: there is no WeCom sign-in
    target = safe_next(request.args.get("next"))
    if _session_user()[1] is not None:
        return redirect(target)
    refused = signin_throttled()
    if refused is not None:
        return refused
    state = secrets.token_urlsafe(24)
    return _bind_state(redirect(wecom_authorize_url(target, state=state)), OAUTH_STATE_COOKIE,
                       state)


def _state_matches(cookie: str = OAUTH_STATE_COOKIE, given: str | None = None) -> bool:
    expected = request.cookies.get(cookie) or ""
    given = (request.args.get("state") if given is None else given) or ""
    return bool(expected) and hmac.compare_digest(expected.encode("utf-8"),
                                                  given.encode("utf-8"))


# -- DingTalk sign-in (免登) -------------------------------------------------------------------
@bp.get(DINGTALK_LOGIN_PATH)
def dingtalk_login() -> Response | tuple[str, int]:
    """The DingTalk entry: a page bound to this browser by a fresh state (cookie), whose
    script (static/dingtalk-login.js) asks the client for an auth code for our corp and
    posts it back with that state."""
    settings = get_settings()
    if not settings.dingtalk_enabled:
        abort(404)  # DingTalk not configured: there is no DingTalk sign-in
    target = safe_next(request.args.get("next"))
    if _session_user()[1] is not None:
        return redirect(target)
    refused = signin_throttled()
    if refused is not None:
        return refused
    state = secrets.token_urlsafe(24)
    # The emulator's phone page may play the DingTalk client in the demo only.
    emulator = (settings.dingtalk_client_emulator or "").rstrip("/") if settings.demo else ""
    page = make_response(render_template(
        "h5/dingtalk_login.html", corp_id=settings.dingtalk_corp_id,
        client_id=settings.dingtalk_app_key, state=state, next=target,
        emulator_origin=emulator))
    return _bind_state(page, DINGTALK_STATE_COOKIE, state)


def _dingtalk_refused(title: str, desc: str, target: str, *, status: int) -> tuple[str, int]:
    # Opening the entry again asks the client for a new code (they are single-use).
    return message_page(title, desc, status=status,
                        buttons=[(texts.DINGTALK_RETRY, dingtalk_login_url(target), True)])


@bp.post(DINGTALK_LOGIN_PATH)
def dingtalk_sign_in() -> Response | tuple[str, int]:
    """Exchange the page's DingTalk auth code for the person, then go to ``next``."""
    from bot.dingtalk.client import get_client

    if not get_settings().dingtalk_enabled:
        abort(404)
    target = safe_next(request.form.get("next"))
    if not _state_matches(DINGTALK_STATE_COOKIE, request.form.get("state")):
        # Not a sign-in this browser started (a planted code, or a stale page): the code
        # is not even exchanged.
        if _session_user()[1] is not None:
            return redirect(target)
        log.info("dingtalk sign-in refused: state does not match this browser's")
        return _dingtalk_refused(texts.DINGTALK_EXPIRED_TITLE, texts.DINGTALK_EXPIRED_DESC,
                                 target, status=401)
    code = request.form.get("code") or ""
    if not code:
        return message_page(texts.DINGTALK_ONLY_TITLE, texts.DINGTALK_ONLY_DESC, status=401,
                            icon="info")
    refused = signin_throttled()
    if refused is not None:
        return refused
    try:
        userid = get_client().userid_by_code(code)
    except DeliveryError as error:
        log.warning("dingtalk auth code exchange failed: %s", error)
        return message_page(texts.IDENTITY_UNAVAILABLE_TITLE,
                            texts.DINGTALK_UNAVAILABLE_DESC, status=503)
    if userid is None:
        log.info("dingtalk sign-in refused: the auth code was not accepted")
        return _dingtalk_refused(texts.DINGTALK_CODE_REFUSED_TITLE,
                                 texts.DINGTALK_CODE_REFUSED_DESC, target, status=401)
    with session_scope() as db:
        user = users.by_platform_id(db, "dingtalk", userid)
        wecom_userid = user.wecom_userid if user is not None else None
    if wecom_userid is None:
        session.clear()
        log.info("dingtalk sign-in refused: %s is not an active user", userid)
        return not_registered()
    _start_session(wecom_userid)
    response = redirect(target)
    response.delete_cookie(DINGTALK_STATE_COOKIE, path="/")  # one state, one sign-in
    return response


def _sign_in(code: str) -> Response | tuple[str, int]:
    from bot.wecom.client import get_client

    if not _state_matches():
        # Not a sign-in this browser started (a planted link, or a stale one): the code
        # is not even exchanged.
        if _session_user()[1] is not None:
            return redirect(_clean_path())
        log.info("oauth callback refused: state does not match this browser's")
        return open_from_workbench()
    if not get_settings().wecom_enabled:
        return open_from_workbench()
    refused = signin_throttled()
    if refused is not None:
        return refused

    try:
        userid = get_client().oauth_userid(code)
    except DeliveryError as error:
        log.warning("oauth code exchange failed: %s", error)
        return message_page(texts.IDENTITY_UNAVAILABLE_TITLE, texts.IDENTITY_UNAVAILABLE_DESC,
                            status=503)
    if userid is None:
        # Codes are single-use: a reload or back-button of a URL that still had one lands
        # here. Someone already signed in just continues.
        if _session_user()[1] is not None:
            return redirect(_clean_path())
        return open_from_workbench()
    with session_scope() as db:
        user = users.by_platform_id(db, "wecom", userid)
    if user is None:
        session.clear()
        log.info("oauth sign-in refused: %s is not an active user", userid)
        return not_registered()
    _start_session(userid)
    response = redirect(_clean_path())
    response.delete_cookie(OAUTH_STATE_COOKIE, path="/")  # one state, one sign-in
    return response


def login_required(view: F | None = None, *, roles: tuple[str, ...] | None = None,
                   api: bool = False) -> Any:
    """The view gets ``user=`` (the signed-in, active User). ``roles`` restricts the page;
    ``api`` answers JSON instead of pages (for endpoints polled by scripts)."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            code = request.args.get("code")
            if code and request.method == "GET" and not api:
                return _sign_in(code)
            if request.method == "GET" and not api and any(k in request.args
                                                           for k in OAUTH_PARAMS):
                return redirect(_clean_path())  # an empty ?code=&state= left behind
            had, user = _session_user()
            as_json = api or wants_json()
            if user is None:
                if had:
                    session.clear()
                if as_json:
                    return jsonify({"error": texts.OPEN_FROM_WORKBENCH_TITLE}), 401
                return not_registered() if had else open_from_workbench()
            if roles is not None and user.role not in roles:
                if as_json:
                    return jsonify({"error": texts.FORBIDDEN_TITLE}), 403
                return forbidden(user, roles)
            return fn(*args, user=user, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


# -- POST guard: body size, then CSRF ------------------------------------------------------------
def max_body(limit: int) -> Callable[[F], F]:
    """Allow a bigger request body for one view (uploads)."""

    def decorate(fn: F) -> F:
        fn.max_body = limit  # type: ignore[attr-defined]
        return fn

    return decorate


def csrf_token() -> str:
    """The session's token for a form's hidden field (created if the session has none)."""
    token = session.get(SESSION_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF] = token
    return token


def human_size(size: int) -> str:
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def _too_large(limit: int) -> tuple[str, int]:
    return message_page(texts.BODY_TOO_LARGE_TITLE,
                        texts.BODY_TOO_LARGE_DESC.format(limit=human_size(limit)), status=413,
                        buttons=[(texts.BACK, request.path, True)])


def _guard_unsafe_method() -> tuple[str, int] | None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    view = request.endpoint and _view_function(request.endpoint)
    limit = int(getattr(view, "max_body", DEFAULT_MAX_BODY))
    # Refused from the header alone, before a byte of the body is read; the cap below
    # also stops a chunked body that carries no Content-Length.
    if request.content_length is not None and request.content_length > limit:
        return _too_large(limit)
    request.max_content_length = limit
    try:
        sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    except RequestEntityTooLarge:
        return _too_large(limit)
    expected = session.get(SESSION_CSRF)
    if not isinstance(expected, str) or not expected or not hmac.compare_digest(
            sent.encode("utf-8"), expected.encode("utf-8")):
        log.info("csrf check failed on %s %s", request.method, request.path)
        return message_page(texts.CSRF_TITLE, texts.CSRF_DESC, status=400,
                            buttons=[(texts.BACK, request.path, True)])
    return None


def _view_function(endpoint: str) -> Callable[..., Any] | None:
    from flask import current_app

    return current_app.view_functions.get(endpoint)
