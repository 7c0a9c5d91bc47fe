"""Period close and expiry (rules 1 and 3, I7): what is neither spent nor held in a bucket
whose window has ended expires — never held money."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop.balances import bucket_balances, program_of
from campaigns.coop.entries import Operation, lock_account
from campaigns.coop.models import CoopAccount, CoopProgram, EntryKind, LedgerEntry
from campaigns.coop.money import ZERO, cents, format_money
from campaigns.coop.periods import carryover_for, check_date, expires_on, program_buckets
from campaigns.coop.program import require_program_admin
from hub import audit, db
from hub.dates import format_date
from hub.models import Person


def expire_dead_buckets(account: CoopAccount, on: date, actor=None) -> list[tuple[str, Decimal]]:
    """Expire what is neither spent nor held in buckets whose window closed before `on` (rule 3, I7)."""
    program = program_of(account)
    expired = []
    for bucket in bucket_balances(account):
        if bucket.is_live(on) or bucket.free <= 0:
            continue
        key = f"expiry:{bucket.bucket}"
        earlier = db.session.scalar(
            sa.select(sa.func.count()).where(
                LedgerEntry.account_id == account.id,
                sa.or_(
                    LedgerEntry.idempotency_key == key,
                    LedgerEntry.idempotency_key.startswith(f"{key}:", autoescape=True),
                ),
            )
        )
        if earlier:  # only after a back-dated release; keeps keys unique and deterministic
            key = f"{key}:{earlier + 1}"
        operation = Operation(account, key, actor, bucket.expires_on)
        operation.add(
            EntryKind.EXPIRY,
            bucket.free,
            bucket.bucket,
            reason=f"Unspent, unheld {bucket.bucket} funds expired after {format_date(bucket.expires_on)} "
            f"(carryover: {carryover_for(program, bucket.bucket)} period(s))",
        )
        audit.record(
            "coop.expired",
            account,
            actor=actor,
            after={"bucket": bucket.bucket, "amount": str(bucket.free)},
            summary=f"{format_money(bucket.free, program.currency)} of the {bucket.bucket} "
            f"funds expired after {format_date(bucket.expires_on)}",
        )
        expired.append((bucket.bucket, bucket.free))
    return expired


@dataclass
class CloseSummary:
    """What a period close expired: (organisation id, bucket, amount) per bucket."""

    program_id: int
    as_of: date
    accounts_checked: int = 0
    expired: list[tuple[int, str, Decimal]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((amount for _org, _bucket, amount in self.expired), ZERO)

    def __str__(self) -> str:
        if not self.expired:
            return f"program {self.program_id} as of {self.as_of}: nothing expired"
        return (
            f"program {self.program_id} as of {self.as_of}: {len(self.expired)} bucket(s) "
            f"expired, {self.total:,.2f} in all"
        )


def close_period(
    program: CoopProgram, as_of: date | None = None, actor: Person | None = None
) -> CloseSummary:
    """Expire, in every account, what is neither spent nor held in buckets whose window ended
    before `as_of` (rules 1 and 3, I7). Running it again changes nothing.

    Only accounts whose closed buckets still hold free money are locked and expired; they
    are found by one sum over the closed buckets' entries, read from the covering index
    ix_coop_ledger_entry_bucket_account. A closed bucket never gains free money afterwards
    (a release from it, or a late purchase into it, expires at once), so the daily run
    after a year-end close finds nothing to lock.
    """
    if actor is not None:
        require_program_admin(actor, "closes periods")
    as_of = check_date(as_of, "as_of")
    summary = CloseSummary(program_id=program.id, as_of=as_of)
    dead = [label for label in program_buckets(program) if expires_on(program, label) < as_of]
    if not dead:
        return summary
    in_cents = cents(LedgerEntry.amount)
    # free = remaining − held = accruals + adjustments + releases − holds − expiries
    # (a reimbursement leaves both remaining and held, so it cancels out).
    free = sa.func.sum(
        sa.case(
            (
                LedgerEntry.kind.in_([EntryKind.ACCRUAL, EntryKind.ADJUSTMENT, EntryKind.RELEASE]),
                in_cents,
            ),
            (LedgerEntry.kind.in_([EntryKind.HOLD, EntryKind.EXPIRY]), -in_cents),
            else_=0,
        )
    )
    with_free = (
        sa.select(LedgerEntry.account_id)
        .where(
            LedgerEntry.bucket.in_(dead),
            LedgerEntry.account_id.in_(
                sa.select(CoopAccount.id).where(CoopAccount.program_id == program.id)
            ),
        )
        .group_by(LedgerEntry.account_id, LedgerEntry.bucket)
        .having(free > 0)
    )
    account_ids = sorted(set(db.session.scalars(with_free)))
    for account_id in account_ids:
        account = lock_account(account_id)  # and decided again from the entries, under the lock
        summary.accounts_checked += 1
        for bucket, amount in expire_dead_buckets(account, as_of, actor):
            summary.expired.append((account.organization_id, bucket, amount))
    db.session.flush()
    return summary


def close_all_periods(as_of: date, program_id: int | None = None) -> list[CloseSummary]:
    """Run the period close for one program, or every active one, as of a date."""
    stmt = sa.select(CoopProgram).order_by(CoopProgram.id)
    if program_id is not None:
        stmt = stmt.where(CoopProgram.id == program_id)
    else:
        stmt = stmt.where(CoopProgram.active.is_(True))
    return [close_period(program, as_of) for program in list(db.session.scalars(stmt))]
