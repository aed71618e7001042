"""DingTalk internal-app client: access token, work notifications (asyncsend_v2) and the
H5 sign-in code exchange (topapi/v2/user/getuserinfo).

Built on dingtalk-sdk 1.3.8's ``AppKeyClient`` for gettoken, which honours
``API_BASE_URL`` (PLATFORMS.md §4.6). The SDK's own ``message.asyncsend_v2`` is not used:
it goes through the TOP gateway (eco.taobao.com), ignores the base URL and its token retry
raises ``TypeError``; we POST ``/topapi/message/corpconversation/asyncsend_v2`` ourselves.

The token is cached in Redis for every process (``KvStorage``) and refreshed single-flight;
a token error is answered with one refetch and one retry (the SDK's retry is unbounded, so
``auto_retry=False``). Failures surface as ``bot.delivery`` errors carrying the errcode.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import requests
from dingtalk.client import AppKeyClient
from dingtalk.core.exceptions import DingTalkClientException
from dingtalk.storage.kvstorage import KvStorage

from bot import pacing
from bot.delivery import DeliveryError, MaybeSent, Rejected, RetryLater
from zhongshu.queues import get_redis
from zhongshu.settings import Settings, get_settings

log = logging.getLogger(__name__)

# 40014 invalid token, 42001 expired token; DingTalk also answers 40001 for a bad token
# on API calls (on gettoken itself it means bad credentials, which is not retried).
TOKEN_ERRORS = frozenset({40014, 42001, 40001})
# 143103: this app is over its per-minute recipient count; 143104: the whole corp is.
# Both clear within the minute.
RETRY_ERRCODES: dict[int, float | None] = {-1: 5.0, 143103: 60.0, 143104: 60.0}
WORK_NOTIFICATION = "topapi/message/corpconversation/asyncsend_v2"
MAX_RECIPIENTS = 100  # userid_list holds at most 100 userids (§4.3)
# 通过免登码获取用户信息: POST {"code"} -> {"errcode":0,"result":{"userid",...}}.
USER_BY_CODE = "topapi/v2/user/getuserinfo"
# 40078 不存在的临时授权码: unknown, used (codes are single-use) or expired (5 minutes).
AUTH_CODE_REFUSED = frozenset({40078})


def delivery_error(errcode: int | None, errmsg: str) -> DeliveryError:
    """Transient: busy (-1) and the per-minute caps; anything else is a bad request,
    bad recipient or bad configuration that a retry will not fix."""
    if errcode in RETRY_ERRCODES:
        return RetryLater(errcode, errmsg, RETRY_ERRCODES[errcode])
    if errcode in TOKEN_ERRORS:
        return RetryLater(errcode, f"access_token refused after one refetch: {errmsg}")
    return Rejected(errcode, errmsg)


def _transport_error(exc: Exception, what: str, *, ambiguous: bool) -> DeliveryError:
    if isinstance(exc, DingTalkClientException):  # HTTP status, wrapped by the SDK
        response = getattr(exc, "response", None)
        status = response.status_code if response is not None else 0
        if status >= 500 or status in (0, 429):
            return RetryLater(None, f"{what}: HTTP {status}")
        return Rejected(None, f"{what}: HTTP {status}")
    if ambiguous and isinstance(exc, requests.ReadTimeout):
        return MaybeSent(None, f"{what}: timed out waiting for the answer ({exc})")
    return RetryLater(None, f"{what}: {type(exc).__name__}: {exc}")


class DingTalkClient(AppKeyClient):
    """The internal app (app key + secret + agent id), talking to ``dingtalk_api_base``."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        s = self.settings
        # corp_id only names the cache entry and the (unused) callback crypto of the SDK;
        # the app key identifies the app and its token.
        super().__init__(s.dingtalk_app_key, s.dingtalk_app_key, s.dingtalk_app_secret,
                         storage=KvStorage(get_redis(), prefix="zs:dingtalk"),
                         timeout=s.http_timeout, auto_retry=False)
        # The SDK urljoins endpoints onto this base; the trailing slash keeps any path.
        self.API_BASE_URL = s.dingtalk_api_base.rstrip("/") + "/"
        self.agent_id = s.dingtalk_agent_id

    # -- access token -------------------------------------------------------------------
    @property
    def token_key(self) -> str:
        return str(self.storage.key_name(self.cache.access_token.key_name(None)))

    def _fetch_token(self) -> str:
        try:
            result = self.get_access_token()  # GET {API_BASE_URL}gettoken?appkey=&appsecret=
        except DingTalkClientException as exc:
            if exc.errcode is None:
                raise _transport_error(exc, "gettoken", ambiguous=False) from exc
            errcode = int(exc.errcode)
            # A bad key/secret (40001, 40089...) is configuration, never a stale token.
            if errcode in RETRY_ERRCODES:
                raise delivery_error(errcode, f"gettoken: {exc.errmsg}") from exc
            raise Rejected(errcode, f"gettoken: {exc.errmsg}") from exc
        except requests.RequestException as exc:
            raise _transport_error(exc, "gettoken", ambiguous=False) from exc
        token = str(result["access_token"])
        expires_in = int(result.get("expires_in", 7200))
        # Stored a little short of its life so a call never carries a token about to die.
        self.cache.access_token.set(value=token, ttl=max(60, expires_in - 300))
        return token

    @property
    def access_token(self) -> str:
        def read() -> str | None:
            token = self.cache.access_token.get()
            return str(token) if token else None

        try:
            return pacing.single_flight(f"{self.token_key}:lock", read=read,
                                        fetch=self._fetch_token,
                                        lock_seconds=float(self.timeout or 5.0) + 2.0)
        except pacing.SingleFlightTimeout as exc:
            raise RetryLater(None, "gettoken: waited too long for another process") from exc

    def _drop_token(self, stale: str) -> None:
        pacing.forget_if(self.token_key, json.dumps(stale))

    # -- calls --------------------------------------------------------------------------
    def call(self, method: str, endpoint: str, *, data: dict[str, Any] | None = None,
             params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One OpenAPI call with the token, one refetch on a token error, mapped errors."""
        for attempt in (1, 2):
            token = self.access_token
            query = dict(params or {}, access_token=token)
            try:
                kwargs: dict[str, Any] = {"params": query}
                if data is not None:
                    kwargs["data"] = dict(data)
                return dict(self._request(method, endpoint, **kwargs))
            except DingTalkClientException as exc:
                if exc.errcode is None:
                    raise _transport_error(exc, endpoint, ambiguous=method == "POST") from exc
                errcode = int(exc.errcode)
                if errcode in TOKEN_ERRORS and attempt == 1:
                    log.info("dingtalk %s: token refused (%s), refetching once", endpoint,
                             errcode)
                    self._drop_token(token)
                    continue
                raise delivery_error(errcode, f"{endpoint}: {exc.errmsg}") from exc
            except requests.RequestException as exc:
                raise _transport_error(exc, endpoint, ambiguous=method == "POST") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def send_work_notification(self, userids: str | list[str],
                               msg: dict[str, Any]) -> dict[str, Any]:
        """Work notification to up to 100 users; returns ``{"errcode":0,"task_id",...}``.

        Delivery is asynchronous and over-limit copies are dropped silently (§4.3), so an
        ``ok`` here means "accepted", not "seen".
        """
        users = [u for u in (userids.split(",") if isinstance(userids, str) else userids) if u]
        if not users:
            raise Rejected(None, "dingtalk work notification: no recipient")
        if len(users) > MAX_RECIPIENTS:
            raise Rejected(None, f"dingtalk work notification: {len(users)} > "
                                 f"{MAX_RECIPIENTS} recipients")
        body = {"agent_id": self.agent_id, "userid_list": ",".join(users), "msg": msg}
        return self.call("POST", WORK_NOTIFICATION, data=body)

    def userid_by_code(self, code: str) -> str | None:
        """The DingTalk userid of the person whose client gave a page this auth code
        (dd.runtime.permission.requestAuthCode). None when DingTalk refuses the code;
        other failures raise the usual ``RetryLater`` / ``Rejected``."""
        if not code or len(code) > 512:
            return None
        try:
            answer = self.call("POST", USER_BY_CODE, data={"code": code})
        except Rejected as exc:
            if exc.code in AUTH_CODE_REFUSED:
                return None
            raise
        result = answer.get("result")
        userid = result.get("userid") if isinstance(result, dict) else None
        return str(userid) if userid else None


_client: tuple[Settings, DingTalkClient] | None = None


def get_client() -> DingTalkClient:
    """The process's client, rebuilt whenever the settings object changes (tests)."""
    global _client
    settings = get_settings()
    if _client is None or _client[0] is not settings:
        _client = (settings, DingTalkClient(settings))
    return _client[1]
