"""Each page against its floor: what the page costs per request in the hub's own process,
and what it cannot avoid costing.

For each page, in one process, on the seeded large program:

* **page** — process CPU time per request (`time.process_time`) over N GETs through the
  hub's WSGI app (Flask's test client, a signed-in session cookie or an API bearer token):
  the hub's whole per-request work, without the network or a server around it;
* **(a) bytes** — a bare Flask route returning the page's final HTML (or JSON) from
  memory, through the same kind of test client;
* **(b) render** — the page's templates rendered again with the context the real request
  passed them (captured once, from inside the request through Flask's `template_rendered`
  signal, so every object is loaded as the page had it); for a JSON answer, its data
  serialised again;
* **(c) SQL** — the page's statements with their parameters as the real request sent them
  (captured by a `before_cursor_execute` listener), executed raw with `exec_driver_sql`
  inside one transaction and every row fetched.

floor = (a) + (b) + (c); **ratio = page ÷ floor**. All figures are CPU time of this
process: on PostgreSQL the server's own work is in neither the page nor the floor.

    python -m bench.floor                       # SQLite file under bench/results/
    python -m bench.floor --database-url postgresql+psycopg://postgres@127.0.0.1:5432/hub_bench
    python -m bench.floor --scale 0.1 --requests 50     # a quick try

Besides the dashboards, the directory and the API list on bench.seed_large's program,
the heaviest page of each feature area (proposal, conversation, co-op account, ideas
board, learner dashboard) on the data bench/floor_seed.py adds (`--no-features`: the
bare program and its pages only).

`python -m bench` runs the same after its load measurement, on the same data. Each run
writes the HTML of every page to bench/results/floor-html/ (CSRF tokens masked), so two
runs on the same database can be compared byte for byte (`--reuse`).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import re
import secrets
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from flask import Flask, Response, template_rendered
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.floor_reference import reference_app, signed_in_reference
from hub import settle_process

RESULTS = Path(__file__).resolve().parent / "results"
_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
# Per-request values in a page: CSRF tokens (a plain input, a WTForms hidden field, the
# htmx header) and a new message's client id (the conversation page).
_CSRF = re.compile(
    rb'(name="csrf_token" value="|name="csrf_token" type="hidden" value="|"X-CSRFToken": "'
    rb'|name="client_msg_id" type="hidden" value=")[^"]+'
)


@dataclass(frozen=True)
class FloorPage:
    key: str
    label: str
    path: str
    persona: str
    auth: str = "cookie"  # or "bearer"
    feature: bool = False  # needs bench/floor_seed.py's data (a feature area's page)

    def url(self, ids: dict[str, str] | None = None) -> str:
        """The path with the seeded ids in place of its {placeholders}."""
        path = self.path
        for placeholder, value in (ids or {}).items():
            path = path.replace(placeholder, value)
        return path


PAGES = [
    FloorPage("dashboard-dealer", "dashboard (dealer marketer)", "/", "dealer"),
    FloorPage("dashboard-distributor", "dashboard (distributor admin)", "/", "distributor"),
    FloorPage("dashboard-oem", "dashboard (channel manager)", "/", "oem"),
    FloorPage("dashboard-admin", "dashboard (program admin)", "/", "admin"),
    FloorPage("directory-dealer", "directory (dealer marketer)", "/organizations", "dealer"),
    FloorPage(
        "directory-distributor", "directory (distributor admin)", "/organizations", "distributor"
    ),
    FloorPage("directory-oem", "directory (channel manager)", "/organizations", "oem"),
    FloorPage("directory-admin", "directory (program admin)", "/organizations", "admin"),
    FloorPage(
        "api-oem", "API org list (channel manager)", "/api/v1/organizations", "oem", "bearer"
    ),
    # The heaviest page of each feature area, on bench/floor_seed.py's data ({…}: its ids).
    FloorPage(
        "proposal-oem",
        "proposal page (channel manager)",
        "/campaigns/proposals/{proposal}",
        "oem",
        feature=True,
    ),
    FloorPage(
        "conversation-dealer",
        "conversation page (dealer marketer)",
        "/conversations/{conversation}",
        "dealer",
        feature=True,
    ),
    FloorPage(
        "coop-dealer", "co-op account (dealer marketer)", "/campaigns/coop", "dealer", feature=True
    ),
    FloorPage(
        "ideas-dealer", "ideas board (dealer marketer)", "/feedback/ideas", "dealer", feature=True
    ),
    FloorPage(
        "learning-staff", "learner dashboard (partner staff)", "/learning/", "staff", feature=True
    ),
]


@dataclass
class Render:
    """One template the request rendered, timed again with its captured context."""

    name: str
    ms: float
    statements: int  # SQL the template itself ran while re-rendered (it should run none)


@dataclass
class Capture:
    """What one real request did: its statements, its templates, its answer."""

    statements: list[tuple[str, object]] = field(default_factory=list)
    renders: list[Render] = field(default_factory=list)
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"


class _Recorder:
    """Listens on the engine and the template signal while a capture is on."""

    def __init__(self, app: Flask, engine, repeat: int):
        self.app, self.engine, self.repeat = app, engine, repeat
        self.capture: Capture | None = None
        self.rerendering = False
        self.rerender_statements = 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._statement)
        template_rendered.connect(self._rendered, self.app)
        return self

    def __exit__(self, *exc):
        template_rendered.disconnect(self._rendered, self.app)
        event.remove(self.engine, "before_cursor_execute", self._statement)

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        if self.capture is None:
            return
        if self.rerendering:
            self.rerender_statements += 1
        elif not executemany and not _TRANSACTION.match(statement):
            self.capture.statements.append((statement, parameters))

    def _rendered(self, sender, template, context, **extra):
        """Inside the real request, right after the template rendered: render it again
        `repeat` times with the same context (the same loaded objects, the same session)."""
        if self.capture is None or self.rerendering:
            return
        context = _frozen(context)
        template.render(context)  # once unmeasured: anything lazily loaded is loaded now
        self.rerendering, self.rerender_statements = True, 0
        try:
            started = time.process_time()
            for _ in range(self.repeat):
                template.render(context)
            ms = (time.process_time() - started) * 1000 / self.repeat
        finally:
            self.rerendering = False
        statements = self.rerender_statements // self.repeat
        self.capture.renders.append(Render(template.name or "?", ms, statements))


def _frozen(context: dict) -> dict:
    """The context as loaded: the signed-in person itself rather than the proxy that
    loads them, and navigation labels as the HTML they rendered to (a label may compute
    its badge when rendered)."""
    context = dict(context)
    user = context.get("current_user")
    if user is not None and hasattr(user, "_get_current_object"):
        context["current_user"] = user._get_current_object()
    items = context.get("nav_items")
    if items:
        context["nav_items"] = [_frozen_item(i) for i in items]
    return context


def _frozen_item(item):
    label = item.label
    if hasattr(label, "__html__") and type(label) is not Markup:
        return replace(item, label=Markup(label.__html__()))  # noqa: S704 (its own HTML)
    return item


def headers_for(page: FloorPage, persona) -> dict[str, str]:
    if page.auth == "bearer":
        return {"Authorization": f"Bearer {persona.api_token}"}
    return {"Cookie": f"session={persona.cookie}"}


def measure_page(
    app, page: FloorPage, persona, *, requests: int, warmup: int, rounds: int = 6, ids=None
) -> dict:
    """The page's CPU per request and its floor (a, b, c), in this process.

    In `rounds` rounds, each measuring the page and every part of its floor one after
    another (requests / rounds each), so that other work on the machine weighs on both
    alike; each figure is the median of its rounds, and beside it the least round of the
    page and of each part of the floor (`ratio_min`)."""
    engine = app.extensions["hub.db"]["engine"]
    client = app.test_client(use_cookies=False)
    headers = headers_for(page, persona)
    path = page.url(ids)
    for _ in range(warmup):
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            return {"key": page.key, "label": page.label, "skipped": f"HTTP {response.status_code}"}

    each = max(1, requests // rounds)
    figures: dict[str, list[float]] = {k: [] for k in ("page", "wall", "a", "b", "c")}
    for _ in range(rounds):
        capture = Capture()
        with _Recorder(app, engine, max(10, each // 2)) as recorder:
            recorder.capture = capture
            response = client.get(path, headers=headers)
            recorder.capture = None
        capture.body, capture.content_type = response.get_data(), response.content_type

        started_cpu, started_wall = time.process_time(), time.perf_counter()
        for _ in range(each):
            client.get(path, headers=headers).close()
        figures["page"].append((time.process_time() - started_cpu) * 1000 / each)
        figures["wall"].append((time.perf_counter() - started_wall) * 1000 / each)
        figures["a"].append(_bare_route_ms(capture, each))
        figures["b"].append(sum(r.ms for r in capture.renders) or _json_ms(app, capture, each))
        figures["c"].append(_raw_sql_ms(engine, capture.statements, each))
    page_ms, wall_ms, bytes_ms, render_ms, sql_ms = (
        statistics.median(figures[k]) for k in ("page", "wall", "a", "b", "c")
    )
    floor = bytes_ms + render_ms + sql_ms
    # The least of the rounds, for the page and for each part of its floor alike: other
    # work on the machine only ever adds time, so on a noisy machine the minimum is the
    # steadier estimate of what each costs (timeit's reasoning). Printed beside the median.
    page_min = min(figures["page"])
    floor_min = min(figures["a"]) + min(figures["b"]) + min(figures["c"])
    return {
        "key": page.key,
        "label": page.label,
        "path": path,
        "page_ms": round(page_ms, 3),
        "page_wall_ms": round(wall_ms, 3),
        "bytes_ms": round(bytes_ms, 3),
        "render_ms": round(render_ms, 3),
        "sql_ms": round(sql_ms, 3),
        "floor_ms": round(floor, 3),
        "ratio": round(page_ms / floor, 2) if floor else None,
        "page_min_ms": round(page_min, 3),
        "floor_min_ms": round(floor_min, 3),
        "ratio_min": round(page_min / floor_min, 2) if floor_min else None,
        "rounds": {k: [round(v, 3) for v in vs] for k, vs in figures.items()},
        "statements": len(capture.statements),
        "templates": [r.__dict__ for r in capture.renders],
        "template_statements": sum(r.statements for r in capture.renders),
        "bytes": len(capture.body),
        "html": _masked(capture.body),
    }


def _bare_route_ms(capture: Capture, requests: int) -> float:
    """(a) A bare Flask app answering the page's bytes from memory."""
    bare = Flask("bench.floor.bare")
    body, content_type = capture.body, capture.content_type

    @bare.route("/")
    def answer():
        return Response(body, content_type=content_type)

    client = bare.test_client(use_cookies=False)
    for _ in range(10):
        client.get("/").close()
    started = time.process_time()
    for _ in range(requests):
        client.get("/").close()
    return (time.process_time() - started) * 1000 / requests


def _json_ms(app, capture: Capture, requests: int) -> float:
    """(b) for a JSON answer, which no template renders: serialising its data again."""
    if "json" not in capture.content_type:
        return 0.0
    data = json.loads(capture.body)
    started = time.process_time()
    for _ in range(requests):
        app.json.dumps(data)
    return (time.process_time() - started) * 1000 / requests


def _raw_sql_ms(engine, statements: list[tuple[str, object]], requests: int) -> float:
    """(c) The page's statements, raw, in one transaction per repetition (rolled back)."""
    if not statements:
        return 0.0

    def run_once(conn):
        trans = conn.begin()
        try:
            for sql, params in statements:
                result = conn.exec_driver_sql(sql, params)
                if result.returns_rows:
                    result.fetchall()
        finally:
            trans.rollback()

    with engine.connect() as conn:
        for _ in range(5):
            run_once(conn)
        started = time.process_time()
        for _ in range(requests):
            run_once(conn)
        return (time.process_time() - started) * 1000 / requests


def _masked(body: bytes) -> bytes:
    """The answer with its per-request CSRF token masked, for byte-for-byte comparison."""
    return _CSRF.sub(rb"\1(csrf)", body)


def measure_all(
    app,
    personas,
    *,
    requests: int = 300,
    warmup: int = 20,
    rounds: int = 6,
    only=None,
    ids: dict[str, str] | None = None,
) -> list[dict]:
    """Every page of PAGES (or of `only`), printed as it goes. The feature pages only with
    `ids`, the seeded ids of bench/floor_seed.py (`seed_features`)."""
    _production_request_log()
    # The reference's app is built before the process is settled, as the served one is.
    reference = reference_app(app) if "dealer" in personas and not only else None
    with settled():
        rows = _measure_pages(app, personas, requests, warmup, rounds, only, ids)
        if reference is not None:
            empty = Capture(content_type="text/html; charset=utf-8")
            ref = signed_in_reference(
                reference,
                personas["dealer"],
                lambda n: _bare_route_ms(empty, n),
                requests=requests,
                warmup=warmup,
                rounds=rounds,
            )
            rows.append(ref)
            print("  " + format_row(ref), flush=True)
    return rows


@contextmanager
def settled():
    """The process as the served app's is (wsgi.py calls hub.settle_process: what exists
    once the app is built is frozen out of the garbage collector's full passes), for the
    measurement; unfrozen after it, so the caller's process (this benchmark's test) keeps
    nothing frozen."""
    settle_process()
    try:
        yield
    finally:
        gc.unfreeze()


def _measure_pages(app, personas, requests, warmup, rounds, only, ids) -> list[dict]:
    rows = []
    for page in PAGES:
        if (only and page.key not in only) or (page.feature and ids is None):
            continue
        row = measure_page(
            app,
            page,
            personas[page.persona],
            requests=requests,
            warmup=warmup,
            rounds=rounds,
            ids=ids,
        )
        rows.append(row)
        print("  " + format_row(row), flush=True)
    return rows


def _production_request_log() -> None:
    """The hub's per-request log line is written, as under gunicorn (to /dev/null here),
    in the format the hub sets up (hub.logs)."""
    from hub.logs import LineFormatter

    log = logging.getLogger("hub.request")
    if not any(getattr(h, "_bench_floor", False) for h in log.handlers):
        handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 (process-long)
        handler._bench_floor = True
        handler.setFormatter(LineFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


HEADER = (
    f"{'page (viewer)':<34} {'CPU ms':>7} {'floor':>6} {'(a)':>6} {'(b)':>6} {'(c)':>6} "
    f"{'ratio':>6} {'stmts':>5} {'min: page':>9} {'floor':>6} {'ratio':>6}"
)


def format_reference(ref: dict) -> str:
    return (
        f"{ref['label']:<34} {ref['signed_in_ms']:7.2f}   bare Flask {ref['bare_ms']:.2f}: "
        f"fixed cost of a signed-in request {ref['fixed_ms']:.2f} ms "
        f"(least rounds {ref['fixed_min_ms']:.2f}), in every page above"
    )


def format_row(row: dict) -> str:
    if row.get("reference"):
        return format_reference(row)
    if "page_ms" not in row:
        return f"{row['label']:<34} not measured: {row.get('skipped', '?')}"
    flag = (
        f"  ({row['template_statements']} SQL from templates)" if row["template_statements"] else ""
    )
    return (
        f"{row['label']:<34} {row['page_ms']:7.2f} {row['floor_ms']:6.2f} {row['bytes_ms']:6.2f} "
        f"{row['render_ms']:6.2f} {row['sql_ms']:6.2f} {row['ratio']:5.1f}x {row['statements']:5d}"
        f" {row['page_min_ms']:9.2f} {row['floor_min_ms']:6.2f} {row['ratio_min']:5.1f}x" + flag
    )


def print_table(backend: str, rows: list[dict]) -> None:
    print(
        f"\n{backend}: CPU ms per request in process, and the floor: (a) bare Flask returning "
        "the bytes + (b) re-rendering the templates + (c) the raw SQL"
    )
    print(HEADER)
    print("-" * len(HEADER))
    for row in rows:
        print(format_row(row))


def markdown(backend: str, rows: list[dict]) -> str:
    out = [
        f"**{backend}** — CPU ms per request in one process; floor = (a) bytes + (b) render + (c) SQL\n",
        "| page (viewer) | CPU ms | floor ms | (a) | (b) | (c) | page ÷ floor | statements "
        "| least round: page, floor, ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        if r.get("reference"):
            out.append(
                f"| {r['label']} | {r['signed_in_ms']:.2f} | bare Flask {r['bare_ms']:.2f} "
                f"| | | | fixed cost of a signed-in request **{r['fixed_ms']:.2f}** ms | | "
                f"least rounds: {r['fixed_min_ms']:.2f} |"
            )
            continue
        if "page_ms" not in r:
            out.append(f"| {r['label']} | not measured: {r.get('skipped', '?')} | | | | | | | |")
            continue
        out.append(
            f"| {r['label']} | {r['page_ms']:.2f} | {r['floor_ms']:.2f} | {r['bytes_ms']:.2f} "
            f"| {r['render_ms']:.2f} | {r['sql_ms']:.2f} | {r['ratio']:.1f}x | {r['statements']} "
            f"| {r['page_min_ms']:.2f}, {r['floor_min_ms']:.2f}, {r['ratio_min']:.1f}x |"
        )
    return "\n".join(out) + "\n"


def save_html(backend: str, rows: list[dict], directory: Path | None = None) -> Path:
    """Each page's answer (CSRF masked) as a file; the rows keep only its size."""
    directory = directory or RESULTS / "floor-html"
    directory.mkdir(parents=True, exist_ok=True)
    for row in rows:
        html = row.pop("html", None)
        if html is not None:
            (directory / f"{backend}-{row['key']}.html").write_bytes(html)
    return directory


# --- Standalone: python -m bench.floor ------------------------------------------------------


def main(argv: list[str] | None = None) -> list[dict]:
    from bench.floor_seed import seed_features
    from bench.seed_large import Persona, Shape, bench_app, reset_database, seed
    from hub.cli import upgrade_database

    args = _parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    results = Path(args.results_dir) if args.results_dir else RESULTS
    url = args.database_url or f"sqlite:///{results / 'floor.sqlite3'}"
    backend = make_url(url).get_backend_name()
    state_file = results / f"floor-state-{backend}.json"
    results.mkdir(parents=True, exist_ok=True)
    if args.reuse and state_file.exists():
        state = json.loads(state_file.read_text())
        personas = {k: Persona(**p) for k, p in state["personas"].items()}
        ids = state.get("ids")
        app = bench_app(url, state["secret_key"], results / "instance")
        upgrade_database(app)
        print(f"reusing the seeded database ({state['seeded']})", flush=True)
    else:
        secret_key = secrets.token_hex(32)
        reset_database(url)
        app = bench_app(url, secret_key, results / "instance")
        upgrade_database(app)
        seeded = seed(app, Shape.scaled(args.scale))
        personas, ids = seeded.personas, None
        counts = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in seeded.counts.items())
        print(f"seeded {counts} in {seeded.seconds:.1f}s", flush=True)
        if not args.no_features:
            features = seed_features(app, seeded)
            personas, ids = features.personas, features.paths
            more = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in features.counts.items())
            print(f"feature pages' data: {more} in {features.seconds:.1f}s", flush=True)
            counts += f"; {more}"
        state_file.write_text(
            json.dumps(
                {
                    "secret_key": secret_key,
                    "seeded": counts,
                    "personas": {k: p.__dict__ for k, p in personas.items()},
                    "ids": ids,
                }
            )
        )
    app.extensions["hub.db"]["engine"].dispose()
    if args.profile:
        from bench.floor_profile import profile

        profile(app, personas, args.profile, requests=args.requests, ids=ids)
        return []
    print(f"\n=== {backend}: {args.requests} requests per page ===\n  {HEADER}", flush=True)
    rows = measure_all(
        app,
        personas,
        requests=args.requests,
        warmup=args.warmup,
        rounds=args.rounds,
        only=args.only,
        ids=ids,
    )
    html_dir = save_html(
        backend, rows, Path(args.html_dir) if args.html_dir else results / "floor-html"
    )
    print_table(backend, rows)
    (results / f"floor-{backend}.json").write_text(json.dumps(rows, indent=2))
    (results / f"floor-{backend}.md").write_text(markdown(backend, rows))
    print(f"\nfigures in {results / f'floor-{backend}.json'}; page HTML in {html_dir}/")
    return rows


def _parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help="database to seed (default: SQLite file)")
    p.add_argument("--scale", type=float, default=1.0, help="program size (1 = 2,000 dealers)")
    p.add_argument("--requests", type=int, default=300, help="measured requests per page")
    p.add_argument(
        "--rounds", type=int, default=6, help="rounds per page (median and least printed)"
    )
    p.add_argument("--warmup", type=int, default=20, help="unmeasured requests per page first")
    p.add_argument("--only", nargs="*", help="page keys to measure")
    p.add_argument(
        "--reuse", action="store_true", help="reuse the database a previous run seeded (same key)"
    )
    p.add_argument(
        "--no-features",
        action="store_true",
        help="no feature-area data (bench/floor_seed.py) and none of their pages",
    )
    p.add_argument("--profile", metavar="KEY", help="cProfile one page (with --reuse) instead")
    p.add_argument("--results-dir", help="where the database and figures go (bench/results)")
    p.add_argument(
        "--html-dir", help="where to write each page's HTML (default results/floor-html)"
    )
    return p.parse_args(argv)


if __name__ == "__main__":
    main()
