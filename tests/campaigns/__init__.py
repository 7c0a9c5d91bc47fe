"""Tests of the campaigns package, and helpers the co-op ledger tests share."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop import ledger
from campaigns.coop.models import CoopAccount, CoopProgram, LedgerEntry
from hub import db
from hub.models import Tier

_ids = itertools.count(1)


def tier(name: str) -> Tier:
    """The tier called name, created if the test database has none yet."""
    row = db.session.scalar(sa.select(Tier).where(Tier.name == name))
    if row is None:
        row = Tier(name=name, rank=next(_ids) + 100)
        db.session.add(row)
        db.session.flush()
    return row


def make_program(
    admin,
    period: str = "year",
    carryover: int = 1,
    rates: dict[str, str] | None = None,
    effective_from: date = date(2020, 1, 1),
    currency: str = "USD",
) -> CoopProgram:
    """A co-op program with per-tier rates (default Authorized 1%, Premier 2%, Elite 3%)."""
    program = ledger.create_program(
        admin,
        f"Co-op {next(_ids)}",
        currency,
        period=period,
        carryover_periods=carryover,
    )
    for name, rate in (rates or {"Authorized": "0.01", "Premier": "0.02", "Elite": "0.03"}).items():
        ledger.set_accrual_rate(
            admin, program, rate, tier=tier(name), effective_from=effective_from
        )
    return program


def purchase(org, amount, on: date, external_id: str | None = None, **extra) -> dict:
    """One ERP purchase line."""
    return {
        "external_id": external_id or f"ERP-{next(_ids)}",
        "organization_id": org.id,
        "amount": str(amount),
        "currency": "USD",
        "purchased_on": on.isoformat(),
        **extra,
    }


def buy(program, org, amount, on: date, *, today: date | None = None, **extra):
    """Import one purchase and return the organisation's account."""
    report = ledger.record_purchases(
        program, [purchase(org, amount, on, **extra)], today=today or on
    )
    assert report.clean and report.accepted, report
    return ledger.get_or_create_account(org, program)


def entry_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))


def entries_of(account: CoopAccount) -> list[tuple[str, Decimal, str]]:
    """(kind, amount, bucket) of an account's entries, in the order they were written."""
    rows = db.session.execute(
        sa.select(LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.bucket)
        .where(LedgerEntry.account_id == account.id)
        .order_by(LedgerEntry.id)
    )
    return [(kind.value, amount, bucket) for kind, amount, bucket in rows]


def buckets(account: CoopAccount) -> dict[str, Decimal]:
    """Each bucket's remaining money (held included), as in COOP-RULES' table."""
    return {b.bucket: b.remaining for b in ledger.bucket_balances(account)}


def assert_sound(account: CoopAccount | None = None) -> None:
    """I2, I3, I5, I6 hold for the whole ledger (and the account's cache matches, if given)."""
    assert ledger.verify_ledger() == []
    if account is not None:
        assert ledger.balance(account) == ledger.recompute(account)
        assert ledger.bucket_balances(account) == ledger.recompute_buckets(account)
