"""A small closed-loop load generator: N client threads, each with one keep-alive
http.client connection, sending GETs back to back to 127.0.0.1 only.

Each run has a warm-up (not measured), then a measured window bounded both in time and
in the number of requests. Throughput is measured requests / window; latency is per
request, from sending it to having read the whole body.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import asdict, dataclass, field

ALLOWED_HOSTS = {"127.0.0.1"}


@dataclass
class LoadConfig:
    clients: int = 20
    warmup_seconds: float = 2.0
    duration_seconds: float = 6.0
    max_requests: int = 100_000  # measured requests; whichever bound comes first ends a run
    timeout_seconds: float = 30.0


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    bytes_per_response: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def probe(
    host: str, port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    """One GET: the status and, for a redirect, where it points."""
    _check_host(host)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location", "")
    finally:
        conn.close()


def run_load(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str] | None = None,
    config: LoadConfig | None = None,
) -> LoadResult:
    _check_host(host)
    config = config or LoadConfig()
    headers = {"Connection": "keep-alive", **(headers or {})}
    start = time.perf_counter()
    measure_from = start + config.warmup_seconds
    measure_until = measure_from + config.duration_seconds
    lock = threading.Lock()
    measured = 0
    stop = threading.Event()
    samples: list[list[tuple[float, float, int, int]]] = [[] for _ in range(config.clients)]
    failures = [0] * config.clients

    def client(index: int) -> None:
        nonlocal measured
        own = samples[index]
        conn = None
        while not stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=config.timeout_seconds)
            t0 = time.perf_counter()
            if t0 >= measure_until:
                break
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                status = response.status
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = None
                if t0 >= measure_from:
                    failures[index] += 1
                continue
            t1 = time.perf_counter()
            if t0 >= measure_from and t1 <= measure_until:
                own.append((t0, t1, status, len(body)))
                with lock:
                    measured += 1
                    if measured >= config.max_requests:
                        stop.set()
        if conn is not None:
            conn.close()

    threads = [
        threading.Thread(target=client, args=(i,), name=f"bench-client-{i}", daemon=True)
        for i in range(config.clients)
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        stop.set()  # interrupted (Ctrl-C, SIGTERM): the clients stop sending too

    rows = [row for own in samples for row in own]
    statuses: dict[str, int] = {}
    for _, _, status, _ in rows:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    ok = [row for row in rows if row[2] == 200]
    latencies = sorted((t1 - t0) * 1000 for t0, t1, _, _ in ok)
    end = max((t1 for _, t1, _, _ in rows), default=measure_from)
    seconds = max(end - measure_from, 1e-9)
    errors = len(rows) - len(ok) + sum(failures)
    if failures and sum(failures):
        statuses["connection-error"] = sum(failures)
    return LoadResult(
        requests=len(ok),
        errors=errors,
        seconds=round(seconds, 3),
        rps=round(len(ok) / seconds, 1),
        p50_ms=round(percentile(latencies, 50), 2),
        p95_ms=round(percentile(latencies, 95), 2),
        p99_ms=round(percentile(latencies, 99), 2),
        mean_ms=round(sum(latencies) / len(latencies), 2) if latencies else float("nan"),
        max_ms=round(latencies[-1], 2) if latencies else float("nan"),
        statuses=statuses,
        bytes_per_response=round(sum(row[3] for row in ok) / len(ok)) if ok else 0,
    )


def _check_host(host: str) -> None:
    if host not in ALLOWED_HOSTS:
        raise ValueError(f"the load generator only talks to 127.0.0.1, not {host!r}")
