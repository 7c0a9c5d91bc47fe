"""The database itself refuses a purchase line or ledger entry that points nowhere — the keys
migration 0028 folded (a line's organisation and program checked as one key, its account)
check no less than before — and a hold's entries are found through the partial index that
accruals stay out of."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop import ledger
from campaigns.coop.models import CoopAccount, LedgerEntry, PurchaseLine
from hub.db import utcnow
from tests.campaigns import make_program, purchase

TODAY = date(2026, 11, 20)


def line(program_id: int, organization_id: int, external_id: str) -> dict:
    return {
        "program_id": program_id,
        "organization_id": organization_id,
        "external_id": external_id,
        "product_line_id": None,
        "amount": Decimal("100.00"),
        "currency": "USD",
        "purchased_on": date(2026, 3, 1),
        "content_hash": "0" * 64,
        "created_at": utcnow(),
        "imported_by_id": None,
    }


def refused(session, table, row: dict) -> bool:
    """Whether the database refuses the row (the attempt is rolled back either way)."""
    nested = session.begin_nested()
    try:
        session.execute(sa.insert(table), [row])
    except sa.exc.IntegrityError:
        return True
    finally:
        nested.rollback()
    return False


def test_a_purchase_line_of_a_partner_with_an_account_in_the_program_is_taken(
    session, channel, admin
):
    program = make_program(admin)
    ledger.get_or_create_account(channel.dealer, program)
    assert not refused(session, PurchaseLine.__table__, line(program.id, channel.dealer.id, "OK"))


def test_a_purchase_line_without_the_partners_account_in_the_program_is_refused(
    session, channel, admin
):
    program = make_program(admin)
    other = make_program(admin)
    ledger.get_or_create_account(channel.dealer, other)  # an account, but in another program
    assert refused(session, PurchaseLine.__table__, line(program.id, channel.dealer.id, "NO-ACC"))


def test_a_purchase_line_of_an_unknown_organisation_or_program_is_refused(session, channel, admin):
    program = make_program(admin)
    ledger.get_or_create_account(channel.dealer, program)
    missing = session.scalar(sa.select(sa.func.max(CoopAccount.organization_id))) + 1000
    assert refused(session, PurchaseLine.__table__, line(program.id, missing, "NO-ORG"))
    assert refused(session, PurchaseLine.__table__, line(program.id + 1000, channel.dealer.id, "X"))


def test_an_entry_of_an_unknown_purchase_line_or_account_is_refused(session, channel, admin):
    program = make_program(admin)
    ledger.record_purchases(
        program, [purchase(channel.dealer, "1000.00", date(2026, 3, 1), external_id="E-1")],
        admin, today=TODAY,
    )  # fmt: skip
    entry = session.scalars(sa.select(LedgerEntry)).one()
    row = {c.name: getattr(entry, c.key) for c in LedgerEntry.__table__.c if c.name != "id"} | {
        "idempotency_key": "again"
    }
    assert refused(session, LedgerEntry.__table__, row | {"purchase_line_id": 10**9})
    assert refused(session, LedgerEntry.__table__, row | {"account_id": 10**9})
    assert not refused(session, LedgerEntry.__table__, row)


def test_a_holds_entries_are_read_through_the_partial_index(session, channel, admin):
    program = make_program(admin)
    ledger.record_purchases(
        program, [purchase(channel.dealer, "10000.00", date(2026, 3, 1), external_id="E-1")],
        admin, today=TODAY,
    )  # fmt: skip
    account = ledger.get_or_create_account(channel.dealer, program)
    hold = ledger.place_hold(account, Decimal("50.00"), "Spring print", "k-1", admin, TODAY)
    assert ledger.hold_balance(hold).remaining == Decimal("50.00")
    if session.get_bind().dialect.name == "sqlite":
        plan = session.execute(
            sa.text("EXPLAIN QUERY PLAN SELECT bucket FROM coop_ledger_entry WHERE hold_id = :h"),
            {"h": hold.id},
        ).all()
        assert "ix_coop_ledger_entry_hold_id" in " ".join(str(r[-1]) for r in plan)
