"""Verify the ledger (I2, I3, I5, I6): every cached balance equals the sum of its entries,
nothing below zero, every hold resolved exactly by its entries. `campaigns verify-ledger`
and the tests run it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop.balances import (
    BALANCE_FIELDS,
    Balance,
    account_totals_query,
    bucket_balance,
    totals_from_row,
)
from campaigns.coop.models import CoopAccount, CoopProgram, EntryKind, Hold, HoldStatus, LedgerEntry
from campaigns.coop.money import cents, from_cents
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
    """Check every account: cache = sum of entries (I3), available and held ≥ 0 (I2), no
    bucket below zero (I6), every hold resolved exactly by its entries (I5). [] when sound."""
    problems: list[Mismatch] = []
    accounts = account_totals_query()
    if program is not None:
        accounts = accounts.where(CoopAccount.program_id == program.id)
    orgs: dict[int, int] = {}
    for row in db.session.execute(accounts):
        account_id, org_id = row[0], row[1]
        orgs[account_id] = org_id
        cached = Balance(*row[2:7])
        actual = totals_from_row(row)
        for name in BALANCE_FIELDS:
            if getattr(cached, name) != getattr(actual, name):
                problems.append(
                    Mismatch(
                        account_id,
                        org_id,
                        f"cached {name} {getattr(cached, name)} ≠ {getattr(actual, name)} "
                        "from its entries",
                    )
                )
        for name in ("available", "held"):
            for source, value in (
                ("cached", getattr(cached, name)),
                ("ledger", getattr(actual, name)),
            ):
                if value < 0:
                    problems.append(Mismatch(account_id, org_id, f"{source} {name} is {value}"))

    bucket_rows = sa.select(
        LedgerEntry.account_id,
        LedgerEntry.bucket,
        LedgerEntry.kind,
        sa.func.sum(cents(LedgerEntry.amount)),
    ).group_by(LedgerEntry.account_id, LedgerEntry.bucket, LedgerEntry.kind)
    if program is not None:
        bucket_rows = bucket_rows.where(
            LedgerEntry.account_id.in_(
                sa.select(CoopAccount.id).where(CoopAccount.program_id == program.id)
            )
        )
    per_bucket: dict[tuple[int, str], dict[EntryKind, Decimal]] = {}
    for account_id, bucket, kind, total in db.session.execute(bucket_rows):
        per_bucket.setdefault((account_id, bucket), {})[kind] = from_cents(total)
    programs = {p.id: p for p in db.session.scalars(sa.select(CoopProgram))}
    account_program = dict(
        db.session.execute(sa.select(CoopAccount.id, CoopAccount.program_id)).tuples().all()
    )
    for (account_id, bucket), sums in per_bucket.items():
        b = bucket_balance(programs[account_program[account_id]], bucket, sums)
        org_id = orgs.get(account_id)
        for label, value in (("remaining", b.remaining), ("held", b.held), ("free", b.free)):
            if value < 0:
                problems.append(
                    Mismatch(account_id, org_id, f"bucket {bucket}: {label} is {value}")
                )

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
