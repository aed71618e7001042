"""What a pooled connection's liveness check costs: checkout + one statement, with no
check, with SQLAlchemy's pool_pre_ping (a round trip) and with the poll() of the socket
that zhongshu.db uses instead, against PostgreSQL on this machine (the ack path and every
page are one checkout per request).

    .venv/bin/python bench/pre_ping.py [--url postgresql+psycopg://postgres@127.0.0.1/zs_f]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import create_engine, event, text

MODES = ("none", "pre_ping", "poll")


def measure(url: str, mode: str, n: int) -> list[float]:
    from zhongshu.db import _refuse_dropped

    engine = create_engine(url, pool_pre_ping=mode == "pre_ping", pool_size=5)
    if mode == "poll":
        event.listen(engine, "checkout", _refuse_dropped)
    samples: list[float] = []
    for i in range(n + 200):
        start = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        if i >= 200:  # warm-up
            samples.append((time.perf_counter() - start) * 1e6)
    engine.dispose()
    return samples


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/zs_f")
    ap.add_argument("-n", type=int, default=5000)
    args = ap.parse_args()
    for rnd in range(2):
        for mode in MODES:
            s = sorted(measure(args.url, mode, args.n))
            print(f"round {rnd + 1} check={mode:8}  p50 {statistics.median(s):6.0f} µs"
                  f"  p99 {s[int(len(s) * 0.99)]:6.0f} µs  (n={len(s)})")


if __name__ == "__main__":
    main()
