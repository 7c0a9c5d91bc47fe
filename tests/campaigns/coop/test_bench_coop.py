"""The co-op benchmark (`python -m bench.coop`) at a tiny scale, so it cannot rot: a small
channel, 300 purchase lines, 250 then 600 ledger entries, SQLite, a real gunicorn server
and the load generator for a fraction of a second per page.

Only the benchmark's bookkeeping is checked — what it imported, loaded and verified, and
that its tables come out — never how fast anything was.
"""

from __future__ import annotations

from bench import coop

TINY = [
    "--backends", "sqlite",
    "--lines", "300",
    "--small", "250",
    "--large", "600",
    "--scale", "0.05",
    "--clients", "2",
    "--warmup", "0.2",
    "--duration", "0.5",
]  # fmt: skip


def test_the_coop_benchmark_runs_end_to_end_at_a_tiny_scale(tmp_path):
    report = coop.run(coop.parse_args([*TINY, "--results-dir", str(tmp_path)]))

    (one,) = report["passes"]
    imported = one["import"]
    assert imported["csv"]["accepted"] == 300 and imported["csv"]["chunks"] == 1
    assert imported["replay"]["accepted"] == 0  # the same file again changes nothing
    assert imported["api_batches"]["accepted"] == 300
    assert imported["api_replay"]["accepted"] == 0
    assert imported["api_batches"]["batch_max_s"] > 0
    assert imported["verify"]["problems"] == 0
    for key in ("csv", "replay", "api_batches"):
        assert imported[key]["vs_bare_insert"] > 0

    scale = one["scale"]
    assert (scale["small"]["entries"], scale["large"]["entries"]) == (250, 600)
    # Between them, the same program with money in both years' buckets of every account:
    # the large state's buckets, so that large against it is history alone.
    assert 250 < scale["active"]["entries"] < 600
    assert (
        scale["active"]["close_year_end"]["expired_buckets"]
        == scale["large"]["close_year_end"]["expired_buckets"]
        > scale["small"]["close_year_end"]["expired_buckets"]
    )
    for size in ("small", "active", "large"):
        assert scale[size]["verify"]["problems"] == 0  # caches equal the bulk-loaded entries
        assert scale[size]["close_daily"]["expired_buckets"] == 0
        assert scale[size]["close_year_end"]["expired_buckets"] > 0
        assert set(scale[size]["pages"]) == {"api-balance", "coop-page", "dashboard",
                                             "coop-overview", "admin-dashboard"}  # fmt: skip
        for key, row in scale[size]["pages"].items():
            assert "skipped" not in row, (key, row)
            assert row["errors"] == 0, (key, row)
    assert scale["ratios"]["balance_call_median"] > 0
    assert scale["ratios_active"]["coop-overview_p50"] > 0

    table = coop.markdown(report)
    assert "| bare executemany into a plain table (baseline) |" in table
    assert table.count("| `ledger.balance` (median) |") == 2  # 600 vs 250, and vs active
    assert (tmp_path / "coop-latest.json").exists() and (tmp_path / "coop-latest.md").exists()
