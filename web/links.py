"""Links to the service's H5 pages as they appear in cards and messages.

Inside WeCom a page learns who opened it from the OAuth ``code`` WeCom appends when the
link goes through its authorize page (scope snsapi_base: silent, no consent screen)."""

from __future__ import annotations

from urllib.parse import quote, urljoin

from zhongshu.settings import get_settings


def page_url(path: str) -> str:
    """The plain URL of one of our pages (``path`` starts with '/')."""
    return urljoin(get_settings().base_url.rstrip("/") + "/", path.lstrip("/"))


LOGIN_PATH = "/h5/login"


def wecom_oauth_url(path: str) -> str:
    """The link sent to WeCom users for one of our pages: our sign-in entry, which binds a
    fresh OAuth ``state`` to the browser (a cookie) and then goes through WeCom's OAuth
    page — a code obtained by someone else can never sign this browser in."""
    return page_url(f"{LOGIN_PATH}?next={quote(path, safe='')}")


def wecom_authorize_url(path: str, *, state: str) -> str:
    """WeCom's OAuth authorize URL that comes back to ``path`` with ``code`` and ``state``."""
    settings = get_settings()
    return (f"{settings.wecom_oauth_base.rstrip('/')}/connect/oauth2/authorize"
            f"?appid={settings.wecom_corp_id}&redirect_uri={quote(page_url(path), safe='')}"
            f"&response_type=code&scope=snsapi_base&state={quote(state, safe='')}"
            f"&agentid={settings.wecom_agent_id}#wechat_redirect")
