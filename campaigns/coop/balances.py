"""Reading balances (rule 5, I3): an account's cached balance, its buckets and holds as
their entries say, and what expires soon. Nothing here writes.

Sign convention: an entry's amount is positive for every kind except adjustment, which
is signed; the kind says which way the money moves (see `EFFECTS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop.models import (
    CoopAccount,
    CoopBucket,
    CoopProgram,
    EntryKind,
    Hold,
    LedgerEntry,
)
from campaigns.coop.money import ZERO, cents, from_cents
from campaigns.coop.periods import check_date, expires_on, period_start
from hub import db
from hub.models import Organization

# How each kind of entry changes the account's cached columns:
# (earned, held, reimbursed, expired, available). The cache is exactly these sums (I3).
EFFECTS: dict[EntryKind, tuple[int, int, int, int, int]] = {
    EntryKind.ACCRUAL: (1, 0, 0, 0, 1),
    EntryKind.ADJUSTMENT: (1, 0, 0, 0, 1),
    EntryKind.HOLD: (0, 1, 0, 0, -1),
    EntryKind.RELEASE: (0, -1, 0, 0, 1),
    EntryKind.REIMBURSEMENT: (0, -1, 1, 0, 0),
    EntryKind.EXPIRY: (0, 0, 0, 1, -1),
}
BALANCE_FIELDS = ("earned", "held", "reimbursed", "expired", "available")
# How each kind changes a bucket's cached columns (earned, held, reimbursed, expired);
# remaining = earned − reimbursed − expired, free = remaining − held.
BUCKET_EFFECTS: dict[EntryKind, tuple[int, int, int, int]] = {
    EntryKind.ACCRUAL: (1, 0, 0, 0),
    EntryKind.ADJUSTMENT: (1, 0, 0, 0),
    EntryKind.HOLD: (0, 1, 0, 0),
    EntryKind.RELEASE: (0, -1, 0, 0),
    EntryKind.REIMBURSEMENT: (0, -1, 1, 0),
    EntryKind.EXPIRY: (0, 0, 0, 1),
}
BUCKET_FIELDS = ("earned", "held", "reimbursed", "expired")


def program_of(account: CoopAccount) -> CoopProgram:
    """The program an account belongs to (from the session's identity map when loaded)."""
    return db.session.get(CoopProgram, account.program_id)


def account_of(org: Organization, program: CoopProgram) -> CoopAccount | None:
    """The organisation's account, or None before its first purchase (GET never opens one).

    Read afresh even when the session holds it already (the cached columns change by
    UPDATE statements, not through the object), so `balance_of` may read its columns."""
    return db.session.scalar(
        sa.select(CoopAccount)
        .where(CoopAccount.organization_id == org.id, CoopAccount.program_id == program.id)
        .execution_options(populate_existing=True)
    )


@dataclass(frozen=True)
class BucketBalance:
    """What one bucket holds: earned in its period, and what became of it."""

    bucket: str
    expires_on: date
    earned: Decimal  # accruals and adjustments
    reimbursed: Decimal
    expired: Decimal
    held: Decimal  # earmarked by open holds, not yet reimbursed or released

    @property
    def remaining(self) -> Decimal:
        """Neither spent nor expired (held money included) — the table's bucket column."""
        return self.earned - self.reimbursed - self.expired

    @property
    def free(self) -> Decimal:
        """Remaining and not held: what a new hold could take, or expiry would."""
        return self.remaining - self.held

    def is_live(self, on: date) -> bool:
        """Whether the bucket can still be spent on that day."""
        return on <= self.expires_on


def bucket_balance(program: CoopProgram, label: str, sums: dict) -> BucketBalance:
    """One bucket's balance from the sums of its entries by kind."""

    def total(kind):
        return sums.get(kind, ZERO)

    return BucketBalance(
        bucket=label,
        expires_on=expires_on(program, label),
        earned=total(EntryKind.ACCRUAL) + total(EntryKind.ADJUSTMENT),
        reimbursed=total(EntryKind.REIMBURSEMENT),
        expired=total(EntryKind.EXPIRY),
        held=total(EntryKind.HOLD) - total(EntryKind.RELEASE) - total(EntryKind.REIMBURSEMENT),
    )


def _bucket_sums(account_id: int) -> dict[str, dict[EntryKind, Decimal]]:
    rows = db.session.execute(
        sa.select(LedgerEntry.bucket, LedgerEntry.kind, sa.func.sum(cents(LedgerEntry.amount)))
        .where(LedgerEntry.account_id == account_id)
        .group_by(LedgerEntry.bucket, LedgerEntry.kind)
    )
    sums: dict[str, dict[EntryKind, Decimal]] = {}
    for bucket, kind, total in rows:
        sums.setdefault(bucket, {})[kind] = from_cents(total)
    return sums


def bucket_balances(account: CoopAccount) -> list[BucketBalance]:
    """Every bucket of the account, oldest first, from its cached per-bucket row (one indexed
    read of a few rows, however long the ledger; `recompute_buckets` sums the entries)."""
    rows = db.session.execute(
        sa.select(
            CoopBucket.bucket,
            CoopBucket.expires_on,
            CoopBucket.earned,
            CoopBucket.reimbursed,
            CoopBucket.expired,
            CoopBucket.held,
        ).where(CoopBucket.account_id == account.id)
    )
    balances = [BucketBalance(*row) for row in rows]
    return sorted(balances, key=lambda b: period_start(b.bucket))


def recompute_buckets(account: CoopAccount) -> list[BucketBalance]:
    """Every bucket of the account, oldest first, summed from its entries (what the cached
    rows must equal, I3)."""
    program = program_of(account)
    balances = [
        bucket_balance(program, label, sums) for label, sums in _bucket_sums(account.id).items()
    ]
    return sorted(balances, key=lambda b: period_start(b.bucket))


@dataclass(frozen=True)
class Balance:
    """An account's money: earned = reimbursed + expired + held + available."""

    earned: Decimal
    held: Decimal
    reimbursed: Decimal
    expired: Decimal
    available: Decimal


EMPTY_BALANCE = Balance(ZERO, ZERO, ZERO, ZERO, ZERO)


def balance(account: CoopAccount) -> Balance:
    """The account's cached balance (one indexed row read, however long the ledger).

    `available` equals rule 5's "live buckets' remaining − held" once the day's period
    close has run; `place_hold` applies any pending expiry itself before it takes money.
    """
    row = db.session.execute(
        sa.select(*(getattr(CoopAccount, name) for name in BALANCE_FIELDS)).where(
            CoopAccount.id == account.id
        )
    ).one()
    return Balance(*row)


def balance_of(account: CoopAccount) -> Balance:
    """The cached balance of an account just read by `account_of` — its columns as read,
    without reading the row again (`balance` does)."""
    return Balance(*(getattr(account, name) for name in BALANCE_FIELDS))


def organization_balance(org: Organization, program: CoopProgram) -> Balance:
    """The organisation's balance, all zero before its first purchase."""
    account = account_of(org, program)
    return balance(account) if account else EMPTY_BALANCE


def kind_totals(kind_sums: dict[EntryKind, Decimal]) -> Balance:
    """The balance that sums of entries by kind add up to (what the cache must equal)."""
    values = [ZERO] * 5
    for kind, amount in kind_sums.items():
        for i, weight in enumerate(EFFECTS[kind]):
            values[i] += weight * amount
    return Balance(*values)


def account_totals_query():
    """Per account, the cached columns beside the sums of its entries by kind — one statement,
    so a consistent snapshot even on PostgreSQL's READ COMMITTED.

    Columns: id, organization_id, the five BALANCE_FIELDS, then one sum in cents per
    EntryKind (in enum order; see `totals_from_row`)."""
    sums = (
        sa.select(
            LedgerEntry.account_id.label("account_id"),
            *(
                sa.func.sum(
                    sa.case((LedgerEntry.kind == kind, cents(LedgerEntry.amount)), else_=0)
                ).label(kind.value)
                for kind in EntryKind
            ),
        )
        .group_by(LedgerEntry.account_id)
        .subquery()
    )
    return sa.select(
        CoopAccount.id,
        CoopAccount.organization_id,
        *(getattr(CoopAccount, name) for name in BALANCE_FIELDS),
        *(getattr(sums.c, kind.value) for kind in EntryKind),
    ).outerjoin(sums, sums.c.account_id == CoopAccount.id)


def totals_from_row(row) -> Balance:
    """The balance from the entries' sums in a row of `account_totals_query`."""
    return kind_totals({kind: from_cents(row[7 + i]) for i, kind in enumerate(EntryKind)})


def recompute(account: CoopAccount) -> Balance:
    """The balance as the sum of the account's entries (what the cache must equal, I3)."""
    row = db.session.execute(account_totals_query().where(CoopAccount.id == account.id)).one()
    return totals_from_row(row)


@dataclass(frozen=True)
class HoldBalance:
    """What became of a hold: reimbursed + released + remaining = amount (I5)."""

    amount: Decimal
    reimbursed: Decimal
    released: Decimal
    expired: Decimal  # the part of `released` that expired at release (rule 3)
    by_bucket: dict[str, Decimal]  # still earmarked, oldest bucket first

    @property
    def remaining(self) -> Decimal:
        return sum(self.by_bucket.values(), ZERO)


def hold_balance(hold: Hold) -> HoldBalance:
    """How much of a hold is still earmarked, per bucket, and how much was paid or released."""
    rows = db.session.execute(
        sa.select(LedgerEntry.bucket, LedgerEntry.kind, sa.func.sum(cents(LedgerEntry.amount)))
        .where(LedgerEntry.hold_id == hold.id)
        .group_by(LedgerEntry.bucket, LedgerEntry.kind)
    )
    per_bucket: dict[str, dict[EntryKind, Decimal]] = {}
    for bucket, kind, total in rows:
        per_bucket.setdefault(bucket, {})[kind] = from_cents(total)
    totals = dict.fromkeys(EntryKind, ZERO)
    by_bucket = {}
    for bucket in sorted(per_bucket, key=period_start):
        sums = per_bucket[bucket]
        for kind, amount in sums.items():
            totals[kind] += amount
        left = (
            sums.get(EntryKind.HOLD, ZERO)
            - sums.get(EntryKind.RELEASE, ZERO)
            - sums.get(EntryKind.REIMBURSEMENT, ZERO)
        )
        if left:
            by_bucket[bucket] = left
    return HoldBalance(
        amount=hold.amount,
        reimbursed=totals[EntryKind.REIMBURSEMENT],
        released=totals[EntryKind.RELEASE],
        expired=totals[EntryKind.EXPIRY],
        by_bucket=by_bucket,
    )


@dataclass(frozen=True)
class ExpiringFunds:
    """Money of one bucket that no hold covers and that expires soon."""

    bucket: str
    amount: Decimal
    expires_on: date


def expiring_soon(
    account: CoopAccount, within_days: int = 60, today: date | None = None
) -> list[ExpiringFunds]:
    """Money no hold covers that expires within the next `within_days` days, soonest first."""
    return expiring_of(bucket_balances(account), within_days, today)


def expiring_of(
    buckets: list[BucketBalance], within_days: int = 60, today: date | None = None
) -> list[ExpiringFunds]:
    """`expiring_soon` of buckets already read (`bucket_balances`)."""
    today = check_date(today)
    return [
        ExpiringFunds(b.bucket, b.free, b.expires_on)
        for b in sorted(buckets, key=lambda b: b.expires_on)
        if b.is_live(today) and b.free > 0 and (b.expires_on - today).days <= within_days
    ]


def entries_newest_first(account: CoopAccount) -> sa.Select:
    """The account's ledger entries, newest first (the statement a page paginates)."""
    return (
        sa.select(LedgerEntry)
        .where(LedgerEntry.account_id == account.id)
        .order_by(LedgerEntry.effective_on.desc(), LedgerEntry.id.desc())
    )
