"""`python -m bench.proposals`: 50 concurrent campaign approvals against one co-op account.

    python -m bench.proposals                 # SQLite, then PostgreSQL (database bench_proposals)
    python -m bench.proposals --sqlite-only
    python -m bench.proposals --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_proposals

On each database: a small program seeded by bench/seed_large.py, a co-op program, and
four dealers' accounts, one per scenario, each with 50 submitted proposals of 300.00:

  approvals, concurrent      50 threads POST /api/v1/campaigns/{id}/approve at once
  approvals, sequential      the same 50 requests one after another (one thread)
  holds, concurrent          50 threads call ledger.place_hold directly (the baseline)
  approvals, oversubscribed  50 at once against money for 30: exactly 30 may pass
                             (three fifths of --approvals)

Every request runs in-process through the whole Flask stack (bearer token, JSON, the
proposal's row lock, the ledger's account lock, audit, commit) from a thread of its own
with its own app context, session and transaction — no HTTP socket, so the figures are
the application and the database, which is where approvals queue. After each scenario
the ledger is checked (verify_ledger, cached = recomputed balances, the counts of
approved proposals and holds); a scenario that is not consistent fails the run.

The PostgreSQL database's schema `public` is dropped and recreated: point it only at a
database you mean to throw away.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.load import percentile
from bench.seed_large import Shape, bench_app, reset_database, seed
from hub.db import today

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_POSTGRES_URL = os.environ.get(
    "HUB_BENCH_PROPOSALS_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_proposals"
)
EACH = Decimal("300.00")  # co-op asked by every proposal
RATE = Decimal("0.02")


@dataclass
class Scenario:
    key: str
    label: str
    fits: float | None = None  # the share of the calls the account can afford (None: all)
    concurrent: bool = True
    direct_holds: bool = False  # ledger.place_hold without the API (the baseline)


SCENARIOS = [
    Scenario("approve-concurrent", "approvals, concurrent"),
    Scenario("approve-sequential", "approvals, sequential", concurrent=False),
    Scenario("hold-concurrent", "bare place_hold, concurrent", direct_holds=True),
    Scenario("approve-oversubscribed", "approvals, oversubscribed", fits=0.6),
]


@dataclass
class Outcome:
    """One scenario's figures and consistency checks."""

    key: str
    label: str
    calls: int
    ok: int
    refused: int
    errors: int
    wall_ms: float
    ms_per_call: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    held: str
    available: str
    holds: int
    consistent: bool
    load_average_before: float = 0.0  # other work on the machine
    problems: list[str] = field(default_factory=list)


# --- Set-up -------------------------------------------------------------------------------


@dataclass
class Account:
    """A dealer's account with submitted proposals, and the tokens that approve them."""

    account_id: int
    organization_id: int
    program_id: int
    proposal_ids: list[int]
    tokens: list[str]


def affordable(scenario: Scenario, approvals: int) -> int:
    """How many of the scenario's calls the account can pay for."""
    return approvals if scenario.fits is None else int(approvals * scenario.fits)


def prepare(app, approvals: int, fits: int, dealer_id: int) -> Account:
    """Fund the dealer for `fits` approvals of EACH plus a margin smaller than one more,
    and submit `approvals` proposals as its marketer."""
    from campaigns.coop import ledger
    from campaigns.coop.providers import current_program
    from campaigns.proposals import service as proposals
    from hub import db
    from hub.accounts import service as accounts
    from hub.models import Organization, Person, Role

    with app.app_context():
        program = current_program()
        dealer = db.session.get(Organization, dealer_id)
        marketer = db.session.scalar(
            sa.select(Person).where(
                Person.organization_id == dealer.id, Person.role == Role.DEALER_MARKETER
            )
        )
        available = EACH * fits + Decimal("100.00")
        on = today().replace(month=1, day=2)
        report = ledger.record_purchases(
            program,
            [
                {
                    "external_id": f"bench-{dealer.id}",
                    "organization_id": dealer.id,
                    "amount": str(available / RATE),
                    "currency": program.currency,
                    "purchased_on": on.isoformat(),
                }
            ],
        )
        if not report.clean:
            raise RuntimeError(f"could not fund the bench dealer: {report}")
        category = next(c for c in proposals.categories(program) if c.name == "Print advertising")
        start = today() + timedelta(days=10)
        ids = []
        for n in range(approvals):
            data = {
                "title": f"Bench campaign {n + 1}",
                "category_id": category.id,
                "starts_on": start.isoformat(),
                "ends_on": (start + timedelta(days=30)).isoformat(),
                "requested_amount": str(EACH),
                "lines": [{"description": "Farm-paper ads", "amount": str(EACH * 2)}],
            }
            proposal = proposals.create(marketer, program, data)
            proposals.submit(marketer, proposal)
            ids.append(proposal.id)
        managers = db.session.scalars(
            sa.select(Person)
            .where(Person.role == Role.CHANNEL_MANAGER)
            .order_by(Person.id)
            .limit(2)
        ).all()
        tokens = [
            accounts.create_api_token(m, f"bench approvals {dealer.id}").secret for m in managers
        ]
        account = ledger.get_or_create_account(dealer, program)
        db.session.commit()
        result = Account(account.id, dealer.id, program.id, ids, tokens)
    # Use each token once, so the burst times approvals alone, not also the last-used
    # stamp a token's first request in five minutes writes after its commit.
    client = app.test_client()
    for token in tokens:
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return result


def setup_program(app) -> list[int]:
    """The co-op program (2% for every tier, the default categories and ladder) and the
    dealers the scenarios use, one each."""
    from campaigns.coop import ledger
    from campaigns.proposals import service as proposals
    from hub import db
    from hub.models import Organization, OrgKind, Person, Role

    with app.app_context():
        admin = db.session.scalar(
            sa.select(Person).where(Person.role == Role.PROGRAM_ADMIN).order_by(Person.id)
        )
        program = ledger.create_program(admin, "Bench Co-op", "USD")
        ledger.set_accrual_rate(admin, program, str(RATE), effective_from=date(2020, 1, 1))
        proposals.install_defaults(program)
        dealers = db.session.scalars(
            sa.select(Organization.id)
            .join(Person, Person.organization_id == Organization.id)
            .where(Organization.kind == OrgKind.DEALER, Person.role == Role.DEALER_MARKETER)
            .group_by(Organization.id)
            .order_by(Organization.id)
            .limit(len(SCENARIOS))
        ).all()
        db.session.commit()
        return list(dealers)


# --- Running a scenario --------------------------------------------------------------------


def _approve_request(app, url: str, token: str) -> tuple[int, float, str]:
    client = app.test_client()
    started = time.perf_counter()
    response = client.post(url, headers={"Authorization": f"Bearer {token}"})
    elapsed = (time.perf_counter() - started) * 1000
    detail = "" if response.status_code == 200 else (response.get_json() or {}).get("detail", "")
    return response.status_code, elapsed, detail


def _direct_hold(app, account_id: int, n: int) -> tuple[int, float, str]:
    from campaigns.coop import ledger
    from campaigns.coop.models import CoopAccount
    from hub import db
    from hub.errors import ValidationFailed

    started = time.perf_counter()
    with app.app_context():
        try:
            account = db.session.get(CoopAccount, account_id)
            ledger.place_hold(account, EACH, f"bench:{n}", f"bench-hold-{n}")
            db.session.commit()
            status, detail = 200, ""
        except ValidationFailed as exc:
            db.session.rollback()
            status, detail = 409, str(exc)
    return status, (time.perf_counter() - started) * 1000, detail


def run_scenario(app, scenario: Scenario, account: Account) -> Outcome:
    """Send the scenario's calls, time them, and check the ledger afterwards."""
    calls = []
    for i, pid in enumerate(account.proposal_ids):
        if scenario.direct_holds:
            calls.append(lambda i=i: _direct_hold(app, account.account_id, i))
        else:
            url = f"/api/v1/campaigns/{pid}/approve"
            token = account.tokens[i % len(account.tokens)]
            calls.append(lambda url=url, token=token: _approve_request(app, url, token))
    started = time.perf_counter()
    if scenario.concurrent:
        gate = threading.Barrier(len(calls) + 1)

        def run(call):
            gate.wait()
            return call()

        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            futures = [pool.submit(run, call) for call in calls]
            gate.wait()
            started = time.perf_counter()
            results = [f.result(timeout=600) for f in futures]
    else:
        results = [call() for call in calls]
    wall = (time.perf_counter() - started) * 1000
    return _outcome(app, scenario, account, results, wall)


def _outcome(app, scenario: Scenario, account: Account, results, wall: float) -> Outcome:
    from campaigns.coop import ledger
    from campaigns.coop.models import CoopAccount, CoopProgram, Hold
    from campaigns.proposals.models import Proposal, ProposalStatus
    from hub import db

    ok = sum(1 for status, _, _ in results if status == 200)
    refused = sum(1 for status, _, _ in results if status == 409)
    errors = len(results) - ok - refused
    latencies = sorted(ms for _, ms, _ in results)
    expected = affordable(scenario, len(results))
    problems = []
    with app.app_context():
        program = db.session.get(CoopProgram, account.program_id)
        coop = db.session.get(CoopAccount, account.account_id)
        balance = ledger.balance(coop)
        mismatches = ledger.verify_ledger(program)
        holds = db.session.scalar(
            sa.select(sa.func.count()).select_from(Hold).where(Hold.account_id == coop.id)
        )
        if mismatches:
            problems.append(f"verify_ledger: {mismatches}")
        if balance != ledger.recompute(coop):
            problems.append("the cached balance differs from the sum of the entries")
        if balance.available < 0:
            problems.append(f"available is negative: {balance.available}")
        if ok != expected or holds != expected or errors:
            problems.append(f"{ok} passed and {holds} holds, expected {expected}; {errors} errors")
        if balance.held != EACH * expected:
            problems.append(f"held {balance.held}, expected {EACH * expected}")
        if not scenario.direct_holds:
            approved = db.session.scalar(
                sa.select(sa.func.count()).where(
                    Proposal.id.in_(account.proposal_ids),
                    Proposal.status == ProposalStatus.APPROVED,
                )
            )
            if approved != expected:
                problems.append(f"{approved} proposals approved, expected {expected}")
            refusals = [d for s, _, d in results if s == 409]
            if any("is available" not in d for d in refusals):
                problems.append(f"a refusal without the sentence: {refusals[:1]}")
    return Outcome(
        key=scenario.key,
        label=scenario.label,
        calls=len(results),
        ok=ok,
        refused=refused,
        errors=errors,
        wall_ms=round(wall, 1),
        ms_per_call=round(wall / len(results), 2),
        p50_ms=round(percentile(latencies, 50), 1),
        p95_ms=round(percentile(latencies, 95), 1),
        max_ms=round(latencies[-1], 1),
        held=f"{balance.held:.2f}",
        available=f"{balance.available:.2f}",
        holds=holds,
        consistent=not problems,
        problems=problems,
    )


def run_backend(url: str, approvals: int, scale: float, results_dir: Path) -> dict:
    """Every scenario on one database (reset first); the figures and their ratios."""
    from hub.cli import upgrade_database

    backend = make_url(url).get_backend_name()
    reset_database(url)
    instance = results_dir / "instance-proposals"
    app = bench_app(url, secrets.token_hex(32), instance)
    try:
        upgrade_database(app)
        seeded = seed(app, Shape.scaled(scale))
        dealers = setup_program(app)
        outcomes = []
        for scenario, dealer_id in zip(SCENARIOS, dealers, strict=True):
            account = prepare(app, approvals, affordable(scenario, approvals), dealer_id)
            load = round(os.getloadavg()[0], 2)
            outcome = run_scenario(app, scenario, account)
            outcome.load_average_before = load
            outcomes.append(outcome)
            print(
                f"  {outcome.label:<28} {outcome.ms_per_call:7.2f} ms/call  "
                f"p50 {outcome.p50_ms:7.1f}  p95 {outcome.p95_ms:7.1f}  "
                f"{outcome.ok} ok, {outcome.refused} refused, {outcome.errors} errors  "
                f"{'consistent' if outcome.consistent else 'NOT CONSISTENT'}",
                flush=True,
            )
    finally:
        app.extensions["hub.db"]["engine"].dispose()
    by_key = {o.key: o for o in outcomes}
    base = by_key["hold-concurrent"].ms_per_call
    sequential = by_key["approve-sequential"].ms_per_call
    concurrent = by_key["approve-concurrent"].ms_per_call
    return {
        "backend": backend,
        "database_url": make_url(url).render_as_string(hide_password=True),
        "seed": seeded.counts,
        "approvals": approvals,
        "outcomes": [asdict(o) for o in outcomes],
        "ratios": {
            "concurrent_approval_vs_bare_hold": round(concurrent / base, 2),
            "concurrent_vs_sequential_approval": round(concurrent / sequential, 2),
        },
        "consistent": all(o.consistent for o in outcomes),
    }


# --- Reporting -------------------------------------------------------------------------------


def markdown(report: dict) -> str:
    """The run as Markdown tables, one per database, for docs/performance.md."""
    out = []
    for p in report["passes"]:
        ratios = p["ratios"]
        out.append(
            f"**{p['backend']}** — {p['approvals']} calls per scenario, one account each; "
            f"run of {report['started_at']}\n"
        )
        out.append(
            "| scenario | ms per call (wall ÷ calls) | p50 ms | p95 ms | max ms "
            "| passed | refused | held | consistent | load avg |"
        )
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
        for o in p["outcomes"]:
            out.append(
                f"| {o['label']} | {o['ms_per_call']:.2f} | {o['p50_ms']:.1f} | {o['p95_ms']:.1f} "
                f"| {o['max_ms']:.1f} | {o['ok']} | {o['refused']} | {o['held']} "
                f"| {'yes' if o['consistent'] else 'NO'} | {o['load_average_before']:.1f} |"
            )
        out.append("")
        out.append(
            f"A concurrent approval costs {ratios['concurrent_approval_vs_bare_hold']}x a bare "
            f"concurrent `place_hold` and {ratios['concurrent_vs_sequential_approval']}x a "
            "sequential approval.\n"
        )
    return "\n".join(out)


def run(args) -> dict:
    started = datetime.now(UTC)
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "passes": [],
    }
    for url in _urls(args):
        print(
            f"{make_url(url).get_backend_name()}: {args.approvals} calls per scenario", flush=True
        )
        report["passes"].append(
            run_backend(url, args.approvals, args.scale, Path(args.results_dir))
        )
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results_dir = Path(args.results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"proposals-{started:%Y%m%d-%H%M%S}.json").write_text(
        json.dumps(report, indent=2, default=str)
    )
    (results_dir / "proposals-latest.md").write_text(markdown(report))
    return report


def _urls(args) -> list[str]:
    sqlite = f"sqlite:///{Path(args.results_dir) / 'proposals.sqlite3'}"
    if args.sqlite_only:
        return [sqlite]
    if args.postgres_only:
        return [args.postgres_url]
    return [sqlite, args.postgres_url]


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m bench.proposals", description=__doc__.split("\n\n")[0]
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--sqlite-only", action="store_true", help="only SQLite")
    where.add_argument("--postgres-only", action="store_true", help="only PostgreSQL")
    p.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="PostgreSQL URL (env HUB_BENCH_PROPOSALS_URL; default %(default)s); its schema "
        "public is dropped",
    )
    p.add_argument("--approvals", type=int, default=50, help="calls per scenario (default 50)")
    p.add_argument(
        "--scale", type=float, default=0.05, help="seeded program size (1 = 2,000 dealers)"
    )
    p.add_argument("--results-dir", default=str(RESULTS), help="where JSON and Markdown go")
    args = p.parse_args(argv)
    if args.approvals < 2:
        p.error("approvals must be at least 2")
    return args


def main(argv=None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    report = run(parse_args(argv))
    print()
    print(markdown(report))
    if not all(p["consistent"] for p in report["passes"]):
        print("NOT CONSISTENT: see the problems in the JSON report", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
