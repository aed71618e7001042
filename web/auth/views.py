"""The sign-in views: ``/h5/login`` starts a WeCom OAuth sign-in bound to this browser;
``/h5/login/dingtalk`` is the DingTalk entry (免登).

DingTalk users: links sent to them go to ``/h5/login/dingtalk?next=…``
(cards.links.dingtalk_login_url), a page whose script asks the DingTalk client for a
one-time auth code for our corp (``dd.runtime.permission.requestAuthCode``) and POSTs it
back; the server exchanges it (topapi/v2/user/getuserinfo) for the DingTalk userid, finds
the active User by ``dingtalk_userid`` and keeps the same session identity as the WeCom
flow (that user's WeCom userid, the internal id every row has). The POST also carries the
session's CSRF token, like every form.

``bp`` is registered by web.blueprints with the other H5 blueprints."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, abort, make_response, redirect, render_template, request, session
from werkzeug.wrappers import Response

from bot.delivery import DeliveryError
from bot.dingtalk import client as dingtalk_client
from cards.links import DINGTALK_LOGIN_PATH, LOGIN_PATH, dingtalk_login_url, wecom_authorize_url
from models.org import user as users
from web import texts
from web.auth.identity import (
    DINGTALK_STATE_COOKIE,
    OAUTH_STATE_COOKIE,
    bind_state,
    safe_next,
    session_user,
    signin_throttled,
    start_session,
    state_matches,
)
from web.auth.pages import message_page, not_registered
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)


@bp.get(LOGIN_PATH)
def login() -> Response | tuple[str, int]:
    """Start a WeCom sign-in bound to this browser: a fresh ``state`` in a cookie, then
    WeCom's OAuth page, which comes back to ``next`` with ``code`` and the same state."""
    if not get_settings().wecom_enabled:
        abort(404)  # WeCom not configured: there is no WeCom sign-in
    target = safe_next(request.args.get("next"))
    if session_user()[1] is not None:
        return redirect(target)
    refused = signin_throttled()
    if refused is not None:
        return refused
    state = secrets.token_urlsafe(24)
    return bind_state(redirect(wecom_authorize_url(target, state=state)), OAUTH_STATE_COOKIE,
                       state)


@bp.get(DINGTALK_LOGIN_PATH)
def dingtalk_login() -> Response | tuple[str, int]:
    """The DingTalk entry: a page bound to this browser by a fresh state (cookie), whose
    script (static/dingtalk-login.js) asks the client for an auth code for our corp and
    posts it back with that state."""
    settings = get_settings()
    if not settings.dingtalk_enabled:
        abort(404)  # DingTalk not configured: there is no DingTalk sign-in
    target = safe_next(request.args.get("next"))
    if session_user()[1] is not None:
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
    return bind_state(page, DINGTALK_STATE_COOKIE, state)


def _dingtalk_refused(title: str, desc: str, target: str, *, status: int) -> tuple[str, int]:
    # Opening the entry again asks the client for a new code (they are single-use).
    return message_page(title, desc, status=status,
                        buttons=[(texts.DINGTALK_RETRY, dingtalk_login_url(target), True)])


@bp.post(DINGTALK_LOGIN_PATH)
def dingtalk_sign_in() -> Response | tuple[str, int]:
    """Exchange the page's DingTalk auth code for the person, then go to ``next``."""
    if not get_settings().dingtalk_enabled:
        abort(404)
    target = safe_next(request.form.get("next"))
    if not state_matches(DINGTALK_STATE_COOKIE, request.form.get("state")):
        # Not a sign-in this browser started (a planted code, or a stale page): the code
        # is not even exchanged.
        if session_user()[1] is not None:
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
        userid = dingtalk_client.get_client().userid_by_code(code)
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
    start_session(wecom_userid)
    response = redirect(target)
    response.delete_cookie(DINGTALK_STATE_COOKIE, path="/")  # one state, one sign-in
    return response
