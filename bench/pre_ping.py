"""What pool_pre_ping costs on the ack path: checkout + one statement, with and without
the ping, against PostgreSQL on this machine (the ack path is one checkout per request).

    .venv/bin/python bench/pre_ping.py [--url postgresql+psycopg://postgres@127.0.0.1/zs_f]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import create_engine, text


def measure(url: str, pre_ping: bool, n: int) -> list[float]:
    engine = create_engine(url, pool_pre_ping=pre_ping, pool_size=5)
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
        for pre_ping in (False, True):
            s = sorted(measure(args.url, pre_ping, args.n))
            print(f"round {rnd + 1} pre_ping={pre_ping!s:5}  p50 {statistics.median(s):6.0f} µs"
                  f"  p99 {s[int(len(s) * 0.99)]:6.0f} µs  (n={len(s)})")


if __name__ == "__main__":
    main()
