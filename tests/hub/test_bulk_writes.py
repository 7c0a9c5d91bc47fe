"""The bulk write helpers of hub.bulk (imports): rows written by the driver read back exactly
as the ORM wrote them, on both databases, and the collector pause always ends."""

from __future__ import annotations

import gc
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from campaigns.coop.models import PurchaseLine
from hub import bulk, db
from hub.models import AuditEvent, Organization


def test_bulk_insert_stores_what_the_orm_would(app, session):
    """Dates, times, JSON and None through `bulk_insert` read back as written (on SQLite by
    the driver with the columns' own conversions, on PostgreSQL by COPY)."""
    at = datetime(2026, 12, 6, 9, 30, 15, 123456)
    rows = [
        {
            "at": at,
            "actor_id": None,
            "organization_id": None,
            "action": "test.bulk",
            "object_type": "Thing",
            "object_id": str(n),
            "summary": f"row {n}",
            "before": None,
            "after": {"n": n, "amount": "12.50", "nested": ["a", None]},
            "request_id": "",
            "ip": "",
        }
        for n in range(3)
    ]
    bulk.bulk_insert(AuditEvent.__table__, rows)
    stored = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "test.bulk").order_by(AuditEvent.id)
    ).all()
    assert [e.object_id for e in stored] == ["0", "1", "2"]
    assert all(e.at == at for e in stored)
    assert stored[2].after == {"n": 2, "amount": "12.50", "nested": ["a", None]}
    assert stored[0].before is None


def test_driver_rows_converts_each_value_as_its_column_type_would(app, session):
    """A column of distinct values (converted one by one), one of few repeated values
    (converted once each) and one of None convert as the columns' own types do, row by row."""
    table = PurchaseLine.__table__
    columns = ["amount", "purchased_on", "created_at", "product_line_id"]
    now = datetime(2026, 12, 6, 9, 30, 15)
    rows = [
        (Decimal(1000 + n).scaleb(-2), date(2026, 1, 1) + timedelta(days=n % 3), now, None)
        for n in range(50)
    ]
    dialect = session.connection().dialect
    processors = [table.c[c].type._cached_bind_processor(dialect) for c in columns]
    expected = [
        tuple(value if p is None else p(value) for p, value in zip(processors, row, strict=True))
        for row in rows
    ]
    assert [tuple(row) for row in bulk.driver_rows(table, columns, iter(rows))] == expected
    assert bulk.driver_rows(table, columns, []) == []


def test_among_finds_the_same_rows_as_in(app, session, channel):
    ids = list(session.scalars(sa.select(Organization.id).order_by(Organization.id).limit(5)))
    assert len(ids) >= 2
    found = session.scalars(
        sa.select(Organization.id).where(db.among(Organization.id, [*ids, 10**9]))
    ).all()
    assert sorted(found) == ids
    assert (
        session.scalars(sa.select(Organization.id).where(db.among(Organization.id, []))).all() == []
    )


def test_the_collector_runs_again_after_a_failure():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), db.collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("mid-batch")
    assert gc.isenabled()
