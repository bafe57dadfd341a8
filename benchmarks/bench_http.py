"""Load on loopback against `GET /api/search` (the HTTP service in its own process, as deployed).

Usage: python benchmarks/bench_http.py [--db data/assistant.db] [--workers 1 2] [--seconds 10] [--rate 500]

For each worker count it starts `python -m assistant serve --workers N`, warms it up with every query once,
then measures with 50 keep-alive connections and the queries of the labelled set in turn (tests/data/eval):
- paced: an open-loop client sending `--rate` requests/s spread over the 50 connections; each latency counts
  from the moment the request was due, so a stalled server is charged for the requests it made wait;
- saturated: wrk (Debian's `wrk`, rotating the same queries) or, without it, this client in closed loop, as many
  requests as the service answers;
- paced again with no request repeated (k varied 1–10 per query), so every search misses the answer cache.
The client shares the 2 cores with the server, as it would on one box.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "eval" / "all.jsonl"
CONNECTIONS = 50


def queries() -> list[str]:
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["query"] for r in rows]


def paths(qs: list[str], distinct: bool = False) -> list[str]:
    """One request per query (k=5); `distinct`: every (query, k) pair for k in 1..10, shuffled, so no request
    repeats within a run and the service's answer cache never helps."""
    if not distinct:
        return ["/api/search?" + urlencode({"q": q, "k": 5}) for q in qs]
    pairs = [(q, k) for k in range(1, 11) for q in qs]
    random.Random(0).shuffle(pairs)
    return ["/api/search?" + urlencode({"q": q, "k": k}) for q, k in pairs]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db: Path, workers: int, port: int) -> subprocess.Popen:
    env = {**os.environ, "LOG_LEVEL": "WARNING", "ASSISTANT_STATE_DB": str(Path(tempfile.mkdtemp()) / "state.db")}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--db", str(db), "--port", str(port),
                             "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(proc.stderr.read().decode()[-2000:])


async def get(reader, writer, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))
    await reader.readexactly(length)
    return int(head[9:12])


async def load(port: int, targets: list[str], seconds: float, rate: float | None) -> dict:
    """`rate` requests/s (None: as fast as answered) over CONNECTIONS connections; latencies in ms."""
    total = int(seconds * rate) if rate else None
    latencies: list[float] = []
    errors = 0
    counter = iter(range(10**9))
    start = time.perf_counter()
    stop = start + seconds

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                i = next(counter)
                if (total is not None and i >= total) or (total is None and time.perf_counter() >= stop):
                    return
                due = start + i / rate if rate else time.perf_counter()
                if (wait := due - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                try:
                    status = await get(reader, writer, targets[i % len(targets)])
                except (OSError, asyncio.IncompleteReadError):
                    errors += 1
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                latencies.append((time.perf_counter() - due) * 1000)
                errors += status != 200
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "errors": errors,
            "p50": statistics.median(latencies), "p99": latencies[int(len(latencies) * 0.99) - 1]}


def wrk(port: int, targets: list[str], seconds: float) -> dict | None:
    if shutil.which("wrk") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("paths = {" + ",".join(json.dumps(p) for p in targets) + "}\n"
                     "i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n")
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{int(seconds)}s", "--latency", "-s", script.name,
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50%"), "p99": ms("99%"),
            "errors": (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "assistant.db")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=500)
    args = parser.parse_args()
    if not args.db.exists():
        print(f"no corpus at {args.db}: run `python -m assistant ingest` first", file=sys.stderr)
        return 2
    targets, fresh = paths(queries()), paths(queries(), distinct=True)
    load1 = os.getloadavg()[0]
    print(f"{len(targets)} queries, {CONNECTIONS} connections, {args.seconds:.0f} s per run, "
          f"{os.cpu_count()} CPUs, load average {load1:.1f} at start")
    print("| workers | load | requests/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|")
    for workers in args.workers:
        port = free_port()
        proc = start(args.db, workers, port)
        try:
            asyncio.run(load(port, targets, len(targets) / 200, 200))  # warm-up: every query once, caches filled
            paced = asyncio.run(load(port, targets, args.seconds, args.rate))
            print(f"| {workers} | paced {args.rate:.0f}/s | {paced['rps']:.0f} | {paced['p50']:.1f} | "
                  f"{paced['p99']:.1f} | {paced['errors']} |", flush=True)
            full = wrk(port, targets, args.seconds) or asyncio.run(load(port, targets, args.seconds, None))
            print(f"| {workers} | saturated ({'wrk' if shutil.which('wrk') else 'python'}) | {full['rps']:.0f} | "
                  f"{full['p50']:.1f} | {full['p99']:.1f} | {full['errors']} |", flush=True)
            cold = asyncio.run(load(port, fresh, args.seconds, args.rate))
            print(f"| {workers} | paced {args.rate:.0f}/s, no repeats (cache misses) | {cold['rps']:.0f} | "
                  f"{cold['p50']:.1f} | {cold['p99']:.1f} | {cold['errors']} |", flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
