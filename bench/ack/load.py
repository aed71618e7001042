"""The webhook ack bench's load generator: processes running an epoll loop over raw
keep-alive sockets with pre-built requests (closed loop for max req/s, open loop at a
fixed rate for latency), and one phase's figures merged from its processes and rounds.
``bench/webhook_ack.py`` calls ``run_phase`` and ``merge``."""

from __future__ import annotations

import collections
import contextlib
import multiprocessing as mp
import resource
import selectors
import socket
import time
from typing import Any

from bench.ack.environment import REQUEST_TIMEOUT
from bench.ack.servers import Server, attribute, system_cpu

# Filled in by main() before the load processes are forked (they inherit it, no copying).
PAYLOADS: list[tuple[bytes, bytes]] = []  # (path?query, body)


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
