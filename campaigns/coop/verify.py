"""Verify the ledger (I2, I3, I5, I6): every cached balance — an account's, a bucket's, a
program's period — equals the sum of its entries, nothing below zero, every hold resolved
exactly by its entries. `campaigns verify-ledger`
and the tests run it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop import period_totals
from campaigns.coop.balances import (
    BALANCE_FIELDS,
    BUCKET_FIELDS,
    Balance,
    bucket_balance,
    kind_totals,
)
from campaigns.coop.models import (
    CoopAccount,
    CoopBucket,
    CoopProgram,
    EntryKind,
    Hold,
    HoldStatus,
    LedgerEntry,
)
from campaigns.coop.money import ZERO, cents, from_cents
from hub import db


@dataclass(frozen=True)
class Mismatch:
    """One broken invariant, said so that finance can find it."""

    account_id: int | None
    organization_id: int | None
    problem: str

    def __str__(self) -> str:
        return f"account {self.account_id} (organisation {self.organization_id}): {self.problem}"


def verify_ledger(program: CoopProgram | None = None) -> list[Mismatch]:
    """Check every account: cached balance and cached buckets = sums of entries (I3), and
    so every program's cached periods,
    available and held ≥ 0 (I2), no bucket below zero (I6), every hold resolved exactly by
    its entries (I5). [] when sound.

    The entries are read once, summed per account, bucket and kind over the covering index
    ix_coop_ledger_entry_bucket_account, in the same statement as the cached rows they are
    compared with (one snapshot, even under READ COMMITTED)."""
    problems: list[Mismatch] = []
    programs = {p.id: p for p in db.session.scalars(sa.select(CoopProgram))}
    accounts: dict[int, tuple[int, int, Balance]] = {}  # id → org, program, cached
    actual: dict[int, dict[EntryKind, Decimal]] = {}
    periods: dict[tuple[int, str], tuple] = {}  # (program, bucket) → last day, sums
    for row in db.session.execute(_bucket_rows(program)):
        account_id, org_id, program_id = row.account_id, row.organization_id, row.program_id
        if account_id not in accounts:
            cached = Balance(*(getattr(row, f"a_{name}") for name in BALANCE_FIELDS))
            accounts[account_id] = (org_id, program_id, cached)
        sums = {kind: from_cents(getattr(row, kind.value)) for kind in EntryKind}
        totals = actual.setdefault(account_id, dict.fromkeys(EntryKind, ZERO))
        for kind, amount in sums.items():
            totals[kind] += amount
        b = bucket_balance(programs[program_id], row.bucket, sums)
        period = periods.setdefault(
            (program_id, row.bucket), (b.expires_on, dict.fromkeys(BUCKET_FIELDS, ZERO))
        )
        for name in BUCKET_FIELDS:
            period[1][name] += getattr(b, name)
        for label, value in (("remaining", b.remaining), ("held", b.held), ("free", b.free)):
            if value < 0:
                problems.append(
                    Mismatch(account_id, org_id, f"bucket {row.bucket}: {label} is {value}")
                )
        if row.b_id is None:
            problems.append(
                Mismatch(account_id, org_id, f"bucket {row.bucket} has entries but no cached row")
            )
            continue
        if row.b_expires_on != b.expires_on:
            problems.append(
                Mismatch(
                    account_id,
                    org_id,
                    f"bucket {row.bucket}: cached expiry {row.b_expires_on} ≠ {b.expires_on}",
                )
            )
        for name in BUCKET_FIELDS:
            cached_value, value = getattr(row, f"b_{name}"), getattr(b, name)
            if cached_value != value:
                problems.append(
                    Mismatch(
                        account_id,
                        org_id,
                        f"bucket {row.bucket}: cached {name} {cached_value} ≠ {value} "
                        "from its entries",
                    )
                )
    for account_id, org_id, program_id, *cached_values in db.session.execute(
        _accounts_without_entries(program)
    ):
        accounts[account_id] = (org_id, program_id, Balance(*cached_values))
    for account_id, (org_id, _program_id, cached) in accounts.items():
        computed = kind_totals(actual.get(account_id, {}))
        for name in BALANCE_FIELDS:
            if getattr(cached, name) != getattr(computed, name):
                problems.append(
                    Mismatch(
                        account_id,
                        org_id,
                        f"cached {name} {getattr(cached, name)} ≠ {getattr(computed, name)} "
                        "from its entries",
                    )
                )
        for name in ("available", "held"):
            for source, value in (
                ("cached", getattr(cached, name)),
                ("ledger", getattr(computed, name)),
            ):
                if value < 0:
                    problems.append(Mismatch(account_id, org_id, f"{source} {name} is {value}"))
    for account_id, org_id, bucket in db.session.execute(_buckets_without_entries(program)):
        problems.append(
            Mismatch(account_id, org_id, f"bucket {bucket} has a cached row but no entries")
        )
    problems += _period_problems(program, periods)
    orgs = {account_id: org_id for account_id, (org_id, _p, _c) in accounts.items()}

    hold_sums = (
        sa.select(
            LedgerEntry.hold_id.label("hold_id"),
            sa.func.count(sa.distinct(LedgerEntry.account_id)).label("accounts"),
            sa.func.min(LedgerEntry.account_id).label("account_id"),
            *(
                sa.func.sum(
                    sa.case((LedgerEntry.kind == kind, cents(LedgerEntry.amount)), else_=0)
                ).label(kind.value)
                for kind in EntryKind
            ),
        )
        .where(LedgerEntry.hold_id.is_not(None))
        .group_by(LedgerEntry.hold_id)
        .subquery()
    )
    holds = sa.select(Hold, hold_sums).outerjoin(hold_sums, hold_sums.c.hold_id == Hold.id)
    if program is not None:
        holds = holds.where(
            Hold.account_id.in_(
                sa.select(CoopAccount.id).where(CoopAccount.program_id == program.id)
            )
        )
    for row in db.session.execute(holds):
        hold = row[0]
        org_id = orgs.get(hold.account_id)
        totals = {kind: from_cents(getattr(row, kind.value)) for kind in EntryKind}
        held, reimbursed, released = (
            totals[EntryKind.HOLD],
            totals[EntryKind.REIMBURSEMENT],
            totals[EntryKind.RELEASE],
        )

        def bad(text, hold=hold, org_id=org_id):
            problems.append(
                Mismatch(hold.account_id, org_id, f"hold {hold.id} ({hold.reference}): {text}")
            )

        if row.accounts and (row.accounts != 1 or row.account_id != hold.account_id):
            bad("has entries in another account")
        if held != hold.amount:
            bad(f"hold entries sum to {held}, not {hold.amount}")
        if reimbursed + released > hold.amount:
            bad(f"reimbursed {reimbursed} + released {released} exceed {hold.amount}")
        if totals[EntryKind.EXPIRY] > released:
            bad(f"expired {totals[EntryKind.EXPIRY]} at release but released only {released}")
        resolved = reimbursed + released == hold.amount
        if resolved != (hold.status == HoldStatus.RESOLVED):
            bad(f"is {hold.status.value} but {hold.amount - reimbursed - released} remains held")
        if totals[EntryKind.ACCRUAL] or totals[EntryKind.ADJUSTMENT]:
            bad("has accrual or adjustment entries")
    return problems


def _period_problems(program: CoopProgram | None, periods: dict[tuple[int, str], tuple]):
    """The programs' cached period rows against their entries' sums per period (I3, per
    program and period), all read in one statement."""
    problems = []

    def bad(key: tuple[int, str], text: str) -> None:
        program_id, bucket = key
        problems.append(Mismatch(None, None, f"program {program_id}: period {bucket}{text}"))

    cached = period_totals.cached_periods(program.id if program is not None else None)
    for key in sorted(cached.keys() - periods.keys()):
        bad(key, " has a cached row but no entries")
    for key in sorted(periods.keys() - cached.keys()):
        bad(key, " has entries but no cached row")
    for key in sorted(cached.keys() & periods.keys()):
        (cached_day, cached_sums), (day, sums) = cached[key], periods[key]
        if cached_day != day:
            bad(key, f": cached expiry {cached_day} ≠ {day}")
        for name in BUCKET_FIELDS:
            if cached_sums[name] != sums[name]:
                bad(key, f": cached {name} {cached_sums[name]} ≠ {sums[name]} from its entries")
    return problems


def _bucket_rows(program: CoopProgram | None):
    """Per account and bucket: the entries' sums by kind (in cents), the cached bucket row
    (b_*, NULL when missing) and the account's cached columns (a_*)."""
    sums = sa.select(
        LedgerEntry.bucket.label("bucket"),
        LedgerEntry.account_id.label("account_id"),
        *(
            sa.func.sum(
                sa.case((LedgerEntry.kind == kind, cents(LedgerEntry.amount)), else_=0)
            ).label(kind.value)
            for kind in EntryKind
        ),
    ).group_by(LedgerEntry.bucket, LedgerEntry.account_id)
    if program is not None:
        sums = sums.where(
            LedgerEntry.account_id.in_(
                sa.select(CoopAccount.id).where(CoopAccount.program_id == program.id)
            )
        )
    sums = sums.subquery()
    return (
        sa.select(
            sums,
            CoopAccount.organization_id,
            CoopAccount.program_id,
            *(getattr(CoopAccount, name).label(f"a_{name}") for name in BALANCE_FIELDS),
            CoopBucket.id.label("b_id"),
            CoopBucket.expires_on.label("b_expires_on"),
            *(getattr(CoopBucket, name).label(f"b_{name}") for name in BUCKET_FIELDS),
        )
        .join(CoopAccount, CoopAccount.id == sums.c.account_id)
        .outerjoin(
            CoopBucket,
            sa.and_(CoopBucket.account_id == sums.c.account_id, CoopBucket.bucket == sums.c.bucket),
        )
    )


def _accounts_without_entries(program: CoopProgram | None):
    has_entries = sa.exists().where(LedgerEntry.account_id == CoopAccount.id)
    stmt = sa.select(
        CoopAccount.id,
        CoopAccount.organization_id,
        CoopAccount.program_id,
        *(getattr(CoopAccount, name) for name in BALANCE_FIELDS),
    ).where(~has_entries)
    if program is not None:
        stmt = stmt.where(CoopAccount.program_id == program.id)
    return stmt


def _buckets_without_entries(program: CoopProgram | None):
    has_entries = sa.exists().where(
        LedgerEntry.account_id == CoopBucket.account_id, LedgerEntry.bucket == CoopBucket.bucket
    )
    stmt = (
        sa.select(CoopBucket.account_id, CoopAccount.organization_id, CoopBucket.bucket)
        .join(CoopAccount, CoopAccount.id == CoopBucket.account_id)
        .where(~has_entries)
    )
    if program is not None:
        stmt = stmt.where(CoopBucket.program_id == program.id)
    return stmt
