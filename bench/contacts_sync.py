"""Benchmark: the full WeChat-customer sync (WeCom 客户联系) of 50 reps × 1,000 contacts
against the emulator, on a fresh SQLite file (or ``--pg`` PostgreSQL database).

    .venv/bin/python bench/contacts_sync.py [--reps 50] [--contacts 1000] [--pg URL]

The emulator runs in its own process (its generated 50k contacts are not counted in this
process's memory) and serves the real paging: ``batch/get_by_user`` with 100 reps and 100
contacts per call. Measured, in one run:
- the baseline: paging through every contact over HTTP and parsing it, writing nothing;
- the sync: the same pages applied to the CRM (customers, contacts, follows, the cursor);
- a second sync over the same data (everything already there: matched, nothing created);
- API calls made against the minimum the paging allows (ceil(contacts / 100) per batch);
- the peak RSS growth of this process during the sync (``ru_maxrss``);
- event to visible: ``--events`` friends added on a rep's phone, each callback acked by the
  service and run by a burst worker, until the customer is in the rep's 我的客户 query.
Targets (issue #20): sync ≤ 60 s and ≤ 300 MB; event to visible p95 ≤ 2 s."""

from __future__ import annotations

import argparse
import logging
import math
import multiprocessing as mp
import os
import resource
import socket
import statistics
import tempfile
import time
from typing import Any


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _reps(count: int) -> list[dict[str, Any]]:
    return [{"userid": f"rep{i:03d}", "name": f"销售{i:03d}", "department": [3],
             "position": "销售代表", "role": "rep", "mobile": f"1380000{i:04d}"}
            for i in range(count)]


def _emulator(port: int, service_url: str, reps: int, contacts: int) -> None:
    from werkzeug.serving import make_server

    from bot.emulator import EmulatorConfig, create_emulator_app

    config = EmulatorConfig(service_url=service_url, wecom_contacts_per_user=contacts)
    config.users = _reps(reps)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per call otherwise
    make_server("127.0.0.1", port, create_emulator_app(config), threaded=True).serve_forever()


def _batch_calls(emu_url: str) -> int:
    import requests

    calls = requests.get(f"{emu_url}/_emu/calls", timeout=60).json()
    return sum(1 for c in calls if str(c.get("api", "")).endswith("batch/get_by_user"))


def _wait(url: str) -> None:
    import requests

    for _ in range(300):
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL to use (wiped)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="zs-bench-contacts-")
    emu_port, service_port = _port(), _port()
    emu_url, service_url = f"http://127.0.0.1:{emu_port}", f"http://127.0.0.1:{service_port}"
    os.environ.update({"ZS_INSTANCE_DIR": folder, "ZS_DEMO": "1", "WECOM_API_BASE": emu_url,
                       "ZS_BASE_URL": service_url, "ZS_LOG_LEVEL": "WARNING"})
    if args.pg:
        os.environ["DATABASE_URL"] = args.pg
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    emulator = mp.get_context("spawn").Process(
        target=_emulator, args=(emu_port, service_url, args.reps, args.contacts), daemon=True)
    emulator.start()
    _wait(f"{emu_url}/_emu/clock")

    from sqlalchemy import text
    from sqlmodel import func, select

    from bot.wecom.contacts import ContactsApi
    from handlers.contacts import sync
    from migrations import upgrade
    from models.contacts.rules import from_batch
    from models.customers.customer import Customer
    from models.org import user as users
    from zhongshu.db import get_engine, session_scope

    if args.pg:
        with get_engine().begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade()
    with session_scope() as session:
        for rep in _reps(args.reps):
            users.upsert(session, wecom_userid=rep["userid"], name=rep["name"], role="rep")
    userids = [r["userid"] for r in _reps(args.reps)]
    total = args.reps * args.contacts

    api = ContactsApi()
    start = time.perf_counter()
    seen, cursor = 0, ""
    for batch in range(0, len(userids), 100):
        cursor = ""
        while True:
            page = api.batch_get_by_user(userids[batch:batch + 100], cursor)
            seen += len(from_batch(page["external_contact_list"]))
            cursor = page.get("next_cursor") or ""
            if not cursor:
                break
    baseline = time.perf_counter() - start
    calls_before = _batch_calls(emu_url)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    report = sync.sync()
    took = time.perf_counter() - start
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    calls = _batch_calls(emu_url) - calls_before
    start = time.perf_counter()
    again = sync.sync()
    took_again = time.perf_counter() - start
    with session_scope() as session:
        customers = session.exec(select(func.count()).select_from(Customer)).one()
    minimum = sum(math.ceil(args.contacts * len(userids[b:b + 100]) / 100)
                  for b in range(0, len(userids), 100))

    print(f"contacts: {total} ({seen} paged in the baseline), customers: {customers}")
    print(f"baseline (page through, write nothing): {baseline:.1f} s")
    print(f"full sync: {took:.1f} s ({took / baseline:.2f}× the baseline), "
          f"{total / took:,.0f} contacts/s")
    print(f"second sync (nothing new): {took_again:.1f} s")
    print(f"batch/get_by_user calls: {calls} (minimum {minimum}); report {report.calls}")
    print(f"peak RSS growth during the sync: {rss_growth:.0f} MB")
    print(f"errors: {report.errors + again.errors}")
    _events(args, emu_url, service_url)
    emulator.terminate()


def _events(args: argparse.Namespace, emu_url: str, service_url: str) -> None:
    """Add friends on rep000's phone; time from the add until 我的客户's query shows it."""
    import threading

    import requests
    from rq import SimpleWorker
    from werkzeug.serving import make_server

    from models.customers.customer import Customer
    from models.customers.scope import visible_customers
    from models.org import user as users
    from zhongshu.app import create_app
    from zhongshu.db import session_scope
    from zhongshu.queues import QUEUE_INBOUND, get_queue, get_redis

    server = make_server("127.0.0.1", int(service_url.rsplit(":", 1)[1]), create_app(),
                         threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Visible means in the rep's customer query: only the inbound queue needs to run (the
    # "新的微信客户" card's delivery is paced per user and is not part of it).
    queues = [get_queue(QUEUE_INBOUND)]

    class Burst(SimpleWorker):
        # No control channel: closing RQ 3's listener thread can wait up to 60 s.
        def subscribe(self) -> None:
            return None

        def unsubscribe(self) -> None:
            return None

    latencies = []
    for i in range(args.events):
        name = f"事件测试公司{i:03d}"
        start = time.perf_counter()
        requests.post(f"{emu_url}/_emu/wecom/users/rep000/contacts/add", timeout=30,
                      json={"name": f"新朋友{i}", "corp_name": name}).raise_for_status()
        Burst(queues, connection=get_redis()).work(burst=True, logging_level="WARNING")
        with session_scope() as session:
            rep = users.by_platform_id(session, "wecom", "rep000")
            assert rep is not None
            found = session.exec(visible_customers(rep).where(Customer.name == name)).first()
        assert found is not None, name
        latencies.append(time.perf_counter() - start)
    server.shutdown()
    latencies.sort()
    p95 = latencies[max(0, math.ceil(0.95 * len(latencies)) - 1)]
    print(f"event to visible ({args.events} adds): median {statistics.median(latencies):.2f} s, "
          f"p95 {p95:.2f} s, max {latencies[-1]:.2f} s")


if __name__ == "__main__":
    main()
