"""WeCom server API client for the self-built app: message/send, update_template_card and
media/get, built on wechatpy 1.8.18's ``WeChatClient`` with its gaps closed
(PLATFORMS.md §0.1, §3):

- every call, gettoken and media/get included, goes to ``settings.wecom_api_base``
  (wechatpy hard-codes qyapi.weixin.qq.com for those two);
- the access token lives in Redis, shared by every process, and is refreshed
  single-flight (one gettoken while the other processes wait for it);
- on 40014 / 42001 the token is refetched and the call retried **once** — wechatpy's own
  retry is unbounded and recursive, so it is switched off (``auto_retry=False``);
- every failure surfaces as a ``bot.delivery`` error (``RetryLater`` / ``Rejected``) whose
  ``code`` is the WeCom errcode, so callers never see wechatpy or requests exceptions.
"""

from __future__ import annotations

import json
import logging
from email.message import Message
from typing import Any

import requests
from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from bot import pacing
from bot.delivery import DeliveryError, MaybeSent, Rejected, RetryLater
from zhongshu.queues import get_redis
from zhongshu.settings import Settings, get_settings

log = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({40014, 42001})  # refetch the token and retry once
# Transient errcodes and how long to wait (None: the delivery job's own backoff).
# 45009 is the per-minute/per-hour API frequency block, which lasts at least 60 s (§2.5).
RETRY_ERRCODES: dict[int, float | None] = {-1: 5.0, 45009: 60.0, 45033: 5.0}
TASK_ID_EXISTS = 42014
RESPONSE_CODE_USED = 60140
OAUTH_CODE_INVALID = 40029  # unknown, used (codes are single-use) or expired (5 min)
MEDIA_MAX_BYTES = 20 * 1024 * 1024  # media/get answers 830002 beyond 20 MB without Range


class WeComMediaError(Rejected):
    """media/get answered a JSON error body (40007 invalid or expired media_id, ...)."""


class MediaTooLarge(Rejected):
    """The file is bigger than the caller's cap; it was not read past the cap."""


def delivery_error(errcode: int | None, errmsg: str) -> DeliveryError:
    """Classify a WeCom errcode as transient (``RetryLater``) or permanent (``Rejected``).

    Unknown codes are permanent: WeCom's 4xxxx/6xxxx/8xxxx codes are parameter, permission
    and recipient errors that a retry cannot fix; only the documented busy and frequency
    codes (and any other 45xxx limit) are worth waiting for.
    """
    if errcode in RETRY_ERRCODES:
        return RetryLater(errcode, errmsg, RETRY_ERRCODES[errcode])
    if errcode is not None and 45000 <= errcode < 46000:
        return RetryLater(errcode, errmsg, 60.0)
    if errcode in TOKEN_ERRORS:
        # Still refused after one refetch: the platform side is confused; try again later.
        return RetryLater(errcode, f"access_token refused after one refetch: {errmsg}")
    return Rejected(errcode, errmsg)


def transport_error(exc: requests.RequestException, what: str, *,
                    ambiguous: bool = False) -> DeliveryError:
    """Timeouts and connection failures are transient. When the request itself may have
    been processed (``ambiguous``: a POST whose answer timed out) it is a ``MaybeSent``,
    so the retry asks the platform to drop a duplicate."""
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        status = exc.response.status_code
        if status >= 500 or status == 429:
            return RetryLater(None, f"{what}: HTTP {status}")
        return Rejected(None, f"{what}: HTTP {status}")
    if ambiguous and isinstance(exc, requests.ReadTimeout):
        return MaybeSent(None, f"{what}: timed out waiting for the answer ({exc})")
    return RetryLater(None, f"{what}: {type(exc).__name__}: {exc}")


class WeComClient(WeChatClient):
    """One WeCom app (corp id + secret + agent id), talking to ``wecom_api_base``."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        s = self.settings
        super().__init__(s.wecom_corp_id, s.wecom_secret,
                         session=RedisStorage(get_redis(), prefix="zs:wecom"),
                         timeout=s.http_timeout, auto_retry=False)
        self.api_base = s.wecom_api_base.rstrip("/")
        # wechatpy joins relative endpoints onto API_BASE_URL; an instance attribute wins
        # over the class attribute, so two clients can point at different bases.
        self.API_BASE_URL = self.api_base + "/cgi-bin/"
        self.agent_id = s.wecom_agent_id

    # -- access token -------------------------------------------------------------------
    @property
    def token_key(self) -> str:
        return str(self.session.key_name(self.access_token_key))

    def fetch_access_token(self) -> dict[str, Any]:
        """gettoken on our base (wechatpy hard-codes the real host, and sends no timeout).

        The token is stored for ``expires_in`` minus a margin: WeCom may invalidate it
        early anyway (handled by the refetch-once), but a token must never be used in the
        seconds it is about to expire mid-flight.
        """
        try:
            res = self._http.get(f"{self.API_BASE_URL}gettoken",
                                 params={"corpid": self.corp_id, "corpsecret": self.secret},
                                 timeout=self.timeout)
            res.raise_for_status()
            result = res.json()
        except requests.RequestException as exc:
            raise transport_error(exc, "gettoken") from exc
        except ValueError as exc:
            raise RetryLater(None, f"gettoken: answer is not JSON: {exc}") from exc
        errcode = int(result.get("errcode", 0) or 0)
        if errcode != 0:
            raise delivery_error(errcode, f"gettoken: {result.get('errmsg', '')}")
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"],
                         max(60, expires_in - 300))
        return dict(result)

    @property
    def access_token(self) -> str:
        """The shared token; fetched by exactly one process when the cache is empty."""
        def read() -> str | None:
            token = self.session.get(self.access_token_key)
            return str(token) if token else None

        def fetch() -> str:
            return str(self.fetch_access_token()["access_token"])

        try:
            return pacing.single_flight(f"{self.token_key}:lock", read=read, fetch=fetch,
                                        lock_seconds=self.timeout + 2.0)
        except pacing.SingleFlightTimeout as exc:
            raise RetryLater(None, "gettoken: waited too long for another process") from exc

    def _drop_token(self, stale: str) -> None:
        pacing.forget_if(self.token_key, json.dumps(stale))

    # -- every API call -----------------------------------------------------------------
    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        """wechatpy's request with our token handling and error vocabulary.

        wechatpy's API helpers (``self.message.send`` ...) all come through here, so they
        get the bounded retry too.
        """
        params = dict(kwargs.pop("params", None) or {})
        for attempt in (1, 2):
            token = self.access_token
            params["access_token"] = token
            try:
                return super()._request(method, url_or_endpoint, params=dict(params),
                                        **dict(kwargs))
            except WeChatClientException as exc:
                if exc.errcode is None:  # HTTP status error, wrapped by wechatpy
                    response = exc.response
                    status = response.status_code if response is not None else 0
                    if status >= 500 or status == 429 or status == 0:
                        raise RetryLater(None, f"{url_or_endpoint}: HTTP {status}") from exc
                    raise Rejected(None, f"{url_or_endpoint}: HTTP {status}") from exc
                errcode = int(exc.errcode)
                if errcode in TOKEN_ERRORS and attempt == 1:
                    log.info("wecom %s: token refused (%s), refetching once",
                             url_or_endpoint, errcode)
                    self._drop_token(token)
                    continue
                raise delivery_error(errcode, f"{url_or_endpoint}: {exc.errmsg}") from exc
            except requests.RequestException as exc:
                raise transport_error(exc, url_or_endpoint,
                                      ambiguous=method.lower() == "post") from exc
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    # -- message/send -------------------------------------------------------------------
    def send(self, userids: str | list[str], msg: dict[str, Any], *,
             duplicate_check_interval: int | None = None) -> dict[str, Any]:
        """message/send to users of this app; returns the raw answer (``msgid``,
        ``invaliduser``, and ``response_code`` for interactive template cards).

        ``msg`` is ``{"msgtype": t, t: {...}}`` for text, markdown, textcard or
        template_card. ``duplicate_check_interval`` (seconds, ≤ 4 h) asks WeCom to drop the
        message if an identical one went to the same users within that time.
        """
        touser = userids if isinstance(userids, str) else "|".join(userids)
        body: dict[str, Any] = {"touser": touser, "agentid": self.agent_id, **msg}
        if duplicate_check_interval:
            body["enable_duplicate_check"] = 1
            body["duplicate_check_interval"] = int(duplicate_check_interval)
        return dict(self.post("message/send", data=body))

    def update_template_card(self, userids: str | list[str], response_code: str, *,
                             replace_name: str | None = None,
                             template_card: dict[str, Any] | None = None) -> dict[str, Any]:
        """Change a sent interactive card: just the button text, or the whole card.

        A ``response_code`` works once and expires after 72 h. 60140 (code already used or
        expired) is answered as done, with a ``note``: if our own earlier attempt consumed
        it the card is already updated, and if it expired no retry can ever succeed —
        either way retrying is pointless and failing the outbox row would be a false alarm.
        """
        if (replace_name is None) == (template_card is None):
            raise ValueError("give exactly one of replace_name / template_card")
        users = userids.split("|") if isinstance(userids, str) else list(userids)
        body: dict[str, Any] = {"userids": [u for u in users if u], "agentid": self.agent_id,
                                "response_code": response_code}
        if replace_name is not None:
            body["button"] = {"replace_name": replace_name}
        else:
            body["template_card"] = template_card
        try:
            return dict(self.post("message/update_template_card", data=body))
        except Rejected as exc:
            if exc.code != RESPONSE_CODE_USED:
                raise
            log.info("wecom update_template_card: response_code already used or expired")
            return {"errcode": RESPONSE_CODE_USED, "errmsg": exc.message,
                    "note": "response_code already used or expired; treated as done"}

    # -- OAuth (H5 pages) ---------------------------------------------------------------
    def oauth_userid(self, code: str) -> str | None:
        """The WeCom userid of the member who opened an H5 page with this OAuth ``code``
        (auth/getuserinfo). None when the code is invalid, used or expired (40029), and
        for a visitor from outside the company (WeCom answers an openid, no userid).
        Other failures raise the usual ``RetryLater`` / ``Rejected``."""
        if not code or len(code) > 512:
            return None
        try:
            result = self.get("auth/getuserinfo", params={"code": code})
        except Rejected as exc:
            if exc.code == OAUTH_CODE_INVALID:
                return None
            raise
        # The older user/getuserinfo spelled it "UserId"; accept both.
        userid = result.get("userid") or result.get("UserId")
        return str(userid) if userid else None

    # -- media/get ----------------------------------------------------------------------
    def media_get(self, media_id: str, *,
                  max_bytes: int = MEDIA_MAX_BYTES) -> tuple[bytes, str, str]:
        """Download a media file: (bytes, content type, filename).

        An error is a JSON body with HTTP 200, told apart only by its Content-Type (§2.4);
        it raises ``WeComMediaError`` (e.g. code 40007) or ``RetryLater`` for -1 / 45009.
        Files over ``max_bytes`` raise ``MediaTooLarge`` without being read to the end.
        """
        url = f"{self.API_BASE_URL}media/get"
        for attempt in (1, 2):
            token = self.access_token
            try:
                res = self._http.get(url, params={"access_token": token, "media_id": media_id},
                                     timeout=self.timeout, stream=True)
            except requests.RequestException as exc:
                raise transport_error(exc, "media/get") from exc
            with res:
                if res.status_code >= 400:
                    if res.status_code >= 500 or res.status_code == 429:
                        raise RetryLater(None, f"media/get: HTTP {res.status_code}")
                    raise WeComMediaError(None, f"media/get: HTTP {res.status_code}")
                content_type = res.headers.get("Content-Type", "")
                error_body = _error_body(res, content_type)
                if error_body is not None:
                    errcode, errmsg = error_body
                    if errcode in TOKEN_ERRORS and attempt == 1:
                        self._drop_token(token)
                        continue
                    error = delivery_error(errcode, f"media/get: {errmsg}")
                    if isinstance(error, Rejected):
                        raise WeComMediaError(error.code, error.message)
                    raise error
                length = res.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise MediaTooLarge(None, f"media/get: {length} bytes > {max_bytes}")
                data = bytearray()
                try:
                    for chunk in res.iter_content(64 * 1024):
                        data += chunk
                        if len(data) > max_bytes:
                            raise MediaTooLarge(None, f"media/get: more than {max_bytes} bytes")
                except requests.RequestException as exc:
                    raise transport_error(exc, "media/get") from exc
                filename = _filename(res.headers.get("Content-Disposition", "")) or media_id
                return bytes(data), content_type.split(";")[0].strip(), filename
        raise AssertionError("unreachable")  # pragma: no cover


def _error_body(res: requests.Response, content_type: str) -> tuple[int, str] | None:
    """(errcode, errmsg) when the answer is WeCom's JSON error instead of the file.

    Only a JSON-typed body is read here (WeCom labels its errors application/json, some
    gateways text/plain), and only one that parses to an object with a non-zero errcode
    counts, so a real .json or .txt file still downloads."""
    main = content_type.split(";")[0].strip().lower()
    if main not in ("application/json", "text/json", "text/plain"):
        return None
    length = res.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > 64 * 1024:
        return None  # an error body is a few dozen bytes
    try:
        data = json.loads(res.content.decode("utf-8"))
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("errcode") not in (None, 0, "0"):
        return int(data["errcode"]), str(data.get("errmsg", ""))
    return None


def _filename(disposition: str) -> str | None:
    if not disposition:
        return None
    msg = Message()
    msg["content-disposition"] = disposition
    name = msg.get_filename()
    return str(name).strip() if name else None


_client: tuple[Settings, WeComClient] | None = None


def get_client() -> WeComClient:
    """The process's client, rebuilt whenever the settings object changes (tests)."""
    global _client
    settings = get_settings()
    if _client is None or _client[0] is not settings:
        _client = (settings, WeComClient(settings))
    return _client[1]
