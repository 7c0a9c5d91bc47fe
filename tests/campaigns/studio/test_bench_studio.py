"""The studio benchmark (`python -m bench.studio`) at a tiny scale, so it cannot rot: two
runs of each output and its floor on a throw-away SQLite database. Only its bookkeeping
is checked — every output measured beside a floor, the ratios computed, the JSON written
— never how fast anything was."""

from __future__ import annotations

import json

from bench import studio


def test_the_studio_benchmark_runs_end_to_end(tmp_path, capsys):
    out = tmp_path / "studio.json"
    assert studio.main(["--runs", "2", "--output", str(out)]) == 0
    report = json.loads(out.read_text())
    assert [row["key"] for row in report["outputs"]] == ["png", "pdf", "deck"]
    for row in report["outputs"]:
        assert row["render"]["runs"] == row["floor"]["runs"] == 2
        assert row["render"]["p50_ms"] > 0 and row["floor"]["p50_ms"] > 0
        assert row["ratio_p50"] == round(row["render"]["p50_ms"] / row["floor"]["p50_ms"], 2)
    assert report["cache_hit"]["runs"] == 20 and report["cache_hit"]["p50_ms"] > 0
    printed = capsys.readouterr().out
    assert "12-slide deck" in printed and "goal: each render within 3x its floor" in printed
