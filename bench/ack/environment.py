"""The webhook ack bench's fixed settings and what it prepares before a run: the database
and Redis it may wipe, the service's environment, the signed and encrypted payloads.
``bench/webhook_ack.py`` (main) calls it.

The service's own modules are imported inside the functions: ``main`` first puts the
bench's environment into ``os.environ``, and the service reads its settings once."""

from __future__ import annotations

import base64
import hashlib
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
PG_DB = "zs_bench"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
REDIS_URL = "redis://127.0.0.1:6379/14"
NOWHERE = "http://127.0.0.1:9"  # outbound platform APIs: never reached on the ack path

BUSY_WARN = 0.25  # cores used by others above which the run is flagged as disturbed
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
REQUEST_TIMEOUT = 10.0


# --------------------------------------------------------------------------- environment
def bench_env(db: str, tmp: Path) -> dict[str, str]:
    env = {
        "ZS_DEMO": "1",  # the emulator's app values
        "ZS_INSTANCE_DIR": str(tmp / "instance"),
        "REDIS_URL": REDIS_URL,
        "WECOM_API_BASE": NOWHERE,
        "DINGTALK_API_BASE": NOWHERE,
        "ZS_BASE_URL": "http://127.0.0.1:5000",
        # 50 simulated users at 200 req/s is a flood by the per-user guard: measure the
        # full ack path (insert + enqueue), not the cheaper throttled drop.
        "ZS_INBOUND_PER_USER_PER_MINUTE": "0",
    }
    if db == "postgres":
        env["DATABASE_URL"] = PG_URL
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    return env


def use_redis(url: str) -> None:
    global REDIS_URL
    REDIS_URL = url


def use_pg_database(name: str) -> None:
    global PG_DB, PG_URL
    PG_DB, PG_URL = name, PG_URL.rsplit("/", 1)[0] + "/" + name


def prepare_database(db: str) -> None:
    """A fresh, migrated database (the same reset the test suite does)."""
    from sqlalchemy import text

    from migrations import upgrade
    from zhongshu.db import get_engine

    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (PG_DB,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{PG_DB}"')
        with get_engine().begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade()
    get_engine().dispose()


def flush_redis() -> None:
    from zhongshu.queues import get_redis

    get_redis().flushdb()


# --------------------------------------------------------------------------- payloads
def make_payloads(n: int, run_tag: int) -> list[tuple[bytes, bytes]]:
    """``n`` distinct, signed and encrypted WeCom text callbacks, timestamped now.

    Encrypted with wechatpy (the vendor-compatible cipher, as tests/edge/edgekit.py does)
    and signed with the sha1 scheme written out here, not imported from the service."""
    from wechatpy.enterprise.crypto import PrpCrypto

    from zhongshu.settings import get_settings

    s = get_settings()
    prp = PrpCrypto(base64.b64decode(s.wecom_aes_key + "="))
    corp, token = s.wecom_corp_id, s.wecom_token
    ts = str(int(time.time()))
    out = []
    for i in range(n):
        msg_id = run_tag + i
        plain = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName>"
                 f"<FromUserName><![CDATA[bench{i % 50:02d}]]></FromUserName>"
                 f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                 f"<Content><![CDATA[新客户 华东机械 李经理 13800138000 制造业 有意向 #{i}]]>"
                 f"</Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")
        encrypt = prp.encrypt(plain, corp).decode()
        nonce = str(1_000_000_000 + i)
        sig = hashlib.sha1("".join(sorted([token, ts, nonce, encrypt])).encode()).hexdigest()
        query = urlencode({"msg_signature": sig, "timestamp": ts, "nonce": nonce})
        body = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
                f"<AgentID><![CDATA[1000002]]></AgentID></xml>").encode()
        out.append((f"/wecom/callback?{query}".encode(), body))
    return out
