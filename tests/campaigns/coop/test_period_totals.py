"""A program's period rows (`coop_period`): its accounts' buckets added up, moved with them
as each transaction ends, read by the OEM's overview, and checked by verify_ledger."""

from __future__ import annotations

import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaigns.coop import ledger, partners, period_totals
from campaigns.coop.balances import BUCKET_FIELDS
from campaigns.coop.models import CoopBucket, CoopPeriod
from hub import db
from tests.campaigns import buy

D = Decimal
ON = date(2026, 2, 1)
MIGRATION = (
    Path(__file__).resolve().parents[3] / "migrations/versions/2026_12_07_0029_coop_periods.py"
)


@pytest.fixture
def funded(channel, program):
    """Two dealers' accounts, with money in 2025's and 2026's buckets (carryover 1)."""
    buy(program, channel.dealer, "10000", date(2025, 6, 1), today=date(2026, 1, 10))
    buy(program, channel.other_dealer, "5000", date(2025, 9, 1), today=date(2026, 1, 10))
    buy(program, channel.other_dealer, "20000", date(2026, 1, 5), today=date(2026, 1, 10))
    return buy(program, channel.dealer, "15000", date(2026, 1, 10))


def bucket_sums(program) -> dict[str, tuple]:
    """The program's bucket rows added up per period, as the period rows should say."""
    out: dict[str, list] = {}
    rows = sa.select(CoopBucket).where(CoopBucket.program_id == program.id)
    for row in db.session.scalars(rows):
        sums = out.setdefault(row.bucket, [row.expires_on, *([D("0.00")] * len(BUCKET_FIELDS))])
        for i, name in enumerate(BUCKET_FIELDS, start=1):
            sums[i] += getattr(row, name)
    return {bucket: tuple(v) for bucket, v in out.items()}


def period_rows(program) -> dict[str, tuple]:
    return {
        bucket: (day, *(sums[name] for name in BUCKET_FIELDS))
        for (_program, bucket), (day, sums) in period_totals.cached_periods(program.id).items()
    }


def test_every_movement_moves_the_program_periods_as_it_moves_the_buckets(
    session, channel, funded, admin
):
    other = ledger.get_or_create_account(channel.other_dealer, funded.program)
    hold = ledger.place_hold(funded, D("250.00"), "campaign:1", "k-1", admin, on=ON)
    ledger.settle_claim(hold, D("150.00"), admin, idempotency_key="k-2", on=ON)
    ledger.adjust(funded, D("-20.00"), "2026", "typo", admin, on=ON)
    ledger.place_hold(other, D("30.00"), "campaign:2", "k-3", admin, on=ON)
    ledger.close_period(funded.program, as_of=date(2028, 1, 1))

    assert period_rows(funded.program) == bucket_sums(funded.program)
    # 2025: the dealer's 200.00 and the other's 100.00; 2026: 300.00 + 400.00 − 20.00.
    assert period_rows(funded.program) == {
        "2025": (date(2026, 12, 31), D("300.00"), D("30.00"), D("150.00"), D("120.00")),
        "2026": (date(2027, 12, 31), D("680.00"), D("0.00"), D("0.00"), D("680.00")),
    }
    assert ledger.verify_ledger() == []


def test_a_savepoint_rolled_back_takes_its_moves_of_the_periods_with_it(session, funded, admin):
    before = period_rows(funded.program)
    savepoint = session.begin_nested()
    ledger.place_hold(funded, D("120.00"), "campaign:1", "k-1", admin, on=ON)
    savepoint.rollback()
    ledger.place_hold(funded, D("10.00"), "campaign:2", "k-2", admin, on=ON)
    session.commit()  # the test's transaction: staged moves are written before it ends

    after = period_rows(funded.program)
    assert after["2025"][2] == before["2025"][2] + D("10.00")  # held: the kept hold only
    assert after == bucket_sums(funded.program)
    assert ledger.verify_ledger() == []


def test_the_overview_reads_the_moves_of_its_own_transaction(session, funded, admin):
    ledger.place_hold(funded, D("250.00"), "campaign:1", "k-1", admin, on=ON)
    totals, periods = partners.totals_and_periods(admin, funded.program, ON)
    held = {p.bucket: p.held for p in periods}
    assert held == {"2025": D("200.00"), "2026": D("50.00")}
    assert totals.used == D("250.00") and totals.earned == D("1000.00")
    # The same figures as the accounts' bucket rows give, summed through a filter that
    # keeps every account (a filtered overview sums bucket rows, not period rows).
    every_account = partners.PartnerFilter(region="Nebraska")
    assert periods == partners.periods(admin, funded.program, ON, every_account)


def test_verify_ledger_finds_a_period_row_that_is_wrong_or_missing(session, funded):
    assert ledger.verify_ledger() == []
    program = funded.program
    in_2026 = (CoopPeriod.program_id == program.id) & (CoopPeriod.bucket == "2026")
    session.execute(
        sa.update(CoopPeriod)
        .where(in_2026)
        .values(earned=CoopPeriod.earned + 1, expires_on=date(2030, 12, 31))
    )
    assert [p.problem for p in ledger.verify_ledger()] == [
        f"program {program.id}: period 2026: cached expiry 2030-12-31 ≠ 2027-12-31",
        f"program {program.id}: period 2026: cached earned 701.00 ≠ 700.00 from its entries",
    ]
    session.execute(sa.delete(CoopPeriod).where(in_2026))
    assert [p.problem for p in ledger.verify_ledger()] == [
        f"program {program.id}: period 2026 has entries but no cached row"
    ]
    session.execute(
        sa.insert(CoopPeriod).values(
            program_id=program.id, bucket="2031", expires_on=date(2032, 12, 31),
            earned=0, held=0, reimbursed=0, expired=0,
        )
    )  # fmt: skip
    problems = [p.problem for p in ledger.verify_ledger()]
    assert f"program {program.id}: period 2031 has a cached row but no entries" in problems


@pytest.mark.demo  # accruals, holds, a settled claim, releases, and expiries below
def test_the_migration_backfills_the_period_rows_the_ledger_keeps(app, session):
    program = ledger.current_program()
    ledger.close_period(program, as_of=date(2027, 1, 1))
    kept = period_rows(program)
    assert len(kept) >= 2 and kept == bucket_sums(program)
    session.execute(sa.delete(CoopPeriod))
    assert ledger.verify_ledger() != []

    spec = importlib.util.spec_from_file_location("coop_periods_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration._backfill(session.connection())

    assert period_rows(program) == kept
    assert ledger.verify_ledger() == []
