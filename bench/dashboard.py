"""Benchmark: the sales health dashboard and drill-down (C9, C10) on a large data set.

    .venv/bin/python bench/dashboard.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/zs_d]
        [--customers 100000 --orders 1000000 --visits 1000000 --reps 300] [--requests 50]
        [--skip-generate [--rebuild]]

1. generate (PostgreSQL only, into the given database, whose schema is dropped and
   re-migrated): 300 reps under 30 supervisors in 7 regions, 100k customers, 1M orders
   (skewed: some customers order a lot, many never), 1M order lines, 1M visits over two
   years, 13 weeks of visit plans, 20k contracts with payments and forecasts — all with
   ``generate_series`` (set-based), printing progress; then the roll-ups are built
   (``analytics.rollup.refresh(all_weeks=True)``, timed) and the scheduler's recent-weeks
   refresh is timed too.
2. copy the tables the dashboard reads (users, customers, orders and lines, contracts,
   payments, forecasts, roll-ups) into a fresh SQLite file.
3. measure, per backend in its own process: every dashboard and drill-down endpoint
   through the Flask test client (signed-in session), ``--requests`` times after a warm-up,
   p50/p95; and the *bare SQL* of the same request — the exact statements the endpoint
   issued, captured with a cursor hook and replayed on a raw DB-API connection — so the
   ratio endpoint/bare is what Flask, the ORM, templates and JSON add.

Targets: drill-down p95 ≤ 50 ms, org-wide p95 ≤ 300 ms, ratio to bare SQL ≤ 1.5; SQLite
org-wide ≤ 3 × PostgreSQL."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/zs_d"
REGIONS = ("华东", "华南", "华北", "华中", "西南", "西北", "东北")
REGION_ARRAY = "ARRAY[" + ",".join(f"'{r}'" for r in REGIONS) + "]"
COPY_TABLES = ("app_user", "customer", "sales_order", "sales_order_line", "contract",
               "payment", "collection_forecast", "dash_week", "dash_customer", "dash_segment",
               "dash_month", "dash_state")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- 1. generate ---------------------------------------------------------------------------

def generate(url: str, customers: int, orders: int, visits: int, reps: int) -> dict[str, float]:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("ZS_DEMO", "1")  # the emulator's app values
    from sqlalchemy import text

    from zhongshu.db import get_engine

    engine = get_engine()
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    from migrations import upgrade

    upgrade()
    sups = max(1, reps // 10)
    steps = [
        ("users", f"""
         SELECT setseed(0.42);
         INSERT INTO app_user (wecom_userid, name, role, region, active, created_at)
         VALUES ('boss', '总经理', 'director', NULL, true, now());
         INSERT INTO app_user (wecom_userid, name, role, region, active, created_at)
         SELECT 'dir' || n, '总监' || n, 'director', r, true, now()
         FROM unnest({REGION_ARRAY}) WITH ORDINALITY AS t(r, n);
         INSERT INTO app_user (wecom_userid, name, role, region, active, created_at)
         SELECT 'sup' || i, '主管' || i, 'supervisor', ({REGION_ARRAY})[(i - 1) % 7 + 1], true,
                now() FROM generate_series(1, {sups}) i;
         INSERT INTO app_user (wecom_userid, name, role, region, supervisor_userid, active,
                               created_at)
         SELECT 'rep' || i, '业务员' || i, 'rep', ({REGION_ARRAY})[((i - 1) % {sups}) % 7 + 1],
                'sup' || ((i - 1) % {sups} + 1), true, now() FROM generate_series(1, {reps}) i;
         """),
        (f"{customers:,} customers", f"""
         INSERT INTO customer (name, name_key, phone, owner, region, grade, source, stage,
                               created_at, updated_at)
         SELECT '客户' || i, 'kh' || i, '1' || lpad(i::text, 10, '0'),
                'rep' || ((i - 1) % {reps} + 1),
                ({REGION_ARRAY})[(((i - 1) % {reps}) % {sups}) % 7 + 1],
                (ARRAY['A','B','B','C','C','C'])[(i * 7 % 13) % 6 + 1], 'import', 'lead',
                at, at
         FROM (SELECT i, now() - random() * interval '730 days' AS at
               FROM generate_series(1, {customers}) i) t;
         """),
        (f"{orders:,} orders", f"""
         INSERT INTO sales_order (order_no, customer_id, ordered_at, amount, owner, source,
                                  created_at, updated_at)
         SELECT 'SO' || s.g, c.id, t.at, round((500 + random() * 20000)::numeric, 2),
                c.owner, 'import', t.at, t.at
         FROM (SELECT g, (1 + floor({customers} * power(random(), 1.7)))::int AS cid
               FROM generate_series(1, {orders}) g) s
         JOIN customer c ON c.id = s.cid
         CROSS JOIN LATERAL (SELECT c.created_at + random() * (now() - c.created_at) AS at) t;
         """),
        (f"{orders:,} order lines", """
         INSERT INTO sales_order_line (order_id, product_model, quantity, amount)
         SELECT id, 'M-' || (id % 40 + 100), 1, amount FROM sales_order;
         """),
        ("last_order_at", """
         UPDATE customer c SET last_order_at = m.mx
         FROM (SELECT customer_id, max(ordered_at) mx FROM sales_order GROUP BY customer_id) m
         WHERE m.customer_id = c.id;
         """),
        (f"{visits:,} visits", f"""
         INSERT INTO visit (rep, customer_id, at, source, grade, pain_points, question,
                            next_action, photo_path, status, compliant, created_at)
         SELECT c.owner, c.id, greatest(c.created_at, now() - random() * interval '700 days'),
                'import', c.grade,
                CASE WHEN random() < 0.9 THEN '["价格偏高"]'::json ELSE '[]'::json END,
                CASE WHEN random() < 0.9 THEN '客户询问交期能否缩短到两周' END,
                CASE WHEN random() < 0.85 THEN '寄送样品' END,
                '/bench/p.jpg', 'checked', random() > 0.05, now()
         FROM (SELECT g, (1 + floor({customers} * random()))::int AS cid
               FROM generate_series(1, {visits}) g) s
         JOIN customer c ON c.id = s.cid;
         """),
        ("visit flags", """
         INSERT INTO visit_flag (visit_id, code, reason, created_at)
         SELECT id, CASE WHEN question IS NULL OR next_action IS NULL
                         THEN 'incomplete_record' ELSE 'far_from_customer' END,
                '生成的核验结果', now()
         FROM visit WHERE compliant = false;
         """),
        ("visit plans (13 weeks)", f"""
         INSERT INTO visit_plan (rep, week, created_at, updated_at)
         SELECT 'rep' || r,
                date_trunc('week', now() AT TIME ZONE 'Asia/Shanghai')::date - 7 * w,
                now(), now()
         FROM generate_series(1, {reps}) r, generate_series(0, 12) w;
         INSERT INTO visit_plan_item (plan_id, customer_id, created_at)
         SELECT p.id, c.id, now() FROM visit_plan p
         JOIN LATERAL (SELECT id FROM customer WHERE owner = p.rep
                       ORDER BY random() LIMIT 15) c ON true;
         """),
        ("contracts, payments, forecasts", f"""
         INSERT INTO contract (contract_no, customer_id, owner, amount, status, signed_at,
                               reviewed_at, collected_amount, source, created_at, updated_at)
         SELECT 'HT' || g, c.id, c.owner, round((5000 + random() * 100000)::numeric, 2),
                (ARRAY['signed','approved','partly_collected','collected','returned'])
                    [1 + floor(random() * 5)::int],
                s.signed, s.signed + random() * interval '5 days', 0, 'import', now(), now()
         FROM (SELECT g, now() - random() * interval '360 days' AS signed,
                      (1 + (g * 13) % {customers}) AS cid
               FROM generate_series(1, 20000) g) s
         JOIN customer c ON c.id = s.cid;
         UPDATE contract SET reviewed_at = NULL WHERE status IN ('signed', 'returned');
         INSERT INTO payment (contract_id, amount, paid_on, source, created_at)
         SELECT id, round(amount * 0.4, 2),
                (reviewed_at + random() * (now() - reviewed_at))::date, 'import', now()
         FROM contract WHERE status IN ('partly_collected', 'collected');
         INSERT INTO payment (contract_id, amount, paid_on, source, created_at)
         SELECT id, amount - round(amount * 0.4, 2),
                (reviewed_at + random() * (now() - reviewed_at))::date, 'import', now()
         FROM contract WHERE status = 'collected';
         UPDATE contract k SET collected_amount = p.s
         FROM (SELECT contract_id, sum(amount) s FROM payment GROUP BY contract_id) p
         WHERE p.contract_id = k.id;
         INSERT INTO collection_forecast (contract_id, owner, amount, expected_on, created_at)
         SELECT id, owner, round((amount * (0.3 + random() * 0.5))::numeric, 2),
                (reviewed_at + random() * interval '60 days')::date, now()
         FROM contract WHERE reviewed_at IS NOT NULL;
         """),
        ("analyze", "ANALYZE;"),
    ]
    timings: dict[str, float] = {}
    for name, sql in steps:
        log(f"generating {name} …")
        started = time.perf_counter()
        raw = engine.raw_connection()
        try:
            # No parameters: psycopg runs the text as is (several statements, literal %).
            raw.cursor().execute(sql)
            raw.commit()
        finally:
            raw.close()
        timings[name] = time.perf_counter() - started
        log(f"  {name}: {timings[name]:.1f} s")

    return timings


def build_rollups(url: str) -> dict[str, float]:
    """Migrate to head and rebuild every roll-up (full, then the scheduler's recent one)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("ZS_DEMO", "1")  # the emulator's app values
    from zoneinfo import ZoneInfo

    from analytics import rollup
    from migrations import upgrade
    from models.base import utcnow
    from zhongshu.db import get_engine, session_scope

    upgrade()
    tz = ZoneInfo("Asia/Shanghai")
    timings: dict[str, float] = {}
    log("roll-ups: full rebuild …")
    started = time.perf_counter()
    with session_scope() as session:
        counts = rollup.refresh(session, now=utcnow(), tz=tz, all_weeks=True, progress=log)
    timings["rollup_full"] = time.perf_counter() - started
    log(f"  full rebuild {timings['rollup_full']:.1f} s ({counts})")
    started = time.perf_counter()
    with session_scope() as session:
        rollup.refresh(session, now=utcnow(), tz=tz)
    timings["rollup_recent"] = time.perf_counter() - started
    log(f"  scheduler refresh (2 weeks, changed customers, 3 months) "
        f"{timings['rollup_recent']:.1f} s")
    # What autovacuum does between refreshes: planner statistics and the visibility map
    # (index-only scans over the freshly written roll-ups).
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return timings


# -- 2. copy to SQLite ---------------------------------------------------------------------

def _sqlite_value(value: Any) -> Any:
    """A PostgreSQL value as SQLAlchemy stores it in SQLite (naive UTC text, REAL money)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def copy_to_sqlite(pg_url: str, sqlite_path: Path) -> None:
    """Copy the tables the dashboard reads, row for row, through the DB-API drivers (the
    ORM's per-value type processing would take minutes for 2M rows)."""
    import sqlite3

    import psycopg
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    import models  # noqa: F401 - registers the tables

    if sqlite_path.exists():
        sqlite_path.unlink()
    SQLModel.metadata.create_all(create_engine(f"sqlite:///{sqlite_path}"))
    target = sqlite3.connect(sqlite_path)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute("PRAGMA synchronous=OFF")
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as source:
        for name in COPY_TABLES:
            columns = [c.name for c in SQLModel.metadata.tables[name].columns]
            started = time.perf_counter()
            copied = 0
            insert = (f"INSERT INTO {name} ({', '.join(columns)}) "
                      f"VALUES ({', '.join('?' for _ in columns)})")
            with source.cursor(name=f"copy_{name}") as cursor:
                cursor.itersize = 50000
                cursor.execute(f"SELECT {', '.join(columns)} FROM {name}")
                while rows := cursor.fetchmany(50000):
                    target.executemany(insert, [tuple(_sqlite_value(v) for v in row)
                                                for row in rows])
                    copied += len(rows)
            target.commit()
            log(f"  sqlite {name}: {copied:,} rows in {time.perf_counter() - started:.1f} s")
    target.execute("ANALYZE")
    target.close()


# -- 3. measure ----------------------------------------------------------------------------

def _targets(session: Any) -> dict[str, Any]:
    from sqlmodel import col, select

    from models.dashboard.tables import DashCustomer

    top = session.exec(select(DashCustomer.customer_id).where(
        DashCustomer.region == "华东", DashCustomer.grade == "A",
        col(DashCustomer.order_count) >= 2).order_by(col(DashCustomer.order_amount).desc())
    ).first()
    return {"customer": top}


def _replay(raw: Any, statements: list[tuple[str, Any]], autocommit: bool) -> float:
    """ms to run ``statements`` on a raw DB-API connection and fetch every row."""
    started = time.perf_counter()
    cursor = raw.cursor()
    for statement, params in statements:
        cursor.execute(statement, params)
        if cursor.description is not None:
            cursor.fetchall()
    cursor.close()
    if not autocommit:
        raw.rollback()
    return (time.perf_counter() - started) * 1000


def measure(url: str, requests: int) -> list[dict[str, Any]]:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("ZS_DEMO", "1")  # the emulator's app values
    os.environ.setdefault("ZS_INSTANCE_DIR", tempfile.mkdtemp(prefix="zs-bench-dash-"))
    from sqlalchemy import event

    from web.auth.identity import SESSION_USER
    from zhongshu.app import create_app
    from zhongshu.db import get_engine, session_scope

    app = create_app()
    engine = get_engine()
    with session_scope() as session:
        targets = _targets(session)
    east = "%E5%8D%8E%E4%B8%9C"
    cases = [
        ("org", "boss", "/h5/dashboard", "dashboard page, whole company"),
        ("org", "boss", "/h5/dashboard/data", "dashboard JSON, whole company"),
        ("org", "dir1", "/h5/dashboard/data", "dashboard JSON, region director (华东)"),
        ("org", "sup1", "/h5/dashboard/data", "dashboard JSON, one team (supervisor)"),
        ("org", "boss", "/h5/dashboard/compare", "before/after, whole company"),
        ("org", "boss", "/h5/dashboard/coaching.xlsx", "coaching export, whole company"),
        ("drill", "boss", "/h5/drill/data", "drill: regions"),
        ("drill", "boss", f"/h5/drill/data?region={east}", "drill: 华东 → grades"),
        ("drill", "boss", f"/h5/drill/data?region={east}&grade=A",
         "drill: 华东 A → repurchasing customers"),
        ("drill", "boss", f"/h5/drill/data?customer={targets['customer']}",
         "drill: one customer's repurchases"),
        ("drill", "dir1", f"/h5/drill/data?region={east}&grade=A",
         "drill: 华东 A, region director"),
        ("drill", "sup1", "/h5/drill/data", "drill: regions, supervisor"),
        ("drill", "boss", f"/h5/drill?region={east}&grade=A",
         "drill page (server-rendered) 华东 A"),
        # Not a target: what any signed-in request costs here before its own work (the
        # user lookup, one customer lookup, a 404 in JSON) — the floor under every ratio.
        ("floor", "boss", "/h5/drill/data?customer=999999999",
         "floor: signed-in request answering 404"),
    ]
    captured: list[tuple[str, Any]] = []
    recording = [False]

    @event.listens_for(engine, "before_cursor_execute")
    def _record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
        if recording[0]:
            captured.append((statement, parameters))

    results = []
    for kind, user, path, label in cases:
        client = app.test_client()
        with client.session_transaction() as sess:
            sess[SESSION_USER] = user
        for _ in range(3):
            response = client.get(path)
            expected = 404 if kind == "floor" else 200
            assert response.status_code == expected, (path, response.status_code)
        captured.clear()
        recording[0] = True
        client.get(path)
        recording[0] = False
        statements = list(captured)
        # Endpoint and bare SQL alternate request by request, so both see the same
        # machine. The bare replay runs as the pages do (zhongshu.db.get_read_engine):
        # autocommit on PostgreSQL, so neither side pays a BEGIN or a COMMIT.
        raw = engine.raw_connection()
        autocommit = engine.dialect.name == "postgresql"
        if autocommit:
            raw.dbapi_connection.autocommit = True

        times, bare = [], []
        try:
            for _ in range(3):
                _replay(raw, statements, autocommit)
            for _ in range(requests):
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                bare.append(_replay(raw, statements, autocommit))
        finally:
            if autocommit:
                raw.dbapi_connection.autocommit = False
            raw.close()
        q = statistics.quantiles(times, n=20)
        qb = statistics.quantiles(bare, n=20)
        row = {"kind": kind, "label": label, "path": path, "user": user,
               "statements": len(statements),
               "p50": statistics.median(times), "p95": q[18],
               "bare_p50": statistics.median(bare), "bare_p95": qb[18]}
        results.append(row)
        log(f"  {label}: p50 {row['p50']:.1f} ms p95 {row['p95']:.1f} ms · bare SQL "
            f"({len(statements)} statements) p50 {row['bare_p50']:.1f} ms")
    return results


def _machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} CPUs (nproc), {mem:.0f} GiB RAM, {platform.platform()}"


def report(pg: list[dict[str, Any]], lite: list[dict[str, Any]],
           timings: dict[str, float]) -> str:
    lines = [f"Machine: {_machine()}", ""]
    if timings:
        lines.append("Generation and roll-ups (PostgreSQL): " + ", ".join(
            f"{k} {v:.1f} s" for k, v in timings.items()))
        lines.append("")
    lines += [("| endpoint | kind | PG p50 | PG p95 | PG bare SQL p50 | ratio p50 | over bare "
               "| target p95 | SQLite p50 | SQLite p95 | SQLite/PG p95 | p95 | ratio |"),
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    by_label = {r["label"]: r for r in lite}
    for r in pg:
        target = {"drill": 50, "org": 300}.get(r["kind"])
        ratio = r["p50"] / r["bare_p50"] if r["bare_p50"] else float("nan")
        s = by_label.get(r["label"])
        lite_ratio = s["p95"] / r["p95"] if s else float("nan")
        speed = target is not None and r["p95"] <= target
        if s and r["kind"] == "org":
            speed = speed and lite_ratio <= 3
        lines.append(
            f"| {r['label']} | {r['kind']} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['bare_p50']:.1f} ({r['statements']} stmts) | {ratio:.2f} | "
            f"{r['p50'] - r['bare_p50']:.1f} | {'≤ ' + str(target) if target else '-'} | "
            f"{s['p50'] if s else float('nan'):.1f} | {s['p95'] if s else float('nan'):.1f} | "
            f"{lite_ratio:.2f} | {('met' if speed else 'MISSED') if target else '-'} | "
            f"{('met' if ratio <= 1.5 else 'MISSED') if target else '-'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--skip-generate", action="store_true",
                        help="measure the data already there")
    parser.add_argument("--rebuild", action="store_true",
                        help="with --skip-generate: migrate, rebuild the roll-ups and the "
                             "SQLite copy first (after a roll-up change)")
    parser.add_argument("--sqlite", default=str(Path(tempfile.gettempdir()) / "zs_dash_bench.db"))
    parser.add_argument("--measure-only", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        print(json.dumps(measure(args.measure_only, args.requests)))
        return
    timings: dict[str, float] = {}
    if not args.skip_generate:
        timings = generate(args.pg, args.customers, args.orders, args.visits, args.reps)
    if not args.skip_generate or args.rebuild:
        timings.update(build_rollups(args.pg))
        log("copying to SQLite …")
        copy_to_sqlite(args.pg, Path(args.sqlite))
    out: dict[str, list[dict[str, Any]]] = {}
    for name, url in (("pg", args.pg), ("sqlite", f"sqlite:///{args.sqlite}")):
        log(f"measuring {name} ({args.requests} requests per endpoint) …")
        done = subprocess.run([sys.executable, __file__, "--measure-only", url, "--requests",
                               str(args.requests)], check=True, capture_output=False,
                              stdout=subprocess.PIPE, text=True)
        out[name] = json.loads(done.stdout.strip().splitlines()[-1])
    print(report(out["pg"], out["sqlite"], timings))


if __name__ == "__main__":
    main()
