"""`python -m bench.learning`: the learning pages at scale, on SQLite and PostgreSQL.

1. **Pages**: the learner dashboard (`/learning`, the dealer persona) and the organisation
   standing page (`/learning/standing/<org>`, its partner admin) with 200 certifications
   in the program, then with 200,000 among bench.seed_large's 20,000 people — same run:
   the small program's database is copied and the copy grown, so the focal organisation
   holds the same 200 certifications in both. Each page is requested in process (Flask's
   test client, a fresh app context and session per request, the production
   configuration), one request at a time, small and large programs in turn (so other work
   on the machine weighs on both alike): p50/p95 and the SQL statements each request sent.
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
import os
import re
import secrets
import statistics
import threading
import time
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench import learning_seed
from bench.common import add_backend_options, main, run_backends, safe_url
from bench.seed_large import Shape, bench_app, reset_database, seed

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
    add_backend_options(p, DEFAULT_POSTGRES_URL)
    p.add_argument("--small", type=int, default=200, help="certifications, first size")
    p.add_argument("--large", type=int, default=200_000, help="certifications, second size")
    p.add_argument("--scale", type=float, default=1.0, help="channel size (1 = 20,000 people)")
    p.add_argument("--requests", type=int, default=200, help="measured requests per page")
    p.add_argument("--warmup", type=int, default=10, help="unmeasured requests per page")
    p.add_argument("--renders", type=int, default=15, help="certificates rendered per format")
    args = p.parse_args(argv)
    if not 0 < args.small < args.large or args.requests < 1:
        p.error("need 0 < --small < --large and --requests ≥ 1")
    return args


def run(args: argparse.Namespace) -> dict:
    """Every pass the arguments ask for; the report as a dict (also written as JSON)."""
    return run_backends(
        args,
        "learning",
        lambda url, _backend, results: one_pass(url, args, results),
        markdown,
        method="in process: Flask test client, one request at a time",
    )


def one_pass(url: str, args, results: Path) -> dict:
    """Seed the program with the focal organisation's certifications, copy the database,
    grow the copy to the large program, then measure both, request by request in turn."""
    from hub.cli import upgrade_database

    reset_database(url)
    key, instance = secrets.token_hex(32), results / "learning-instance"
    small_app = bench_app(url, key, instance)
    large_app = None
    try:
        upgrade_database(small_app)
        seeded = seed(small_app, Shape.scaled(args.scale))
        setup = learning_seed.create_program(small_app, seeded)
        out = {"backend": make_url(url).get_backend_name(), "database_url": safe_url(url)}
        out["people"] = seeded.counts["people"]
        loaded_small = learning_seed.load_certifications(
            small_app, setup.focal_people, setup.levels, args.small, seed=1
        )
        small_app.extensions["hub.db"]["engine"].dispose()
        large_url = learning_seed.copy_database(url)
        large_app = bench_app(large_url, key, instance)  # same key: the same cookies sign in
        loaded_large = learning_seed.load_certifications(
            large_app, setup.other_people, setup.levels, args.large - args.small, seed=2
        )
        out["sizes"] = {
            "small": _size(small_app, loaded_small),
            "large": _size(large_app, loaded_large),
        }
        out["load_average_before"] = round(os.getloadavg()[0], 2)  # other work on the machine
        print(
            f"  {out['sizes']['small']['certifications']:,} vs "
            f"{out['sizes']['large']['certifications']:,} certifications, requests in turn "
            f"(load average {out['load_average_before']})",
            flush=True,
        )
        for page_key, label, persona_key, path in PAGES:
            path = path.format(org=setup.focal_org_id)
            cookie = setup.personas[persona_key].cookie
            pair = measure_pair(small_app, large_app, path, cookie, args.warmup, args.requests)
            for size, row in pair.items():
                out["sizes"][size]["pages"][page_key] = {"label": label, "path": path} | row
                print(
                    f"     {label:<44} {size:<5} p50 {row['p50_ms']:7.1f} ms  "
                    f"p95 {row['p95_ms']:7.1f} ms  statements {row['statements']}",
                    flush=True,
                )
        out["load_average_after"] = round(os.getloadavg()[0], 2)
        out["verdict"] = verdict(out["sizes"]["small"], out["sizes"]["large"])
        for page_key, v in out["verdict"].items():
            print(
                f"  {page_key}: statements {v['statements']} → flat: {v['flat']}; p95 "
                f"{v['p95_ratio']}x → within {GOAL_P95_RATIO}x: {v['p95_ok']}",
                flush=True,
            )
        cert_id = learning_seed.a_certification_id(small_app, setup.personas["dealer"].person_id)
        out["certificate"] = certificates(small_app, cert_id, args.renders)
        return out
    finally:
        small_app.extensions["hub.db"]["engine"].dispose()
        if large_app is not None:
            large_app.extensions["hub.db"]["engine"].dispose()


def _size(app, load_seconds: float) -> dict:
    return {
        "certifications": learning_seed.certification_count(app),
        "load_seconds": round(load_seconds, 2),
        "pages": {},
    }


def measure_pair(small_app, large_app, path: str, cookie: str, warmup: int, requests: int):
    """GET path from both programs in turn — small, large, small, large … — so whatever
    else the machine is doing weighs on both alike; each request in a fresh thread (its own
    app context and session, as in production). The timings and SQL statements of the
    measured requests, per size."""
    apps = {"small": small_app, "large": large_app}
    box: dict = {}
    samples = {size: {"ms": [], "statements": []} for size in apps}
    headers = {"Cookie": f"session={cookie}"}

    def count(conn, cursor, statement, *_):
        if not _BOOKKEEPING.match(statement):
            box["n"] += 1

    def get(client):
        started = time.perf_counter()
        box["response"] = client.get(path, headers=headers)
        box["ms"] = (time.perf_counter() - started) * 1000

    clients = {size: app.test_client(use_cookies=False) for size, app in apps.items()}
    engines = [app.extensions["hub.db"]["engine"] for app in apps.values()]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        for i in range(warmup + requests):
            for size, client in clients.items():
                box["n"] = 0
                thread = threading.Thread(target=get, args=(client,))
                thread.start()
                thread.join()
                status = box["response"].status_code
                if status != 200:
                    raise RuntimeError(f"GET {path} ({size} program): HTTP {status}")
                if i >= warmup:
                    samples[size]["statements"].append(box["n"])
                    samples[size]["ms"].append(box["ms"])
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    out = {}
    for size, sample in samples.items():
        times = sorted(sample["ms"])
        out[size] = {
            "requests": requests,
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
            "statements": max(sample["statements"]),
            "statements_min": min(sample["statements"]),
        }
    return out


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
            f"{large['certifications']:,} certifications, requests in turn (load average "
            f"{p['load_average_before']} before, {p['load_average_after']} after)\n"
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


if __name__ == "__main__":
    main(lambda: run(parse_args()))
