"""What every benchmark runner shares: the machine it ran on, database URLs fit to print,
the `--backends` / `--postgres-url` / `--results-dir` options, the report's frame (its
header, one pass per database, the JSON and Markdown written at the end) and a `main`
that stops its servers on SIGTERM and Ctrl-C alike.

    parser = argparse.ArgumentParser(...)
    add_backend_options(parser, DEFAULT_POSTGRES_URL)
    report = run_backends(args, "ideas", one_pass, markdown)   # one_pass(url, backend)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

RESULTS = Path(__file__).resolve().parent / "results"
BACKENDS = ("sqlite", "postgresql")


def machine(**versions: str) -> dict:
    """The machine and the versions the figures depend on (extra ones by name)."""
    import gunicorn

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "gunicorn": gunicorn.__version__,
        "processor": platform.processor() or platform.machine(),
        **versions,
    }


def safe_url(url: str) -> str:
    """The URL with its password hidden, for reports and the console."""
    return make_url(url).render_as_string(hide_password=True)


def terminate(signum, _frame):
    """SIGTERM as SystemExit, so `finally` blocks stop servers and clients on kill too."""
    print(f"\nsignal {signum}: stopping the servers", file=sys.stderr, flush=True)
    raise SystemExit(128 + signum)


def add_backend_options(parser: argparse.ArgumentParser, default_postgres_url: str) -> None:
    """--backends (SQLite, then PostgreSQL), --postgres-url and --results-dir."""
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument(
        "--postgres-url",
        default=default_postgres_url,
        help="a database to throw away: its schema public is dropped (default %(default)s)",
    )
    parser.add_argument("--results-dir", default=str(RESULTS))


def run_backends(
    args: argparse.Namespace,
    name: str,
    one_pass: Callable[[str, str, Path], dict],
    markdown: Callable[[dict], str],
    **header,
) -> dict:
    """One pass per database of --backends (`one_pass(url, backend, results)`, the SQLite
    file being results/<name>-bench.sqlite3), in a report with the machine, the
    arguments and start and end times, written as results/<name>-latest.json and .md."""
    results = Path(args.results_dir)
    results.mkdir(parents=True, exist_ok=True)
    report = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **header,
        "arguments": {k: v for k, v in vars(args).items() if k != "postgres_url"},
        "passes": [],
    }
    for backend in args.backends:
        url = (
            f"sqlite:///{results / f'{name}-bench.sqlite3'}"
            if backend == "sqlite"
            else args.postgres_url
        )
        print(f"\n=== {backend}: {safe_url(url)} ===", flush=True)
        if backend != "sqlite":
            create_postgres_database_if_missing(make_url(url))
        report["passes"].append(one_pass(url, backend, results))
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    latest = results / f"{name}-latest"
    latest.with_suffix(".json").write_text(json.dumps(report, indent=2, default=str))
    latest.with_suffix(".md").write_text(markdown(report))
    print(f"\nresults in {latest}.json and {latest.name}.md")
    return report


def main(run: Callable[[], object], stopped: str = "servers stopped") -> None:
    """Run a benchmark as a command: warnings only from the libraries, SIGTERM and Ctrl-C
    end it through its `finally` blocks (which stop what it started); exits 0, or 130."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    signal.signal(signal.SIGTERM, terminate)
    try:
        run()
    except KeyboardInterrupt:
        print(f"\ninterrupted: {stopped}", file=sys.stderr)
        sys.exit(130)
    sys.exit(0)


def create_postgres_database_if_missing(url) -> None:
    """CREATE DATABASE url's database if the server has none of that name (a new machine)."""
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
            )
            if not exists:
                quoted = conn.dialect.identifier_preparer.quote(url.database)
                conn.exec_driver_sql(f"CREATE DATABASE {quoted}")
    finally:
        admin.dispose()
