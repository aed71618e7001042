"""What a webhook ack run found: the correctness check (answers == inbox rows == queued
jobs == dedupe keys), the printed table and verdict, and the figures as written to
``--json``. ``bench/webhook_ack.py`` calls it."""

from __future__ import annotations

import argparse
import os
from typing import Any

from bench.ack.environment import BUSY_WARN, TARGET_P99_MS, TARGET_RATIO


# --------------------------------------------------------------------------- verification
def verify(expected_ok: int) -> dict[str, Any]:
    from sqlalchemy import text

    from zhongshu.db import get_engine
    from zhongshu.queues import QUEUE_INBOUND, get_queue, get_redis

    engine = get_engine()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM inbox_event")).scalar_one()
        distinct = conn.execute(text(
            "SELECT count(DISTINCT dedupe_key) FROM inbox_event "
            "WHERE platform = 'wecom' AND kind = 'text' AND status = 'received'")).scalar_one()
    engine.dispose()
    redis = get_redis()
    queued = get_queue(QUEUE_INBOUND).count
    dedupe = sum(1 for _ in redis.scan_iter("zs:dedupe:*", count=5000))
    ok = rows == expected_ok == queued == distinct == dedupe
    return {"ok_responses": expected_ok, "inbox_rows": rows, "distinct_received_text": distinct,
            "rq_inbound_jobs": queued, "redis_dedupe_keys": dedupe, "passed": ok}


# --------------------------------------------------------------------------- report
def print_report(args: argparse.Namespace, res: dict[str, Any]) -> None:
    svc, bare = res["service"], res["bare"]
    print()
    print(f"Webhook ack (C1) — db={args.db}, gunicorn gthread {args.workers}w x "
          f"{args.threads}t, {args.seconds:g}s per phase")
    hdr = (f"{'target':<8} {'phase':<22} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} "
           f"{'max':>8} {'err':>5} {'gunicorn':>8} {'pg':>6} {'redis':>6} {'client':>6} "
           f"{'busy':>6}")
    print(hdr)
    print("-" * len(hdr))
    for name, r in (("service", svc), ("bare", bare)):
        for key, label in (("closed", f"closed {r['closed']['conns']} conns"),
                           ("open", f"open {args.rate:g} req/s")):
            ph = r[key]
            lat = ph["lat_ms"]
            print(f"{name:<8} {label:<22} {ph['rps']:>8.1f} {lat.get('p50', 0):>7.2f} "
                  f"{lat.get('p95', 0):>7.2f} {lat.get('p99', 0):>7.2f} "
                  f"{lat.get('max', 0):>8.2f} {ph['errors']:>5} "
                  f"{ph['server_cpu_cores']:>8.2f} {ph['postgres_cpu_cores']:>6.2f} "
                  f"{ph['redis_cpu_cores']:>6.2f} {ph['client_cpu_cores']:>6.2f} "
                  f"{ph['machine_busy_cores']:>6.2f}")
    print(f"(latencies in ms, open-loop ones from the scheduled send time; CPU columns in "
          f"cores used, machine 'busy' out of {os.cpu_count()})")
    v = res["verdict"]
    print()
    print(f"throughput ratio service/bare = {v['ratio']:.3f}  (target >= {TARGET_RATIO}) "
          f"-> {'MET' if v['ratio_met'] else 'MISSED'}")
    print(f"service p99 at {args.rate:g} req/s = {v['p99_ms']:.2f} ms  (target <= "
          f"{TARGET_P99_MS:g} ms, 0 errors) -> {'MET' if v['p99_met'] else 'MISSED'}")
    c = res["check"]
    print(f"correctness: 200 answers={c['ok_responses']} inbox rows={c['inbox_rows']} "
          f"rq inbound jobs={c['rq_inbound_jobs']} dedupe keys={c['redis_dedupe_keys']} "
          f"-> {'PASS' if c['passed'] else 'FAIL'}")
    for name, r in (("service", svc), ("bare", bare)):
        for key in ("warmup", "closed", "open"):
            ph = r[key]
            if ph["retries"] or ph["exhausted"] or set(ph["statuses"]) - {200}:
                print(f"note: {name} {key}: statuses={ph['statuses']} retries={ph['retries']}"
                      f" exhausted_pool={ph['exhausted']}")
    disturbed = [f"{name} {key} ({r[key]['other_cpu_cores']:.2f}: "
                 f"{', '.join(f'{n} {c:.2f}' for n, c in r[key]['top_other']) or '?'}; "
                 f"softirq {r[key]['softirq_cores']:.2f})"
                 for name, r in (("service", svc), ("bare", bare))
                 for key in ("closed", "open") if r[key]["other_cpu_cores"] > BUSY_WARN / 2]
    print(f"background load before the run: {res['background_cores_before']:.2f} cores")
    if disturbed:
        print("WARNING: CPU used outside the benchmark's processes (cores) during " +
              "; ".join(disturbed) + " — if that is another program, those figures are "
              "disturbed; rerun on an idle machine")
    lagp = svc["open"]["send_lag_ms"]
    print(f"client send lag (service open loop): p99={lagp.get('p99', 0):.2f} ms "
          f"max={lagp.get('max', 0):.2f} ms")


def public(value: Any) -> Any:
    """``value`` without the raw sample lists (keys starting with ``_``)."""
    if isinstance(value, dict):
        return {k: public(v) for k, v in value.items() if not str(k).startswith("_")}
    return value
