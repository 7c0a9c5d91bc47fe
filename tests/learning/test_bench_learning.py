"""The learning benchmark (`python -m bench.learning`) at a tiny scale, so it cannot rot: a
small channel, 30 then 300 certifications, SQLite, a few requests per page.

Only the benchmark's bookkeeping is checked — what it loaded, that every page answered and
sent as many statements at both sizes, that the certificates came out, that its tables
come out — never how fast anything was.
"""

from __future__ import annotations

import json

from bench import learning

TINY = [
    "--backends", "sqlite",
    "--scale", "0.05",
    "--small", "30",
    "--large", "300",
    "--requests", "3",
    "--warmup", "1",
    "--renders", "1",
]  # fmt: skip


def test_the_learning_benchmark_runs_end_to_end_at_a_tiny_scale(tmp_path):
    report = learning.run(learning.parse_args([*TINY, "--results-dir", str(tmp_path)]))

    (one,) = report["passes"]
    small, large = one["sizes"]["small"], one["sizes"]["large"]
    assert (small["certifications"], large["certifications"]) == (30, 300)
    for size in (small, large):
        assert set(size["pages"]) == {"dashboard", "standing"}
        for row in size["pages"].values():
            assert row["requests"] == 3 and row["statements"] > 0
            assert row["statements"] == row["statements_min"]  # every request alike
    for key in ("dashboard", "standing"):
        assert one["verdict"][key]["flat"], one["verdict"][key]
    for fmt in ("png", "pdf"):
        assert one["certificate"][fmt]["bytes"] > 0 and one["certificate"][fmt]["vs_floor"] > 0

    table = learning.markdown(report)
    assert "| learner dashboard /learning (dealer staff) |" in table
    assert "| PNG |" in table and "| PDF |" in table
    saved = json.loads((tmp_path / "learning-latest.json").read_text())
    assert saved["passes"][0]["sizes"]["large"]["certifications"] == 300
    assert (tmp_path / "learning-latest.md").read_text() == table
