"""`python -m bench.coop`: the co-op ledger benchmarks, on SQLite and PostgreSQL.

1. **Import**: 100,000 ERP purchase lines as one CSV file, through `campaigns.imports` —
   the path of the upload page, chunk by chunk with a commit each, into
   `ledger.record_purchases`, which the API calls too — beside a bare DBAPI executemany
   of the same rows into a plain table (same commits), measured in the same run; and
   the same lines again (a replay: all duplicates), and in the API's 5,000-line batches.
2. **Scale**: the balance lookup, a dealer's co-op page and dashboard (and, to show what
   does grow, the program admin's co-op overview and the period close) with 1,000 ledger
   entries in the program, then with two more on every account (one in each year's
   bucket: "active", every partner holding money, as in the large state), then 1,000,000.
   The entries are bulk-loaded across every partner's account (COPY on PostgreSQL,
   executemany on SQLite) with the cached balances kept equal to their sums, and
   `verify_ledger` checks that. The dealer's own account holds the same 200 entries in
   every run: the program grows around it. Pages are served by gunicorn as in production
   and loaded by bench.load (figures as ratios 1M / 1k and 1M / active — the second is
   history alone: the 1k state leaves four fifths of the accounts empty, and the OEM's
   pages do more for partners that hold money).

    python -m bench.coop                                  # SQLite, then PostgreSQL
    python -m bench.coop --backends sqlite --lines 20000  # a quicker look

The PostgreSQL database's schema `public` is dropped and recreated: point --postgres-url
only at a database you mean to throw away (default: coop_bench on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import os
import secrets
import time
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import coop_measure, coop_seed, load, web
from bench.common import add_backend_options, main, run_backends, safe_url
from bench.seed_large import Shape, bench_app, reset_database, seed
from hub import db

DEFAULT_POSTGRES_URL = os.environ.get(
    "HUB_BENCH_COOP_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/coop_bench"
)
DEALER_ENTRIES = 200


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.coop", description=__doc__.split("\n\n")[0])
    add_backend_options(p, DEFAULT_POSTGRES_URL)
    p.add_argument("--lines", type=int, default=100_000, help="purchase lines to import")
    p.add_argument("--small", type=int, default=1_000, help="ledger entries, first run")
    p.add_argument("--large", type=int, default=1_000_000, help="ledger entries, second run")
    p.add_argument("--scale", type=float, default=1.0, help="channel size (1 = 2,000 dealers)")
    p.add_argument("--clients", type=int, default=20, help="concurrent clients (issue 15: 20)")
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--duration", type=float, default=4.0)
    p.add_argument("--skip", nargs="*", default=[], choices=["import", "scale", "web"])
    args = p.parse_args(argv)
    if args.small <= DEALER_ENTRIES or args.large <= args.small:
        p.error(f"need {DEALER_ENTRIES} < --small < --large")
    return args


def run(args: argparse.Namespace) -> dict:
    """Every pass the arguments ask for; the report as a dict (also written as JSON)."""

    def one_pass(url: str, backend: str, results: Path) -> dict:
        one = {"backend": backend, "database_url": safe_url(url)}
        if "import" not in args.skip:
            one["import"] = import_pass(url, args, results)
        if "scale" not in args.skip:
            one["scale"] = scale_pass(url, args, results)
        return one

    return run_backends(args, "coop", one_pass, markdown)


def _fresh(url: str, args, results: Path):
    """An empty, migrated database with bench.seed_large's channel and the co-op program."""
    from hub.cli import upgrade_database

    reset_database(url)
    app = bench_app(url, secrets.token_hex(32), results / "coop-instance")
    upgrade_database(app)
    seeded = seed(app, Shape.scaled(args.scale))
    return app, seeded, coop_seed.create_program(app)


# --- 1. Import -------------------------------------------------------------------------------


def import_pass(url: str, args, results: Path) -> dict:
    app, seeded, setup = _fresh(url, args, results)
    try:
        rows = coop_seed.purchase_rows(setup.partner_ids, args.lines)
        out = {"organizations": seeded.counts["organizations"]}
        out["load_average_before"] = round(os.getloadavg()[0], 2)
        out["baseline"] = coop_measure.bare_insert(app, rows)
        _say("bare executemany into a plain table", out["baseline"])
        out["csv"] = coop_measure.import_csv(app, setup, rows)
        _say("CSV import (imports → record_purchases)", out["csv"])
        out["replay"] = coop_measure.import_csv(app, setup, rows)
        _say("the same file again (all duplicates)", out["replay"])
        api_rows = coop_seed.purchase_rows(setup.partner_ids, args.lines, prefix="API", seed=8)
        out["api_batches"] = coop_measure.import_batches(app, setup, api_rows)
        _say("record_purchases in 5,000-line batches", out["api_batches"])
        out["api_replay"] = coop_measure.import_batches(app, setup, api_rows)
        _say("the same batches again (all duplicates)", out["api_replay"])
        print(
            f"  one 5,000-line API batch: median {out['api_batches']['batch_median_s']} s, "
            f"slowest {out['api_batches']['batch_max_s']} s (new lines); replayed: median "
            f"{out['api_replay']['batch_median_s']} s",
            flush=True,
        )
        base = out["baseline"]["lines_per_second"]
        for key in ("csv", "replay", "api_batches", "api_replay"):
            out[key]["vs_bare_insert"] = round(out[key]["lines_per_second"] / base, 4)
        out["verify"] = coop_measure.verify(app, setup.program_id)
        assert out["verify"]["problems"] == 0, out["verify"]
        assert out["csv"]["accepted"] == args.lines and out["replay"]["accepted"] == 0
        assert out["api_replay"]["accepted"] == 0
        print(
            f"  import: {out['csv']['lines_per_second']:,.0f} lines/s = "
            f"{out['csv']['vs_bare_insert']:.3f}x a bare insert "
            f"({base:,.0f} lines/s); ledger verified in {out['verify']['seconds']} s",
            flush=True,
        )
        return out
    finally:
        app.extensions["hub.db"]["engine"].dispose()


def _say(label: str, figures: dict) -> None:
    print(
        f"  {label:<44} {figures['lines']:>8,} lines in {figures['seconds']:>8.2f} s = "
        f"{figures['lines_per_second']:>10,.0f} lines/s",
        flush=True,
    )


# --- 2. Scale ---------------------------------------------------------------------------------

SCENARIOS = [
    # key, label, persona, path (with {org}), auth
    ("api-balance", "balance lookup, API (dealer)", "dealer", "/api/v1/coop/accounts/{org}?limit=1",
     "bearer"),
    ("coop-page", "co-op page (dealer)", "dealer", "/campaigns/coop", "cookie"),
    ("dashboard", "dashboard / (dealer)", "dealer", "/", "cookie"),
    ("coop-overview", "co-op overview (program admin)", "admin", "/campaigns/coop", "cookie"),
    ("admin-dashboard", "dashboard / (program admin)", "admin", "/", "cookie"),
]  # fmt: skip


def scale_pass(url: str, args, results: Path) -> dict:
    app, seeded, setup = _fresh(url, args, results)
    backend = make_url(url).get_backend_name()
    server = None
    try:
        accounts = coop_seed.open_accounts(app, setup)
        dealer_org = seeded.personas["dealer"].organization_id
        dealer_account = accounts[dealer_org]
        others = [a for org, a in sorted(accounts.items()) if org != dealer_org]
        first = {dealer_account: DEALER_ENTRIES} | coop_seed.spread(
            args.small - DEALER_ENTRIES, others
        )
        loaded = coop_seed.load_entries(app, first)
        if "web" not in args.skip:
            env = {
                "HUB_ENV_NAME": "production",
                "HUB_DATABASE_URL": url,
                "HUB_SECRET_KEY": app.config["SECRET_KEY"],
                "HUB_INSTANCE_PATH": str(results / "coop-instance"),
                "HUB_PUBLIC_URL": "http://127.0.0.1",  # production needs it
            }
            if backend == "sqlite":
                env["HUB_ALLOW_SQLITE"] = "true"
            server = web.Server(
                "hub", "wsgi:app", web.free_port(), results / "logs" / f"coop-{backend}.log", env
            )
            server.start("/healthz")
        runs = {}
        runs["small"] = _measure_size(app, setup, seeded, dealer_org, dealer_account, server, args)
        runs["small"]["load_seconds"] = round(loaded, 2)
        # The same program with every partner holding money in both years' buckets: the
        # state the large one has too (500 entries an account fill both), so that 1M against
        # this ratio is history alone — the small state leaves four fifths of the accounts
        # empty, and the OEM's pages rightly do more for partners with money.
        loaded = coop_seed.load_entries(app, {a: 2 for a in others}, seed=13, every_year=True)
        runs["active"] = _measure_size(app, setup, seeded, dealer_org, dealer_account, server, args)
        runs["active"]["load_seconds"] = round(loaded, 2)
        loaded = coop_seed.load_entries(
            app, coop_seed.spread(max(0, args.large - runs["active"]["entries"]), others), seed=12
        )
        runs["large"] = _measure_size(app, setup, seeded, dealer_org, dealer_account, server, args)
        runs["large"]["load_seconds"] = round(loaded, 2)
        runs["ratios"] = _ratios(runs["small"], runs["large"])
        runs["ratios_active"] = _ratios(runs["active"], runs["large"])
        _print_scale(runs)
        return runs
    finally:
        if server is not None:
            server.stop()
        app.extensions["hub.db"]["engine"].dispose()


def _measure_size(app, setup, seeded, dealer_org, dealer_account, server, args) -> dict:
    out = {"entries": coop_seed.entry_count(app, setup.program_id)}
    out["load_average_before"] = round(os.getloadavg()[0], 2)  # other work on the machine
    print(f"  -- {out['entries']:,} ledger entries in the program", flush=True)
    out["verify"] = coop_measure.verify(app, setup.program_id)
    assert out["verify"]["problems"] == 0, out["verify"]
    out["balance_call"] = coop_measure.balance_lookup(app, dealer_account)
    out["close_daily"] = coop_measure.period_close(app, setup.program_id, coop_measure.BENCH_TODAY)
    out["close_year_end"] = coop_measure.period_close(app, setup.program_id, date(2027, 1, 1))
    print(
        f"     verify-ledger {out['verify']['seconds']} s; ledger.balance median "
        f"{out['balance_call']['median_ms']} ms; close_period daily "
        f"{out['close_daily']['seconds']} s, year-end {out['close_year_end']['seconds']} s "
        f"({out['close_year_end']['expired_buckets']:,} buckets expired, rolled back)",
        flush=True,
    )
    out["pages"] = {}
    if server is None:
        return out
    config = load.LoadConfig(
        clients=args.clients, warmup_seconds=args.warmup, duration_seconds=args.duration
    )
    for key, label, persona_key, path, auth in SCENARIOS:
        persona = seeded.personas[persona_key]
        headers = (
            {"Authorization": f"Bearer {persona.api_token}"}
            if auth == "bearer"
            else {"Cookie": f"session={persona.cookie}"}
        )
        path = path.format(org=dealer_org)
        started = time.perf_counter()
        status, location = load.probe(web.HOST, server.port, path, headers)
        row = {"label": label, "path": path}
        row["single_request_ms"] = round((time.perf_counter() - started) * 1000, 1)
        if status != 200:
            row["skipped"] = f"HTTP {status} {location}".strip()
        else:
            result = load.run_load(web.HOST, server.port, path, headers, config)
            row.update(result.as_dict())
            row["server_cpu_ms"], row["database_cpu_ms"] = server_cpu_per_request(
                server, path, headers, app
            )
            database = (
                f", database CPU {row['database_cpu_ms']} ms/request"
                if row["database_cpu_ms"] is not None
                else ""
            )
            print(
                f"     {label:<34} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  "
                f"p95 {result.p95_ms:7.1f} ms  errors {result.errors}  "
                f"server CPU {row['server_cpu_ms']} ms/request{database}",
                flush=True,
            )
        out["pages"][key] = row
    return out


CPU_REQUESTS = 40


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_cpu(server) -> float:
    """CPU seconds of the gunicorn master and its workers so far."""
    master = server.process.pid
    total = _process_cpu(master)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                total += _process_cpu(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue  # a process that ended meanwhile
    return total


def _database_pids(app) -> list[int]:
    """PostgreSQL: the server processes of the other sessions on the bench database — the
    gunicorn workers' pooled connections, open since the load run (none on SQLite, which
    runs inside the workers)."""
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name != "postgresql":
            return []
        pids = connection.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).scalars()
        out = list(pids)
        db.session.rollback()
        return out


def _processes_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds so far of each of the processes still running."""
    out = {}
    for pid in pids:
        try:
            out[pid] = _process_cpu(pid)
        except (OSError, ValueError, IndexError):
            continue  # a connection closed meanwhile
    return out


def server_cpu_per_request(server, path: str, headers: dict, app=None):
    """The server's CPU per request, in ms, over CPU_REQUESTS requests one after another —
    what other work on the machine moves far less than latency — and, on PostgreSQL, the
    database server's (its backends for the workers' connections, read from /proc), which
    is not in the first. (None, None) without /proc; the second is None on SQLite."""
    if not Path("/proc").is_dir():
        return None, None
    pids = _database_pids(app) if app is not None else []
    before, database_before = _server_cpu(server), _processes_cpu(pids)
    for _ in range(CPU_REQUESTS):
        load.probe(web.HOST, server.port, path, headers)
    server_ms = round((_server_cpu(server) - before) / CPU_REQUESTS * 1000, 1)
    if not pids:
        return server_ms, None
    after = _processes_cpu(pids)  # a backend that ended meanwhile counts for neither
    spent = sum(after[pid] - database_before[pid] for pid in after if pid in database_before)
    return server_ms, round(spent / CPU_REQUESTS * 1000, 1)


def _ratios(small: dict, large: dict) -> dict:
    """large / small: 1.0 means the figure did not move as the program grew."""

    def ratio(a, b):
        return round(b / a, 3) if a else None

    out = {
        "balance_call_median": ratio(
            small["balance_call"]["median_ms"], large["balance_call"]["median_ms"]
        ),
        "close_daily": ratio(small["close_daily"]["seconds"], large["close_daily"]["seconds"]),
        "verify": ratio(small["verify"]["seconds"], large["verify"]["seconds"]),
    }
    for key, row in small["pages"].items():
        other = large["pages"].get(key, {})
        if row.get("rps") and other.get("rps"):
            out[f"{key}_rps"] = ratio(row["rps"], other["rps"])
            out[f"{key}_p50"] = ratio(row["p50_ms"], other["p50_ms"])
        if row.get("server_cpu_ms") and other.get("server_cpu_ms"):
            out[f"{key}_cpu"] = ratio(row["server_cpu_ms"], other["server_cpu_ms"])
        if row.get("database_cpu_ms") and other.get("database_cpu_ms"):
            out[f"{key}_db_cpu"] = ratio(row["database_cpu_ms"], other["database_cpu_ms"])
    return out


def _print_scale(runs: dict) -> None:
    for name, base in (("ratios", "small"), ("ratios_active", "active")):
        if name not in runs:
            continue
        print(f"  ratios {runs['large']['entries']:,} / {runs[base]['entries']:,} entries:")
        for key, value in runs[name].items():
            print(f"     {key:<28} {value}")


# --- Markdown -------------------------------------------------------------------------------


def markdown(report: dict) -> str:
    """The figures as tables for docs/performance.md."""
    out = []
    for p in report["passes"]:
        name = "SQLite" if p["backend"] == "sqlite" else "PostgreSQL"
        if "import" in p:
            i = p["import"]
            out.append(f"**{name} — import of {i['csv']['lines']:,} purchase lines**\n")
            out.append("| path | lines/s | vs bare insert | seconds |")
            out.append("| --- | ---: | ---: | ---: |")
            out.append(
                f"| bare executemany into a plain table (baseline) | "
                f"{i['baseline']['lines_per_second']:,.0f} | 1.000x | {i['baseline']['seconds']} |"
            )
            for key, label in (
                (
                    "csv",
                    f"CSV import (check, store, chunks of {coop_measure.COMMIT_EVERY:,} → record_purchases)",
                ),
                ("replay", "the same file again (all duplicates)"),
                ("api_batches", "record_purchases in 5,000-line batches (API)"),
                ("api_replay", "the same batches again (all duplicates)"),
            ):
                r = i[key]
                out.append(
                    f"| {label} | {r['lines_per_second']:,.0f} | {r['vs_bare_insert']:.3f}x "
                    f"| {r['seconds']} |"
                )
            out.append(
                f"\nOne 5,000-line API batch (checked, written, committed): median "
                f"{i['api_batches']['batch_median_s']} s, slowest {i['api_batches']['batch_max_s']} s; "
                f"replayed: median {i['api_replay']['batch_median_s']} s. `verify_ledger` after the "
                f"import: {i['verify']['seconds']} s.\n"
            )
        if "scale" in p:
            s = p["scale"]
            duration = report["arguments"]["duration"]
            out += _scale_table(name, s["small"], s["large"], s["ratios"], duration)
            if "active" in s:
                out += _scale_table(name, s["active"], s["large"], s["ratios_active"], duration)
    return "\n".join(out)


def _scale_table(name: str, small: dict, large: dict, ratios: dict, duration: float) -> list:
    out = []
    out.append(
        f"**{name} — {small['entries']:,} vs {large['entries']:,} ledger entries in the program**\n"
    )
    out.append(f"| measure | {small['entries']:,} entries | {large['entries']:,} entries | ratio |")
    out.append("| --- | ---: | ---: | ---: |")
    out.append(
        f"| `ledger.balance` (median) | {small['balance_call']['median_ms']} ms "
        f"| {large['balance_call']['median_ms']} ms | "
        f"{ratios['balance_call_median']}x |"
    )
    for key, row in small["pages"].items():
        other = large["pages"].get(key, {})
        if row.get("p95_ms") and other.get("p95_ms"):
            row = row | {"label": f"{row['label']} (p95 {row['p95_ms']:.0f} / "
                         f"{other['p95_ms']:.0f} ms)"}  # fmt: skip
        if not row.get("rps") or not other.get("rps"):
            out.append(
                f"| {row['label']}: one request alone, no load | "
                f"{row.get('single_request_ms', '?')} ms | "
                f"{other.get('single_request_ms', '?')} ms | (no answer within the "
                f"{duration:g} s window under load) |"
            )
            continue
        out.append(
            f"| {row['label']}: req/s (p50) | {row['rps']:,.0f} ({row['p50_ms']:.1f} ms) "
            f"| {other['rps']:,.0f} ({other['p50_ms']:.1f} ms) "
            f"| {ratios[f'{key}_rps']}x ({ratios[f'{key}_p50']}x) |"
        )
        if row.get("server_cpu_ms") and other.get("server_cpu_ms"):
            out.append(
                f"| {row['label'].split(' (p95')[0]}: server CPU per request | "
                f"{row['server_cpu_ms']} ms | {other['server_cpu_ms']} ms "
                f"| {ratios[f'{key}_cpu']}x |"
            )
        if row.get("database_cpu_ms") and other.get("database_cpu_ms"):
            out.append(
                f"| {row['label'].split(' (p95')[0]}: database CPU per request | "
                f"{row['database_cpu_ms']} ms | {other['database_cpu_ms']} ms "
                f"| {ratios[f'{key}_db_cpu']}x |"
            )
    out.append(
        f"| `close_period`, a daily run (nothing due) | {small['close_daily']['seconds']} s "
        f"| {large['close_daily']['seconds']} s | {ratios['close_daily']}x |"
    )
    out.append(
        f"| `close_period` on 1 January (expires 2025 buckets) | "
        f"{small['close_year_end']['seconds']} s | {large['close_year_end']['seconds']} s "
        "| |"
    )
    out.append(
        f"| `verify_ledger` | {small['verify']['seconds']} s | "
        f"{large['verify']['seconds']} s | {ratios['verify']}x |"
    )
    out.append(
        f"| bulk load of the entries | {small['load_seconds']} s | {large['load_seconds']} s | |"
    )
    out.append("")
    return out


if __name__ == "__main__":
    main(lambda: run(parse_args()))
