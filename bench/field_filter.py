"""Benchmark: filter customers by a custom field (C8) — the typed value table with its
(field_id, value_text) index against the baseline of the same value kept in the
customer's JSON ``extra`` column and matched by a JSON path (what an unmapped import
column gives, no index).

    .venv/bin/python bench/field_filter.py --rows 100000 [--pg-url postgresql+psycopg://…/scratch]

Builds a fresh database (SQLite: a temp file; PostgreSQL: the given *scratch* database,
migrated here), inserts ``rows`` customers, each with a 竞品品牌 value (10 options, so one
option matches ~10 %) both as a field_value row and in ``extra``, then times, median of
15 runs each: the count of matching customers and the first list page (20 rows, ordered
as the customer list orders them) — both ways. Prints the figures and the ratio
baseline / field table."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

OPTIONS = [f"品牌{i}" for i in range(10)]
RARE = "稀有牌"  # 1 customer in 500: where an unindexed scan hurts most


def _option(i: int) -> str:
    return RARE if i % 500 == 7 else OPTIONS[i % 10]
RUNS = 15


def _median_ms(fn: Any) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(rows: int, url: str) -> dict[str, float]:
    os.environ["DATABASE_URL"] = url
    from sqlalchemy import func, insert, select, text
    from sqlmodel import Session

    from migrations import upgrade
    from models.config import custom_fields as cf
    from models.customers.customer import Customer
    from zhongshu.db import get_engine
    from zhongshu.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade()
    engine = get_engine()
    with Session(engine) as session:
        field = cf.create_field(session, actor="bench", entity="customer", name="竞品品牌",
                                kind="select", options=[*OPTIONS, RARE])
        session.commit()
        field_id = field.id
    customer_t = Customer.__table__  # type: ignore[attr-defined]
    value_t = cf.FieldValue.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        for start in range(0, rows, 5000):
            batch = range(start, min(rows, start + 5000))
            conn.execute(insert(customer_t), [
                {"name": f"客户{i}", "name_key": f"客户{i}", "phone": f"139{i:08d}",
                 "stage": "lead", "source": "import", "extra": {"竞品品牌": _option(i)}}
                for i in batch])
        ids = [r[0] for r in conn.execute(select(customer_t.c.id).order_by(customer_t.c.id))]
        for start in range(0, len(ids), 5000):
            conn.execute(insert(value_t), [
                {"entity": "customer", "entity_id": cid, "field_id": field_id,
                 "value_text": _option(n)}
                for n, cid in enumerate(ids[start:start + 5000], start)])
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    order = (customer_t.c.last_interaction_at.desc().nulls_last(), customer_t.c.id.desc())
    figures: dict[str, float] = {}
    for label, wanted in (("common", OPTIONS[3]), ("rare", RARE)):
        by_field = customer_t.c.id.in_(select(value_t.c.entity_id).where(
            value_t.c.field_id == field_id, value_t.c.value_text == wanted))
        if engine.dialect.name == "postgresql":
            by_json = customer_t.c.extra["竞品品牌"].as_string() == wanted
        else:
            # The JSON column stores keys \u-escaped (json.dumps default) and SQLite's
            # path lookup compares keys as stored, so the path names the key that way.
            by_json = func.json_extract(customer_t.c.extra,
                                        "$." + json.dumps("竞品品牌")) == wanted

        def count(where: Any) -> Any:
            with engine.connect() as conn:
                return conn.execute(select(func.count()).where(where)
                                    .select_from(customer_t)).scalar()

        def page(where: Any) -> Any:
            with engine.connect() as conn:
                return conn.execute(select(customer_t.c.id, customer_t.c.name).where(where)
                                    .order_by(*order).limit(20)).all()

        assert count(by_field) == count(by_json) > 0
        assert page(by_field) == page(by_json)
        for what, fn in (("count", count), ("page", page)):
            figures[f"{label} {what} field"] = _median_ms(lambda f=fn, w=by_field: f(w))
            figures[f"{label} {what} json"] = _median_ms(lambda f=fn, w=by_json: f(w))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg-url", help="an empty scratch PostgreSQL database")
    args = parser.parse_args()
    if args.pg_url:
        url = args.pg_url
    else:
        folder = tempfile.mkdtemp(prefix="zs-bench-fields-")
        os.environ["ZS_INSTANCE_DIR"] = folder
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
    figures = run(args.rows, url)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{url.split(':')[0]}, {args.rows} customers, median of {RUNS}")
    for label in ("common", "rare"):
        for what in ("count", "page"):
            field, blob = figures[f"{label} {what} field"], figures[f"{label} {what} json"]
            print(f"{label:6} {what:5} field table {field:8.2f} ms   json extra {blob:8.2f} ms"
                  f"   ratio json/field {blob / field:6.2f}x")


if __name__ == "__main__":
    main()
