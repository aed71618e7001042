"""Webhook ack benchmark (C1): the WeCom callback ack path under gunicorn, against a bare
gunicorn endpoint measured in the same run.

    .venv/bin/python bench/webhook_ack.py [--db postgres|sqlite] [--rate 200] [--seconds 20]

What it does, in order (the whole run stays well under 3 minutes with the defaults):

1. Migrates a fresh database — PostgreSQL ``zs_bench`` (created if missing; its public
   schema is dropped and recreated) or a temporary SQLite file — and flushes Redis db 14.
2. Starts two gunicorns with identical settings (``--config python:bench.gunicorn_conf
   --workers 2 --threads 4``; that module is ``zhongshu.gunicorn_conf`` with the access
   log off): the real service (``zhongshu.wsgi:app``) and ``bench/bare_app.py`` (reads the
   body, answers an empty 200).
3. Pre-generates unique signed + encrypted WeCom text-message callbacks (distinct MsgId,
   fresh timestamp), so every request to the service does the full ack: signature,
   decryption, XML parse, Redis SET NX, inbox INSERT, RQ enqueue. No RQ worker runs.
4. For each target: a short warm-up, then (a) closed loop — K keep-alive connections each
   sending its next request as soon as the previous answer arrives — for max req/s, and
   (b) open loop at a fixed rate — sends scheduled by the clock, latency measured from the
   *scheduled* send time (no coordinated omission) — for p50/p95/p99/max and errors.
   Each phase runs in ``--rounds`` parts alternating service and bare, so a burst of
   outside load on a shared machine hits both targets alike. The load comes from separate
   processes running an epoll loop over raw keep-alive sockets with pre-built request
   bytes, so the client costs tens of µs per request; the CPU used by gunicorn, PostgreSQL,
   Redis, the client and anything else on the machine is printed per phase, to show what
   the bottleneck was and whether other programs disturbed the run.
5. Checks that inbox rows == 200 answers from the service == jobs in the RQ inbound queue
   (== Redis dedupe keys).
6. Stops everything it started (SIGTERM, then SIGKILL to the gunicorn process groups).

Exit status: 0 when the run completed and the correctness check passed (targets met or
not — the verdict is printed), 1 otherwise. ``--json PATH`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# ``python bench/webhook_ack.py`` puts bench/ first on sys.path, not the repository root:
# the root is what makes this script's helpers importable as the package ``bench.ack``.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ack import environment  # noqa: E402
from bench.ack.environment import (  # noqa: E402
    BUSY_WARN,
    TARGET_P99_MS,
    TARGET_RATIO,
    bench_env,
    flush_redis,
    make_payloads,
    prepare_database,
)
from bench.ack.load import PAYLOADS, merge, run_phase  # noqa: E402
from bench.ack.report import print_report, public, verify  # noqa: E402
from bench.ack.servers import Server, background_load, free_port, machine  # noqa: E402


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--pg-db", default=environment.PG_DB,
                    help=f"PostgreSQL database to (re)create and use (default {environment.PG_DB}; "
                         "its public schema is dropped first: never the test database)")
    ap.add_argument("--rate", type=float, default=200.0, help="open-loop req/s (default 200)")
    ap.add_argument("--seconds", type=float, default=20.0, help="per phase (default 20)")
    ap.add_argument("--conns", type=int, default=16,
                    help="closed-loop connections in total (default 16)")
    ap.add_argument("--open-conns", type=int, default=32,
                    help="open-loop connections in total (default 32)")
    ap.add_argument("--procs", type=int, default=2, help="load processes (default 2)")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds (default 2)")
    ap.add_argument("--rounds", type=int, default=2,
                    help="split each phase into this many rounds, alternating service and "
                         "bare (default 2)")
    ap.add_argument("--max-rate", type=float, default=2500.0,
                    help="closed-loop req/s the payload pool is sized for (default 2500)")
    ap.add_argument("--config", default="python:bench.gunicorn_conf",
                    help="gunicorn --config for both servers (default: the production "
                         "settings with the access log off)")
    ap.add_argument("--wait-idle", type=float, default=0.0,
                    help="seconds to wait for other load on the machine to stop (default 0)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--keep-logs", action="store_true", help="keep the gunicorn logs")
    ap.add_argument("--redis-url", default=environment.REDIS_URL,
                    help=f"a Redis db this bench may flush (default {environment.REDIS_URL})")
    args = ap.parse_args(argv)
    environment.use_redis(args.redis_url)
    if args.pg_db in ("test", "postgres", "template0", "template1"):
        ap.error(f"refusing to wipe database {args.pg_db!r}")
    environment.use_pg_database(args.pg_db)

    t_begin = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="zs-bench-"))
    env_add = bench_env(args.db, tmp)
    os.environ.update(env_add)
    env = dict(os.environ)

    # The figures are only meaningful on an otherwise idle machine: say so when it is not.
    background = background_load()
    waited_until = time.monotonic() + args.wait_idle
    while background > BUSY_WARN and time.monotonic() < waited_until:
        print(f"==> machine busy ({background:.2f} cores in use); waiting for it to quiet down")
        background = background_load(2.0)
    if background > BUSY_WARN:
        print(f"==> WARNING: {background:.2f} cores already busy before the run; "
              f"the figures will be disturbed")

    print(f"==> fresh {args.db} database, Redis {environment.REDIS_URL} flushed")
    prepare_database(args.db)
    flush_redis()

    servers: list[Server] = []
    try:
        svc = Server("service", "zhongshu.wsgi:app", free_port(), env, tmp / "service.log",
                     args.workers, args.threads, args.config)
        servers.append(svc)
        bare = Server("bare", "bench.bare_app:app", free_port(), env, tmp / "bare.log",
                      args.workers, args.threads, args.config)
        servers.append(bare)
        print(f"==> gunicorn: {' '.join(svc.cmd[1:])}")
        ready_by = time.monotonic() + 45
        svc.wait_ready("/healthz", ready_by)
        bare.wait_ready("/", ready_by)

        # Disjoint payload ranges, one per service phase and round; generated just before
        # the run (the service refuses a timestamp older than 300 s).
        rounds = max(1, args.rounds)
        part = args.seconds / rounds
        n_warm = int(args.warmup * args.max_rate)
        n_closed = int(part * args.max_rate)
        n_open = int(args.rate * part) + args.procs
        ranges: dict[str, list[tuple[int, int]]] = {"warmup": [(0, n_warm)]}
        at = n_warm
        for phase, n in (("closed", n_closed), ("open", n_open)):
            ranges[phase] = [(at + i * n, at + (i + 1) * n) for i in range(rounds)]
            at += rounds * n
        t0 = time.monotonic()
        run_tag = 7_000_000_000_000_000_000 + int(time.time() * 1000) % 10**15 * 1000
        PAYLOADS.extend(make_payloads(at, run_tag))
        print(f"==> {len(PAYLOADS)} signed+encrypted callbacks generated in "
              f"{time.monotonic() - t0:.1f}s")

        res: dict[str, Any] = {"service": {}, "bare": {}}
        # The service needs every request unique; the bare app may reuse them (cycle).
        targets = (("service", svc, False), ("bare", bare, True))
        for target, server, cycle in targets:
            print(f"==> {target}: warm-up {args.warmup:g}s")
            res[target]["warmup"] = run_phase(server, "closed", seconds=args.warmup,
                                              conns=args.conns, payload_range=ranges["warmup"][0],
                                              procs=args.procs, cycle=cycle)
        for phase, label, conns in (
                ("closed", f"closed loop, {args.conns} connections", args.conns),
                ("open", f"open loop, {args.rate:g} req/s", args.open_conns)):
            parts: dict[str, list[dict[str, Any]]] = {"service": [], "bare": []}
            for i in range(rounds):
                for target, server, cycle in targets:
                    print(f"==> {target}: {label}, {part:g}s (round {i + 1}/{rounds})")
                    parts[target].append(run_phase(
                        server, phase, seconds=part, conns=conns, procs=args.procs,
                        payload_range=ranges[phase][i], rate=args.rate, cycle=cycle))
            for target, rounds_done in parts.items():
                res[target][phase] = merge(rounds_done)

        expected = sum(res["service"][k]["ok"] for k in ("warmup", "closed", "open"))
        time.sleep(0.5)
        res["check"] = verify(expected)
    finally:
        for server in servers:
            server.stop()

    svc_r, bare_r = res["service"], res["bare"]
    ratio = svc_r["closed"]["rps"] / bare_r["closed"]["rps"] if bare_r["closed"]["rps"] else 0
    p99 = svc_r["open"]["lat_ms"].get("p99", float("inf"))
    res["verdict"] = {"ratio": ratio, "ratio_met": ratio >= TARGET_RATIO, "p99_ms": p99,
                      "p99_met": p99 <= TARGET_P99_MS and svc_r["open"]["errors"] == 0}
    res["machine"] = machine()
    res["args"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    res["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    res["elapsed_s"] = time.monotonic() - t_begin
    res["background_cores_before"] = background
    print_report(args, res)
    print(f"==> done in {res['elapsed_s']:.0f}s")
    if args.json:
        slim = json.loads(json.dumps(public(res)))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(slim, indent=2, ensure_ascii=False))
    if args.keep_logs:
        print(f"==> logs kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if res["check"]["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
