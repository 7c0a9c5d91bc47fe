"""`python -m bench.sockets`: 1,000 Socket.IO clients in 100 conversations, against the hub
and against a bare python-socketio server measured in the same run — on one process,
then on two processes sharing rooms through Redis.

    python -m bench.sockets                          # 1,000 clients, 100 conversations, SQLite
    python -m bench.sockets --clients 50             # a quick try (5 conversations)
    python -m bench.sockets --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_sockets
    python -m bench.sockets --modes one              # one process only (no Redis needed)

The PostgreSQL database's schema `public` is dropped and recreated: point it only at a
database you mean to throw away. For the two-process mode a private redis-server is
started on a free port (so the benchmark's rooms never mix with anything else on a shared
Redis: Socket.IO publishes on one fixed channel); `--redis-url` uses a running one instead.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import web
from bench.common import machine, safe_url, terminate
from bench.load import percentile
from bench.seed_large import bench_app, reset_database
from bench.socket_seed import SocketSeed, room_sizes, seed_sockets

RESULTS = Path(__file__).resolve().parent / "results"
MODES = {"one": 1, "two": 2}  # mode → server processes
MODE_LABELS = {"one": "one process", "two": "two processes + Redis"}
# The paced phase first: it sends a fixed number of messages. The closed loop sends as many
# as the server takes, and on a fast machine a small room can use up the hub's limit of
# messages per person (conversations.RATE_LIMIT in RATE_WINDOW) — a phase after it would
# then find every sender waiting and send nothing.
PHASES = ("paced", "max")
PHASE_LABELS = {"max": "closed loop", "paced": "paced"}
READY_TIMEOUT = 600.0  # seconds for the load processes to connect and join every client


@dataclass
class SocketServer(web.Server):
    """A gunicorn server as bench/web.py starts it, with as many threads as sockets.

    With the threading async mode every open WebSocket holds one gthread worker thread for
    as long as it is connected (and gunicorn's --worker-connections caps the connections
    one worker accepts), so the thread count bounds the sockets a process can hold.
    """

    threads: int = web.THREADS

    @property
    def command(self) -> list[str]:
        command = web.gunicorn_command(self.target, self.port)
        command[command.index("--threads") + 1] = str(self.threads)
        return [*command[:-1], "--worker-connections", str(self.threads + 100), command[-1]]

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's processes (master and worker)."""
        if self.process is None:
            return 0.0
        return _cpu_seconds(self.process.pid)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    signal.signal(signal.SIGTERM, terminate)  # so `finally` stops servers and clients
    report = run(args)
    results = Path(args.results_dir)
    started = datetime.fromisoformat(report["started_at"])
    out = Path(args.output) if args.output else results / f"sockets-{started:%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2))
    (results / "sockets-latest.json").write_text(json.dumps(report, indent=2))
    (results / "sockets-latest.md").write_text(markdown(report))
    print(f"\nresults written to {out} (and Markdown to {results / 'sockets-latest.md'})")
    return 0


def run(args) -> dict:
    """Seed, then measure every mode (echo first, then the hub); returns the report."""
    results = Path(args.results_dir)
    (results / "logs").mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{results / 'sockets.sqlite3'}"
    backend = make_url(url).get_backend_name()
    rooms = args.conversations
    started = datetime.now(UTC)
    print(
        f"=== {args.clients:,} clients in {rooms:,} conversations, {backend}: {safe_url(url)} ===",
        flush=True,
    )
    secret_key = secrets.token_hex(32)
    instance = results / "instance-sockets"
    seeded = _seed(url, secret_key, instance, args)
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": _machine(),
        "database": {"backend": backend, "url": safe_url(url)},
        "seed": {"counts": seeded.counts, "seconds": round(seeded.seconds, 2)},
        "load": {
            "clients": args.clients,
            "conversations": rooms,
            "room_sizes": sorted(set(room_sizes(args.clients, rooms))),
            "load_processes": args.load_processes,
            "warmup_seconds": args.warmup,
            "duration_seconds": {"max": args.duration, "paced": args.paced_duration},
            "paced_rate": args.rate,
            "phases": list(args.phases),
            "transport": "websocket",
        },
        "modes": [],
    }
    hub_env = {
        "HUB_ENV_NAME": "production",
        "HUB_DATABASE_URL": url,
        "HUB_SECRET_KEY": secret_key,
        "HUB_INSTANCE_PATH": str(instance),
        "HUB_PUBLIC_URL": "http://127.0.0.1",  # production needs it
    }
    if backend == "sqlite":
        hub_env["HUB_ALLOW_SQLITE"] = "true"
    for mode in args.modes:
        with _message_queue(mode, args, results) as redis_url:
            report["modes"].append(_run_mode(mode, redis_url, hub_env, seeded, args))
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    _print_summary(report)
    return report


def _seed(url: str, secret_key: str, instance: Path, args) -> SocketSeed:
    from hub.cli import upgrade_database

    reset_database(url)
    app = bench_app(url, secret_key, instance)
    try:
        upgrade_database(app)
        seeded = seed_sockets(app, args.clients, args.conversations, args.scale)
    finally:
        app.extensions["hub.db"]["engine"].dispose()
    counts = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in seeded.counts.items())
    print(f"seeded {counts} in {seeded.seconds:.1f}s", flush=True)
    return seeded


@contextlib.contextmanager
def _message_queue(mode: str, args, results: Path):
    """None for one process; for two, the Redis URL (a private redis-server unless given)."""
    if MODES[mode] == 1:
        yield None
        return
    if args.redis_url:
        yield args.redis_url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed: give --redis-url, or --modes one")
    port = web.free_port()
    log = (results / "logs" / "sockets-redis.log").open("wb")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", web.HOST, "--save", "", "--appendonly", "no"],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        log.close()
        url = f"redis://{web.HOST}:{port}/0"
        _wait_for_redis(url, process)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_for_redis(url: str, process: subprocess.Popen, timeout: float = 20.0) -> None:
    import redis

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            if client.ping():
                return
        except redis.exceptions.RedisError:
            time.sleep(0.1)
        finally:
            client.close()
    raise RuntimeError(f"redis-server at {url} did not answer within {timeout:.0f}s")


# --- one mode: echo servers, then hub servers ------------------------------------------


def _run_mode(mode: str, redis_url: str | None, hub_env: dict, seeded: SocketSeed, args) -> dict:
    n = MODES[mode]
    print(f"\n--- {MODE_LABELS[mode]} ---", flush=True)
    threads = args.threads or math.ceil(args.clients / n) + 100
    logs = Path(args.results_dir) / "logs"
    runs = {}
    for kind in ("echo", "hub"):
        if kind == "echo":
            target, ready, env = "bench.socket_echo_app:app", "/", {}
            if redis_url:
                env["BENCH_ECHO_MESSAGE_QUEUE"] = redis_url
        else:
            target, ready, env = "wsgi:app", "/healthz", dict(hub_env)
            if redis_url:
                env["HUB_SOCKETIO_MESSAGE_QUEUE"] = redis_url
        servers = [
            SocketServer(
                f"{kind}-{i + 1}",
                target,
                web.free_port(),
                logs / f"sockets-{mode}-{kind}-{i + 1}.log",
                env,
                threads=threads,
            )
            for i in range(n)
        ]
        with contextlib.ExitStack() as stack:
            for server in servers:
                stack.enter_context(web.serving(server, ready))
            runs[kind] = _measure(kind, servers, seeded, args, redis=bool(redis_url))
    return {
        "mode": mode,
        "label": MODE_LABELS[mode],
        "servers": n,
        "message_queue": "redis (private redis-server)"
        if redis_url and not args.redis_url
        else ("redis" if redis_url else None),
        "gunicorn": " ".join(
            SocketServer("x", "TARGET", 0, Path("x"), threads=threads).command[2:]
        ).replace(":0", ":PORT"),
        "runs": runs,
        "ratios": {phase: _ratios(runs, phase) for phase in args.phases},
    }


def _measure(kind: str, servers: list[SocketServer], seeded: SocketSeed, args, redis) -> dict:
    rooms = args.conversations
    specs: list[list[dict]] = [[] for _ in range(args.load_processes)]
    for i, client in enumerate(seeded.clients):
        # A room's members alternate between the servers: messages cross the queue.
        server = servers[(i // rooms) % len(servers)]
        specs[client.room % args.load_processes].append(
            {
                "url": f"http://{web.HOST}:{server.port}",
                "token": client.token,
                "conversation_id": client.conversation_id,
                "room": client.room,
            }
        )
    tag = secrets.token_hex(4)
    result = {"kind": kind, "label": _kind_label(kind, redis), "phases": {}}
    with LoadProcesses(specs, tag, Path(args.results_dir) / "logs", kind) as load:
        result["connect_seconds"] = load.connect_seconds
        print(
            f"  {result['label']}: {args.clients:,} clients connected and joined in "
            f"{load.connect_seconds:.1f}s",
            flush=True,
        )
        rate_limit = _hub_rate_limit() if kind == "hub" else None
        for phase in args.phases:
            load_average = round(os.getloadavg()[0], 2)
            duration = args.paced_duration if phase == "paced" else args.duration
            cpu0 = [s.cpu_seconds() for s in servers]
            wall0 = time.perf_counter()
            parts = load.run(
                {
                    "cmd": "run",
                    "phase": phase,
                    "warmup": args.warmup,
                    "duration": duration,
                    "rate": args.rate,
                    "total_rooms": rooms,
                    "drain": args.drain,
                    "rate_limit": rate_limit,
                }
            )
            cpu = sum(s.cpu_seconds() - c for s, c in zip(servers, cpu0, strict=True))
            row = _merge(parts, duration, cpu)
            # of one core, summed over the servers, over the whole phase (idle sockets too)
            row["server_cpu_percent"] = round(cpu * 100 / (time.perf_counter() - wall0), 1)
            row["load_average_before"] = load_average
            result["phases"][phase] = row
            _print_row(f"{result['label']}, {PHASE_LABELS[phase]}", row)
    return result


def _kind_label(kind: str, redis: bool) -> str:
    if kind == "echo":
        return "bare python-socketio" + (" + Redis" if redis else "")
    return "hub" + (" + Redis" if redis else "")


def _hub_rate_limit() -> list[float]:
    """The hub's per-person limit, with a little room for the server's clock."""
    from hub.conversations.service import RATE_LIMIT, RATE_WINDOW

    return [RATE_LIMIT, RATE_WINDOW.total_seconds() + 2]


class LoadProcesses:
    """`python -m bench.socket_load` processes, each with its own share of the rooms."""

    def __init__(self, specs: list[list[dict]], tag: str, logs: Path, name: str):
        self.specs = [s for s in specs if s]
        self.tag = tag
        self.logs = logs
        self.name = name
        self.processes: list[subprocess.Popen] = []
        self.lines: list[queue.Queue] = []
        self.readers: list[threading.Thread] = []
        self.connect_seconds = 0.0

    def __enter__(self) -> LoadProcesses:
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            for n, spec in enumerate(self.specs):
                with (self.logs / f"sockets-load-{self.name}-{n + 1}.log").open("wb") as err:
                    process = subprocess.Popen(
                        [sys.executable, "-m", "bench.socket_load"],
                        cwd=web.ROOT,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=err,
                        text=True,
                    )
                self.processes.append(process)
                lines: queue.Queue = queue.Queue()
                reader = threading.Thread(
                    target=_read_lines, args=(process.stdout, lines), daemon=True
                )
                reader.start()
                self.lines.append(lines)
                self.readers.append(reader)
                self._send(process, {"clients": spec, "origin": True, "tag": f"{self.tag}{n}"})
            ready = [self._expect(n, "ready", READY_TIMEOUT) for n in range(len(self.processes))]
            self.connect_seconds = max(r["connect_seconds"] for r in ready)
        except BaseException:
            self._stop()
            raise
        return self

    def run(self, cmd: dict) -> list[dict]:
        """One phase on every process at once (they start at the same wall-clock moment)."""
        cmd = {**cmd, "start_at": time.time() + 1.0}
        for process in self.processes:
            self._send(process, cmd)
        timeout = 1.0 + cmd["warmup"] + cmd["duration"] + cmd["drain"] + 120
        return [self._expect(n, "result", timeout) for n in range(len(self.processes))]

    def __exit__(self, *exc) -> None:
        try:
            for process in self.processes:
                if process.poll() is None:
                    self._send(process, {"cmd": "quit"})
            for n in range(len(self.processes)):
                with contextlib.suppress(RuntimeError):
                    self._expect(n, "bye", 60)
        finally:
            self._stop()

    @staticmethod
    def _send(process: subprocess.Popen, obj: dict) -> None:
        with contextlib.suppress(BrokenPipeError):
            process.stdin.write(json.dumps(obj) + "\n")
            process.stdin.flush()

    def _expect(self, n: int, event: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines[n].get(timeout=max(0.01, left))
            except queue.Empty:
                line = None
            if line is None:  # timed out, or the process closed its output
                log = self.logs / f"sockets-load-{self.name}-{n + 1}.log"
                tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
                raise RuntimeError(f"load process {n + 1} sent no {event!r}:\n{tail}")
            message = json.loads(line)
            if message.get("event") == "error":
                raise RuntimeError(f"load process {n + 1}: {message['error']}")
            if message.get("event") == event:
                return message

    def _stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(OSError):
                process.stdin.close()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        for reader in self.readers:
            reader.join(10)  # the process has exited: its output ends
        for process in self.processes:
            process.stdout.close()


def _read_lines(stream, lines: queue.Queue) -> None:
    with contextlib.suppress(ValueError, OSError):
        for line in stream:
            lines.put(line)
    lines.put(None)


# --- figures ------------------------------------------------------------------------------


def _merge(parts: list[dict], duration: float, server_cpu: float) -> dict:
    """One phase's figures from every load process's share."""
    total = {
        k: sum(p[k] for p in parts)
        for k in (
            "clients",
            "rooms",
            "sent",
            "acked_ok",
            "acked_in_window",
            "unanswered",
            "deliveries",
            "expected_deliveries",
            "echoes",
            "stray",
            "rate_limit_waits",
        )
    }
    refused: dict[str, int] = {}
    for p in parts:
        for error, count in p["refused"].items():
            refused[error] = refused.get(error, 0) + count
    acks = sorted(ms for p in parts for ms in p["ack_ms"])
    deliveries = sorted(ms for p in parts for ms in p["delivery_ms"])
    stored = sum(p["acked_all"] for p in parts)
    row = {
        **total,
        "refused": refused,
        "missing_deliveries": total["expected_deliveries"] - total["deliveries"],
        "messages_per_second": round(total["acked_in_window"] / duration, 1),
        "deliveries_per_second": round(total["deliveries"] / duration, 1),
        "ack_p50_ms": _q(acks, 50),
        "ack_p99_ms": _q(acks, 99),
        "delivery_p50_ms": _q(deliveries, 50),
        "delivery_p99_ms": _q(deliveries, 99),
        "delivery_max_ms": round(deliveries[-1], 2) if deliveries else None,
        "server_cpu_seconds": round(server_cpu, 2),
        # CPU over the whole phase (warm-up and drain too) per message stored in it
        "server_cpu_ms_per_message": round(server_cpu * 1000 / stored, 3) if stored else None,
        "load_cpu_seconds": round(sum(p["cpu_seconds"] for p in parts), 2),
        "drain_seconds": max(p["drain_seconds"] for p in parts),
    }
    row["errors"] = sum(refused.values()) + total["unanswered"] + max(0, row["missing_deliveries"])
    return row


def _q(values: list[float], q: float) -> float | None:
    return round(percentile(values, q), 2) if values else None


def _ratios(runs: dict, phase: str) -> dict:
    """The hub's figures over the bare server's, for one phase."""
    hub, echo = runs["hub"]["phases"].get(phase), runs["echo"]["phases"].get(phase)
    if not hub or not echo:
        return {}
    out = {}
    for key in (
        "messages_per_second",
        "ack_p50_ms",
        "ack_p99_ms",
        "delivery_p50_ms",
        "delivery_p99_ms",
        "server_cpu_ms_per_message",
    ):
        if hub.get(key) is not None and echo.get(key):
            out[key] = float(f"{hub[key] / echo[key]:.3g}")  # 3 significant digits
    return out


def _print_row(label: str, row: dict) -> None:
    print(
        f"    {label:<44} {row['messages_per_second']:8.1f} msg/s  "
        f"ack p50 {_ms(row['ack_p50_ms'])}  delivery p50 {_ms(row['delivery_p50_ms'])} "
        f"p99 {_ms(row['delivery_p99_ms'])}  server CPU {_ms(row['server_cpu_ms_per_message'])}"
        f"/msg  errors {row['errors']}",
        flush=True,
    )


def _ms(value) -> str:
    return "     -  " if value is None else f"{value:7.1f}ms"


def _print_summary(report: dict) -> None:
    print("\nThe hub against the bare python-socketio server measured in this run:")
    for mode in report["modes"]:
        for phase, ratios in mode["ratios"].items():
            if not ratios:
                continue
            print(
                f"  {mode['label']}, {PHASE_LABELS[phase]}: "
                f"{ratios.get('messages_per_second', 0):.2f}x the messages/s, "
                f"delivery p50 {ratios.get('delivery_p50_ms', 0):.1f}x, "
                f"p99 {ratios.get('delivery_p99_ms', 0):.1f}x, "
                f"server CPU per message {ratios.get('server_cpu_ms_per_message', 0):.1f}x"
            )


def markdown(report: dict) -> str:
    """The run as Markdown tables, one per mode, for docs/performance.md."""
    load = report["load"]
    out = [
        f"{load['clients']:,} clients in {load['conversations']:,} conversations "
        f"({'/'.join(map(str, load['room_sizes']))} per room), {report['database']['backend']}; "
        f"run of {report['started_at']}\n"
    ]
    for mode in report["modes"]:
        out.append(f"**{mode['label']}**\n")
        out.append(
            "| server, phase | msg/s | vs bare | ack p50 ms | delivery p50 ms | vs bare "
            "| p99 ms | vs bare | server CPU ms/msg | vs bare | server CPU % | errors |"
        )
        out.append(
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        )
        for phase in load["phases"]:
            ratios = mode["ratios"].get(phase, {})
            for kind in ("echo", "hub"):
                run = mode["runs"][kind]
                row = run["phases"].get(phase)
                if row is None:
                    continue
                hub = kind == "hub"

                def vs(key, digits=1, ratios=ratios, hub=hub):
                    value = ratios.get(key) if hub else 1.0
                    if value is None:
                        return ""
                    return f"{value:.{digits if value >= 0.1 else 3}f}x"

                out.append(
                    f"| {run['label']}, {PHASE_LABELS[phase]} | {row['messages_per_second']:,.0f} "
                    f"| {vs('messages_per_second', 2)} | {_cell(row['ack_p50_ms'])} "
                    f"| {_cell(row['delivery_p50_ms'])} | {vs('delivery_p50_ms')} "
                    f"| {_cell(row['delivery_p99_ms'])} | {vs('delivery_p99_ms')} "
                    f"| {_cell(row['server_cpu_ms_per_message'], 2)} "
                    f"| {vs('server_cpu_ms_per_message')} | {row.get('server_cpu_percent', '')} "
                    f"| {row['errors']} |"
                )
        out.append("")
    return "\n".join(out)


def _cell(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


# --- the machine ----------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its children (gunicorn: master and worker)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out.extend(int(c) for c in (task / "children").read_text().split())
    return out


def _machine() -> dict:
    import aiohttp
    import engineio
    import socketio

    return machine(
        **{
            "python-socketio": _version("python-socketio", socketio),
            "python-engineio": _version("python-engineio", engineio),
            "aiohttp": aiohttp.__version__,
        }
    )


def _version(name: str, module) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return getattr(module, "__version__", "?")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line's options (also what `run` takes)."""
    p = argparse.ArgumentParser(
        prog="python -m bench.sockets", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--clients", type=int, default=1000, help="sockets in all (default 1000)")
    p.add_argument(
        "--conversations", type=int, help="conversations (rooms); default one per 10 clients"
    )
    p.add_argument("--database-url", help="database to seed and serve (default: SQLite file)")
    p.add_argument(
        "--modes",
        nargs="+",
        choices=list(MODES),
        default=list(MODES),
        help="one process, two processes with Redis (default both)",
    )
    p.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES), help="default both")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds before each measurement")
    p.add_argument(
        "--duration", type=float, default=10.0, help="measured seconds of the closed loop"
    )
    p.add_argument(
        "--paced-duration",
        type=float,
        help="measured seconds of the paced phase (default: 3 × --duration)",
    )
    p.add_argument(
        "--rate",
        type=float,
        default=10.0,
        help="messages/s in all in the paced phase (default 10: one per conversation every "
        "10 s with 100 conversations)",
    )
    p.add_argument("--drain", type=float, default=15.0, help="seconds to wait for late deliveries")
    p.add_argument("--scale", type=float, default=1.0, help="program size (1 = 2,000 dealers)")
    p.add_argument("--load-processes", type=int, default=1, help="client processes (default 1)")
    p.add_argument(
        "--threads", type=int, help="gunicorn threads per server (default: its sockets + 100)"
    )
    p.add_argument("--redis-url", help="use this Redis instead of starting a private one")
    p.add_argument("--results-dir", default=str(RESULTS), help="default %(default)s")
    p.add_argument("--output", help="JSON result file (default <results-dir>/sockets-<time>.json)")
    args = p.parse_args(argv)
    if args.paced_duration is None:
        args.paced_duration = 3 * args.duration
    if args.conversations is None:
        args.conversations = max(1, args.clients // 10)
    if (
        args.clients < 2
        or min(args.duration, args.paced_duration) <= 0
        or args.warmup < 0
        or args.rate <= 0
    ):
        p.error("clients must be ≥ 2, duration and rate > 0, warm-up ≥ 0")
    if not 1 <= args.conversations <= args.clients // 2:
        p.error("every conversation needs at least two clients (--conversations ≤ clients / 2)")
    if not 1 <= args.load_processes <= args.conversations:
        p.error("--load-processes must be between 1 and the number of conversations")
    return args


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: servers and clients stopped", file=sys.stderr)
        sys.exit(130)
