"""Co-op data for the benchmarks: a program on top of bench.seed_large's channel, ERP
purchase files, and ledgers of any size loaded in bulk with consistent cached balances.

Bulk loading writes plain accrual entries straight into coop_ledger_entry — COPY on
PostgreSQL, executemany on SQLite — and sets each account's cached columns (and its per-bucket rows) to the sum of
what was written, so `ledger.verify_ledger` holds afterwards (the benchmark runs it).
"""

from __future__ import annotations

import io
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop import ledger, period_totals
from campaigns.coop.models import CoopAccount, CoopBucket, CoopProgram, EntryKind, LedgerEntry
from campaigns.coop.periods import expires_on
from hub import db
from hub.db import utcnow
from hub.models import Organization, OrgKind, Person, Role, Tier

BENCH_PROGRAM = "Fieldcrest Co-op (bench)"
RATES = {"Authorized": "0.01", "Premier": "0.02", "Elite": "0.03"}
FIRST_DAY = date(2025, 1, 1)


@dataclass(frozen=True)
class CoopSetup:
    program_id: int
    admin_id: int
    partner_ids: list[int]  # every dealer and distributor, by id


def create_program(app) -> CoopSetup:
    """The bench co-op program with a rate per tier, made by the first program admin."""
    with app.app_context():
        admin = db.session.scalar(
            sa.select(Person).where(Person.role == Role.PROGRAM_ADMIN).order_by(Person.id)
        )
        program = ledger.create_program(admin, BENCH_PROGRAM, "USD", "year", carryover_periods=1)
        for tier in db.session.scalars(sa.select(Tier)):
            if tier.name in RATES:
                ledger.set_accrual_rate(
                    admin, program, RATES[tier.name], tier=tier, effective_from=FIRST_DAY
                )
        partners = db.session.scalars(
            sa.select(Organization.id)
            .where(Organization.kind.in_([OrgKind.DEALER, OrgKind.DISTRIBUTOR]))
            .order_by(Organization.id)
        ).all()
        db.session.commit()
        return CoopSetup(program.id, admin.id, list(partners))


def purchase_rows(partner_ids: list[int], count: int, *, prefix: str = "ERP", seed: int = 7):
    """`count` purchase lines spread over the partners and 2025–2026, as the ERP sends them."""
    rng = random.Random(seed)
    days = (date(2026, 10, 31) - FIRST_DAY).days
    rows = []
    for n in range(count):
        cents = rng.randint(10_000, 5_000_000)
        rows.append(
            {
                "external_id": f"{prefix}-{n:07d}",
                "organization_id": rng.choice(partner_ids),
                "amount": f"{cents // 100}.{cents % 100:02d}",
                "currency": "USD",
                "purchased_on": (FIRST_DAY + timedelta(days=rng.randrange(days))).isoformat(),
                "product_line_id": "",
            }
        )
    return rows


def purchase_csv(rows: list[dict]) -> bytes:
    """The rows as the CSV file the import page takes."""
    columns = ["external_id", "organization_id", "amount", "currency", "purchased_on",
               "product_line_id"]  # fmt: skip
    out = io.StringIO()
    out.write(",".join(columns) + "\n")
    for row in rows:
        out.write(",".join(str(row[c]) for c in columns) + "\n")
    return out.getvalue().encode()


def open_accounts(app, setup: CoopSetup) -> dict[int, int]:
    """An account for every partner (organisation id → account id), opened in bulk."""
    with app.app_context():
        existing = dict(
            db.session.execute(
                sa.select(CoopAccount.organization_id, CoopAccount.id).where(
                    CoopAccount.program_id == setup.program_id
                )
            ).all()
        )
        zero = Decimal("0.00")
        missing = [
            {
                "organization_id": org_id,
                "program_id": setup.program_id,
                "earned": zero,
                "held": zero,
                "reimbursed": zero,
                "expired": zero,
                "available": zero,
                "version": 1,
                "created_at": utcnow(),
            }
            for org_id in setup.partner_ids
            if org_id not in existing
        ]
        if missing:
            db.session.execute(sa.insert(CoopAccount), missing)
        db.session.commit()
        return dict(
            db.session.execute(
                sa.select(CoopAccount.organization_id, CoopAccount.id).where(
                    CoopAccount.program_id == setup.program_id
                )
            ).all()
        )


def load_entries(
    app, per_account: dict[int, int], *, seed: int = 11, every_year: bool = False
) -> float:
    """Append `n` accrual entries to each account (account id → n), 2025–2026, and add what
    they sum to onto the account's cached earned and available. Returns the seconds taken.
    every_year: an account's entries alternate between 2025 and 2026 (two entries give it
    money in both years' buckets) instead of falling on random days."""
    rng = random.Random(seed)
    started = time.perf_counter()
    now = utcnow()
    days = (date(2026, 10, 31) - FIRST_DAY).days
    totals: dict[int, int] = {}
    per_bucket: dict[tuple[int, str], int] = {}
    with app.app_context():
        connection = db.session.connection()
        postgres = connection.dialect.name == "postgresql"
        raw = connection.connection.driver_connection
        batch: list[tuple] = []

        def flush():
            if not batch:
                return
            if postgres:
                with (
                    raw.cursor() as cursor,
                    cursor.copy(
                        "COPY coop_ledger_entry (account_id, kind, amount, bucket, rate, reason, "
                        "effective_on, created_at) FROM STDIN"
                    ) as copy,
                ):
                    for row in batch:
                        copy.write_row(row)
            else:
                raw.cursor().executemany(
                    "INSERT INTO coop_ledger_entry (account_id, kind, amount, bucket, rate, "
                    "reason, effective_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (a, k, str(m), b, str(r), why, d.isoformat(), c.isoformat(sep=" "))
                        for a, k, m, b, r, why, d, c in batch
                    ],
                )
            batch.clear()

        for account_id, count in per_account.items():
            for i in range(count):
                cents = rng.randint(100, 50_000)
                day = FIRST_DAY + timedelta(days=rng.randrange(days))
                if every_year:  # a day in the year's first 300 (before BENCH_TODAY)
                    day = date(FIRST_DAY.year + i % 2, 1, 1) + timedelta(days=day.toordinal() % 300)
                batch.append(
                    (
                        account_id,
                        EntryKind.ACCRUAL.value,
                        Decimal(cents).scaleb(-2),
                        str(day.year),
                        Decimal("0.02000"),
                        "Bench accrual",
                        day,
                        now,
                    )
                )
                totals[account_id] = totals.get(account_id, 0) + cents
                per_bucket[(account_id, str(day.year))] = (
                    per_bucket.get((account_id, str(day.year)), 0) + cents
                )
                if len(batch) >= 50_000:
                    flush()
        flush()
        for account_id, cents in totals.items():
            amount = Decimal(cents).scaleb(-2)
            db.session.execute(
                sa.update(CoopAccount)
                .where(CoopAccount.id == account_id)
                .values(
                    earned=CoopAccount.earned + amount,
                    available=CoopAccount.available + amount,
                    version=CoopAccount.version + 1,
                )
            )
        _add_to_buckets(per_bucket)
        db.session.commit()
        if postgres:
            # Fresh statistics and visibility map, as autovacuum would leave them.
            with db.engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE coop_ledger_entry")
                conn.exec_driver_sql("ANALYZE coop_account")
                conn.exec_driver_sql("VACUUM ANALYZE coop_bucket")
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
    return time.perf_counter() - started


def _add_to_buckets(per_bucket: dict[tuple[int, str], int]) -> None:
    """Add what was loaded onto the accounts' per-bucket rows (created when missing)."""
    if not per_bucket:
        return
    programs = dict(
        db.session.execute(
            sa.select(CoopAccount.id, CoopAccount.program_id).where(
                CoopAccount.id.in_({a for a, _ in per_bucket})
            )
        ).all()
    )
    existing = {
        (row.account_id, row.bucket): row
        for row in db.session.scalars(
            sa.select(CoopBucket).where(CoopBucket.account_id.in_(programs))
        )
    }
    zero = Decimal("0.00")
    new, moved = [], []
    for (account_id, bucket), cents in per_bucket.items():
        amount = Decimal(cents).scaleb(-2)
        program = db.session.get(CoopProgram, programs[account_id])
        moved.append(
            (account_id, program.id, bucket, expires_on(program, bucket), amount, zero, zero, zero)
        )
        row = existing.get((account_id, bucket))
        if row is not None:
            row.earned += amount
            continue
        new.append(
            {
                "account_id": account_id,
                "program_id": program.id,
                "bucket": bucket,
                "expires_on": expires_on(program, bucket),
                "earned": amount,
                "held": zero,
                "reimbursed": zero,
                "expired": zero,
            }
        )
    if new:
        db.session.execute(sa.insert(CoopBucket), new)
    period_totals.stage(moved)  # the program's periods, as a ledger write moves them
    db.session.flush()


def entry_count(app, program_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(LedgerEntry.id))
            .join(CoopAccount, CoopAccount.id == LedgerEntry.account_id)
            .where(CoopAccount.program_id == program_id)
        )


def spread(total: int, account_ids: list[int]) -> dict[int, int]:
    """`total` entries over the accounts, as evenly as can be."""
    base, extra = divmod(total, len(account_ids))
    return {a: base + (1 if i < extra else 0) for i, a in enumerate(account_ids)}
