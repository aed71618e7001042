"""Benchmark: import a large customer sheet (C3 target: 100k rows in under a minute).

    .venv/bin/python bench/import_customers.py --rows 100000 [--db sqlite|postgres|both]

Generates a realistic .xlsx and .csv once (cached in the temp folder: a title row above
the header, ~1% bad rows, owners from the demo organisation), then for each database:
migrates a fresh one (SQLite: a new file; PostgreSQL: a scratch database ``zs_bench``
created and dropped here, so the test database is never touched), loads the demo users
and times, each in its own process so peak memory (ru_maxrss) is per step:

- baseline: openpyxl merely iterating the sheet's values (read-only mode);
- import of the .xlsx into the empty database (all inserts);
- the same file again (all updates);
- the .csv into another empty database.

Prints a table and the ratio of each import to the baseline."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "zs_bench"
HEADER = ["客户名称", "联系人", "电话", "行业", "初步意向", "等级", "区域", "省份", "城市",
          "地址", "纬度", "经度", "坐标系", "负责人", "备注"]


# -- data ---------------------------------------------------------------------------------
def _rows(count: int) -> list[list[Any]]:
    from zhongshu.demo import data as demo
    from zhongshu.demo.org import DEMO_ORG

    rng = random.Random(7)
    reps = [p for p in DEMO_ORG if p.role == "rep"]
    out = []
    for i in range(count):
        rep = rng.choice(reps)
        city = rng.choice(demo.CITIES_BY_PROVINCE[rep.province])
        province, _area, lat, lng = demo.CITIES[city]
        industry = rng.choice(list(demo.INDUSTRIES))
        # Unique by construction: the row number is part of the phone and the name.
        phone = f"{rng.choice(('138', '139', '186', '150'))}{i:08d}"
        grade = rng.choice("ABC")
        if i % 100 == 37:
            phone = phone[:-2]  # ~1% bad phones, reported per row
        if i % 250 == 11:
            grade = "D"
        out.append([
            f"{city}{rng.choice(demo.BRANDS)}{industry[:2]}{i}有限公司",
            rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN), phone, industry,
            rng.choice(demo.INTENTS), grade, rep.region, province, city,
            f"{city}市{rng.choice(demo.ZONES)}{rng.choice(demo.ROADS)}{rng.randint(1, 999)}号",
            round(lat + rng.gauss(0, 0.05), 6), round(lng + rng.gauss(0, 0.05), 6), "gcj02",
            rep.userid, "老客户" if i % 7 == 0 else None,
        ])
    return out


def _files(count: int) -> tuple[Path, Path]:
    folder = Path(tempfile.gettempdir()) / "zs-bench"
    folder.mkdir(exist_ok=True)
    xlsx, csv_path = folder / f"customers_{count}.xlsx", folder / f"customers_{count}.csv"
    if xlsx.exists() and csv_path.exists():
        return xlsx, csv_path
    import csv

    import openpyxl

    print(f"generating {count} rows → {folder}", flush=True)
    rows = _rows(count)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    ws.append(["客户名单（导出自旧系统）"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(xlsx)
    with csv_path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return xlsx, csv_path


# -- child steps (each in its own process) --------------------------------------------------
def _child(step: str, file: str) -> None:
    started = time.perf_counter()
    info: dict[str, Any] = {}
    if step == "baseline":
        import openpyxl

        wb = openpyxl.load_workbook(file, read_only=True, data_only=True)
        info["rows"] = sum(1 for _ in wb.active.iter_rows(values_only=True))
        wb.close()
    elif step == "prepare":
        from migrations import upgrade
        from models.org import user as user_model
        from zhongshu.db import session_scope
        from zhongshu.demo.org import DEMO_ORG

        upgrade()
        with session_scope() as session:
            for p in sorted(DEMO_ORG, key=lambda p: p.role != "director"):
                user_model.upsert(session, wecom_userid=p.userid, name=p.name, role=p.role,
                                  supervisor_userid=p.supervisor, region=p.region,
                                  dingtalk_userid=p.dingtalk_userid)
    else:
        from models.imports.importer import import_customers
        from zhongshu.db import session_scope

        with session_scope() as session:
            result = import_customers(session, Path(file),
                                      report_path=Path(file).with_suffix(".report.xlsx"))
        info.update(inserted=result.inserted, updated=result.updated,
                    refused=len(result.refused))
    info["seconds"] = time.perf_counter() - started
    info["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(info))


def _run_child(step: str, file: Path, env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--child", step, "--file", str(file)],
                          env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{proc.stdout}\n{proc.stderr}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


# -- databases ----------------------------------------------------------------------------
def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _fresh_db(kind: str, tag: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ZS_INSTANCE_DIR")}
    if kind == "sqlite":
        env["ZS_INSTANCE_DIR"] = tempfile.mkdtemp(prefix=f"zs-bench-{tag}-")
    else:
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
        _pg_admin(f"CREATE DATABASE {PG_BENCH_DB}")
        env["DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
        env["ZS_INSTANCE_DIR"] = tempfile.mkdtemp(prefix=f"zs-bench-{tag}-")
    return env


def _bench_db(kind: str, xlsx: Path, csv_path: Path) -> list[tuple[str, dict[str, Any]]]:
    out = []
    try:
        env = _fresh_db(kind, "xlsx")
        _run_child("prepare", xlsx, env)
        out.append((f"{kind}: import .xlsx (inserts)", _run_child("import", xlsx, env)))
        out.append((f"{kind}: re-import .xlsx (updates)", _run_child("import", xlsx, env)))
        env = _fresh_db(kind, "csv")
        _run_child("prepare", csv_path, env)
        out.append((f"{kind}: import .csv GB18030 (inserts)",
                    _run_child("import", csv_path, env)))
    finally:
        if kind == "postgres":
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.file)
        return

    xlsx, csv_path = _files(args.rows)
    env = dict(os.environ.items())
    baseline = _run_child("baseline", xlsx, env)
    results = [("baseline: openpyxl read-only iterates the .xlsx", baseline)]
    for kind in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
        results += _bench_db(kind, xlsx, csv_path)

    print(f"\n{args.rows} rows · {platform.platform()} · {os.cpu_count()} CPUs · "
          f"Python {platform.python_version()}")
    print(f"{'step':44} {'seconds':>8} {'rows/s':>8} {'peak MB':>8} {'×baseline':>9}  result")
    for label, info in results:
        rate = args.rows / info["seconds"]
        ratio = info["seconds"] / baseline["seconds"]
        detail = ", ".join(f"{k} {info[k]}" for k in ("inserted", "updated", "refused")
                           if k in info)
        print(f"{label:44} {info['seconds']:8.1f} {rate:8.0f} {info['peak_mb']:8.0f} "
              f"{ratio:9.2f}  {detail}")


if __name__ == "__main__":
    main()
