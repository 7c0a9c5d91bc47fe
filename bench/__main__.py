"""`python -m bench`: seed a large program, serve it with gunicorn next to a bare hello app,
load both from 20 clients and print each page's figures against the hello baseline.

    python -m bench                          # SQLite file under bench/results/
    python -m bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python -m bench --both                   # SQLite, then PostgreSQL (--postgres-url)
    python -m bench --both --floor-only      # only each page against its floor (bench/floor.py)

The PostgreSQL database's schema `public` is dropped and recreated: point it only at a
database you mean to throw away.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import floor, load, web
from bench.common import machine, safe_url, terminate
from bench.seed_large import Shape, bench_app, reset_database, seed

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_POSTGRES_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hub_bench"
)


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    server: str  # "hello" or "hub"
    path: str
    persona: str | None = None
    auth: str = "cookie"  # "cookie" (signed-in browser) or "bearer" (API token)


SCENARIOS = [
    Scenario("hello", "hello (bare Flask)", "hello", "/"),
    Scenario("healthz", "hub /healthz (no sign-in)", "hub", "/healthz"),
    Scenario("dashboard-dealer", "dashboard / (dealer marketer)", "hub", "/", "dealer"),
    Scenario("dashboard-oem", "dashboard / (channel manager)", "hub", "/", "oem"),
    Scenario("dashboard-admin", "dashboard / (program admin)", "hub", "/", "admin"),
    Scenario("directory-dealer", "directory (dealer marketer)", "hub", "/organizations", "dealer"),
    Scenario(
        "directory-distributor",
        "directory (distributor admin)",
        "hub",
        "/organizations",
        "distributor",
    ),
    Scenario("directory-oem", "directory (channel manager)", "hub", "/organizations", "oem"),
    Scenario(
        "api-oem", "API org list (channel manager)", "hub", "/api/v1/organizations", "oem", "bearer"
    ),
    Scenario("hello-again", "hello again (drift check)", "hello", "/"),
]


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    # Quiet the seeding app (Alembic, request log); the servers log to bench/results/logs/.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    signal.signal(signal.SIGTERM, terminate)  # so `finally` stops the servers on kill too
    urls = _database_urls(args)
    config = load.LoadConfig(
        clients=args.clients,
        warmup_seconds=args.warmup,
        duration_seconds=args.duration,
        max_requests=args.max_requests,
    )
    scenarios = [s for s in SCENARIOS if not args.only or s.key in args.only or s.server == "hello"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "server": {
            "command": " ".join(web.gunicorn_command("wsgi:app", 0)[2:]).replace(":0", ":PORT"),
            "worker_class": web.WORKER_CLASS,
            "workers": web.WORKERS,
            "threads": web.THREADS,
            "env": "HUB_ENV_NAME=production (HUB_ALLOW_SQLITE=true on SQLite)",
        },
        "load": asdict(config),
        "passes": [],
    }
    hello = web.Server(
        "hello", "bench.hello_app:app", web.free_port(), RESULTS / "logs" / "hello.log"
    )
    with contextlib.nullcontext() if args.floor_only else web.serving(hello):
        for url in urls:
            report["passes"].append(_run_pass(url, hello, scenarios, config, args))
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out = Path(args.output) if args.output else RESULTS / f"bench-{started:%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2, default=str))
    (RESULTS / "latest.md").write_text(markdown(report))
    print(f"\nresults written to {out} (and a Markdown table to {RESULTS / 'latest.md'})")
    return 0


def _run_pass(url: str, hello: web.Server, scenarios, config, args) -> dict:
    backend = make_url(url).get_backend_name()
    print(f"\n=== {backend}: {safe_url(url)} ===", flush=True)
    secret_key = secrets.token_hex(32)
    instance = RESULTS / "instance"
    reset_database(url)
    app = bench_app(url, secret_key, instance)
    from hub.cli import upgrade_database

    t0 = time.perf_counter()
    upgrade_database(app)
    migrate_seconds = time.perf_counter() - t0
    seeded = seed(app, Shape.scaled(args.scale))
    app.extensions["hub.db"]["engine"].dispose()
    counts = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in seeded.counts.items())
    print(f"schema in {migrate_seconds:.1f}s; seeded {counts} in {seeded.seconds:.1f}s", flush=True)

    env = dict(  # the server inherits no other HUB_* setting (see web.Server)
        HUB_ENV_NAME="production",
        HUB_DATABASE_URL=url,
        HUB_SECRET_KEY=secret_key,
        HUB_INSTANCE_PATH=str(instance),
        HUB_PUBLIC_URL="http://127.0.0.1",  # production needs it (links in e-mails)
    )
    if backend == "sqlite":
        env["HUB_ALLOW_SQLITE"] = "true"
    hub = web.Server(
        "hub", "wsgi:app", web.free_port(), RESULTS / "logs" / f"hub-{backend}.log", env
    )
    results: list[dict] = []
    if not args.floor_only:
        with web.serving(hub):
            servers = {"hello": hello, "hub": hub}
            for scenario in scenarios:
                results.append(_measure(scenario, servers, seeded.personas, config))
        baseline = next((r for r in results if r["key"] == "hello" and r.get("rps")), None)
        _add_ratios(results, baseline)
        _print_table(backend, results)
    floors = []
    if not args.no_floor:
        floors = _floor_in_a_fresh_process(url, backend, args)
    return {
        "backend": backend,
        "database_url": safe_url(url),
        "seed": {"counts": seeded.counts, "seconds": round(seeded.seconds, 2)},
        "personas": {
            k: {"label": p.label, "email": p.email, "organization_id": p.organization_id}
            for k, p in seeded.personas.items()
        },
        "results": results,
        "floor": floors,
    }


def _floor_in_a_fresh_process(url: str, backend: str, args) -> list[dict]:
    """Each page against its floor (`python -m bench.floor`), in a process of its own that
    seeds the same program afresh (and the feature pages' data): measured in this one, the
    figures carried what the load generator's twenty threads left behind (a heap of
    responses, the collector's work over it), which no server process has — the small
    pages read up to 30 % higher (docs/performance.md, session 14)."""
    command = [sys.executable, "-m", "bench.floor", "--requests", str(args.floor_requests)]
    command += ["--scale", str(args.scale), "--results-dir", str(RESULTS)]
    if backend != "sqlite":
        command += ["--database-url", url]
    if args.only:
        command += ["--only", *args.only]
    if args.no_features:
        command.append("--no-features")
    print(f"\n{backend}: each page against its floor, in a fresh process", flush=True)
    subprocess.run(command, check=True)
    return json.loads((RESULTS / f"floor-{backend}.json").read_text())


def _measure(scenario: Scenario, servers, personas, config) -> dict:
    server = servers[scenario.server]
    headers = {}
    if scenario.persona:
        persona = personas[scenario.persona]
        if scenario.auth == "bearer":
            headers["Authorization"] = f"Bearer {persona.api_token}"
        else:
            headers["Cookie"] = f"session={persona.cookie}"
    row = {"key": scenario.key, "label": scenario.label, "path": scenario.path}
    row["load_average_before"] = round(os.getloadavg()[0], 2)  # other work on the machine
    status, location = load.probe(web.HOST, server.port, scenario.path, headers)
    if status != 200:
        row["skipped"] = f"HTTP {status}" + (f" → {location}" if location else "")
        print(f"  {scenario.label:<34} skipped: {row['skipped']}", flush=True)
        return row
    result = load.run_load(web.HOST, server.port, scenario.path, headers, config)
    row.update(result.as_dict())
    print(
        f"  {scenario.label:<34} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  "
        f"p95 {result.p95_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms  errors {result.errors}",
        flush=True,
    )
    return row


def _add_ratios(results: list[dict], baseline: dict | None) -> None:
    if not baseline:
        return
    for row in results:
        if "rps" not in row:
            continue
        row["rps_vs_hello"] = round(row["rps"] / baseline["rps"], 3)
        for q in ("p50", "p95", "p99"):
            row[f"{q}_vs_hello"] = round(row[f"{q}_ms"] / baseline[f"{q}_ms"], 2)


def _print_table(backend: str, results: list[dict]) -> None:
    print(f"\n{backend}: each figure and its ratio against hello measured in this run")
    header = f"{'scenario':<34} {'req/s':>8} {'xhello':>7} {'p50 ms':>8} {'p95 ms':>8} {'xhello':>7} {'p99 ms':>8} {'xhello':>7} {'err':>5}"
    print(header)
    print("-" * len(header))
    for row in results:
        if "rps" not in row:
            print(f"{row['label']:<34} not measured: {row.get('skipped', '?')}")
            continue
        print(
            f"{row['label']:<34} {row['rps']:8.1f} {row.get('rps_vs_hello', 0):6.2f}x "
            f"{row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row.get('p95_vs_hello', 0):6.1f}x "
            f"{row['p99_ms']:8.1f} {row.get('p99_vs_hello', 0):6.1f}x {row['errors']:5d}"
        )
    print()
    for row in results:
        if "rps" in row and row["key"] not in ("hello",):
            print(
                f"{row['label']}: {row['rps']:.0f} req/s = {row.get('rps_vs_hello', 0):.2f}x hello; "
                f"p95 {row['p95_ms']:.1f} ms = {row.get('p95_vs_hello', 0):.1f}x hello"
            )


def markdown(report: dict) -> str:
    """The run as Markdown tables, one per database, for docs/performance.md."""
    out = []
    for p in report["passes"]:
        if not p["results"]:
            continue
        seed = p["seed"]["counts"]
        out.append(
            f"**{p['backend']}** — {seed['organizations']:,} organisations, "
            f"{seed['people']:,} people; run of {report['started_at']}\n"
        )
        out.append(
            "| page (viewer) | req/s | vs hello | p50 ms | p95 ms | vs hello | p99 ms | errors |"
        )
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in p["results"]:
            if "rps" not in r:
                out.append(f"| {r['label']} | not measured: {r.get('skipped', '?')} | | | | | | |")
                continue
            out.append(
                f"| {r['label']} | {r['rps']:,.0f} | {r.get('rps_vs_hello', 0):.2f}x "
                f"| {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r.get('p95_vs_hello', 0):.1f}x "
                f"| {r['p99_ms']:.1f} | {r['errors']} |"
            )
        out.append("")
    out += [floor.markdown(p["backend"], p["floor"]) for p in report["passes"] if p["floor"]]
    return "\n".join(out)


def _database_urls(args) -> list[str]:
    sqlite = f"sqlite:///{RESULTS / 'bench.sqlite3'}"
    if args.both:
        return [sqlite, args.postgres_url]
    return [args.database_url or sqlite]


def _parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    where = p.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="database to seed and serve (default: SQLite file)")
    where.add_argument("--both", action="store_true", help="run on SQLite, then on PostgreSQL")
    p.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="PostgreSQL URL for --both (env HUB_BENCH_POSTGRES_URL; default %(default)s)",
    )
    p.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per page")
    p.add_argument("--duration", type=float, default=6.0, help="measured seconds per page")
    p.add_argument(
        "--max-requests", type=int, default=100_000, help="measured requests cap per page"
    )
    p.add_argument("--scale", type=float, default=1.0, help="program size (1 = 2,000 dealers)")
    p.add_argument("--only", nargs="*", help="scenario keys to run (hello always runs)")
    p.add_argument(
        "--floor-requests", type=int, default=300, help="requests per page for the floor"
    )
    floors = p.add_mutually_exclusive_group()
    floors.add_argument("--no-floor", action="store_true", help="skip the floor measurement")
    floors.add_argument("--floor-only", action="store_true", help="only the floor measurement")
    p.add_argument(
        "--no-features",
        action="store_true",
        help="floor: no feature-area data (bench/floor_seed.py) and none of their pages",
    )
    p.add_argument("--output", help="JSON result file (default bench/results/bench-<time>.json)")
    args = p.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.warmup < 0:
        p.error("clients must be ≥ 1, duration > 0 and warm-up ≥ 0")
    return args


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped", file=sys.stderr)
        sys.exit(130)
