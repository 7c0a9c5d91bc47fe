"""Many requests at the same moment against one account (COOP-RULES I2, I4, I5).

These tests need real commits from real threads, so they do not use the rolled-back
`connection`: the module gets its own database — a fresh SQLite file, or, when
HUB_TEST_DATABASE_URL is PostgreSQL, a database `<name>_coop_concurrency` created on
the same server, migrated by Alembic, and dropped at the end.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from campaigns.coop import ledger, period_totals
from campaigns.coop.models import CoopAccount, Hold, HoldStatus, LedgerEntry
from hub import db
from hub.demo.channel import set_path
from hub.errors import ValidationFailed
from hub.models import Organization, OrgKind, Person, Role
from tests.campaigns import make_program, purchase, tier
from tests.conftest import committed_app

THREADS = 20
DAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def real_app(tmp_path_factory):
    """An app on its own, really committed database (see the module docstring)."""
    yield from committed_app(tmp_path_factory.mktemp("coop-concurrency"), "coop_concurrency")


_names = iter(range(1, 10_000))


@pytest.fixture
def dealer_account(real_app):
    """A fresh program and Premier dealer with 700.00 available (35,000 bought at 2%)."""

    def make(amount="35000.00"):
        n = next(_names)
        with real_app.app_context():
            oem = db.session.scalar(sa.select(Organization).where(Organization.kind == OrgKind.OEM))
            if oem is None:
                oem = Organization(name="OEM", kind=OrgKind.OEM)
                db.session.add(oem)
                db.session.flush()
                set_path(oem)
            admin = Person(
                email=f"admin{n}@oem.example",
                name="Admin",
                role=Role.PROGRAM_ADMIN,
                organization=oem,
            )
            dealer = Organization(
                name=f"Dealer {n}", kind=OrgKind.DEALER, parent=oem, tier=tier("Premier")
            )
            db.session.add_all([admin, dealer])
            db.session.flush()
            set_path(dealer)
            program = make_program(admin)
            if amount:
                ledger.record_purchases(
                    program, [purchase(dealer, amount, date(2026, 1, 15))], today=DAY
                )
            account = ledger.get_or_create_account(dealer, program)
            db.session.commit()
            return account.id, dealer.id, program.id

    return make


def _race(app, work, threads: int = THREADS) -> list:
    """Run work(i) in `threads` threads, each in its own app context (its own session and
    transaction), all released at once; return what each returned or raised."""
    start = threading.Barrier(threads)

    def run(i):
        with app.app_context():
            start.wait()
            try:
                result = work(i)
                db.session.commit()
                return result
            except ValidationFailed as exc:
                db.session.rollback()
                return exc

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(run, i) for i in range(threads)]
        return [f.result(timeout=120) for f in futures]


def _check(app, account_id: int) -> ledger.Balance:
    with app.app_context():
        account = db.session.get(CoopAccount, account_id)
        assert ledger.verify_ledger() == []
        cached = ledger.balance(account)
        assert cached == ledger.recompute(account)
        assert cached.available >= 0
        buckets = ledger.bucket_balances(account)
        assert buckets == ledger.recompute_buckets(account)
        assert all(b.free >= 0 and b.held >= 0 for b in buckets)
        return cached


def test_concurrent_holds_never_overdraw_the_account(real_app, dealer_account):
    account_id, _dealer, _program = dealer_account()

    def hold(i):
        account = db.session.get(CoopAccount, account_id)
        return ledger.place_hold(account, "100", f"campaign:{i}", f"approve:{i}", on=DAY).id

    results = _race(real_app, hold)
    placed = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(placed) == 7 and len(refused) == THREADS - 7, results
    assert all("is available" in str(r) for r in refused)
    cached = _check(real_app, account_id)
    assert (cached.held, cached.available) == (Decimal("700.00"), Decimal("0.00"))


def test_uneven_concurrent_holds_take_exactly_what_is_there(real_app, dealer_account):
    account_id, _dealer, _program = dealer_account()
    amounts = [Decimal(f"{37 + 13 * i}.{i:02d}") for i in range(THREADS)]

    def hold(i):
        account = db.session.get(CoopAccount, account_id)
        return ledger.place_hold(account, amounts[i], f"campaign:{i}", f"k{i}", on=DAY).amount

    results = _race(real_app, hold)
    placed = sum((r for r in results if isinstance(r, Decimal)), Decimal("0.00"))
    cached = _check(real_app, account_id)
    assert cached.held == placed <= Decimal("700.00")
    # Whatever was refused did not fit in what was left when its turn came.
    smallest_refused = min(
        (amounts[i] for i, r in enumerate(results) if not isinstance(r, Decimal))
    )
    assert smallest_refused > cached.available


def test_one_idempotency_key_sent_many_times_at_once_holds_once(real_app, dealer_account):
    account_id, _dealer, _program = dealer_account()

    def hold(_i):
        account = db.session.get(CoopAccount, account_id)
        return ledger.place_hold(account, "250", "campaign:1", "approve:same", on=DAY).id

    results = _race(real_app, hold)
    assert len(set(results)) == 1 and isinstance(results[0], int), results
    cached = _check(real_app, account_id)
    assert (cached.held, cached.available) == (Decimal("250.00"), Decimal("450.00"))


def test_concurrent_claims_on_one_hold_never_pay_more_than_the_hold(real_app, dealer_account):
    account_id, _dealer, _program = dealer_account()
    with real_app.app_context():
        account = db.session.get(CoopAccount, account_id)
        hold_id = ledger.place_hold(account, "500", "campaign:1", "approve:1", on=DAY).id
        db.session.commit()

    def pay(i):
        hold = db.session.get(Hold, hold_id)
        return ledger.reimburse(hold, "100", idempotency_key=f"pay:{i}", on=DAY).reimbursed

    results = _race(real_app, pay)
    assert sum(1 for r in results if isinstance(r, Decimal)) == 5, results
    cached = _check(real_app, account_id)
    assert (cached.held, cached.reimbursed, cached.available) == (
        Decimal("0.00"),
        Decimal("500.00"),
        Decimal("200.00"),
    )
    with real_app.app_context():
        assert db.session.get(Hold, hold_id).status == HoldStatus.RESOLVED


def test_concurrent_settlements_resolve_a_hold_exactly_once(real_app, dealer_account):
    account_id, _dealer, _program = dealer_account()
    with real_app.app_context():
        account = db.session.get(CoopAccount, account_id)
        hold_id = ledger.place_hold(account, "300", "campaign:1", "approve:1", on=DAY).id
        db.session.commit()

    def settle(i):
        hold = db.session.get(Hold, hold_id)
        return ledger.settle_claim(hold, "120", idempotency_key=f"claim:{i}", on=DAY)

    results = _race(real_app, settle)
    settled = [r for r in results if isinstance(r, ledger.Movement)]
    assert len(settled) == 1, results
    assert all("already settled" in str(r) for r in results if r not in settled)
    cached = _check(real_app, account_id)
    assert (cached.reimbursed, cached.held, cached.available) == (
        Decimal("120.00"),
        Decimal("0.00"),
        Decimal("580.00"),
    )


def test_one_purchase_line_imported_many_times_at_once_accrues_once(real_app, dealer_account):
    account_id, dealer_id, program_id = dealer_account(amount=None)
    from campaigns.coop.models import CoopProgram

    def load(_i):
        program = db.session.get(CoopProgram, program_id)
        dealer = db.session.get(Organization, dealer_id)
        line = purchase(dealer, "5000", date(2026, 2, 1), external_id="INV-RACE")
        report = ledger.record_purchases(program, [line], today=DAY)
        return (len(report.accepted), len(report.duplicates))

    results = _race(real_app, load)
    assert sorted(results) == [(0, 1)] * (THREADS - 1) + [(1, 0)], results
    cached = _check(real_app, account_id)
    assert cached.earned == Decimal("100.00")
    with real_app.app_context():
        accruals = db.session.scalar(
            sa.select(sa.func.count()).where(LedgerEntry.account_id == account_id)
        )
        assert accruals == 1


def test_holds_and_purchases_interleaved_stay_consistent(real_app, dealer_account):
    account_id, dealer_id, program_id = dealer_account(amount="5000.00")  # 100.00 available
    from campaigns.coop.models import CoopProgram

    def work(i):
        if i % 2:
            program = db.session.get(CoopProgram, program_id)
            dealer = db.session.get(Organization, dealer_id)
            line = purchase(dealer, "1000", date(2026, 2, 1), external_id=f"INV-{i}")
            return ledger.record_purchases(program, [line], today=DAY).accrued
        account = db.session.get(CoopAccount, account_id)
        return ledger.place_hold(account, "25", f"campaign:{i}", f"h{i}", on=DAY)

    results = _race(real_app, work)
    holds = [r for r in results if isinstance(r, Hold)]
    cached = _check(real_app, account_id)
    assert cached.earned == Decimal("100.00") + Decimal("20.00") * (THREADS // 2)
    assert cached.held == Decimal("25.00") * len(holds)
    assert cached.available == cached.earned - cached.held


def test_writers_on_many_accounts_share_the_program_periods_without_deadlock(
    real_app, dealer_account
):
    """Holds and purchases on ten dealers' accounts of one program, at once with a period
    close that locks those accounts one after another: each moves the program's period rows,
    which every writer locks only as its transaction ends, so none waits for another's
    account while holding them. Nothing but a refused hold may fail; the periods then equal
    the entries (verify_ledger)."""
    from campaigns.coop.models import CoopProgram

    dealer_account(amount=None)  # the OEM and a program admin, if no test made them yet
    with real_app.app_context():
        oem = db.session.scalar(sa.select(Organization).where(Organization.kind == OrgKind.OEM))
        admin = db.session.scalar(
            sa.select(Person).where(Person.role == Role.PROGRAM_ADMIN).limit(1)
        )
        program = make_program(admin)
        dealers = []
        for n in range(10):
            dealer = Organization(
                name=f"Shared {n}", kind=OrgKind.DEALER, parent=oem, tier=tier("Premier")
            )
            db.session.add(dealer)
            db.session.flush()
            set_path(dealer)
            dealers.append(dealer)
        lines = [purchase(d, "5000", date(2025, 6, 1)) for d in dealers]
        lines += [purchase(d, "10000", date(2026, 1, 10)) for d in dealers]  # two holds fit
        dealers = [d.id for d in dealers]
        ledger.record_purchases(program, lines, today=DAY)
        program_id = program.id
        db.session.commit()

    def work(i):
        program = db.session.get(CoopProgram, program_id)
        if i == 0:  # 2025's buckets closed, as a year-end run would
            return ledger.close_period(program, as_of=date(2027, 1, 1))
        dealer = db.session.get(Organization, dealers[i % len(dealers)])
        if i % 2:
            line = purchase(dealer, "1000", date(2026, 2, 1), external_id=f"SHARED-{i}")
            return ledger.record_purchases(program, [line], today=DAY).accrued
        account = ledger.get_or_create_account(dealer, program)
        return ledger.place_hold(account, "60", f"campaign:{i}", f"shared-{i}", on=DAY)

    results = _race(real_app, work)
    assert not [r for r in results if isinstance(r, ValidationFailed)]
    with real_app.app_context():
        program = db.session.get(CoopProgram, program_id)
        assert ledger.verify_ledger(program) == []
        periods = {
            b: sums for (_p, b), (_day, sums) in period_totals.cached_periods(program_id).items()
        }
    holds = (THREADS - 1) // 2  # i = 2, 4, … — 60.00 each, from 2025 before the close, else 2026
    assert periods["2025"]["earned"] == Decimal("1000.00")
    assert periods["2026"]["earned"] == Decimal("2000.00") + Decimal("20.00") * (THREADS // 2)
    assert periods["2025"]["held"] + periods["2026"]["held"] == Decimal("60.00") * holds
    assert periods["2025"]["held"] + periods["2025"]["expired"] == Decimal("1000.00")
