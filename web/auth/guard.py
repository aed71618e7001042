"""The protections every H5 page gets: ``login_required`` (the signed-in, active User,
optionally of some roles), the POST guard (body size cap, then the session's CSRF token),
the security headers, control characters stripped from every query and form, and the
product's own error pages.

``init_app`` (called by web.blueprints) wires these onto the given blueprints; page views
import ``login_required``, ``max_body`` and ``human_size`` from here."""

from __future__ import annotations

import functools
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    Request,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    request,
    session,
)
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response

from models import messages
from web import texts
from web.auth.identity import READ_SESSION, SESSION_CSRF, SESSION_HOURS, session_user, sign_in
from web.auth.pages import forbidden, home_for, message_page, not_registered, open_from_workbench
from web.auth.paths import OAUTH_PARAMS, clean_path
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
DEFAULT_MAX_BODY = 64 * 1024  # a form of a few fields; uploads declare their own cap

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


# Paths answered in JSON (scripts, pollers, platform feeds), whatever went wrong.
_JSON_PATH = re.compile(r"(\.json|/data|/jsconfig|^/stores/traffic|^/healthz|^/metrics)$")


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
        return sign_in(code) if code else redirect(clean_path())
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
            user = session_user()[1]
        except Exception:  # noqa: BLE001 - the database may be why this page is shown
            user = None
        body, _ = message_page(title, desc, status=status, user=user,
                               buttons=[(texts.GO_HOME, home_for(user), True)])
        response = make_response(body, status)
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        response.headers.setdefault("Cache-Control", "no-store")
    if error.code == 405:
        allowed = error.get_headers()
        response.headers.update({k: v for k, v in allowed if k == "Allow"})
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
                return sign_in(code)
            if request.method == "GET" and not api and any(k in request.args
                                                           for k in OAUTH_PARAMS):
                return redirect(clean_path())  # an empty ?code=&state= left behind
            had, user = session_user()
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
    return current_app.view_functions.get(endpoint)
