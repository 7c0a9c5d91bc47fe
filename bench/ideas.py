"""`python -m bench.ideas`: ideas at scale, on SQLite and PostgreSQL.

1. **Duplicate suggestions** — `feedback.ideas.search.similar` (what the title box asks
   while a dealer types) called in this process, and its page `GET /feedback/ideas/similar`
   served by gunicorn, one request at a time: p50 / p95 over a fixed set of typed titles
   (prefixes, whole words, typos), with 1,000 ideas (10,000 votes) and then, in the same
   run and database, 100,000 ideas (1,000,000 votes). Goal: p95 under 50 ms at 100,000.
2. **The ideas board** (`/feedback/ideas`, most votes first and newest first): time per
   request, and the SQL statements one request runs — flat as the ideas grow.
3. **Status-change fan-out**: one idea followed by 10,000 people moved to "planned" through
   the API; how long the request takes, and how long until every notice, notification and
   e-mail is recorded (polled from here) — beside the time the same fan-out took when it
   was written inside the request (measured in this process, rolled back).

    python -m bench.ideas                                  # SQLite, then PostgreSQL
    python -m bench.ideas --backends sqlite --large 20000  # a quicker look

The PostgreSQL database's schema `public` is dropped and recreated: point --postgres-url
only at a database you mean to throw away (default: ideas_bench on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import time
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy import event

from bench import web
from bench.common import add_backend_options, main, run_backends, safe_url
from bench.ideas_seed import IdeaSeeder
from bench.seed_large import Persona, Shape, bench_app, reset_database, seed, sign_in
from feedback.ideas import fanout, search
from feedback.ideas import service as ideas
from feedback.ideas.models import Idea, IdeaFanout, IdeaNotice, IdeaStatusChange
from hub import db
from hub.models import Person

DEFAULT_POSTGRES_URL = os.environ.get(
    "HUB_BENCH_IDEAS_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ideas_bench"
)
# What a dealer types into the title box: half-typed words, whole titles, small typos.
QUERIES = [
    "hyd", "hydrau", "hydraulic", "hydraulic pump leak", "quick att", "quick attach mower",
    "quick attach mower deck", "heated se", "heated seat cushion", "zero turn joy",
    "zero turn joystick control", "cupholder", "led light", "wireless charger for the cab",
    "rear step", "snowblower chute", "telematics app", "longer warranty", "hydrolic",
    "joystik", "mulchng blade", "grease interval", "the mower deck vibrates", "tilt",
]  # fmt: skip
BOARD = [
    ("board-votes", "ideas board, most votes (dealer)", "/feedback/ideas"),
    ("board-newest", "ideas board, newest (dealer)", "/feedback/ideas?sort=newest"),
    ("board-page-20", "ideas board, page 20 (dealer)", "/feedback/ideas?page=20"),
]
GOAL_MS = 50


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.ideas", description=__doc__.split("\n\n")[0])
    add_backend_options(p, DEFAULT_POSTGRES_URL)
    p.add_argument("--small", type=int, default=1_000, help="ideas, first measurement")
    p.add_argument("--large", type=int, default=100_000, help="ideas, second measurement")
    p.add_argument("--votes-per-idea", type=int, default=10)
    p.add_argument("--followers", type=int, default=10_000, help="fan-out audience")
    p.add_argument("--rounds", type=int, default=5, help="times each query / page is asked")
    p.add_argument("--scale", type=float, default=1.0, help="channel size (1 = 20,000 people)")
    args = p.parse_args(argv)
    if args.large <= args.small:
        p.error("need --small < --large")
    return args


def run(args: argparse.Namespace) -> dict:
    """Every pass the arguments ask for; the report as a dict (also written as JSON)."""
    return run_backends(
        args, "ideas", lambda url, backend, results: one_pass(url, backend, args, results), markdown
    )


def one_pass(url: str, backend: str, args, results: Path) -> dict:
    from hub.cli import upgrade_database

    reset_database(url)
    instance = results / "ideas-instance"
    app = bench_app(url, secrets.token_hex(32), instance)
    upgrade_database(app)
    seeded = seed(app, Shape.scaled(args.scale))
    seeder = IdeaSeeder(app)
    dealer = seeded.personas["dealer"]
    pm = Persona("pm", "product manager", seeder.pm_id, "", 0)
    with app.app_context():
        sign_in(app, db.session, {"pm": pm})
        db.session.commit()
    env = {
        "HUB_ENV_NAME": "production",
        "HUB_DATABASE_URL": url,
        "HUB_SECRET_KEY": app.config["SECRET_KEY"],
        "HUB_INSTANCE_PATH": str(instance),
        "HUB_PUBLIC_URL": "http://127.0.0.1",
    }
    if backend == "sqlite":
        env["HUB_ALLOW_SQLITE"] = "true"
    server = web.Server(
        "hub", "wsgi:app", web.free_port(), results / "logs" / f"ideas-{backend}.log", env
    )
    out = {"backend": backend, "database_url": safe_url(url)}
    try:
        server.start("/healthz")
        sizes = {}
        for key, total in (("small", args.small), ("large", args.large)):
            load_s = seeder.add(total - seeder.ideas, (total - seeder.ideas) * args.votes_per_idea)
            sizes[key] = measure(app, server, dealer, args)
            sizes[key].update(ideas=seeder.ideas, votes=seeder.votes, load_seconds=round(load_s, 1))
            _print_size(sizes[key])
        out["sizes"] = sizes
        out["ratios"] = _ratios(sizes["small"], sizes["large"])
        print(f"  ratios {args.large:,} / {args.small:,} ideas: {out['ratios']}", flush=True)
        out["fanout"] = measure_fanout(app, server, seeder, pm, args.followers)
        _print_fanout(out["fanout"])
        return out
    finally:
        server.stop()
        app.extensions["hub.db"]["engine"].dispose()


# --- Measuring ---------------------------------------------------------------------------------


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ordered[-1], 2),
    }


def _get(server, path: str, headers: dict) -> tuple[int, float]:
    conn = http.client.HTTPConnection(web.HOST, server.port, timeout=60)
    try:
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000
    finally:
        conn.close()


def measure(app, server, dealer: Persona, args) -> dict:
    out = {"load_average_before": round(os.getloadavg()[0], 2)}
    calls, found = [], 0
    for _ in range(args.rounds):
        for query in QUERIES:
            with app.app_context():
                viewer = db.session.get(Person, dealer.person_id)
                started = time.perf_counter()
                found += len(search.similar(viewer, query))
                calls.append((time.perf_counter() - started) * 1000)
    out["similar_call"] = _percentiles(calls) | {"suggestions": found}
    cookie = {"Cookie": f"session={dealer.cookie}"}
    served, errors = [], 0
    for _ in range(args.rounds):
        for query in QUERIES:
            status, ms = _get(server, f"/feedback/ideas/similar?title={quote(query)}", cookie)
            errors += status != 200
            served.append(ms)
    out["similar_http"] = _percentiles(served) | {"errors": errors}
    out["board"] = {}
    for key, label, path in BOARD:
        times, errors = [], 0
        for _ in range(args.rounds * 4):
            status, ms = _get(server, path, cookie)
            errors += status != 200
            times.append(ms)
        row = {"label": label, "path": path, "errors": errors} | _percentiles(times)
        row["statements"] = statements_of(app, dealer, path)
        out["board"][key] = row
    return out


def statements_of(app, persona: Persona, path: str) -> int:
    """The SQL statements one request for path runs, in this process."""
    engine = app.extensions["hub.db"]["engine"]
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    client = app.test_client()
    client.set_cookie("session", persona.cookie, domain="127.0.0.1")
    client.get(path, base_url="http://127.0.0.1")  # warm: the first request loads caches
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path, base_url="http://127.0.0.1")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (path, response.status_code)
    return len(seen)


def measure_fanout(app, server, seeder: IdeaSeeder, pm: Persona, followers: int) -> dict:
    """Move an idea with `followers` followers to "planned" through the API and time it."""
    out = {"followers": followers, "load_average_before": round(os.getloadavg()[0], 2)}
    in_request = seeder.followed_idea(followers)
    out["in_request_seconds"] = _fanout_in_request(app, in_request)
    idea_id = seeder.followed_idea(followers)
    body = json.dumps({"status": "planned", "message": "Planned for the 2027 compact loaders."})
    conn = http.client.HTTPConnection(web.HOST, server.port, timeout=120)
    headers = {"Authorization": f"Bearer {pm.api_token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    conn.request("POST", f"/api/v1/ideas/{idea_id}/status", body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    out["request_ms"] = round((time.perf_counter() - started) * 1000, 1)
    out["status"] = response.status
    conn.close()
    with app.app_context():
        change_id = db.session.scalar(
            sa.select(IdeaStatusChange.id).where(IdeaStatusChange.idea_id == idea_id)
        )
        while True:
            db.session.rollback()  # a fresh snapshot each look
            done = db.session.scalar(
                sa.select(IdeaFanout.done_at).where(IdeaFanout.change_id == change_id)
            )
            if done is not None or time.perf_counter() - started > 300:
                break
            time.sleep(0.02)
        out["all_recorded_seconds"] = round(time.perf_counter() - started, 2)
        out["done"] = done is not None
        notices = db.session.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(IdeaNotice.person_id))).where(
                IdeaNotice.change_id == change_id
            )
        ).one()
        out["notices"], out["distinct_people"] = notices
        out["notified_count"] = db.session.get(IdeaStatusChange, change_id).notified_count
        out["chunk"] = fanout.CHUNK
    return out


def _fanout_in_request(app, idea_id: int) -> float:
    """Seconds the same change took with the whole fan-out inside its transaction (as it
    was before fanout.py), rolled back afterwards."""
    chunk = fanout.CHUNK
    fanout.CHUNK = 10**9
    try:
        with app.app_context():
            pm = db.session.get(Person, app_pm_id(app))
            idea = db.session.get(Idea, idea_id)
            started = time.perf_counter()
            ideas.change_status(pm, idea, "planned", "Planned.", link="http://h/i", path="/i")
            db.session.flush()
            seconds = time.perf_counter() - started
            db.session.rollback()
    finally:
        fanout.CHUNK = chunk
    return round(seconds, 2)


def app_pm_id(app) -> int:
    from hub.models import Role

    return db.session.scalar(
        sa.select(Person.id).where(Person.role == Role.PRODUCT_MANAGER).order_by(Person.id)
    )


def _ratios(small: dict, large: dict) -> dict:
    def ratio(a, b):
        return round(b / a, 2) if a else None

    out = {
        "similar_call_p95": ratio(small["similar_call"]["p95_ms"], large["similar_call"]["p95_ms"]),
        "similar_http_p95": ratio(small["similar_http"]["p95_ms"], large["similar_http"]["p95_ms"]),
    }
    for key, row in small["board"].items():
        out[f"{key}_p50"] = ratio(row["p50_ms"], large["board"][key]["p50_ms"])
        out[f"{key}_statements"] = ratio(row["statements"], large["board"][key]["statements"])
    return out


def _print_size(size: dict) -> None:
    c, h = size["similar_call"], size["similar_http"]
    print(
        f"  -- {size['ideas']:,} ideas, {size['votes']:,} votes (loaded in {size['load_seconds']} s;"
        f" load average {size['load_average_before']})\n"
        f"     similar() p50 {c['p50_ms']} ms  p95 {c['p95_ms']} ms  max {c['max_ms']} ms\n"
        f"     GET /feedback/ideas/similar p50 {h['p50_ms']} ms  p95 {h['p95_ms']} ms  "
        f"errors {h['errors']}",
        flush=True,
    )
    for row in size["board"].values():
        print(
            f"     {row['label']:<34} p50 {row['p50_ms']} ms  p95 {row['p95_ms']} ms  "
            f"{row['statements']} statements  errors {row['errors']}",
            flush=True,
        )


def _print_fanout(f: dict) -> None:
    print(
        f"  fan-out to {f['followers']:,}: request {f['request_ms']} ms (HTTP {f['status']}), "
        f"all recorded after {f['all_recorded_seconds']} s ({f['notices']:,} notices, "
        f"{f['distinct_people']:,} people); inside the request it took "
        f"{f['in_request_seconds']} s",
        flush=True,
    )


# --- Markdown ------------------------------------------------------------------------------


def markdown(report: dict) -> str:
    """The figures as tables for docs/performance.md."""
    out = []
    for p in report["passes"]:
        name = "SQLite" if p["backend"] == "sqlite" else "PostgreSQL"
        small, large, r = p["sizes"]["small"], p["sizes"]["large"], p["ratios"]
        out.append(
            f"**{name}** — load average {small['load_average_before']} / "
            f"{large['load_average_before']} before each size\n"
        )
        out.append(
            f"| measure | {small['ideas']:,} ideas, {small['votes']:,} votes "
            f"| {large['ideas']:,} ideas, {large['votes']:,} votes | ratio |"
        )
        out.append("| --- | ---: | ---: | ---: |")
        for key, label in (
            ("similar_call", "`search.similar`"),
            ("similar_http", "GET /feedback/ideas/similar"),
        ):
            a, b = small[key], large[key]
            out.append(
                f"| {label}: p50 / p95 | {a['p50_ms']} / {a['p95_ms']} ms "
                f"| {b['p50_ms']} / {b['p95_ms']} ms | {r[f'{key}_p95']}x (p95) |"
            )
        for key, row in small["board"].items():
            other = large["board"][key]
            out.append(
                f"| {row['label']}: p50 / p95 | {row['p50_ms']} / {row['p95_ms']} ms "
                f"| {other['p50_ms']} / {other['p95_ms']} ms | {r[f'{key}_p50']}x (p50) |"
            )
            out.append(
                f"| {row['label']}: SQL statements | {row['statements']} | "
                f"{other['statements']} | {r[f'{key}_statements']}x |"
            )
        out.append(f"| bulk load | {small['load_seconds']} s | {large['load_seconds']} s | |\n")
        f = p["fanout"]
        out.append(
            f"Fan-out to {f['followers']:,} followers (chunks of {f['chunk']}): the API request "
            f"{f['request_ms']} ms; every notice, notification and e-mail recorded after "
            f"{f['all_recorded_seconds']} s ({f['notices']:,} notices for "
            f"{f['distinct_people']:,} people). The same change with the fan-out inside the "
            f"request: {f['in_request_seconds']} s.\n"
        )
    return "\n".join(out)


if __name__ == "__main__":
    main(lambda: run(parse_args()), "server stopped")
