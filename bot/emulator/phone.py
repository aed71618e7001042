"""The phone pages: a browser stands in for each user's WeCom / DingTalk chat with the app.

``/`` lists the directory; ``/phone/wecom/<userid>`` and ``/phone/dingtalk/<userid>``
show one chat and let you type, tap workbench buttons, report a location, send a photo
and press card buttons (all through the /_emu/ player endpoints); the WeCom phone also
has the rep's 微信客户 panel (add a WeChat friend, delete one, be deleted). Links in
messages go through ``/phone/<platform>/<userid>/open`` so a WeCom OAuth link signs in
as the user whose phone it is, which is what the real WeCom client does.
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from bot.emulator.common import get_state
from bot.emulator.state import GROUP_USER, PLATFORM_DINGTALK, PLATFORM_WECOM
from bot.emulator.wecom_contacts_control import rep_contacts
from bot.emulator.wecom_directory import issue_oauth_code

bp = Blueprint("emulator_phone", __name__)

USER_COOKIE = "emu_wecom_user"
OAUTH_PATH = "/connect/oauth2/authorize"
# The 微信客户 panel lists a rep's newest customers only: a seeded rep may have thousands.
CONTACTS_SHOWN = 50


def _department_names() -> dict[int, str]:
    return {int(d["id"]): str(d["name"]) for d in get_state().config.departments}


@bp.get("/")
def index() -> str:
    config = get_state().config
    names = _department_names()
    users = [{**u, "department_name": "、".join(names.get(int(d), str(d))
                                               for d in u["department"])}
             for u in config.users]
    return render_template("emulator/index.html", users=users, config=config)


@bp.get("/favicon.ico")
def favicon() -> Response:
    # Browsers ask for it on every page; an empty answer keeps their consoles quiet.
    return Response(status=204)


def places_for(userid: str | None) -> list[dict[str, Any]]:
    """The places this user's phone offers (those for everyone and their own)."""
    return [p for p in get_state().config.locations if p.get("user") in (None, userid)]


CHECKIN_PATH = "/h5/checkin"


def _location_fragment(userid: str, place: str | None) -> str:
    """``#zs-location=lat,lng,coord`` for the place picked on the phone, with a few metres
    of jitter like a real fix: the H5 check-in page reads it where a real phone would
    answer its location request (the fragment survives the sign-in redirects)."""
    places = places_for(userid)
    try:
        chosen = places[int(place or "")]
    except (ValueError, IndexError):
        return ""
    lat = float(chosen["lat"]) + random.uniform(-0.0002, 0.0002)
    lng = float(chosen["lng"]) + random.uniform(-0.0002, 0.0002)
    return f"#zs-location={lat:.6f},{lng:.6f},{chosen.get('coord', 'wgs84')}"


def _phone(platform: str, user: dict[str, Any] | None, chat_user: str) -> str:
    boot = {
        "platform": platform,
        "user": chat_user,
        "name": user["name"] if user else "中枢销售群",
        "wecomUser": user["userid"] if user else None,
        "readOnly": user is None,
        "workbench": get_state().workbench() if platform == PLATFORM_WECOM else [],
        "locations": places_for(user["userid"] if user else None),
    }
    total, contacts = (rep_contacts(get_state(), user["userid"], CONTACTS_SHOWN)
                       if platform == PLATFORM_WECOM and user else (0, []))
    return render_template("emulator/phone.html", boot=boot, platform=platform,
                           user=user, chat_user=chat_user, contacts=contacts,
                           contacts_total=total)


@bp.get("/phone/wecom/<userid>")
def wecom_phone(userid: str) -> Response | str:
    user = get_state().config.wecom_user(userid)
    if user is None:
        return Response(f"企业微信通讯录里没有成员 {userid}", status=404,
                        mimetype="text/plain")
    page = Response(_phone(PLATFORM_WECOM, user, userid))
    # Remember whose phone this browser is, for OAuth redirects that arrive without one.
    page.set_cookie(USER_COOKIE, userid, samesite="Lax")
    return page


@bp.get("/phone/wecom/<userid>/contacts")
def wecom_contacts(userid: str) -> Response | str:
    """The 微信客户 list alone, for the phone page to refresh after an action."""
    if get_state().config.wecom_user(userid) is None:
        return Response(f"企业微信通讯录里没有成员 {userid}", status=404,
                        mimetype="text/plain")
    total, contacts = rep_contacts(get_state(), userid, CONTACTS_SHOWN)
    return render_template("emulator/contacts_list.html", contacts=contacts,
                           contacts_total=total)


@bp.get("/phone/dingtalk/<userid>")
def dingtalk_phone(userid: str) -> Response | str:
    config = get_state().config
    if userid == GROUP_USER:
        return _phone(PLATFORM_DINGTALK, None, GROUP_USER)
    user = config.dingtalk_user(userid) or config.wecom_user(userid)
    if user is None or not user.get("dingtalk_userid"):
        return Response(f"钉钉通讯录里没有成员 {userid}", status=404, mimetype="text/plain")
    return _phone(PLATFORM_DINGTALK, user, str(user["dingtalk_userid"]))


def _oauth_target(url: str) -> dict[str, str] | None:
    """redirect_uri and state if ``url`` is a WeCom OAuth authorize link, else None."""
    parts = urlsplit(url)
    if parts.path != OAUTH_PATH:
        return None
    query = parse_qs(parts.query)
    if "redirect_uri" not in query:
        return None
    return {"redirect_uri": query["redirect_uri"][0], "state": query.get("state", [""])[0]}


def _signed_in_redirect(userid: str, target: dict[str, str], fragment: str = "") -> BaseResponse:
    code = issue_oauth_code(get_state(), userid)
    uri = target["redirect_uri"]
    query = urlencode({"code": code, "state": target["state"]})
    return redirect(uri + ("&" if "?" in uri else "?") + query + fragment)


def _unwrap_dingtalk(url: str) -> str:
    # dingtalk://dingtalkclient/page/link?url=... opens the inner URL in the client.
    if url.startswith("dingtalk://"):
        inner = parse_qs(urlsplit(url).query).get("url")
        if inner:
            return inner[0]
    return url


@bp.get("/phone/<platform>/<userid>/open")
def open_link(platform: str, userid: str) -> BaseResponse:
    """Open a link from a message the way that user's phone would."""
    url = _unwrap_dingtalk(request.args.get("url", ""))
    if not url.startswith(("http://", "https://", "/")):
        return Response("只能打开 http(s) 链接", status=400, mimetype="text/plain")
    target = _oauth_target(url)
    # Only the check-in page asks the phone where it is: other pages keep a clean address.
    wants_place = CHECKIN_PATH in unquote(url)
    fragment = _location_fragment(userid, request.args.get("place")) if wants_place else ""
    state = get_state()
    with state.lock:
        if fragment:
            # The service's sign-in sends the browser on through OAuth with a fragment of
            # its own (#wechat_redirect): the OAuth hop puts the place back.
            state.picked_places[userid] = fragment
        else:
            state.picked_places.pop(userid, None)
    if platform == PLATFORM_WECOM and target is not None:
        if get_state().config.wecom_user(userid) is None:
            return Response(f"没有成员 {userid}", status=404, mimetype="text/plain")
        state.picked_places.pop(userid, None)
        return _signed_in_redirect(userid, target, fragment)
    return redirect(url + (fragment if "#" not in url else ""))


@bp.get(OAUTH_PATH)
def oauth_authorize() -> BaseResponse | str:
    """WeCom's OAuth page, for a service configured to send browsers to the emulator.

    The user is the one whose phone page this browser opened last (a cookie), or the one
    picked on this page; the real client knows who is signed in the same way.
    """
    config = get_state().config
    if request.args.get("appid") != config.wecom_corp_id:
        return Response("appid 参数错误", status=400, mimetype="text/plain")
    target = _oauth_target(request.full_path)
    if target is None:
        return Response("缺少 redirect_uri", status=400, mimetype="text/plain")
    userid = request.args.get("emu_user") or request.cookies.get(USER_COOKIE)
    if userid and config.wecom_user(userid) is not None:
        with get_state().lock:
            fragment = get_state().picked_places.pop(userid, "")
        return _signed_in_redirect(userid, target, fragment)
    choices = [{"user": u, "url": request.full_path + "&" + urlencode({"emu_user": u["userid"]})}
               for u in config.users]
    return render_template("emulator/oauth.html", choices=choices)
