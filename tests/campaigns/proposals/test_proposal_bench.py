"""The approvals benchmark (`python -m bench.proposals`) at a small scale, so it cannot rot:
6 calls per scenario on SQLite — and on PostgreSQL too when the suite runs there.

Only the benchmark's bookkeeping and consistency checks are asserted, never how fast
anything was.
"""

from __future__ import annotations

import os

import pytest

from bench import proposals as bench
from tests.conftest import create_postgres_database, drop_postgres_database


def run_small(tmp_path, *where: str) -> dict:
    args = bench.parse_args(["--approvals", "6", "--results-dir", str(tmp_path), *where])
    report = bench.run(args)
    (result,) = report["passes"]
    return result


def assert_consistent(result: dict) -> None:
    assert result["consistent"], [o["problems"] for o in result["outcomes"]]
    outcomes = {o["key"]: o for o in result["outcomes"]}
    assert set(outcomes) == {s.key for s in bench.SCENARIOS}
    for key in ("approve-concurrent", "approve-sequential", "hold-concurrent"):
        assert (outcomes[key]["ok"], outcomes[key]["refused"]) == (6, 0), outcomes[key]
        assert outcomes[key]["held"] == "1800.00" and outcomes[key]["holds"] == 6
    over = outcomes["approve-oversubscribed"]
    assert (over["ok"], over["refused"], over["held"]) == (3, 3, "900.00"), over
    for outcome in outcomes.values():
        assert outcome["errors"] == 0 and outcome["problems"] == []
        assert 0 < outcome["p50_ms"] <= outcome["p95_ms"] <= outcome["max_ms"]
    assert result["ratios"]["concurrent_approval_vs_bare_hold"] > 0
    assert result["ratios"]["concurrent_vs_sequential_approval"] > 0


def test_the_benchmark_runs_and_checks_itself_on_sqlite(tmp_path):
    result = run_small(tmp_path, "--sqlite-only")
    assert result["backend"] == "sqlite"
    assert_consistent(result)
    table = (tmp_path / "proposals-latest.md").read_text()
    assert table.startswith("**sqlite**") and "| approvals, concurrent |" in table


def test_the_benchmark_runs_and_checks_itself_on_postgresql(tmp_path):
    base = os.environ.get("HUB_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("the suite runs on SQLite (HUB_TEST_DATABASE_URL is not PostgreSQL)")
    url, name = create_postgres_database(base, "proposal_bench")
    try:
        result = run_small(tmp_path, "--postgres-only", "--postgres-url", url)
    finally:
        drop_postgres_database(base, name)
    assert result["backend"] == "postgresql"
    assert_consistent(result)
