"""Migration 0007 fills the per-bucket rows from the entries already in the ledger: the
same rows (sums and last days) that writing the entries keeps."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaigns.coop import ledger
from campaigns.coop.models import CoopBucket

MIGRATION = (
    Path(__file__).resolve().parents[3] / "migrations/versions/2026_12_06_0013_coop_buckets.py"
)


def _migration():
    spec = importlib.util.spec_from_file_location("coop_buckets_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(session) -> dict:
    table = CoopBucket.__table__
    return {
        (r.account_id, r.bucket): (r.program_id, r.expires_on, r.earned, r.held, r.reimbursed,
                                   r.expired)
        for r in session.execute(sa.select(table))
    }  # fmt: skip


@pytest.mark.demo  # accruals, holds, a settled claim, releases: every kind but expiry
def test_the_backfill_rebuilds_the_bucket_rows_the_ledger_keeps(app, session):
    program = ledger.current_program()
    ledger.close_period(program, as_of=date(2027, 1, 1))  # expiries
    session.flush()
    kept = _rows(session)
    assert len(kept) > 10
    session.execute(sa.delete(CoopBucket))
    assert ledger.verify_ledger() != []  # the rows are missing now

    _migration()._backfill(session.connection())

    assert _rows(session) == kept
    assert ledger.verify_ledger() == []
