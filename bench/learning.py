"""`python -m bench.learning`: the learning pages at scale, on SQLite and PostgreSQL.

1. **Pages**: the learner dashboard (`/learning`, the dealer persona) and the organisation
   standing page (`/learning/standing/<org>`, its partner admin) with 200 certifications
   in the program, then with 200,000 among bench.seed_large's 20,000 people — same run,
   same database. The focal organisation holds the same 200 certifications in both: the
   program grows around it. Each page is requested in process (Flask's test client, a
   fresh app context and session per request, the production configuration), one at a
   time: p50/p95 and the SQL statements each request sent.
   Goal: the same statement count at both sizes and p95 within 1.5x of the small program.
2. **Certificates**: the PNG and PDF of a certification (`learning.certifications.
   certificate`) beside a bare Pillow floor — a blank image of the same size, one line of
   text, saved in the same format with the same options.

    python -m bench.learning                                 # SQLite, then PostgreSQL
    python -m bench.learning --backends sqlite --scale 0.1   # a quicker look

The PostgreSQL database's schema `public` is dropped and recreated: point --postgres-url
only at a database you mean to throw away.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import secrets
import signal
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench import learning_seed
from bench.__main__ import _machine, _safe_url, _terminate
from bench.seed_large import Shape, bench_app, reset_database, seed

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_POSTGRES_URL = os.environ.get(
    "HUB_BENCH_LEARNING_POSTGRES_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/learning_bench",
)
GOAL_P95_RATIO = 1.5
# Transaction bookkeeping is not a query the page asks for.
_BOOKKEEPING = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK|BEGIN|COMMIT)\b", re.I)

PAGES = [
    # key, label, persona, path ({org} is the focal organisation)
    ("dashboard", "learner dashboard /learning (dealer staff)", "dealer", "/learning/"),
    ("standing", "standing page (its partner admin)", "dealer_admin", "/learning/standing/{org}"),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.learning", description=__doc__.split("\n\n")[0])  # fmt: skip
    p.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"],
                   default=["sqlite", "postgresql"])  # fmt: skip
    p.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    p.add_argument("--small", type=int, default=200, help="certifications, first size")
    p.add_argument("--large", type=int, default=200_000, help="certifications, second size")
    p.add_argument("--scale", type=float, default=1.0, help="channel size (1 = 20,000 people)")
    p.add_argument("--requests", type=int, default=200, help="measured requests per page")
    p.add_argument("--warmup", type=int, default=10, help="unmeasured requests per page")
    p.add_argument("--renders", type=int, default=15, help="certificates rendered per format")
    p.add_argument("--results-dir", default=str(RESULTS))
    args = p.parse_args(argv)
    if not 0 < args.small < args.large or args.requests < 1:
        p.error("need 0 < --small < --large and --requests ≥ 1")
    return args


def run(args: argparse.Namespace) -> dict:
    """Every pass the arguments ask for; the report as a dict (also written as JSON)."""
    results = Path(args.results_dir)
    results.mkdir(parents=True, exist_ok=True)
    report = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "method": "in process: Flask test client, one request at a time",
        "arguments": vars(args),
        "passes": [],
    }
    for backend in args.backends:
        url = (
            f"sqlite:///{results / 'learning-bench.sqlite3'}"
            if backend == "sqlite"
            else args.postgres_url
        )
        print(f"\n=== {backend}: {_safe_url(url)} ===", flush=True)
        report["passes"].append(one_pass(url, args, results))
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    (results / "learning-latest.json").write_text(json.dumps(report, indent=2, default=str))
    (results / "learning-latest.md").write_text(markdown(report))
    print(f"\nresults in {results / 'learning-latest.json'} and learning-latest.md")
    return report


def one_pass(url: str, args, results: Path) -> dict:
    from hub.cli import upgrade_database

    reset_database(url)
    app = bench_app(url, secrets.token_hex(32), results / "learning-instance")
    try:
        upgrade_database(app)
        seeded = seed(app, Shape.scaled(args.scale))
        setup = learning_seed.create_program(app, seeded)
        out = {"backend": make_url(url).get_backend_name(), "database_url": _safe_url(url)}
        out["people"] = seeded.counts["people"]
        out["sizes"] = {}
        loaded = learning_seed.load_certifications(
            app, setup.focal_people, setup.levels, args.small, seed=1
        )
        out["sizes"]["small"] = measure_size(app, setup, args, loaded)
        loaded = learning_seed.load_certifications(
            app, setup.other_people, setup.levels, args.large - args.small, seed=2
        )
        out["sizes"]["large"] = measure_size(app, setup, args, loaded)
        out["verdict"] = verdict(out["sizes"]["small"], out["sizes"]["large"])
        for key, v in out["verdict"].items():
            print(
                f"  {key}: statements {v['statements']} → flat: {v['flat']}; p95 "
                f"{v['p95_ratio']}x → within {GOAL_P95_RATIO}x: {v['p95_ok']}",
                flush=True,
            )
        cert_id = learning_seed.a_certification_id(app, setup.personas["dealer"].person_id)
        out["certificate"] = certificates(app, cert_id, args.renders)
        return out
    finally:
        app.extensions["hub.db"]["engine"].dispose()


def measure_size(app, setup, args, load_seconds: float) -> dict:
    out = {"certifications": learning_seed.certification_count(app)}
    out["load_seconds"] = round(load_seconds, 2)
    out["load_average_before"] = round(os.getloadavg()[0], 2)  # other work on the machine
    print(f"  -- {out['certifications']:,} certifications in the program", flush=True)
    out["pages"] = {}
    for key, label, persona_key, path in PAGES:
        persona = setup.personas[persona_key]
        row = {"label": label, "path": path.format(org=setup.focal_org_id)}
        row.update(measure_page(app, row["path"], persona.cookie, args.warmup, args.requests))
        print(
            f"     {label:<44} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
            f"statements {row['statements']}",
            flush=True,
        )
        out["pages"][key] = row
    return out


def measure_page(app, path: str, cookie: str, warmup: int, requests: int) -> dict:
    """GET path `warmup` + `requests` times, each in a fresh thread (its own app context
    and session, as in production); the timings and SQL statements of the measured ones."""
    engine = app.extensions["hub.db"]["engine"]
    client = app.test_client(use_cookies=False)
    headers = {"Cookie": f"session={cookie}"}
    counts: list[int] = []
    times: list[float] = []
    box: dict = {}

    def count(conn, cursor, statement, *_):
        if not _BOOKKEEPING.match(statement):
            box["n"] += 1

    def get():
        started = time.perf_counter()
        box["response"] = client.get(path, headers=headers)
        box["ms"] = (time.perf_counter() - started) * 1000

    event.listen(engine, "before_cursor_execute", count)
    try:
        for i in range(warmup + requests):
            box["n"] = 0
            thread = threading.Thread(target=get)
            thread.start()
            thread.join()
            status = box["response"].status_code
            if status != 200:
                raise RuntimeError(f"GET {path}: HTTP {status}")
            if i >= warmup:
                counts.append(box["n"])
                times.append(box["ms"])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    times.sort()
    return {
        "requests": requests,
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
        "statements": max(counts),
        "statements_min": min(counts),
        "bytes": len(box["response"].data),
    }


def verdict(small: dict, large: dict) -> dict:
    out = {}
    for key, row in small["pages"].items():
        other = large["pages"][key]
        ratio = round(other["p95_ms"] / row["p95_ms"], 2)
        out[key] = {
            "statements": f"{row['statements']} / {other['statements']}",
            "flat": other["statements"] == row["statements"],
            "p95_ratio": ratio,
            "p95_ok": ratio <= GOAL_P95_RATIO,
        }
    return out


def certificates(app, cert_id: int, renders: int) -> dict:
    """The certificate's PNG and PDF against the floor: a blank image of the same size, one
    line of text in the same font, saved with the same options."""
    from hub import db
    from hub.fonts import font
    from learning.certifications import certificate
    from learning.certifications.models import Certification

    def floor(fmt: str, **options) -> bytes:
        image = Image.new("RGB", (certificate.WIDTH, certificate.HEIGHT), "white")
        ImageDraw.Draw(image).text((110, 110), "Certificate", font=font(30), fill=(0, 0, 0))
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        return buffer.getvalue()

    out = {}
    with app.test_request_context("/"):
        cert = db.session.get(Certification, cert_id)
        url = f"http://127.0.0.1/verify/{cert.credential_id}"
        jobs = {
            "png": (
                lambda: certificate.png_bytes(cert, "Fieldcrest Partner Program", url),
                lambda: floor("PNG", optimize=True),
            ),
            "pdf": (
                lambda: certificate.pdf_bytes(cert, "Fieldcrest Partner Program", url),
                lambda: floor("PDF", resolution=136.0),
            ),
        }
        for fmt, (real, bare) in jobs.items():
            real_ms, size = _timed(real, renders)
            floor_ms, _ = _timed(bare, renders)
            out[fmt] = {
                "median_ms": real_ms,
                "floor_median_ms": floor_ms,
                "vs_floor": round(real_ms / floor_ms, 2),
                "bytes": size,
            }
            print(
                f"  certificate {fmt.upper()}: {real_ms} ms, bare Pillow floor {floor_ms} ms "
                f"= {out[fmt]['vs_floor']}x ({size:,} bytes)",
                flush=True,
            )
        db.session.rollback()
    return out


def _timed(fn, repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        size = len(fn())
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1), size


def markdown(report: dict) -> str:
    """The figures as tables for docs/performance.md."""
    out = []
    for p in report["passes"]:
        name = "SQLite" if p["backend"] == "sqlite" else "PostgreSQL"
        small, large = p["sizes"]["small"], p["sizes"]["large"]
        out.append(
            f"**{name}** — {p['people']:,} people; {small['certifications']:,} then "
            f"{large['certifications']:,} certifications (load average "
            f"{small['load_average_before']} / {large['load_average_before']})\n"
        )
        out.append(
            f"| page | statements {small['certifications']:,} / {large['certifications']:,} "
            f"| p50 ms | p95 ms | p95 ratio | goal met |"
        )
        out.append("| --- | ---: | ---: | ---: | ---: | --- |")
        for key, row in small["pages"].items():
            other, v = large["pages"][key], p["verdict"][key]
            met = "yes" if v["flat"] and v["p95_ok"] else "no"
            out.append(
                f"| {row['label']} | {v['statements']} | {row['p50_ms']} / {other['p50_ms']} "
                f"| {row['p95_ms']} / {other['p95_ms']} | {v['p95_ratio']}x | {met} |"
            )
        out.append("")
        out.append("| certificate | median ms | bare Pillow floor ms | vs floor | bytes |")
        out.append("| --- | ---: | ---: | ---: | ---: |")
        for fmt, c in p["certificate"].items():
            out.append(
                f"| {fmt.upper()} | {c['median_ms']} | {c['floor_median_ms']} "
                f"| {c['vs_floor']}x | {c['bytes']:,} |"
            )
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    signal.signal(signal.SIGTERM, _terminate)
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
