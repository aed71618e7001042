"""Links to the service's H5 pages as they appear in cards and messages.

A page learns who opened it through the platform the link was sent on, so every link we
send goes through that platform's sign-in entry:

- WeCom: ``/h5/login?next=…`` binds an OAuth ``state`` to the browser and goes through
  WeCom's authorize page (scope snsapi_base: silent, no consent screen), which comes back
  with ``code``;
- DingTalk: ``/h5/login/dingtalk?next=…`` is a page whose script asks the DingTalk client
  for a one-time auth code (免登, ``dd.runtime.permission.requestAuthCode``) and posts it
  back together with the state bound to this browser.

``for_dingtalk`` rewrites a reply built once for several channels (the message-center
rules, the plan notice) so that a DingTalk recipient never gets a WeCom-only link; the
DingTalk renderers (``cards.render``) apply it to every DingTalk message."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from datetime import date
from urllib.parse import parse_qs, quote, urlencode, urljoin, urlsplit

from lib.chat import PLATFORM_WECOM, Reply
from zhongshu.settings import get_settings


def page_url(path: str) -> str:
    """The plain URL of one of our pages (``path`` starts with '/')."""
    return urljoin(get_settings().base_url.rstrip("/") + "/", path.lstrip("/"))


def customer_path(customer_id: int) -> str:
    """A customer's 360 page (web/customers/pages.py)."""
    return f"/h5/customers/{customer_id}"


def review_path(visit_id: int) -> str:
    """A flagged visit's evidence and the one-tap decision (web/visits/review.py)."""
    return f"/h5/visits/{visit_id}/review"


def chart_signature(team: str, week: date) -> str:
    """HMAC of (team, week): the coaching card's image link works without a session, for
    that team and week only (checked by web/dashboard/pages.py)."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"coaching-chart:{team}:{week.isoformat()}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def chart_path(team: str, week: date) -> str:
    """The team's compliance chart (PNG) behind the Monday coaching card."""
    query = urlencode({"team": team, "week": week.isoformat(),
                       "sig": chart_signature(team, week)})
    return f"/h5/dashboard/coaching.png?{query}"


LOGIN_PATH = "/h5/login"
DINGTALK_LOGIN_PATH = "/h5/login/dingtalk"
# Paths of ours that a person opens (not the static files, not the platforms' callbacks).
_PAGE_PREFIXES = ("/h5/", "/admin/")


def wecom_oauth_url(path: str) -> str:
    """The link sent to WeCom users for one of our pages: our sign-in entry, which binds a
    fresh OAuth ``state`` to the browser (a cookie) and then goes through WeCom's OAuth
    page — a code obtained by someone else can never sign this browser in."""
    return page_url(f"{LOGIN_PATH}?next={quote(path, safe='')}")


def dingtalk_login_url(path: str) -> str:
    """The link sent to DingTalk users for one of our pages: the DingTalk sign-in entry
    (免登), which binds a fresh state to the browser before asking the client for a code."""
    return page_url(f"{DINGTALK_LOGIN_PATH}?next={quote(path, safe='')}")


def signin_url(platform: str, path: str) -> str:
    """The link to ``path`` for a person on ``platform`` (the event's or the recipient's)."""
    return wecom_oauth_url(path) if platform == PLATFORM_WECOM else dingtalk_login_url(path)


def wecom_authorize_url(path: str, *, state: str) -> str:
    """WeCom's OAuth authorize URL that comes back to ``path`` with ``code`` and ``state``."""
    settings = get_settings()
    return (f"{settings.wecom_oauth_base.rstrip('/')}/connect/oauth2/authorize"
            f"?appid={settings.wecom_corp_id}&redirect_uri={quote(page_url(path), safe='')}"
            f"&response_type=code&scope=snsapi_base&state={quote(state, safe='')}"
            f"&agentid={settings.wecom_agent_id}#wechat_redirect")


# -- DingTalk-bound replies ------------------------------------------------------------------

def dingtalk_link(url: str) -> str:
    """``url`` as a DingTalk user must get it: one of our pages (plain, or through the WeCom
    entry) becomes the DingTalk entry for the same page; anything else is left alone."""
    base = get_settings().base_url.rstrip("/")
    if not url.startswith(base + "/"):
        return url
    parts = urlsplit(url[len(base):])
    if parts.path == LOGIN_PATH:
        target = parse_qs(parts.query).get("next", [""])[0]
        return dingtalk_login_url(target) if target.startswith("/") else url
    if parts.path == DINGTALK_LOGIN_PATH or not parts.path.startswith(_PAGE_PREFIXES):
        return url
    return dingtalk_login_url(parts.path + (f"?{parts.query}" if parts.query else ""))


def _links_in(text: str) -> str:
    base = re.escape(get_settings().base_url.rstrip("/"))
    # A URL of ours ends at whitespace or at what closes a markdown link.
    return re.sub(base + r"/[^\s()<>\"']*", lambda m: dingtalk_link(m.group(0)), text)


def for_dingtalk(reply: Reply) -> Reply:
    """``reply`` with every link to our pages going through the DingTalk entry: card link,
    markdown and text (list lines carry ``[name](url)``)."""
    card = reply.card
    if card is not None:
        card = dataclasses.replace(
            card, url=dingtalk_link(card.url) if card.url else card.url,
            description=_links_in(card.description),
            fields=tuple((name, _links_in(value)) for name, value in card.fields))
    return dataclasses.replace(
        reply, card=card,
        markdown=_links_in(reply.markdown) if reply.markdown is not None else None,
        text=_links_in(reply.text) if reply.text is not None else None)

