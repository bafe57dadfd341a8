"""Questions per second through the HTTP API for 1 and 2 replicas (`python -m assistant serve` processes)
sharing one PostgreSQL state store, the load spread round-robin as a load balancer would.

Loopback only. The replicas, the client and PostgreSQL share this machine's cores, so the figure for 2
replicas is what one more process buys here, not what a second machine would (see docs/deploy.md).
Usage: python benchmarks/bench_replicas.py [--db data/assistant.db] [--seconds 20] [--state-url URL]
Without --state-url a throwaway PostgreSQL cluster is started (tests/pg_cluster.py).
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

CLIENT_PROCESSES = 2
THREADS = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def queries() -> list[str]:
    lines = (ROOT / "tests" / "data" / "eval" / "tune.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["query"] for line in lines if line.strip()]


def client(ports: list[int], seconds: float, offset: int, out) -> None:
    """THREADS keep-alive connections per replica port, each asking questions until time is up."""
    import threading

    asked = queries()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(n: int) -> None:
        port = ports[(n + offset) % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = n * 7919 + offset
        while time.monotonic() < deadline:
            q = urllib.parse.quote(asked[i % len(asked)])
            i += 1
            started = time.perf_counter()
            try:
                conn.request("GET", f"/api/search?q={q}&k=5")
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                if ok:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS * len(ports))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((latencies, errors[0]))


def wait_ready(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"replica on port {port} did not start")


def measure(replicas: int, db: Path, state_url: str, seconds: float) -> tuple[float, float, float, int]:
    ports = [free_port() for _ in range(replicas)]
    env = {**os.environ, "ASSISTANT_DB": str(db), "ASSISTANT_STATE_URL": state_url, "LOG_LEVEL": "WARNING"}
    procs = [subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(p)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p in ports]
    try:
        for p in ports:
            wait_ready(p)
        out: multiprocessing.Queue = multiprocessing.Queue()
        started = time.perf_counter()
        clients = [multiprocessing.Process(target=client, args=(ports, seconds, i, out)) for i in range(CLIENT_PROCESSES)]
        for c in clients:
            c.start()
        results = [out.get() for _ in clients]
        for c in clients:
            c.join()
        elapsed = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    latencies = sorted(ms for lat, _ in results for ms in lat)
    errors = sum(e for _, e in results)
    p99 = latencies[int(len(latencies) * 0.99)] if latencies else float("nan")
    return len(latencies) / elapsed, statistics.median(latencies), p99, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "assistant.db")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--state-url", default="")
    args = parser.parse_args()
    cluster = None
    url = args.state_url
    if not url:
        import pg_cluster

        cluster = pg_cluster.start()
        url = cluster.new_database()
    try:
        for replicas in (1, 2):
            qps, p50, p99, errors = measure(replicas, args.db.resolve(), url, args.seconds)
            print(f"{replicas} replica(s): {qps:6.1f} questions/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                  f"errors {errors}  ({CLIENT_PROCESSES}×{THREADS * replicas} client threads, {os.cpu_count()} cores)")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
