"""The one typed Settings object; no other module reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    instance_dir: Path = Field(default=Path("instance"), alias="ZS_INSTANCE_DIR")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, alias="REDIS_URL")
    base_url: str = Field(default="http://127.0.0.1:5000", alias="ZS_BASE_URL")
    timezone: str = Field(default="Asia/Shanghai", alias="ZS_TIMEZONE")
    secret_key: str = Field(default=DEV_SECRET_KEY, alias="ZS_SECRET_KEY")

    wecom_corp_id: str = Field(default=EMULATOR_WECOM["corp_id"], alias="WECOM_CORP_ID")
    wecom_agent_id: int = Field(default=EMULATOR_WECOM["agent_id"], alias="WECOM_AGENT_ID")
    wecom_secret: str = Field(default=EMULATOR_WECOM["secret"], alias="WECOM_SECRET")
    wecom_token: str = Field(default=EMULATOR_WECOM["token"], alias="WECOM_TOKEN")
    wecom_aes_key: str = Field(default=EMULATOR_WECOM["aes_key"], alias="WECOM_AES_KEY")
    wecom_api_base: str = Field(default="https://qyapi.weixin.qq.com", alias="WECOM_API_BASE")
    # Where WeCom's OAuth page lives (the emulator in the demo): H5 links go through it so
    # the page learns who opened it without a login.
    wecom_oauth_base: str = Field(default="https://open.weixin.qq.com",
                                  alias="ZS_WECOM_OAUTH_BASE")

    # The organisation's DingTalk CorpId: the H5 sign-in (免登) asks the client for an auth
    # code for this corp (dd.runtime.permission.requestAuthCode).
    dingtalk_corp_id: str = Field(default=str(EMULATOR_DINGTALK["corp_id"]),
                                  alias="DINGTALK_CORP_ID")
    # Local runs only: the origin of the platform emulator whose DingTalk phone page plays
    # the DingTalk client for the sign-in page (it hands the page an auth code through
    # postMessage, since a browser has no DingTalk bridge). Unset in production.
    dingtalk_client_emulator: str | None = Field(default=None,
                                                 alias="ZS_DINGTALK_CLIENT_EMULATOR")
    dingtalk_app_key: str = Field(default=EMULATOR_DINGTALK["app_key"], alias="DINGTALK_APP_KEY")
    dingtalk_app_secret: str = Field(
        default=EMULATOR_DINGTALK["app_secret"], alias="DINGTALK_APP_SECRET"
    )
    dingtalk_agent_id: int = Field(
        default=EMULATOR_DINGTALK["agent_id"], alias="DINGTALK_AGENT_ID"
    )
    dingtalk_token: str = Field(default=EMULATOR_DINGTALK["token"], alias="DINGTALK_TOKEN")
    dingtalk_aes_key: str = Field(default=EMULATOR_DINGTALK["aes_key"], alias="DINGTALK_AES_KEY")
    dingtalk_robot_webhook: str | None = Field(default=None, alias="DINGTALK_ROBOT_WEBHOOK")
    dingtalk_robot_secret: str | None = Field(default=None, alias="DINGTALK_ROBOT_SECRET")
    dingtalk_api_base: str = Field(default="https://oapi.dingtalk.com", alias="DINGTALK_API_BASE")

    # Edge behaviour.
    wecom_timestamp_window: int = Field(default=300, alias="ZS_WECOM_TIMESTAMP_WINDOW")
    dingtalk_robot_window: int = Field(default=3600, alias="ZS_DINGTALK_ROBOT_WINDOW")
    max_callback_bytes: int = Field(default=256 * 1024, alias="ZS_MAX_CALLBACK_BYTES")
    dedupe_ttl: int = Field(default=24 * 3600, alias="ZS_DEDUPE_TTL")
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

    @model_validator(mode="after")
    def _no_dev_secret_in_production(self) -> Settings:
        # The session cookie *is* the H5 identity: with the published development key
        # anyone could forge one. Served over https means production: refuse to start.
        if (self.base_url.lower().startswith("https://")
                and self.secret_key == DEV_SECRET_KEY):
            raise ValueError("ZS_SECRET_KEY is the development default while ZS_BASE_URL is "
                             "https: set ZS_SECRET_KEY to a long random value")
        return self

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
