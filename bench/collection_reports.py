"""Benchmark: the collection reports (analytics/collections.py) on a large book of contracts.

    .venv/bin/python bench/collection_reports.py [--contracts 100000] [--database-url URL]

Builds a fresh database (SQLite file in a temp folder by default; ``--database-url`` to
use a PostgreSQL database — its schema is DROPPED and rebuilt, so give it a scratch
database), bulk-inserts ``--contracts`` contracts over 28 reps with ~1.4 payments and ~1
forecast each, then times, as finance (all contracts):

- aging per rep, set-based (one grouped query) — against a baseline that reads every
  receivable contract into Python and buckets it there (what a naive page would do);
  both must give the same figures;
- forecast accuracy over 12 months; approval time over 12 months.

Prints one line per measure with the median of 5 runs and the ratio to the baseline."""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from zhongshu import clock


def _median(fn: Any, runs: int = 5) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    os.environ["ZS_INSTANCE_DIR"] = tempfile.mkdtemp(prefix="zs-bench-reports-")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    from sqlalchemy import insert, select, text
    from sqlmodel import Session

    import models  # noqa: F401 - registers tables
    from analytics import collections as col
    from migrations import upgrade
    from models.base import as_utc
    from models.contracts.contract import CollectionForecast, Contract, Payment
    from models.customers.customer import Customer
    from models.org.user import User
    from zhongshu.db import get_engine
    from zhongshu.demo.org import DEMO_ORG

    engine = get_engine()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade()
    rng = random.Random(5)
    now = datetime.now(UTC)
    reps = [p.userid for p in DEMO_ORG if p.role == "rep"]
    started = time.perf_counter()
    with Session(engine) as session:
        session.add(User(wecom_userid="fin", name="财务", role="finance"))
        session.execute(insert(Customer.__table__), [  # type: ignore[attr-defined]
            {"name": f"客户{i}", "name_key": f"客户{i}", "phone": f"138{i:08d}",
             "owner": reps[i % len(reps)]} for i in range(2000)])
        cids = [c for (c,) in session.execute(select(Customer.id))]  # type: ignore[call-overload]
        contracts, payments, forecasts = [], [], []
        for i in range(args.contracts):
            signed = now - timedelta(days=rng.uniform(1, 365))
            reviewed = signed + timedelta(hours=rng.uniform(2, 150))
            amount = Decimal(rng.randrange(10_000, 500_000, 100))
            paid = Decimal(0)
            status = rng.choice(("approved", "partly_collected", "collected", "signed"))
            if status in ("partly_collected", "collected"):
                parts = 1 if status == "partly_collected" else 2
                for _ in range(parts):
                    share = (amount / 2).quantize(Decimal(1)) if parts == 2 else \
                        (amount * Decimal("0.4")).quantize(Decimal(1))
                    payments.append({"contract_id": i + 1, "amount": share,
                                     "paid_on": (reviewed + timedelta(days=rng.uniform(0, 60)))
                                     .date(), "source": "bank", "created_at": now})
                    paid += share
                if status == "collected":
                    payments[-1]["amount"] += amount - paid
                    paid = amount
            forecasts.append({"contract_id": i + 1, "owner": reps[i % len(reps)],
                              "amount": (amount * Decimal("0.5")).quantize(Decimal(1)),
                              "expected_on": (reviewed + timedelta(days=rng.uniform(0, 60)))
                              .date(), "created_at": now})
            contracts.append({"id": i + 1, "contract_no": f"B{i:07d}",
                              "customer_id": cids[i % len(cids)], "owner": reps[i % len(reps)],
                              "amount": amount, "status": status, "signed_at": signed,
                              "reviewed_at": reviewed if status != "signed" else None,
                              "collected_amount": paid, "source": "bench",
                              "created_at": signed, "updated_at": now})
        for table, rows in ((Contract, contracts), (Payment, payments),
                            (CollectionForecast, forecasts)):
            for start in range(0, len(rows), 5000):
                session.execute(insert(table.__table__), rows[start:start + 5000])  # type: ignore[attr-defined]
        session.commit()
        if engine.dialect.name == "postgresql":
            session.execute(text("SELECT setval('contract_id_seq', (SELECT max(id) FROM "
                                 "contract))"))
            session.execute(text("ANALYZE"))
            session.commit()
    load = time.perf_counter() - started
    with Session(engine) as session:
        finance = session.scalars(select(User).where(User.role == "finance")).one()
        months = col.last_months(12, today=now.date())

        def baseline() -> dict[str, list[Decimal]]:
            tz = clock.business_tz()
            today = now.astimezone(tz).date()
            out: dict[str, list[Decimal]] = {}
            for c in session.scalars(select(Contract).where(
                    Contract.status.in_(("approved", "partly_collected")))):  # type: ignore[attr-defined]
                age = (today - as_utc(c.reviewed_at or c.signed_at).astimezone(tz).date()).days
                index = 0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3
                row = out.setdefault(c.owner, [Decimal(0)] * 4)
                row[index] += c.amount - c.collected_amount
            session.expunge_all()
            return out

        base_t, base = _median(baseline)
        aging_t, aging = _median(lambda: col.aging(session, finance, now=now))
        assert {r.owner: list(r.buckets) for r in aging} == base, "aging differs from baseline"
        acc_t, _ = _median(lambda: col.forecast_accuracy(session, finance, months))
        appr_t, appr = _median(lambda: col.approval_time(session, finance, months))
    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, {engine.dialect.name}; {args.contracts:,} contracts, "
          f"{len(payments):,} payments, {len(forecasts):,} forecasts (load {load:.1f} s)")
    print(f"baseline aging in Python (read all receivables): {base_t * 1000:8.1f} ms")
    print(f"aging, grouped in the database:                  {aging_t * 1000:8.1f} ms "
          f"({aging_t / base_t:.2f} × baseline)")
    print(f"forecast accuracy, 12 months:                    {acc_t * 1000:8.1f} ms")
    print(f"approval time, 12 months (incl. working days):   {appr_t * 1000:8.1f} ms "
          f"({appr[-1].count:,} approvals)")


if __name__ == "__main__":
    main()
