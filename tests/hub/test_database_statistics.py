"""SQLite keeps no statistics for its query planner by itself, and at OEM scale its guesses
cost the co-op overview a second a request: the tick's job gives it some (bounded by
ANALYSIS_LIMIT), as the end of a purchase import does (tests/campaigns/coop/test_imports.py).
PostgreSQL's autovacuum keeps its own: there the job leaves the database alone."""

from __future__ import annotations

import sqlalchemy as sa

from hub import db
from hub.cli import run_due_jobs


def statistics_tables() -> set[str]:
    """The tables SQLite's planner has statistics for (after clearing them first, the ones
    written since)."""
    exists = db.session.scalar(
        sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
    )
    if not exists:
        return set()
    return set(db.session.scalars(sa.text("SELECT tbl FROM sqlite_stat1")))


def forget_statistics() -> None:
    if statistics_tables():
        db.session.execute(sa.text("DELETE FROM sqlite_stat1"))


def test_the_tick_gives_the_planner_statistics(app, session, channel):
    lines = [
        line for line in run_due_jobs(force=True) if line.startswith("hub.database-statistics")
    ]
    if session.get_bind().dialect.name != "sqlite":
        assert lines == ["hub.database-statistics: statistics kept by the database"]
        return
    forget_statistics()
    assert statistics_tables() == set()
    lines = [
        line for line in run_due_jobs(force=True) if line.startswith("hub.database-statistics")
    ]
    assert lines == ["hub.database-statistics: statistics refreshed"]
    assert {"person", "organization", "job_run"} <= statistics_tables(), statistics_tables()
    rows = dict(
        session.execute(sa.text("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'person'")).all()
    )
    assert rows and all(int(stat.split()[0]) > 0 for stat in rows.values())  # rows counted
