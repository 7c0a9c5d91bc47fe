"""db.memo: what nearly every page reads (the program's settings, the co-op program) is
read once per request — and never kept past a write, a transaction or a session."""

from __future__ import annotations

import sqlalchemy as sa

from hub import db
from hub.accounts import service as accounts
from hub.models import ProgramSettings


def _counting(load_log):
    def load():
        load_log.append(1)
        return db.session.scalar(sa.select(ProgramSettings).limit(1))

    return load


def test_a_memo_loads_once_per_transaction(app, session):
    loads = []
    first = db.memo("settings", _counting(loads))
    assert db.memo("settings", _counting(loads)) is first
    assert len(loads) == 1


def test_a_write_forgets_the_memo(app, session):
    loads = []
    db.memo("settings", _counting(loads))
    session.add(ProgramSettings(name="Renamed program"))
    session.flush()
    db.memo("settings", _counting(loads))
    assert len(loads) == 2


def test_a_pending_change_forgets_the_memo_as_a_query_would_see_it(app, session):
    """Added but not yet flushed: the memo flushes first, like a query's autoflush."""
    for row in session.scalars(sa.select(ProgramSettings)):
        session.delete(row)
    session.flush()
    assert accounts.program_settings().name == "Partner program"
    session.add(ProgramSettings(name="Pending program", currency="EUR"))  # no flush
    assert accounts.program_settings().name == "Pending program"


def test_the_end_of_a_transaction_forgets_the_memo(app, session):
    loads = []
    db.memo("settings", _counting(loads))
    session.rollback()
    db.memo("settings", _counting(loads))
    session.commit()
    db.memo("settings", _counting(loads))
    assert len(loads) == 3


def test_program_settings_saved_in_a_request_are_read_back_at_once(app, session):
    """No stale settings: saved, then read in the same transaction, the new row is seen."""
    for row in session.scalars(sa.select(ProgramSettings)):
        session.delete(row)
    session.flush()
    assert accounts.program_settings().name == "Partner program"  # the unsaved default
    session.add(ProgramSettings(name="Fieldcrest Partner Program", currency="EUR"))
    session.flush()
    assert accounts.program_settings().currency == "EUR"
