"""What the co-op benchmark measures in process: the purchase import (through the same
service the CSV upload and the API use) beside a bare insert of the same rows, the cached
balance lookup, the period close and the ledger check."""

from __future__ import annotations

import statistics
import time
from datetime import date

import sqlalchemy as sa

from bench.coop_seed import CoopSetup, purchase_csv
from campaigns.coop import imports, ledger
from campaigns.coop.models import CoopAccount, CoopProgram
from hub import db
from hub.models import Person

# The day the benchmark pretends it is, so a run in another year imports the same lines
# into the same live buckets (nothing arrives already expired).
BENCH_TODAY = date(2026, 11, 22)
COMMIT_EVERY = imports.CHUNK_ROWS


def import_csv(app, setup: CoopSetup, rows: list[dict]) -> dict:
    """The whole CSV path: check the file, store it, start, run every chunk (a commit each)."""
    data = purchase_csv(rows)
    with app.app_context():
        admin = db.session.get(Person, setup.admin_id)
        program = db.session.get(CoopProgram, setup.program_id)
        started = time.perf_counter()
        state = imports.import_file(
            data, "bench.csv", program, admin, BENCH_TODAY, commit=db.session.commit
        )
        seconds = time.perf_counter() - started
    return {
        "lines": len(rows),
        "seconds": round(seconds, 2),
        "lines_per_second": round(len(rows) / seconds, 1),
        "accepted": state.accepted,
        "chunks": len(state.chunks),
        "bytes": len(data),
    }


def import_batches(app, setup: CoopSetup, rows: list[dict], batch: int = 5_000) -> dict:
    """`ledger.record_purchases` in the API's largest batches, a commit each."""
    with app.app_context():
        admin = db.session.get(Person, setup.admin_id)
        program = db.session.get(CoopProgram, setup.program_id)
        started = time.perf_counter()
        accepted = 0
        batches = []
        for start in range(0, len(rows), batch):
            one = time.perf_counter()
            report = ledger.record_purchases(
                program, rows[start : start + batch], admin, today=BENCH_TODAY
            )
            accepted += len(report.accepted)
            db.session.commit()
            batches.append(time.perf_counter() - one)
        seconds = time.perf_counter() - started
    return {
        "lines": len(rows),
        "seconds": round(seconds, 2),
        "lines_per_second": round(len(rows) / seconds, 1),
        "accepted": accepted,
        # One batch of the API: checked, written and committed (the HTTP layer aside).
        "batch_median_s": round(statistics.median(batches), 3),
        "batch_max_s": round(max(batches), 3),
    }


BASELINE_TABLE = "bench_purchase_baseline"


def bare_insert(app, rows: list[dict]) -> dict:
    """The floor: the same rows into a plain table by DBAPI executemany, a commit per
    COMMIT_EVERY rows (the import's chunk), no checks, no ledger."""
    with app.app_context():
        engine = db.engine()
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
            conn.exec_driver_sql(
                f"CREATE TABLE {BASELINE_TABLE} (external_id VARCHAR(120) NOT NULL, "
                "organization_id INTEGER NOT NULL, amount NUMERIC(14, 2) NOT NULL, "
                "currency VARCHAR(3) NOT NULL, purchased_on DATE NOT NULL, product_line_id INTEGER)"
            )
        values = [
            (r["external_id"], r["organization_id"], r["amount"], r["currency"],
             r["purchased_on"], r["product_line_id"] or None)
            for r in rows
        ]  # fmt: skip
        raw = engine.raw_connection()
        try:
            marker = "?" if engine.dialect.name == "sqlite" else "%s"
            sql = f"INSERT INTO {BASELINE_TABLE} VALUES ({', '.join([marker] * 6)})"
            started = time.perf_counter()
            sqlite = engine.dialect.name == "sqlite"
            for start in range(0, len(values), COMMIT_EVERY):
                cursor = raw.cursor()
                if sqlite:  # the hub's SQLite connections leave BEGIN to their user
                    cursor.execute("BEGIN")
                cursor.executemany(sql, values[start : start + COMMIT_EVERY])
                cursor.close()
                raw.commit()
            seconds = time.perf_counter() - started
        finally:
            raw.close()
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE {BASELINE_TABLE}")
    return {
        "lines": len(rows),
        "seconds": round(seconds, 3),
        "lines_per_second": round(len(rows) / seconds, 1),
    }


def timed(fn, repeat: int) -> dict:
    """Median and p95 of `repeat` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "calls": repeat,
        "median_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 3),
    }


def balance_lookup(app, account_id: int, repeat: int = 2_000) -> dict:
    """`ledger.balance`: the cached row, whatever the ledger's length."""
    with app.app_context():
        account = db.session.get(CoopAccount, account_id)
        result = timed(lambda: ledger.balance(account), repeat)
        db.session.rollback()
        return result


def period_close(app, program_id: int, as_of: date) -> dict:
    """One `close_period` (nothing to expire, as the daily job finds most days), rolled back."""
    with app.app_context():
        program = db.session.get(CoopProgram, program_id)
        started = time.perf_counter()
        summary = ledger.close_period(program, as_of)
        seconds = time.perf_counter() - started
        db.session.rollback()
    return {
        "seconds": round(seconds, 3),
        "accounts_checked": summary.accounts_checked,
        "expired_buckets": len(summary.expired),
    }


def verify(app, program_id: int) -> dict:
    with app.app_context():
        program = db.session.get(CoopProgram, program_id)
        started = time.perf_counter()
        problems = ledger.verify_ledger(program)
        seconds = time.perf_counter() - started
        db.session.rollback()
    return {"seconds": round(seconds, 2), "problems": len(problems)}


def explain(app, program_id: int, sql: str) -> list[str]:
    """The database's plan for a statement of close_period (for the figures' notes)."""
    with app.app_context():
        conn = db.session.connection()
        prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        rows = conn.execute(sa.text(prefix + sql), {"program_id": program_id}).all()
        db.session.rollback()
        return [" ".join(str(c) for c in row) for row in rows]
