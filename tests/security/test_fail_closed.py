"""Fail closed outside the demo: production never runs on the emulator's published secrets.

The suite itself runs as the demo (``ZS_DEMO=1``, tests/conftest.py). Here the production
shape is rebuilt: ``ZS_DEMO`` unset, an https base URL, a strong key and nothing of the
emulator's. Then
- a platform that is not configured is off: its callback and its sign-in answer 404, so a
  callback signed and encrypted with the emulator's token and AES key (they are in the
  repository) is not accepted — it was, as the finance clerk approving a contract;
- a configured platform checks its own secrets, never the emulator's;
- ``web`` (the development server and gunicorn), ``worker`` and ``scheduler``, started as
  the Procfile and the image start them, refuse an unsafe configuration: exit status 2 and
  one Chinese + English line per variable (empty, one-character or blank secret key, the
  published development key over an http intranet URL, a leading space in the URL, the
  emulator's WeCom token and AES key, an emulator-only setting);
- ``/metrics`` is off without ``ZS_METRICS_TOKEN`` and asks for it as a bearer token."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from models.platform.inbox import InboxEvent
from tests.edge.edgekit import robot_headers, sha1_signature
from zhongshu.db import session_scope
from zhongshu.settings import EMULATOR_DINGTALK, EMULATOR_WECOM, get_settings

STRONG_KEY = "Vq3" + "x" * 45
PRODUCTION = {"ZS_BASE_URL": "https://zhongshu.example.com", "ZS_SECRET_KEY": STRONG_KEY}
# What the suite (the demo) sets and production never has.
DEMO_ONLY = ("ZS_DEMO", "WECOM_API_BASE", "DINGTALK_API_BASE", "ZS_WECOM_OAUTH_BASE",
             "ZS_DINGTALK_CLIENT_EMULATOR", "DINGTALK_ROBOT_WEBHOOK", "DINGTALK_ROBOT_SECRET")
FORGED_APPROVAL = "审核 HT20261203001 通过"


@pytest.fixture()
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """``production(**env)`` → a test client of the app built from a production config."""
    from zhongshu.app import create_app

    def start(**env: str) -> Any:
        for name in DEMO_ONLY:
            monkeypatch.delenv(name, raising=False)
        for name, value in {**PRODUCTION, **env}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        app = create_app()
        app.config["TESTING"] = True
        return app.test_client()

    yield start
    monkeypatch.undo()
    get_settings.cache_clear()


def _emulator_signed_wecom_text(user: str, text: str) -> tuple[str, bytes]:
    """A WeCom text callback signed and encrypted with the emulator's published token and
    AES key — what anyone who read the repository can produce."""
    from wechatpy.enterprise.crypto import PrpCrypto

    corp = str(EMULATOR_WECOM["corp_id"])
    now = str(int(time.time()))
    plain = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName>"
             f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{now}</CreateTime>"
             f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
             f"<MsgId>{secrets.randbelow(10**15)}</MsgId><AgentID>1000002</AgentID></xml>")
    key = base64.b64decode(str(EMULATOR_WECOM["aes_key"]) + "=")
    encrypt = PrpCrypto(key).encrypt(plain, corp).decode()
    nonce = "1372623149"
    query = urlencode({"msg_signature": sha1_signature(str(EMULATOR_WECOM["token"]), now,
                                                       nonce, encrypt),
                       "timestamp": now, "nonce": nonce})
    body = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<AgentID><![CDATA[1000002]]></AgentID></xml>").encode()
    return f"/wecom/callback?{query}", body


def _inbox() -> list[InboxEvent]:
    with session_scope() as session:
        return list(session.exec(select(InboxEvent)))


# -- the reproduction: emulator-signed callbacks in a production config --------------------

def test_an_emulator_signed_callback_is_refused_when_wecom_is_not_configured(production):
    client = production()
    url, body = _emulator_signed_wecom_text("cfo", FORGED_APPROVAL)
    answer = client.post(url, data=body, content_type="text/xml")
    assert answer.status_code == 404
    assert client.get(url + "&echostr=x").status_code == 404
    assert _inbox() == []


def test_an_emulator_signed_callback_is_refused_by_a_configured_wecom(production):
    client = production(WECOM_CORP_ID="wwrealcorp0000001", WECOM_AGENT_ID="1000009",
                        WECOM_SECRET=secrets.token_urlsafe(32),
                        WECOM_TOKEN=secrets.token_urlsafe(24),
                        WECOM_AES_KEY=base64.b64encode(os.urandom(32)).decode()[:43])
    url, body = _emulator_signed_wecom_text("cfo", FORGED_APPROVAL)
    answer = client.post(url, data=body, content_type="text/xml")
    assert 400 <= answer.status_code < 500
    assert _inbox() == []


def test_the_dingtalk_robot_signed_with_the_emulator_secret_is_refused(production):
    client = production()
    message = {"msgtype": "text", "text": {"content": FORGED_APPROVAL}, "senderStaffId": "cfo",
               "msgId": "forged-1", "conversationType": "1", "senderNick": "财务",
               "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=x",
               "createAt": int(time.time() * 1000)}
    answer = client.post("/dingtalk/robot", json=message,
                         headers=robot_headers(secret=str(EMULATOR_DINGTALK["app_secret"])))
    assert answer.status_code == 404
    assert client.post("/dingtalk/callback?signature=x&timestamp=1&nonce=n",
                       json={"encrypt": "x"}).status_code == 404
    assert _inbox() == []


def test_the_sign_in_of_a_platform_that_is_off_does_not_exist(production):
    client = production()
    assert client.get("/h5/login?next=%2Fh5%2Fcustomers").status_code == 404
    assert client.get("/h5/login/dingtalk?next=%2Fh5%2Fcustomers").status_code == 404
    page = client.get("/h5/customers")
    # The page that asks to be opened from the workbench offers no platform that is off.
    assert page.status_code == 401 and "/h5/login" not in page.get_data(as_text=True)


# -- /metrics -------------------------------------------------------------------------------

def test_metrics_are_off_without_a_token_and_ask_for_it_when_set(production):
    assert production().get("/metrics").status_code == 404
    client = production(ZS_METRICS_TOKEN="scrape-" + "t" * 32)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = client.get("/metrics", headers={"Authorization": "Bearer scrape-" + "t" * 32})
    assert answer.status_code == 200 and b"zs_queue_depth" in answer.data


# -- start-up refusal, through the real commands --------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _zhongshu() -> list[str]:
    script = Path(sys.executable).parent / "zhongshu"
    return [str(script)] if script.exists() else [sys.executable, "-m", "zhongshu.cli"]


COMMANDS = {
    "web": lambda: [*_zhongshu(), "web", "--port", str(_free_port())],
    "gunicorn": lambda: [sys.executable, "-m", "gunicorn", "--config",
                         "python:zhongshu.gunicorn_conf", "--workers", "1", "--bind",
                         f"127.0.0.1:{_free_port()}", "zhongshu.wsgi:app"],
    "worker": lambda: [*_zhongshu(), "worker"],
    "scheduler": lambda: [*_zhongshu(), "scheduler"],
}


def _start(name: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Start the command with only ``env`` (no demo switch, nothing of the suite's) and
    wait for it to exit; one that starts serving instead is a failure (timeout)."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
            "LANG": "C.UTF-8", "ZS_INSTANCE_DIR": str(tmp_path / "instance")}
    if "PYTHONPATH" in os.environ:  # a source tree under test, not the installed one
        base["PYTHONPATH"] = os.environ["PYTHONPATH"]
    # Its own process group: a command that does start (and forks, like RQ's scheduler)
    # is stopped whole.
    proc = subprocess.Popen(COMMANDS[name](), env={**base, **env}, cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{name} started on an unsafe configuration: {err!r}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _refused(result: subprocess.CompletedProcess[str], *names: str) -> list[str]:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    # (gunicorn logs its own "Starting gunicorn" line first.)
    assert any("中枢拒绝启动" in line and "refuses to start" in line for line in lines), \
        result.stderr
    for name in names:
        line = next((line for line in lines if line.strip().startswith(f"{name}:")), None)
        assert line is not None, (name, result.stderr)
        # One line, in Chinese and in English.
        assert any("\u4e00" <= ch <= "\u9fff" for ch in line) and " / " in line
    assert "Traceback" not in result.stderr
    return lines


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("key", ["", "k", "   ", "  " + "k" * 31])
def test_every_serving_command_refuses_a_missing_or_short_secret_key(tmp_path, command, key):
    env = {"ZS_BASE_URL": "https://zhongshu.example.com", "ZS_SECRET_KEY": key}
    _refused(_start(command, env, tmp_path), "ZS_SECRET_KEY")


@pytest.mark.parametrize("url", ["http://10.0.0.5:8000", " https://zhongshu.example.com"])
def test_the_development_key_is_refused_on_an_intranet_or_padded_url(tmp_path, url):
    env = {"ZS_BASE_URL": url, "ZS_SECRET_KEY": "zhongshu-dev-secret-change-me"}
    lines = _refused(_start("web", env, tmp_path), "ZS_SECRET_KEY")
    assert any("公开的开发密钥" in line for line in lines)


@pytest.mark.parametrize("command", ["gunicorn", "worker", "scheduler"])
def test_the_emulators_published_secrets_are_refused(tmp_path, command):
    env = {**PRODUCTION, "WECOM_CORP_ID": "wwrealcorp0000001", "WECOM_AGENT_ID": "1000002",
           "WECOM_SECRET": secrets.token_urlsafe(32),
           "WECOM_TOKEN": str(EMULATOR_WECOM["token"]),
           "WECOM_AES_KEY": str(EMULATOR_WECOM["aes_key"]),
           "DINGTALK_APP_KEY": "dingrealappkey",
           "DINGTALK_APP_SECRET": str(EMULATOR_DINGTALK["app_secret"])}
    lines = _refused(_start(command, env, tmp_path), "WECOM_TOKEN", "WECOM_AES_KEY",
                     "DINGTALK_APP_SECRET", "DINGTALK_CORP_ID", "DINGTALK_AGENT_ID")
    assert not any(line.strip().startswith(("WECOM_SECRET:", "WECOM_AGENT_ID:"))
                   for line in lines)
    # The refusal never prints a secret it was given.
    assert str(EMULATOR_WECOM["token"]) not in "\n".join(lines)


def test_emulator_only_settings_are_refused(tmp_path):
    env = {**PRODUCTION, "ZS_DINGTALK_CLIENT_EMULATOR": "http://127.0.0.1:5001",
           "ZS_WECOM_OAUTH_BASE": "http://127.0.0.1:5001",
           "WECOM_API_BASE": "http://127.0.0.1:5001"}
    _refused(_start("web", env, tmp_path), "ZS_DINGTALK_CLIENT_EMULATOR",
             "ZS_WECOM_OAUTH_BASE", "WECOM_API_BASE")


def test_the_env_example_as_shipped_is_refused_naming_the_key(tmp_path):
    """`.env.example` copied to `.env` unchanged: platforms left empty are off, and the
    empty key is named (it used to start and then answer 500)."""
    example = Path(__file__).resolve().parents[2] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    lines = _refused(_start("web", {}, tmp_path), "ZS_SECRET_KEY")
    assert not any(line.strip().startswith("WECOM_") for line in lines)


def test_a_safe_production_config_passes_the_check(monkeypatch):
    from zhongshu.settings import Settings

    for name in DEMO_ONLY:
        monkeypatch.delenv(name, raising=False)

    settings = Settings(ZS_DEMO="", **PRODUCTION, WECOM_CORP_ID="wwrealcorp0000001",
                        WECOM_AGENT_ID="1000002", WECOM_SECRET=secrets.token_urlsafe(32),
                        WECOM_TOKEN=secrets.token_urlsafe(24),
                        WECOM_AES_KEY=base64.b64encode(os.urandom(32)).decode()[:43])
    assert settings.unsafe() == []
    assert settings.wecom_enabled and not settings.dingtalk_enabled
