"""Outbox burst: N reminders queued at once, delivered by real ``zhongshu worker``
processes to the platform emulator under WeCom's limits (30 a minute and 1000 an hour per
user). Checks what the service promises and records how long it took:

- zero lost: every reminder reached a phone (the emulator's received log);
- zero doubled: no content arrived twice;
- zero over the platform limits: the emulator dropped nothing for rate_limit, and no user
  got more than 30 in any 60 s window (recomputed from the log);
- figures: time to drain, throughput, delivery latency p50/p95/p99 (sent_at - queued).

    .venv/bin/python bench/outbox_burst.py --count 10000 --users 37 --workers 2 \\
        [--db postgres --pg-db zs_f2] --redis-url redis://127.0.0.1:6379/6

Exit status 1 if any promise is broken. The Redis database given is flushed; the
PostgreSQL database is dropped and recreated (never point these at shared ones)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

ZHONGSHU = str(Path(sys.executable).with_name("zhongshu"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _directory(n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    departments = [{"id": 1, "name": "中枢科技", "parentid": 0, "order": 1},
                   {"id": 2, "name": "销售部", "parentid": 1, "order": 1}]
    users = [{"userid": f"rep{i:04d}", "name": f"业务员{i}", "department": [2],
              "position": "销售代表", "role": "rep", "mobile": f"1380000{i:04d}",
              "dingtalk_userid": f"dt_rep{i:04d}"} for i in range(n)]
    return departments, users


def _start_emulator(port: int, users: int) -> None:
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per call otherwise

    from bot.emulator import EmulatorConfig, create_emulator_app

    config = EmulatorConfig(service_url="http://127.0.0.1:9")
    config.departments, config.users = _directory(users)
    server = make_server("127.0.0.1", port, create_emulator_app(config), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def _prepare(args: argparse.Namespace, tmp: Path) -> dict[str, str]:
    env = {"ZS_DEMO": "1",  # the emulator's app values
           "ZS_INSTANCE_DIR": str(tmp / "instance"), "REDIS_URL": args.redis_url,
           "ZS_LOG_LEVEL": "WARNING", "ZS_WORKER_CLASS": args.worker_class}
    if args.db == "postgres":
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{args.pg_db}"')
        env["DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.pg_db}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    return env


def _queue(count: int, users: int) -> float:
    """Insert ``count`` outbox rows in one transaction and enqueue their deliveries in
    pipelined batches; returns the seconds it took."""
    from jobs.deliver import deliver
    from models.platform import outbox
    from zhongshu.db import session_scope
    from zhongshu.queues import QUEUE_OUTBOUND, get_queue

    started = time.monotonic()
    ids: list[int] = []
    with session_scope() as session:
        for i in range(count):
            row = outbox.add(session, dedupe_key=f"burst:{i}", channel=outbox.CHANNEL_WECOM_APP,
                             recipient=f"rep{i % users:04d}",
                             payload={"msgtype": "text",
                                      "text": {"content": f"回款提醒 #{i:05d}"}})
            assert row is not None and row.id is not None
            ids.append(row.id)
    queue = get_queue(QUEUE_OUTBOUND)
    for start in range(0, len(ids), 500):
        with queue.connection.pipeline() as pipe:
            for oid in ids[start:start + 500]:
                queue.enqueue(deliver, oid, job_id=f"outbox-{oid}", pipeline=pipe,
                              failure_ttl=7 * 24 * 3600)
            pipe.execute()
    return time.monotonic() - started


def _status_counts() -> Counter[str]:
    from sqlalchemy import func, select

    from models.platform.outbox import OutboxMessage
    from zhongshu.db import get_engine

    with get_engine().connect() as conn:
        return Counter(dict(conn.execute(select(OutboxMessage.status, func.count())
                                         .group_by(OutboxMessage.status)).all()))


def _latencies() -> list[float]:
    from sqlalchemy import select

    from models.platform.outbox import OutboxMessage
    from zhongshu.db import get_engine

    with get_engine().connect() as conn:
        rows = conn.execute(select(OutboxMessage.created_at, OutboxMessage.sent_at)
                            .where(OutboxMessage.sent_at.is_not(None))).all()  # type: ignore[union-attr]

    from models.base import as_utc

    return sorted((as_utc(s) - as_utc(c)).total_seconds() for c, s in rows)


def _check_emulator(base: str, count: int, per_minute: int) -> dict[str, Any]:
    import requests

    messages = requests.get(f"{base}/_emu/messages", params={"platform": "wecom"},
                            timeout=60).json()
    out = [m for m in messages if m["direction"] == "out" and m["msgtype"] == "text"]
    delivered = Counter(m["content"]["text"]["content"] for m in out if m["delivered"])
    dropped = Counter(m["dropped_reason"] for m in out if not m["delivered"])
    # The limit recomputed from the log: the most any user got within 60 s.
    by_user: dict[str, list[float]] = defaultdict(list)
    for m in out:
        if m["delivered"]:
            at = m["at"]
            by_user[m["user"]].append(float(at) if isinstance(at, (int, float))
                                      else datetime.fromisoformat(at).timestamp())
    worst = 0
    for times in by_user.values():
        times.sort()
        lo = 0
        for hi in range(len(times)):
            while times[hi] - times[lo] >= 60:
                lo += 1
            worst = max(worst, hi - lo + 1)
    expected = {f"回款提醒 #{i:05d}" for i in range(count)}
    return {"delivered_distinct": len(delivered), "lost": len(expected - set(delivered)),
            "doubled": sum(1 for v in delivered.values() if v > 1),
            "dropped_by_platform": dict(dropped), "max_per_user_per_60s": worst,
            "limit_per_minute": per_minute}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--users", type=int, default=37, help="recipients (the demo org: 37)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--worker-class", choices=("fork", "simple"), default="fork",
                    help="ZS_WORKER_CLASS of the worker processes (default fork)")
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--pg-db", default="zs_bench_outbox")
    ap.add_argument("--redis-url", required=True, help="a Redis db this bench may flush")
    ap.add_argument("--timeout", type=float, default=7200.0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="zs-burst-"))
    emu_port = _free_port()
    env = _prepare(args, tmp)
    env.update({"WECOM_API_BASE": f"http://127.0.0.1:{emu_port}",
                "DINGTALK_API_BASE": f"http://127.0.0.1:{emu_port}",
                "ZS_BASE_URL": "http://127.0.0.1:5000"})
    os.environ.update(env)
    from migrations import upgrade
    from zhongshu.queues import get_redis
    from zhongshu.settings import get_settings

    get_redis().flushdb()
    upgrade()
    _start_emulator(emu_port, args.users)
    queue_s = _queue(args.count, args.users)
    print(f"queued {args.count} reminders to {args.users} users in {queue_s:.1f} s", flush=True)

    logs = [(tmp / f"worker-{i}.log").open("wb") for i in range(args.workers)]
    started = time.monotonic()
    procs = [subprocess.Popen([ZHONGSHU, "worker"], env=dict(os.environ), stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True) for log in logs]
    first_sent: float | None = None
    try:
        while True:
            counts = _status_counts()
            done = counts.get("sent", 0) + counts.get("failed", 0)
            if first_sent is None and counts.get("sent", 0):
                first_sent = time.monotonic() - started
            elapsed = time.monotonic() - started
            print(f"\r{elapsed:7.0f} s  sent {counts.get('sent', 0):6d}  "
                  f"failed {counts.get('failed', 0):4d}  pending {counts.get('pending', 0):6d}",
                  end="", flush=True)
            if done >= args.count or elapsed > args.timeout:
                break
            time.sleep(2.0)
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(30)
    drain = time.monotonic() - started
    print()
    lat = _latencies()
    check = _check_emulator(env["WECOM_API_BASE"], args.count,
                            get_settings().wecom_per_user_per_minute)
    counts = _status_counts()
    floor = args.count / (args.users * get_settings().wecom_per_user_per_minute) * 60
    result = {
        "machine": f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "db": args.db, "count": args.count, "users": args.users, "workers": args.workers,
        "worker_class": args.worker_class,
        "queue_seconds": round(queue_s, 1), "drain_seconds": round(drain, 1),
        "first_sent_seconds": round(first_sent or 0, 1),
        "throughput_per_s": round(counts.get("sent", 0) / drain, 1),
        "pacing_floor_seconds": round(floor, 1),
        "latency_p50_s": round(statistics.median(lat), 1) if lat else None,
        "latency_p95_s": round(lat[int(len(lat) * 0.95) - 1], 1) if lat else None,
        "latency_p99_s": round(lat[int(len(lat) * 0.99) - 1], 1) if lat else None,
        "status": dict(counts), **check,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    ok = (check["lost"] == 0 and check["doubled"] == 0 and not check["dropped_by_platform"]
          and check["max_per_user_per_60s"] <= check["limit_per_minute"]
          and counts.get("sent", 0) == args.count)
    print("OK" if ok else "PROMISE BROKEN")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
