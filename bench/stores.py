"""Benchmark: the store numbers (C12) on the full demo chain — 47 stores, three weeks
of hourly traffic and ~70k POS receipts — on a fresh SQLite file (or DATABASE_URL).

    .venv/bin/python bench/stores.py [--repeat 5]

Times the demo load, the weekly "busy but not selling" check (two weeks, all stores —
what the sweep runs), one store's weekday × hour heatmap, the 47-store comparison, a
counter post of 47 stores × 24 hours upserted twice, and, as the baseline in the same
run, one plain ``SELECT count(*), sum(visitors)`` over the traffic table."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="zs-bench-stores-")
    os.environ.setdefault("ZS_INSTANCE_DIR", folder)

    from sqlalchemy import text
    from sqlmodel import select

    from analytics import stores as metrics
    from migrations import upgrade
    from models.base import utcnow
    from models.stores import ingest
    from models.stores.store import Store
    from zhongshu.db import session_scope
    from zhongshu.demo.stores import load_demo_stores

    upgrade()
    tz = ZoneInfo("Asia/Shanghai")
    now = utcnow()
    start = time.perf_counter()
    counts = load_demo_stores(progress=False, now=now)
    load = time.perf_counter() - start
    today = now.astimezone(tz).date()
    week = metrics.week_of(today) - timedelta(days=7)
    with session_scope() as session:
        stores = list(session.exec(select(Store).order_by(Store.code)))
    rows = [(i + 1, {"store": s.code, "hour": (now - timedelta(hours=h + 1)).astimezone(tz)
                     .replace(minute=0, second=0, microsecond=0).isoformat(), "visitors": h})
            for i, (s, h) in enumerate((s, h) for s in stores for h in range(24))]

    def baseline() -> None:
        with session_scope() as session:
            session.execute(text("SELECT count(*), sum(visitors) FROM store_traffic")).one()

    def alert() -> None:
        with session_scope() as session:
            metrics.two_weeks_running(session, week, tz, metrics.Thresholds())

    def heatmap() -> None:
        with session_scope() as session:
            metrics.heatmap(session, stores[0].id or 0, today - timedelta(days=28), today, tz)

    def compare() -> None:
        with session_scope() as session:
            metrics.compare(session, stores, today - timedelta(days=28), today, tz)

    def counter() -> None:
        with session_scope() as session:
            result = ingest.ingest_traffic(session, rows, tz=tz, source="counter")
            assert result.ok, result.errors[:3]

    figures = [("baseline: SELECT count(*), sum(visitors) FROM store_traffic", baseline),
               ("weekly busy-but-not-selling check (2 weeks × 47 stores)", alert),
               ("one store's weekday × hour heatmap (4 weeks)", heatmap),
               ("47-store × hour comparison (4 weeks)", compare),
               (f"counter post: {len(rows)} hourly rows upserted", counter)]
    results = [(name, _best(fn, args.repeat)) for name, fn in figures]
    base = results[0][1]
    print(f"demo load: {counts} in {load:.1f} s")
    print("| step | median ms | × baseline |\n|---|---:|---:|")
    for name, seconds in results:
        print(f"| {name} | {seconds * 1000:.1f} | {seconds / base:.1f} |")


if __name__ == "__main__":
    main()
