"""The ideas benchmark (`python -m bench.ideas`) at a tiny scale, so it cannot rot: a small
channel, 60 then 150 ideas, a fan-out to 700 followers (two chunks after the request),
SQLite, a real gunicorn server.

Only the benchmark's bookkeeping is checked — what it loaded, that every page answered,
that the fan-out told everyone once and that its tables come out — never how fast."""

from __future__ import annotations

from bench import ideas

TINY = [
    "--backends", "sqlite",
    "--small", "60",
    "--large", "150",
    "--votes-per-idea", "4",
    "--followers", "700",
    "--rounds", "1",
    "--scale", "0.05",
]  # fmt: skip


def test_the_ideas_benchmark_runs_end_to_end_at_a_tiny_scale(tmp_path):
    report = ideas.run(ideas.parse_args([*TINY, "--results-dir", str(tmp_path)]))

    (one,) = report["passes"]
    small, large = one["sizes"]["small"], one["sizes"]["large"]
    assert (small["ideas"], large["ideas"]) == (60, 150)
    assert (small["votes"], large["votes"]) == (240, 600)
    for size in (small, large):
        assert size["similar_call"]["n"] == len(ideas.QUERIES)
        assert size["similar_call"]["suggestions"] > 0
        assert size["similar_http"]["errors"] == 0
        for row in size["board"].values():
            assert row["errors"] == 0 and row["statements"] > 0
    assert one["ratios"]["similar_call_p95"] > 0

    told = one["fanout"]
    assert told["status"] == 200 and told["done"]
    followers = told["notified_count"]  # the tiny channel may have fewer than 700 people
    assert followers > ideas.fanout.CHUNK  # so it was told after the request
    assert told["notices"] == told["distinct_people"] == followers

    table = ideas.markdown(report)
    assert "| `search.similar`: p50 / p95 |" in table
    assert "Fan-out to 700 followers" in table
    assert (tmp_path / "ideas-latest.json").exists() and (tmp_path / "ideas-latest.md").exists()
