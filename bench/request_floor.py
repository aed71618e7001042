"""Where the fixed cost of a signed-in page request goes, piece by piece — the floor under
every "endpoint / bare SQL" ratio of bench/dashboard.py.

    .venv/bin/python bench/request_floor.py [--db postgresql+psycopg://postgres@127.0.0.1:5432/zs_d]
        [-n 2000] [--rounds 2]

Needs a migrated database with the user ``boss`` (bench/dashboard.py's data). Measures,
p50 in µs, in one process:

- ``flask``: a JSON route on this app (its hooks, the session cookie), no database;
- ``flask + sign-in``: the same route doing the sign-in check every page does
  (``web.auth.identity.session_user``: checkout, the user row through the ORM);
- ``session + SELECT 1`` vs ``raw SELECT 1``: a read session's checkout and return
  around one statement, against the same statement on a raw DB-API cursor;
- ``built each time`` / ``built once`` / ``raw``: one dashboard-shaped aggregate (dash_segment
  counts of a region by grade) built and run through SQLAlchemy as the code does, the same
  statement object reused (its cache key memoized), and the raw cursor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/zs_d"


def p50(fn: Callable[[], Any], n: int) -> float:
    for _ in range(max(20, n // 20)):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=DEFAULT_DB)
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("ZS_DEMO", "1")  # the emulator's app values
    os.environ.setdefault("ZS_INSTANCE_DIR", tempfile.mkdtemp(prefix="zs-bench-floor-"))

    from flask import jsonify
    from sqlalchemy import bindparam, func
    from sqlmodel import select

    from models.dashboard.tables import DashSegment
    from web.auth.identity import SESSION_USER, session_user
    from zhongshu.app import create_app
    from zhongshu.db import get_engine, read_session

    app = create_app()
    app.add_url_rule("/h5/bench/none", "bench_none", lambda: jsonify({"ok": 1}))
    app.add_url_rule("/h5/bench/user", "bench_user",
                     lambda: jsonify({"ok": session_user()[1] is not None}))
    client = app.test_client()
    with client.session_transaction() as sess:
        sess[SESSION_USER] = "boss"
    assert client.get("/h5/bench/user").get_json() == {"ok": True}, "no user boss here"

    def build() -> Any:
        return (select(DashSegment.grade, func.sum(DashSegment.buying),
                       func.sum(DashSegment.repurchasing))
                .where(DashSegment.region == "华东").group_by(DashSegment.grade))

    once = (select(DashSegment.grade, func.sum(DashSegment.buying),
                   func.sum(DashSegment.repurchasing))
            .where(DashSegment.region == bindparam("region")).group_by(DashSegment.grade))
    engine = get_engine()
    sql = str(build().compile(engine)).replace("%(region_1)s", "%s")
    raw = engine.raw_connection()
    pg = engine.dialect.name == "postgresql"
    if pg:
        raw.dbapi_connection.autocommit = True
    db = read_session()
    conn = db.connection()

    def raw_run(statement: str, params: tuple[Any, ...]) -> None:
        cursor = raw.cursor()
        cursor.execute(statement, params)
        cursor.fetchall()
        cursor.close()

    def session_select_1() -> None:
        s = read_session()
        s.connection().exec_driver_sql("SELECT 1").all()
        s.close()

    cases: list[tuple[str, Callable[[], Any]]] = [
        ("flask", lambda: client.get("/h5/bench/none")),
        ("flask + sign-in", lambda: client.get("/h5/bench/user")),
        ("session + SELECT 1", session_select_1),
        ("raw SELECT 1", lambda: raw_run("SELECT 1", ())),
        ("built each time", lambda: db.exec(build()).all()),
        ("built once", lambda: conn.execute(once, {"region": "华东"}).all()),
        ("raw", lambda: raw_run(sql if pg else sql.replace("%s", "?"), ("华东",))),
    ]
    print(f"{engine.dialect.name}, n={args.n} per case, p50 in µs")
    for rnd in range(args.rounds):
        print(f"round {rnd + 1}: " + ", ".join(f"{name} {p50(fn, args.n):.0f}"
                                                 for name, fn in cases))
    db.close()
    if pg:
        raw.dbapi_connection.autocommit = False
    raw.close()


if __name__ == "__main__":
    main()
