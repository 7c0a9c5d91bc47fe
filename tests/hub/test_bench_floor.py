"""The floor benchmark (`python -m bench.floor`) at a tiny scale, so it cannot rot: a small
program on SQLite, a few requests per page. Only its bookkeeping is checked — every page
measured, each part of the floor there, the HTML written — never how fast anything was."""

from __future__ import annotations

from bench import floor


def test_the_floor_benchmark_measures_every_page_at_a_tiny_scale(tmp_path):
    rows = floor.main(
        [
            "--scale",
            "0.05",
            "--requests",
            "4",
            "--rounds",
            "2",
            "--warmup",
            "1",
            "--results-dir",
            str(tmp_path),
        ]
    )

    *pages, reference = rows
    assert [r["key"] for r in pages] == [p.key for p in floor.PAGES]
    # What every page pays before its own work: an empty route behind the sign-in.
    assert reference["key"] == "signed-in-empty"
    assert 0 < reference["bare_ms"] < reference["signed_in_ms"], reference
    fixed = reference["signed_in_ms"] - reference["bare_ms"]
    assert abs(reference["fixed_ms"] - fixed) < 0.002, reference
    assert "signed-in empty route" in floor.markdown("sqlite", rows)
    for row in pages:
        assert "skipped" not in row, row
        assert row["statements"] > 0, row
        assert row["bytes_ms"] > 0 and row["render_ms"] > 0 and row["sql_ms"] > 0, row
        assert row["ratio"] > 0, row
        # The least round of the page and of each part: never above its median.
        assert 0 < row["page_min_ms"] <= row["page_ms"], row
        assert 0 < row["floor_min_ms"] <= row["floor_ms"] + 1e-6, row
        assert row["ratio_min"] > 0, row
        html = (tmp_path / "floor-html" / f"sqlite-{row['key']}.html").read_bytes()
        assert html.startswith(b"{" if row["key"] == "api-oem" else b"<!doctype html>"), row
    dashboard = next(r for r in rows if r["key"] == "dashboard-dealer")
    assert dashboard["templates"][-1]["name"] == "hub/web/dashboard.html"
    assert (
        b'value="(csrf)"' in (tmp_path / "floor-html" / "sqlite-dashboard-dealer.html").read_bytes()
    )
    assert "| dashboard (dealer marketer) |" in floor.markdown("sqlite", rows)
