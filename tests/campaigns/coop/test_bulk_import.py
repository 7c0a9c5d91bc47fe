"""The purchase import writes in bulk: the statements a batch sends do not grow with its
lines — purchase lines, accrual entries, account and bucket balances and the per-account
audit events each go in one multi-row statement, and duplicates are found by one indexed
lookup. Counts of statements, never wall-clock time."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event

from campaigns.coop import ledger
from campaigns.coop.models import LedgerEntry
from campaigns.coop.purchases import canonical_json
from hub import db
from hub.models import AuditEvent
from tests.campaigns import assert_sound, make_program, purchase

D = Decimal
TODAY = date(2026, 11, 20)


class Statements:
    """The statements (and executemany calls) sent while active, by verb and table."""

    def __init__(self):
        self.seen: Counter = Counter()

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        match = re.match(r"\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM)\s", statement, re.I)
        if match is None:
            return
        verb = match.group(1).split()[0].upper()
        table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", statement, re.I)
        self.seen[(verb, table.group(1) if table else "?")] += 1

    def count(self, verb: str, table: str) -> int:
        return self.seen[(verb, table)]


def run(program, lines, admin) -> tuple[ledger.ImportReport, Statements]:
    log = Statements()
    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", log)
    try:
        report = ledger.record_purchases(program, lines, admin, today=TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", log)
    return report, log


def batch(channel, count: int, prefix: str) -> list[dict]:
    orgs = [channel.dealer, channel.sibling_dealer, channel.other_dealer, channel.distributor]
    return [
        purchase(orgs[n % 4], f"{100 + n}.00", date(2025 + n % 2, 3, 1 + n % 28),
                 external_id=f"{prefix}-{n}")
        for n in range(count)
    ]  # fmt: skip


def test_a_batch_sends_the_same_statements_for_ten_lines_or_five_hundred(session, channel, admin):
    program = make_program(admin)
    ledger.record_purchases(program, batch(channel, 8, "WARM"), admin, today=TODAY)
    small_report, small = run(program, batch(channel, 10, "S"), admin)
    large_report, large = run(program, batch(channel, 500, "L"), admin)
    assert len(small_report.accepted) == 10 and len(large_report.accepted) == 500
    assert small.seen == large.seen
    # One multi-row statement each (on PostgreSQL the lines, entries and per-account audit
    # events go by COPY, which SQLAlchemy does not see); one indexed lookup for duplicates
    # (and on SQLite one more for the table's largest id, the new lines' ids following it).
    copy = session.get_bind().dialect.name == "postgresql"
    assert large.count("SELECT", "coop_purchase_line") == (1 if copy else 2)
    assert large.count("INSERT", "coop_ledger_entry") == (0 if copy else 1)
    assert large.count("UPDATE", "coop_account") == 1
    assert large.count("INSERT", "audit_event") == (1 if copy else 2)  # accounts', batch's
    assert_sound()
    per_account = session.scalars(
        sa.select(AuditEvent.object_id).where(AuditEvent.action == "coop.accrued")
    ).all()
    assert len(per_account) == 3 * 4  # one per account and batch
    assert session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 518


def test_the_first_batch_opens_its_partners_accounts_in_one_insert_each_audited(
    session, channel, admin
):
    from campaigns.coop.models import CoopAccount

    program = make_program(admin)
    report, log = run(program, batch(channel, 40, "NEW"), admin)
    assert len(report.accepted) == 40
    assert log.count("INSERT", "coop_account") == 1  # four partners, one statement
    accounts = dict(
        session.execute(
            sa.select(CoopAccount.organization_id, CoopAccount.id).where(
                CoopAccount.program_id == program.id
            )
        ).all()
    )
    partners = [channel.dealer, channel.sibling_dealer, channel.other_dealer, channel.distributor]
    assert set(accounts) == {org.id for org in partners}
    opened = session.execute(
        sa.select(
            AuditEvent.object_type,
            AuditEvent.object_id,
            AuditEvent.organization_id,
            AuditEvent.actor_id,
            AuditEvent.summary,
        ).where(AuditEvent.action == "coop.account_opened")
    ).all()
    assert sorted(opened) == sorted(
        (
            "CoopAccount",
            str(accounts[org.id]),
            org.id,
            admin.id,
            f"Co-op account opened for {org.name} in {program.name}",
        )
        for org in partners
    )
    assert_sound()
    # The next batch finds them: nothing opened, nothing audited again.
    _report, again = run(program, batch(channel, 8, "MORE"), admin)
    assert again.count("INSERT", "coop_account") == 0
    assert session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "coop.account_opened")
    ) == len(partners)


def test_a_replayed_batch_is_one_lookup_and_writes_nothing(session, channel, admin):
    program = make_program(admin)
    lines = batch(channel, 200, "R")
    ledger.record_purchases(program, lines, admin, today=TODAY)
    changed = [dict(lines[7], amount="9999.00"), *lines[8:]]
    report, log = run(program, lines[:7] + changed, admin)
    assert report.accepted == [] and len(report.duplicates) == 199
    assert [x for x, _ in report.conflicts] == ["R-7"]
    assert "amount 107.00 → 9999.00" in report.conflicts[0][1]
    assert log.count("SELECT", "coop_purchase_line") == 2  # the lookup, and the conflict's line
    assert not any(verb in ("INSERT", "UPDATE") for verb, _table in log.seen)
    assert_sound()


def test_a_late_purchase_in_a_batch_accrues_and_expires_in_its_bucket_row(session, channel, admin):
    program = make_program(admin)  # carryover 1: the 2024 bucket closed on 31 Dec 2025
    report, _log = run(
        program, [purchase(channel.dealer, "1000.00", date(2024, 6, 1), external_id="LATE")], admin
    )
    assert report.accepted == ["LATE"]
    account = ledger.get_or_create_account(channel.dealer, program)
    (bucket,) = ledger.bucket_balances(account)
    assert (bucket.bucket, bucket.earned, bucket.expired, bucket.free) == (
        "2024", D("20.00"), D("20.00"), D("0.00")
    )  # fmt: skip
    assert_sound(account)


def test_the_canonical_text_of_a_purchase_line_is_json_s():
    """The content hash of every line imported before this shortcut stays the same."""
    contents = [
        {
            "organization_id": 7,
            "amount": "1250.00",
            "currency": "USD",
            "purchased_on": date(2026, 3, 31).isoformat(),
            "product_line_id": None,
        },
        {
            "organization_id": 12345,
            "amount": str(Decimal("0.10")),
            "currency": "EUR",
            "purchased_on": "2025-01-01",
            "product_line_id": 3,
        },
        {
            "organization_id": 1,
            "amount": "5",
            "currency": 'U"S',
            "purchased_on": "2025-01-01",
            "product_line_id": 3,
        },
    ]
    for content in contents:
        assert canonical_json(content) == json.dumps(content, sort_keys=True, separators=(",", ":"))


def test_bucket_rows_move_by_exact_cents_batch_after_batch(session, channel, admin):
    """A bucket's row is moved by its deltas in SQL, never read back into Python first. On
    SQLite, which stores Numeric as REAL, the deltas are added in whole cents: ten batches
    of 0.10 store exactly what the Decimal sum does (0.1 added ten times in floating point
    is 0.9999999999999999), so the row is the REAL a Python Decimal sum would write."""
    program = make_program(admin)  # 2 %: a 5.00 purchase accrues 0.10
    for n in range(10):
        ledger.record_purchases(
            program,
            [purchase(channel.dealer, "5.00", date(2026, 3, 1), external_id=f"CENT-{n}")],
            admin,
            today=TODAY,
        )
    account = ledger.get_or_create_account(channel.dealer, program)
    stored = (
        db.session.connection()
        .exec_driver_sql(
            "SELECT earned FROM coop_bucket WHERE account_id = %(id)s AND bucket = '2026'"
            if db.session.get_bind().dialect.name == "postgresql"
            else "SELECT earned FROM coop_bucket WHERE account_id = :id AND bucket = '2026'",
            {"id": account.id},
        )
        .scalar_one()
    )
    assert stored == D("1.00") and type(stored) in (float, int, Decimal)
    if isinstance(stored, float):
        assert stored == float(D("1.00")) != sum([0.1] * 10)
    (bucket,) = ledger.bucket_balances(account)
    assert bucket.earned == D("1.00")
    assert_sound(account)
