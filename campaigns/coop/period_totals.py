"""A program's periods added up over its accounts (`coop_period`): moved by the same deltas
as the accounts' bucket rows, and read by the OEM's overview and dashboards for the chart
and totals of the whole program — a row per period, whatever the number of accounts.

The buckets are moved in the middle of a ledger write, under the account's lock; a period
row is shared by every account of the program, so its deltas are staged (`db.stage`) and
written as the transaction's last work: a transaction that locks accounts one after
another (the period close) never holds a period row another writer waits for while it
waits for that writer's account. Rows are written in (program, bucket) order, so two
committing transactions take them in the same order.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop.balances import BUCKET_FIELDS
from campaigns.coop.models import CoopPeriod
from campaigns.coop.money import whole_cents
from hub import db

# A bucket row's deltas as `entries._move_buckets` writes them: account id, program id,
# bucket, the bucket's last day, then one Decimal per BUCKET_FIELDS.
BucketDelta = tuple


def stage(rows: list[BucketDelta]) -> None:
    """Add the buckets' deltas to their programs' periods when the transaction ends."""
    db.stage(_write, rows)


def write_pending() -> None:
    """Write the deltas staged so far in this transaction (before reading the periods)."""
    db.write_staged(_write)


def _write(sess, staged: list[list[BucketDelta]]) -> None:
    sums: dict[tuple[int, str], list] = {}
    for rows in staged:
        for _account_id, program_id, bucket, last_day, *deltas in rows:
            row = sums.get((program_id, bucket))
            if row is None:
                row = sums[program_id, bucket] = [last_day, *([Decimal(0)] * len(BUCKET_FIELDS))]
            for i, delta in enumerate(deltas, start=1):
                row[i] += delta
    if sums:
        _upsert(sess, sorted(sums.items()))


def _upsert(sess, moved: list[tuple[tuple[int, str], list]]) -> None:
    """One upsert per period, in key order (the order each row is locked in). PostgreSQL adds
    NUMERIC; SQLite, which keeps money as REAL, adds whole cents and divides once, as the
    bucket rows do."""
    table = CoopPeriod.__table__.name
    columns = ", ".join(BUCKET_FIELDS)
    connection = sess.connection()
    if connection.dialect.name == "postgresql":
        adds = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in BUCKET_FIELDS)
        marks = ", ".join(["%s"] * (3 + len(BUCKET_FIELDS)))
        params = [(p, b, row[0], *row[1:]) for (p, b), row in moved]
    else:
        adds = ", ".join(
            f"{n} = (round({table}.{n} * 100) + round(excluded.{n} * 100)) / 100.0"
            for n in BUCKET_FIELDS
        )
        marks = ", ".join(["?", "?", "?", *(["? / 100.0"] * len(BUCKET_FIELDS))])
        params = [
            (p, b, row[0].isoformat(), *(int(d.scaleb(2)) for d in row[1:]))
            for (p, b), row in moved
        ]
    sql = (
        f"INSERT INTO {table} (program_id, bucket, expires_on, {columns}) VALUES ({marks}) "
        f"ON CONFLICT (program_id, bucket) DO UPDATE SET {adds}"
    )
    for one in params:  # one statement each, in order: executemany's order is the driver's
        connection.exec_driver_sql(sql, one)


# --- Reads ---------------------------------------------------------------------------------


def periods_statement():
    """A program's periods as `partners`' per-period sums read them (bucket, last day, and
    earned, reimbursed, expired and held in whole cents), from its period rows."""
    return sa.select(
        CoopPeriod.bucket,
        CoopPeriod.expires_on,
        whole_cents(CoopPeriod.earned),
        whole_cents(CoopPeriod.reimbursed),
        whole_cents(CoopPeriod.expired),
        whole_cents(CoopPeriod.held),
    ).where(CoopPeriod.program_id == sa.bindparam("program_id"))


def cached_periods(program_id: int | None = None) -> dict[tuple[int, str], tuple]:
    """Every period row of a program (of every program without one): (program id, bucket)
    → (last day, {field: amount}) — for `verify_ledger`, after the transaction's own
    staged deltas are written."""
    write_pending()
    stmt = sa.select(CoopPeriod)
    if program_id is not None:
        stmt = stmt.where(CoopPeriod.program_id == program_id)
    return {
        (row.program_id, row.bucket): (
            row.expires_on,
            {name: getattr(row, name) for name in BUCKET_FIELDS},
        )
        for row in db.session.scalars(stmt)
    }
