"""The co-op ledger's rules (COOP-RULES.md), one behaviour per test, on a real database."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from campaigns.coop import ledger
from campaigns.coop.models import EntryKind, HoldStatus, LedgerEntry
from tests.campaigns import assert_sound, buckets, buy, entries_of, make_program, purchase

D = Decimal


def test_worked_example_from_coop_rules(session, channel, admin):
    program = make_program(admin, period="year", carryover=1)
    prairie = channel.dealer  # Premier tier: 2%
    account = ledger.get_or_create_account(prairie, program)

    def row(bucket_2026, bucket_2027, held, available):
        expected = {"2026": D(bucket_2026)}
        if bucket_2027 is not None:
            expected["2027"] = D(bucket_2027)
        assert buckets(account) == expected
        cached = ledger.balance(account)
        assert (cached.held, cached.available) == (D(held), D(available))
        assert_sound(account)

    # 2026: purchases of 500,000 → accruals of 10,000
    report = ledger.record_purchases(
        program,
        [
            purchase(prairie, "200000.00", date(2026, 1, 20)),
            purchase(prairie, "175000.00", date(2026, 2, 12)),
            purchase(prairie, "125000.00", date(2026, 3, 2)),
        ],
        today=date(2026, 3, 5),
    )
    assert report.clean and len(report.accepted) == 3 and report.accrued == D("10000.00")
    row("10000", None, "0", "10000")

    # 2026-03-10: print campaign approved for 3,000 co-op → hold
    hold = ledger.place_hold(
        account, "3000", "campaign:print-2026", "approve:1", admin, on=date(2026, 3, 10)
    )
    row("10000", None, "3000", "7000")

    # 2026-05-20: claim 5,000 × 50% = 2,500 → reimburse 2,500, release 500
    settled = ledger.settle_claim(
        hold, "2500", admin, idempotency_key="claim:1", on=date(2026, 5, 20)
    )
    assert (settled.reimbursed, settled.released, settled.expired) == (D(2500), D(500), D(0))
    assert hold.status == HoldStatus.RESOLVED
    row("7500", None, "0", "7500")

    # 2026-12-31: period close — the 2026 bucket carries over (window ends 2027-12-31)
    for day in (date(2026, 12, 31), date(2027, 1, 1)):
        assert ledger.close_period(program, day).expired == []
    assert ledger.expires_on(program, "2026") == date(2027, 12, 31)
    row("7500", None, "0", "7500")

    # 2027: purchases of 400,000 → accruals of 8,000
    report = ledger.record_purchases(
        program,
        [
            purchase(prairie, "250000.00", date(2027, 2, 1)),
            purchase(prairie, "150000.00", date(2027, 6, 30)),
        ],
        today=date(2027, 7, 1),
    )
    assert report.accrued == D("8000.00")
    row("7500", "8000", "0", "15500")

    # 2027-11-15: trade show approved for 9,000 → 7,500 from 2026, 1,500 from 2027
    show = ledger.place_hold(
        account, "9000", "campaign:trade-show", "approve:2", admin, on=date(2027, 11, 15)
    )
    assert entries_of(account)[-2:] == [
        ("hold", D("7500.00"), "2026"),
        ("hold", D("1500.00"), "2027"),
    ]
    row("7500", "8000", "9000", "6500")

    # 2027-12-31: period close — 2026's window ends, but all 7,500 is held → nothing expires
    for day in (date(2027, 12, 31), date(2028, 1, 1)):
        assert ledger.close_period(program, day).expired == []
    row("7500", "8000", "9000", "6500")

    # 2028-01-20: claim 12,000 × 50% = 6,000 → reimburse 6,000 from 2026; release 3,000:
    # 1,500 from 2026 expires at release, 1,500 goes back to 2027.
    before = len(entries_of(account))
    settled = ledger.settle_claim(
        show, "6000", admin, idempotency_key="claim:2", on=date(2028, 1, 20)
    )
    assert entries_of(account)[before:] == [
        ("reimbursement", D("6000.00"), "2026"),
        ("release", D("1500.00"), "2026"),
        ("expiry", D("1500.00"), "2026"),
        ("release", D("1500.00"), "2027"),
    ]
    assert (settled.reimbursed, settled.released, settled.expired) == (
        D("6000.00"),
        D("3000.00"),
        D("1500.00"),
    )
    row("0", "8000", "0", "8000")
    assert ledger.balance(account) == ledger.Balance(
        earned=D("18000.00"),
        held=D("0.00"),
        reimbursed=D("8500.00"),
        expired=D("1500.00"),
        available=D("8000.00"),
    )


# --- Programs, rates and buckets ----------------------------------------------------


def test_a_program_with_bad_settings_says_what_to_fix(admin, program):
    with pytest.raises(ledger.ValidationFailed) as caught:
        ledger.create_program(
            admin,
            program.name.upper(),
            "dollars",
            period="month",
            carryover_periods=-1,
            claim_window_days=5000,
            minimum_claim="-5",
        )
    problems = caught.value.problems
    assert set(problems) == {
        "name",
        "currency",
        "period",
        "carryover_periods",
        "claim_window_days",
        "minimum_claim",
    }
    assert "already a program" in problems["name"][0]


@pytest.mark.parametrize("who", ["channel_manager", "partner_admin", "dealer_marketer"])
def test_only_the_program_admin_sets_program_rules(channel, program, who):
    person = channel.people[who]
    with pytest.raises(PermissionError):
        ledger.create_program(person, "Mine", "USD")
    with pytest.raises(PermissionError):
        ledger.set_accrual_rate(person, program, "0.5")


@pytest.mark.parametrize("rate", ["1.5", "-0.01", "0.000001", 0.02, "two percent"])
def test_a_rate_is_an_exact_fraction_between_zero_and_one(admin, program, rate):
    with pytest.raises(ledger.ValidationFailed) as caught:
        ledger.set_accrual_rate(admin, program, rate)
    assert "rate" in caught.value.problems


def test_a_product_line_rate_overrides_the_tier_rate(session, admin, channel, program):
    from hub.models import ProductLine

    parts = ProductLine(name="Parts", slug="parts")
    combines = ProductLine(name="Combines", slug="combines")
    session.add_all([parts, combines])
    session.flush()
    ledger.set_accrual_rate(
        admin, program, "0.0075", product_line=parts, effective_from=date(2020, 1, 1)
    )
    report = ledger.record_purchases(
        program,
        [
            purchase(channel.dealer, "1000", date(2026, 1, 5), product_line_id=parts.id),
            purchase(channel.dealer, "1000", date(2026, 1, 5), product_line_id=combines.id),
            purchase(channel.dealer, "1000", date(2026, 1, 5)),
        ],
        today=date(2026, 1, 5),
    )
    assert report.clean
    rates = session.scalars(
        sa.select(LedgerEntry.rate)
        .where(LedgerEntry.kind == EntryKind.ACCRUAL)
        .order_by(LedgerEntry.id)
    ).all()
    assert rates == [D("0.00750"), D("0.02000"), D("0.02000")]
    assert report.accrued == D("7.50") + D("20.00") + D("20.00")


def test_a_rate_change_applies_from_its_date_and_past_purchases_keep_theirs(
    session, admin, channel, program
):
    from tests.campaigns import tier

    ledger.set_accrual_rate(
        admin, program, "0.025", tier=tier("Premier"), effective_from=date(2026, 7, 1)
    )
    report = ledger.record_purchases(
        program,
        [
            purchase(channel.dealer, "1000", date(2026, 6, 30)),
            purchase(channel.dealer, "1000", date(2026, 7, 1)),
        ],
        today=date(2026, 8, 1),
    )
    assert report.accrued == D("45.00")
    rows = session.execute(
        sa.select(LedgerEntry.rate, LedgerEntry.amount, LedgerEntry.effective_on).order_by(
            LedgerEntry.id
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        (D("0.02000"), D("20.00"), date(2026, 6, 30)),
        (D("0.02500"), D("25.00"), date(2026, 7, 1)),
    ]


@pytest.mark.parametrize(
    ("period", "carryover", "day", "bucket", "last_day"),
    [
        ("year", 1, date(2026, 3, 10), "2026", date(2027, 12, 31)),
        ("year", 0, date(2026, 12, 31), "2026", date(2026, 12, 31)),
        ("year", 2, date(2026, 1, 1), "2026", date(2028, 12, 31)),
        ("quarter", 0, date(2026, 5, 20), "2026-Q2", date(2026, 6, 30)),
        ("quarter", 1, date(2026, 11, 2), "2026-Q4", date(2027, 3, 31)),
        ("quarter", 3, date(2024, 1, 1), "2024-Q1", date(2024, 12, 31)),
        ("quarter", 1, date(2024, 2, 29), "2024-Q1", date(2024, 6, 30)),
    ],
)
def test_a_bucket_can_be_spent_until_the_end_of_its_period_plus_carryover(
    admin, period, carryover, day, bucket, last_day
):
    program = make_program(admin, period=period, carryover=carryover)
    assert ledger.bucket_for(program, day) == bucket
    assert ledger.expires_on(program, bucket) == last_day


def test_the_oem_has_no_co_op_account_and_a_partner_has_exactly_one(channel, program):
    with pytest.raises(ledger.ValidationFailed, match="OEM earns no co-op"):
        ledger.get_or_create_account(channel.oem, program)
    first = ledger.get_or_create_account(channel.dealer, program)
    assert ledger.get_or_create_account(channel.dealer, program) is first
    assert ledger.balance(first) == ledger.Balance(*[D("0.00")] * 5)


# --- Purchases ---------------------------------------------------------------------


def test_a_purchase_accrues_amount_times_rate_into_its_period_bucket(session, channel, admin):
    program = make_program(admin, period="quarter")
    account = buy(program, channel.dealer, "12500.00", date(2026, 5, 20), today=date(2026, 6, 1))
    entry = session.scalars(sa.select(LedgerEntry)).one()
    assert (entry.kind, entry.amount, entry.bucket, entry.rate, entry.effective_on) == (
        EntryKind.ACCRUAL,
        D("250.00"),
        "2026-Q2",
        D("0.02000"),
        date(2026, 5, 20),
    )
    assert entry.purchase_line_id is not None and entry.idempotency_key.startswith("purchase:")
    assert ledger.balance(account).earned == ledger.balance(account).available == D("250.00")
    assert_sound(account)


@pytest.mark.parametrize(
    ("amount", "rate", "accrued"),
    [
        ("0.25", "0.02", "0.01"),  # 0.005 rounds half up
        ("0.24", "0.02", "0.00"),  # 0.0048 rounds to nothing: no entry
        ("12.34", "0.0075", "0.09"),  # 0.09255
        ("1234567.89", "0.03", "37037.04"),  # 37037.0367
        ("10.10", "0.01", "0.10"),  # 0.101
        ("74.75", "0.02", "1.50"),  # 1.495
    ],
)
def test_accruals_are_rounded_to_cents_half_up(session, admin, channel, amount, rate, accrued):
    program = make_program(admin, rates={"Premier": rate})
    report = ledger.record_purchases(
        program, [purchase(channel.dealer, amount, date(2026, 1, 2))], today=date(2026, 1, 2)
    )
    assert report.accepted and report.accrued == D(accrued)
    assert len(session.scalars(sa.select(LedgerEntry)).all()) == (1 if D(accrued) else 0)


def test_a_replayed_purchase_line_changes_nothing(session, channel, program):
    line = purchase(channel.dealer, "1000", date(2026, 1, 5), external_id="INV-1")
    first = ledger.record_purchases(program, [line], today=date(2026, 1, 5))
    assert first.accepted == ["INV-1"]
    count = len(entries_of(ledger.get_or_create_account(channel.dealer, program)))
    again = ledger.record_purchases(program, [dict(line), dict(line)], today=date(2026, 2, 1))
    assert again.accepted == [] and again.duplicates == ["INV-1", "INV-1"] and again.clean
    assert len(entries_of(ledger.get_or_create_account(channel.dealer, program))) == count
    assert_sound()


def test_the_same_external_id_with_other_content_is_a_conflict(session, channel, program):
    ledger.record_purchases(
        program,
        [purchase(channel.dealer, "1000", date(2026, 1, 5), external_id="INV-2")],
        today=date(2026, 1, 5),
    )
    report = ledger.record_purchases(
        program,
        [
            purchase(channel.dealer, "1200", date(2026, 1, 5), external_id="INV-2"),
            purchase(channel.dealer, "300", date(2026, 1, 6), external_id="INV-3"),
        ],
        today=date(2026, 1, 6),
    )
    assert report.accepted == ["INV-3"]
    [(external_id, sentence)] = report.conflicts
    assert external_id == "INV-2"
    assert "amount 1000.00 → 1200.00" in sentence and "nothing was changed" in sentence
    assert ledger.balance(ledger.get_or_create_account(channel.dealer, program)).earned == D(
        "26.00"
    )


def test_a_batch_repeating_a_line_takes_it_once(channel, program):
    same = purchase(channel.dealer, "100", date(2026, 1, 5), external_id="A")
    other = purchase(channel.dealer, "999", date(2026, 1, 5), external_id="A")
    report = ledger.record_purchases(program, [same, dict(same), other], today=date(2026, 1, 5))
    assert report.accepted == ["A"] and report.duplicates == ["A"]
    assert report.conflicts[0][0] == "A" and "appears twice" in report.conflicts[0][1]
    assert report.accrued == D("2.00")


def test_bad_purchase_lines_are_reported_and_good_lines_still_land(session, channel, admin):
    program = make_program(admin, rates={"Premier": "0.02"})  # no rate for Authorized
    from hub.models import Organization, OrgKind

    unrated = Organization(name="Unrated", kind=OrgKind.DEALER, path="/x/")
    from tests.campaigns import tier

    unrated.tier = tier("Authorized")
    session.add(unrated)
    session.flush()
    day = date(2026, 3, 1)
    good = purchase(channel.dealer, "1000.00", day, external_id="GOOD")
    lines = [
        good,
        purchase(channel.dealer, "-50", day, external_id="NEG"),
        purchase(channel.dealer, "0", day, external_id="ZERO"),
        purchase(channel.dealer, "900000000", day, external_id="HUGE"),
        purchase(channel.dealer, "10.005", day, external_id="CENTS"),
        {**purchase(channel.dealer, "1", day, external_id="FLOAT"), "amount": 19.99},
        {**purchase(channel.dealer, "10", day, external_id="EUR"), "currency": "EUR"},
        {**purchase(channel.dealer, "10", day, external_id="GHOST"), "organization_id": 999999},
        purchase(channel.oem, "10", day, external_id="OEM"),
        purchase(channel.dealer, "10", date(2026, 3, 2), external_id="FUTURE"),
        {
            **purchase(channel.dealer, "10", day, external_id="BADDATE"),
            "purchased_on": "31/03/2026",
        },
        purchase(channel.dealer, "10", date(1999, 12, 31), external_id="OLD"),
        {**purchase(channel.dealer, "10", day), "external_id": "  "},
        purchase(channel.dealer, "10", day, external_id="NOLINE", product_line_id=999999),
        purchase(unrated, "10", day, external_id="NORATE"),
        "not a line",
        {**purchase(channel.dealer, "abc", day, external_id="TEXT")},
    ]
    report = ledger.record_purchases(program, lines, today=day)
    assert report.accepted == ["GOOD"] and report.accrued == D("20.00")
    errors = dict(report.errors)
    assert sorted(errors) == list(range(1, len(lines)))
    expected = {
        1: "must be more than zero",
        2: "must be more than zero",
        3: "check it for a typo",
        4: "fractions of a cent",
        5: "not a float",
        6: "in EUR, but",
        7: "no organisation with id 999999",
        8: "is the OEM",
        9: "in the future",
        10: "not a date like 2026-03-31",
        11: "not plausible",
        12: "no external_id",
        13: "no product line with id 999999",
        14: "no accrual rate applies to Unrated (Authorized)",
        15: "not a set of fields",
        16: "is not a number",
    }
    for index, words in expected.items():
        assert words in errors[index], (index, errors[index])
    assert_sound()


def test_a_closed_program_accepts_no_purchases(channel, program):
    program.active = False
    with pytest.raises(ledger.ValidationFailed, match="accepts no new purchases"):
        ledger.record_purchases(program, [purchase(channel.dealer, "10", date(2026, 1, 1))])


def test_a_purchase_reported_after_its_window_closed_accrues_and_expires_at_once(channel, admin):
    program = make_program(admin, carryover=0)
    account = buy(program, channel.dealer, "1000", date(2025, 6, 1), today=date(2026, 2, 1))
    assert entries_of(account) == [
        ("accrual", D("20.00"), "2025"),
        ("expiry", D("20.00"), "2025"),
    ]
    assert ledger.balance(account).available == D("0.00")
    assert ledger.balance(account).expired == D("20.00")
    assert_sound(account)


# --- Holds -------------------------------------------------------------------------


@pytest.fixture
def funded(channel, program):
    """Test Dealer with 200.00 earned in 2025 and 300.00 in 2026 (carryover 1)."""
    buy(program, channel.dealer, "10000", date(2025, 6, 1), today=date(2026, 1, 10))
    return buy(program, channel.dealer, "15000", date(2026, 1, 10))


def test_a_hold_takes_the_oldest_live_bucket_first(funded, admin):
    hold = ledger.place_hold(funded, "250", "campaign:1", "h1", admin, on=date(2026, 2, 1))
    assert entries_of(funded)[-2:] == [("hold", D("200.00"), "2025"), ("hold", D("50.00"), "2026")]
    assert hold.status == HoldStatus.OPEN and hold.placed_on == date(2026, 2, 1)
    assert ledger.hold_balance(hold).by_bucket == {"2025": D("200.00"), "2026": D("50.00")}
    assert ledger.balance(funded).held == D("250.00")
    assert ledger.balance(funded).available == D("250.00")
    assert_sound(funded)


def test_a_hold_larger_than_available_is_refused_and_nothing_is_written(funded, admin):
    ledger.place_hold(funded, "400", "campaign:1", "h1", admin, on=date(2026, 2, 1))
    before = entries_of(funded)
    with pytest.raises(ledger.ValidationFailed) as caught:
        ledger.place_hold(funded, "100.01", "campaign:2", "h2", admin, on=date(2026, 2, 1))
    assert caught.value.problems == {
        "amount": [
            "Only USD 100.00 is available, so USD 100.01 cannot be held. Lower the amount, "
            "or wait for new purchases to accrue."
        ]
    }
    assert entries_of(funded) == before
    ledger.place_hold(funded, "100.00", "campaign:2", "h2", admin, on=date(2026, 2, 1))
    assert ledger.balance(funded).available == D("0.00")
    assert_sound(funded)


def test_a_replayed_hold_returns_the_original_and_changes_nothing(funded, admin):
    hold = ledger.place_hold(funded, "300", "campaign:1", "approve:9", admin, on=date(2026, 2, 1))
    before = entries_of(funded)
    # Even when what is left could not cover it again, the replay answers with the original.
    again = ledger.place_hold(funded, "300", "campaign:1", "approve:9", admin, on=date(2026, 2, 2))
    assert again.id == hold.id
    assert entries_of(funded) == before
    with pytest.raises(ledger.Conflict, match="already used for a different request"):
        ledger.place_hold(funded, "301", "campaign:1", "approve:9", admin)
    with pytest.raises(ledger.Conflict):
        ledger.place_hold(funded, "300", "campaign:2", "approve:9", admin)
    assert_sound(funded)


@pytest.mark.parametrize(
    ("amount", "reference", "key", "field"),
    [
        ("0", "campaign:1", "k", "amount"),
        ("-5", "campaign:1", "k", "amount"),
        (12.5, "campaign:1", "k", "amount"),
        ("1e12", "campaign:1", "k", "amount"),
        ("10", "", "k", "reference"),
        ("10", "campaign:1", "", "idempotency_key"),
        ("10", "campaign:1", "a#b", "idempotency_key"),
        ("10", "campaign:1", "x" * 101, "idempotency_key"),
    ],
)
def test_a_hold_needs_a_positive_amount_a_reference_and_a_key(
    funded, admin, amount, reference, key, field
):
    with pytest.raises(ledger.ValidationFailed) as caught:
        ledger.place_hold(funded, amount, reference, key, admin)
    assert list(caught.value.problems) == [field]


def test_a_hold_skips_an_expired_bucket_and_records_its_expiry(funded, admin):
    # 2025's window closed on 2026-12-31; the daily close has not run yet.
    with pytest.raises(ledger.ValidationFailed, match=re.escape("Only USD 300.00 is available")):
        ledger.place_hold(funded, "301", "campaign:1", "h1", admin, on=date(2027, 1, 2))
    assert ledger.balance(funded).available == D("500.00")  # nothing half-written
    ledger.place_hold(funded, "100", "campaign:1", "h1", admin, on=date(2027, 1, 2))
    assert entries_of(funded)[-2:] == [
        ("expiry", D("200.00"), "2025"),
        ("hold", D("100.00"), "2026"),
    ]
    assert ledger.balance(funded).available == D("200.00")
    assert ledger.close_period(funded.program, date(2027, 1, 2)).expired == []
    assert_sound(funded)


# --- Reimbursements, releases, settlements ----------------------------------------------


@pytest.fixture
def hold(funded, admin):
    """250.00 held for campaign:1 — 200.00 from 2025 and 50.00 from 2026."""
    return ledger.place_hold(funded, "250", "campaign:1", "approve:1", admin, on=date(2026, 2, 1))


def test_a_reimbursement_is_paid_from_the_oldest_earmarked_bucket_first(funded, hold, admin):
    paid = ledger.reimburse(hold, "220", admin, idempotency_key="pay:1", on=date(2026, 3, 1))
    assert [(e.kind.value, e.amount, e.bucket) for e in paid.entries] == [
        ("reimbursement", D("200.00"), "2025"),
        ("reimbursement", D("20.00"), "2026"),
    ]
    assert hold.status == HoldStatus.OPEN
    assert ledger.hold_balance(hold).by_bucket == {"2026": D("30.00")}
    assert ledger.balance(funded) == ledger.Balance(
        earned=D("500.00"),
        held=D("30.00"),
        reimbursed=D("220.00"),
        expired=D("0.00"),
        available=D("250.00"),
    )
    assert_sound(funded)


def test_a_reimbursement_is_never_more_than_the_hold(funded, hold, admin):
    with pytest.raises(ledger.ValidationFailed) as caught:
        ledger.reimburse(hold, "250.01", admin, idempotency_key="pay:1")
    assert "Only USD 250.00 is still held for campaign:1" in caught.value.problems["amount"][0]
    ledger.reimburse(hold, "200", admin, idempotency_key="pay:1")
    with pytest.raises(ledger.ValidationFailed, match=re.escape("Only USD 50.00 is still held")):
        ledger.reimburse(hold, "51", admin, idempotency_key="pay:2")
    with pytest.raises(ledger.ValidationFailed, match="co-op never pays more than the hold"):
        ledger.settle_claim(hold, "50.01", admin, idempotency_key="settle:1")
    assert_sound(funded)


def test_a_replayed_reimbursement_returns_the_original_and_pays_nothing_more(funded, hold, admin):
    first = ledger.reimburse(hold, "100", admin, idempotency_key="pay:1", on=date(2026, 3, 1))
    again = ledger.reimburse(hold, "100", admin, idempotency_key="pay:1", on=date(2026, 3, 2))
    assert again.replayed and again.reimbursed == first.reimbursed == D("100.00")
    assert [e.id for e in again.entries] == [e.id for e in first.entries]
    assert ledger.balance(funded).reimbursed == D("100.00")
    with pytest.raises(ledger.Conflict):
        ledger.reimburse(hold, "90", admin, idempotency_key="pay:1")
    with pytest.raises(ledger.Conflict):  # a key used for a hold is not a reimbursement
        ledger.reimburse(hold, "10", admin, idempotency_key="approve:1")


def test_releasing_part_and_then_the_rest_resolves_the_hold_exactly_once(funded, hold, admin):
    part = ledger.release_hold(hold, "30", "smaller print run", admin, on=date(2026, 3, 1))
    # Newest money goes back first; what stays held is the oldest.
    assert [(e.kind.value, e.amount, e.bucket) for e in part.entries] == [
        ("release", D("30.00"), "2026")
    ]
    assert hold.status == HoldStatus.OPEN
    rest = ledger.release_hold(hold, None, "campaign cancelled", admin, on=date(2026, 3, 2))
    assert [(e.kind.value, e.amount, e.bucket) for e in rest.entries] == [
        ("release", D("200.00"), "2025"),
        ("release", D("20.00"), "2026"),
    ]
    assert hold.status == HoldStatus.RESOLVED and hold.resolved_on == date(2026, 3, 2)
    state = ledger.hold_balance(hold)
    assert state.reimbursed + state.released == hold.amount and state.remaining == 0
    assert ledger.balance(funded).available == D("500.00")
    with pytest.raises(ledger.ValidationFailed, match="already settled on 2 Mar 2026"):
        ledger.release_hold(hold, None, "again", admin)
    with pytest.raises(ledger.ValidationFailed, match="already settled"):
        ledger.reimburse(hold, "1", admin, idempotency_key="late")
    with pytest.raises(ledger.ValidationFailed, match="already settled"):
        ledger.settle_claim(hold, "0", admin, idempotency_key="late")
    assert_sound(funded)


def test_releasing_more_than_is_held_is_refused(funded, hold, admin):
    with pytest.raises(ledger.ValidationFailed, match="cannot be released"):
        ledger.release_hold(hold, "250.01", "too much", admin)


def test_a_release_with_a_key_is_not_repeated(funded, hold, admin):
    first = ledger.release_hold(hold, "10", "trim", admin, idempotency_key="trim:1")
    again = ledger.release_hold(hold, "10", "trim", admin, idempotency_key="trim:1")
    assert again.replayed and [e.id for e in again.entries] == [e.id for e in first.entries]
    assert ledger.hold_balance(hold).released == D("10.00")


def test_settling_a_claim_pays_and_releases_the_rest_in_one_go(funded, hold, admin):
    settled = ledger.settle_claim(
        hold, "120", admin, idempotency_key="claim:1", on=date(2026, 4, 1)
    )
    assert [(e.kind.value, e.amount, e.bucket) for e in settled.entries] == [
        ("reimbursement", D("120.00"), "2025"),
        ("release", D("80.00"), "2025"),
        ("release", D("50.00"), "2026"),
    ]
    assert hold.status == HoldStatus.RESOLVED
    assert ledger.balance(funded) == ledger.Balance(
        earned=D("500.00"),
        held=D("0.00"),
        reimbursed=D("120.00"),
        expired=D("0.00"),
        available=D("380.00"),
    )
    count = len(entries_of(funded))
    again = ledger.settle_claim(hold, "120", admin, idempotency_key="claim:1")
    assert again.replayed and (again.reimbursed, again.released) == (D("120.00"), D("130.00"))
    assert len(entries_of(funded)) == count
    with pytest.raises(ledger.Conflict):
        ledger.settle_claim(hold, "121", admin, idempotency_key="claim:1")
    assert_sound(funded)


def test_a_claim_approved_at_zero_releases_the_whole_hold(funded, hold, admin):
    settled = ledger.settle_claim(hold, "0", admin, idempotency_key="claim:1")
    assert (settled.reimbursed, settled.released) == (D("0.00"), D("250.00"))
    assert hold.status == HoldStatus.RESOLVED
    assert ledger.balance(funded).available == D("500.00")


def test_money_released_after_its_window_closed_expires_at_release(funded, hold, admin):
    # 2025's window closed on 2026-12-31, but the hold protects what it earmarks.
    summary = ledger.close_period(funded.program, date(2027, 1, 5))
    assert summary.expired == []
    released = ledger.release_hold(hold, None, "deadline passed", admin, on=date(2027, 1, 10))
    assert [(e.kind.value, e.amount, e.bucket) for e in released.entries] == [
        ("release", D("200.00"), "2025"),
        ("expiry", D("200.00"), "2025"),
        ("release", D("50.00"), "2026"),
    ]
    assert all(e.hold_id == hold.id for e in released.entries)
    assert released.expired == D("200.00")
    assert ledger.balance(funded).available == D("300.00")
    assert buckets(funded) == {"2025": D("0.00"), "2026": D("300.00")}
    assert_sound(funded)


def test_a_hold_protects_an_expired_bucket_so_the_claim_can_still_be_paid(funded, hold, admin):
    ledger.close_period(funded.program, date(2027, 2, 1))
    paid = ledger.reimburse(hold, "250", admin, idempotency_key="pay:1", on=date(2027, 2, 1))
    assert paid.reimbursed == D("250.00") and hold.status == HoldStatus.RESOLVED
    assert buckets(funded) == {"2025": D("0.00"), "2026": D("250.00")}
    assert_sound(funded)


# --- Adjustments -----------------------------------------------------------------------


def test_an_adjustment_needs_the_program_admin_and_a_reason(funded, channel, admin):
    with pytest.raises(PermissionError):
        ledger.adjust(funded, "10", "2026", "goodwill", channel.people["channel_manager"])
    with pytest.raises(PermissionError):
        ledger.adjust(funded, "10", "2026", "goodwill", None)
    with pytest.raises(ledger.ValidationFailed) as caught:
        ledger.adjust(funded, "10", "2026", "  ", admin)
    assert "reason" in caught.value.problems
    entry = ledger.adjust(
        funded, "-12.50", "2026", "duplicate invoice INV-77", admin, on=date(2026, 3, 1)
    )
    assert (entry.kind, entry.amount, entry.actor_id, entry.reason) == (
        EntryKind.ADJUSTMENT,
        D("-12.50"),
        admin.id,
        "duplicate invoice INV-77",
    )
    assert ledger.balance(funded).earned == D("487.50")
    assert_sound(funded)


def test_a_negative_adjustment_cannot_take_held_or_spent_money(funded, hold, admin):
    # 2025: 200 earned, all of it held → nothing free.
    with pytest.raises(ledger.ValidationFailed, match=re.escape("Only USD 0.00 of the 2025 funds")):
        ledger.adjust(funded, "-0.01", "2025", "mistake", admin, on=date(2026, 3, 1))
    with pytest.raises(
        ledger.ValidationFailed, match=re.escape("Only USD 250.00 of the 2026 funds")
    ):
        ledger.adjust(funded, "-250.01", "2026", "mistake", admin, on=date(2026, 3, 1))
    ledger.adjust(funded, "-250", "2026", "mistake", admin, on=date(2026, 3, 1))
    assert ledger.balance(funded).available == D("0.00")
    assert_sound(funded)


@pytest.mark.parametrize(
    ("bucket", "words"),
    [
        ("2024", "expired after 31 Dec 2025"),
        ("2027", "has not started"),
        ("2026-Q1", "keeps yearly buckets"),
        ("FY26", "is not a period"),
    ],
)
def test_an_adjustment_goes_to_a_live_bucket_of_the_program(funded, admin, bucket, words):
    with pytest.raises(ledger.ValidationFailed) as caught:
        ledger.adjust(funded, "5", bucket, "goodwill", admin, on=date(2026, 3, 1))
    assert words in caught.value.problems["bucket"][0]


def test_an_adjustment_of_zero_is_refused_and_a_keyed_one_is_not_repeated(funded, admin):
    with pytest.raises(ledger.ValidationFailed, match="zero changes nothing"):
        ledger.adjust(funded, "0", "2026", "nothing", admin)
    on = date(2026, 3, 1)
    first = ledger.adjust(funded, "5", "2026", "goodwill", admin, on=on, idempotency_key="adj:1")
    again = ledger.adjust(funded, "5", "2026", "goodwill", admin, on=on, idempotency_key="adj:1")
    assert again.id == first.id and ledger.balance(funded).earned == D("505.00")
    with pytest.raises(ledger.Conflict):
        ledger.adjust(funded, "6", "2026", "goodwill", admin, on=on, idempotency_key="adj:1")


# --- Period close ------------------------------------------------------------------


def test_period_close_expires_only_what_is_neither_spent_nor_held(session, funded, admin):
    hold = ledger.place_hold(funded, "150", "campaign:1", "h1", admin, on=date(2026, 2, 1))
    ledger.reimburse(hold, "20", admin, idempotency_key="p1", on=date(2026, 3, 1))
    # 2025: 200 earned, 20 reimbursed, 130 still held → 50 free.
    assert ledger.close_period(funded.program, date(2026, 12, 31)).expired == []
    summary = ledger.close_period(funded.program, date(2027, 1, 1))
    assert summary.expired == [(funded.organization_id, "2025", D("50.00"))]
    assert summary.total == D("50.00")
    expiry = session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.kind == EntryKind.EXPIRY)
    ).one()
    assert (expiry.idempotency_key, expiry.effective_on, expiry.hold_id) == (
        "expiry:2025",
        date(2026, 12, 31),
        None,
    )
    assert ledger.hold_balance(hold).by_bucket == {"2025": D("130.00")}
    assert ledger.balance(funded) == ledger.Balance(
        earned=D("500.00"),
        held=D("130.00"),
        reimbursed=D("20.00"),
        expired=D("50.00"),
        available=D("300.00"),
    )
    assert_sound(funded)


def test_period_close_twice_changes_nothing(session, funded, admin):
    from hub.models import AuditEvent

    ledger.close_period(funded.program, date(2027, 1, 1))
    entries = len(entries_of(funded))
    events = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    again = ledger.close_period(funded.program, date(2027, 1, 1))
    later = ledger.close_period(funded.program, date(2027, 6, 1))
    assert again.expired == later.expired == []
    assert len(entries_of(funded)) == entries
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events


def test_quarterly_buckets_without_carryover_expire_at_quarter_end(channel, admin):
    program = make_program(admin, period="quarter", carryover=0)
    account = buy(program, channel.dealer, "1000", date(2026, 2, 1), today=date(2026, 3, 1))
    buy(program, channel.dealer, "2000", date(2026, 4, 1), today=date(2026, 5, 1))
    summary = ledger.close_period(program, date(2026, 4, 1))
    assert summary.expired == [(channel.dealer.id, "2026-Q1", D("20.00"))]
    assert buckets(account) == {"2026-Q1": D("0.00"), "2026-Q2": D("40.00")}
    assert_sound(account)


def test_period_close_covers_every_account_of_the_program_only(channel, admin, program):
    other_program = make_program(admin, carryover=0)
    a = buy(program, channel.dealer, "1000", date(2024, 5, 1), today=date(2024, 5, 1))
    b = buy(program, channel.sibling_dealer, "1000", date(2024, 5, 1), today=date(2024, 5, 1))
    c = buy(other_program, channel.dealer, "1000", date(2024, 5, 1), today=date(2024, 5, 1))
    summary = ledger.close_period(program, date(2026, 1, 1))
    assert sorted(org for org, _bucket, _amount in summary.expired) == sorted(
        [channel.dealer.id, channel.sibling_dealer.id]
    )
    assert ledger.balance(a).expired == ledger.balance(b).expired == D("20.00")
    assert ledger.balance(c).expired == D("0.00")


def test_expiring_soon_lists_unheld_money_that_will_expire(funded, admin):
    ledger.place_hold(funded, "150", "campaign:1", "h1", admin, on=date(2026, 2, 1))
    soon = ledger.expiring_soon(funded, within_days=60, today=date(2026, 11, 5))
    assert soon == [ledger.ExpiringFunds("2025", D("50.00"), date(2026, 12, 31))]
    assert ledger.expiring_soon(funded, within_days=60, today=date(2026, 10, 1)) == []
    assert ledger.expiring_soon(funded, within_days=60, today=date(2027, 1, 1)) == []


# --- Append-only, verification, audit ------------------------------------------------


def test_ledger_entries_and_purchase_lines_cannot_be_changed_or_removed(session, funded):
    from campaigns.coop.models import PurchaseLine
    from hub.audit import AppendOnlyError

    entry = session.scalars(sa.select(LedgerEntry)).first()
    line = session.scalars(sa.select(PurchaseLine)).first()
    for obj in (entry, line):
        nested = session.begin_nested()
        obj.amount = D("1.00")
        with pytest.raises(AppendOnlyError):
            session.flush()
        nested.rollback()
        nested = session.begin_nested()
        session.delete(obj)
        with pytest.raises(AppendOnlyError):
            session.flush()
        nested.rollback()
    for model, obj in ((LedgerEntry, entry), (PurchaseLine, line)):
        for statement in (
            sa.update(model).where(model.id == obj.id).values(amount=D("1.00")),
            sa.delete(model).where(model.id == obj.id),
        ):
            nested = session.begin_nested()
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                session.execute(statement)
            nested.rollback()


def test_verify_ledger_finds_a_cache_that_drifted_from_its_entries(session, funded):
    from campaigns.coop.models import CoopAccount

    assert ledger.verify_ledger() == []
    session.execute(
        sa.update(CoopAccount)
        .where(CoopAccount.id == funded.id)
        .values(earned=CoopAccount.earned + 1, version=CoopAccount.version + 1)
    )
    problems = ledger.verify_ledger()
    assert [p.problem for p in problems] == ["cached earned 501.00 ≠ 500.00 from its entries"]
    assert problems[0].account_id == funded.id
    assert str(problems[0]).startswith(f"account {funded.id} (organisation ")


def test_verify_ledger_finds_a_bucket_row_that_drifted_from_its_entries(session, funded):
    from campaigns.coop.models import CoopBucket

    assert ledger.verify_ledger() == []
    assert ledger.bucket_balances(funded) == ledger.recompute_buckets(funded)
    in_2026 = (CoopBucket.account_id == funded.id) & (CoopBucket.bucket == "2026")
    session.execute(
        sa.update(CoopBucket)
        .where(in_2026)
        .values(held=CoopBucket.held + 1, expires_on=date(2030, 12, 31))
    )
    problems = [p.problem for p in ledger.verify_ledger()]
    assert problems == [
        "bucket 2026: cached expiry 2030-12-31 ≠ 2027-12-31",
        "bucket 2026: cached held 1.00 ≠ 0.00 from its entries",
    ]
    session.execute(sa.delete(CoopBucket).where(in_2026))
    problems = [p.problem for p in ledger.verify_ledger()]
    assert problems == ["bucket 2026 has entries but no cached row"]


def test_every_movement_keeps_the_bucket_rows_equal_to_their_entries(session, funded, admin):
    on = date(2026, 2, 1)
    hold = ledger.place_hold(funded, D("250.00"), "campaign:1", "k-1", admin, on=on)
    ledger.settle_claim(hold, D("150.00"), admin, idempotency_key="k-2", on=on)
    ledger.adjust(funded, D("-20.00"), "2026", "typo", admin, on=on)
    ledger.place_hold(funded, D("30.00"), "campaign:2", "k-3", admin, on=on)
    ledger.close_period(funded.program, as_of=date(2028, 1, 1))
    assert ledger.bucket_balances(funded) == ledger.recompute_buckets(funded)
    got = {
        b.bucket: (b.earned, b.reimbursed, b.held, b.expired)
        for b in ledger.bucket_balances(funded)
    }
    assert got == {
        "2025": (D("200.00"), D("150.00"), D("30.00"), D("20.00")),
        "2026": (D("280.00"), D("0.00"), D("0.00"), D("280.00")),
    }
    assert ledger.verify_ledger() == []


def test_the_database_refuses_a_negative_available_balance(session, funded):
    from campaigns.coop.models import CoopAccount

    nested = session.begin_nested()
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(
            sa.update(CoopAccount).where(CoopAccount.id == funded.id).values(available=-1)
        )
    nested.rollback()


def test_every_money_movement_leaves_an_audit_event(session, funded, hold, admin):
    from hub.models import AuditEvent

    ledger.reimburse(hold, "10", admin, idempotency_key="p1")
    ledger.release_hold(hold, "10", "trim", admin)
    ledger.settle_claim(hold, "5", admin, idempotency_key="s1")
    ledger.adjust(funded, "1", "2026", "goodwill", admin)
    ledger.close_period(funded.program, date(2028, 1, 1))
    actions = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("coop.%")).order_by(AuditEvent.id)
    ).all()
    for action in (
        "coop.program_created",
        "coop.rate_set",
        "coop.account_opened",
        "coop.accrued",
        "coop.purchases_imported",
        "coop.hold_placed",
        "coop.reimbursed",
        "coop.hold_released",
        "coop.claim_settled",
        "coop.adjusted",
        "coop.expired",
    ):
        assert action in actions
    settled = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "coop.claim_settled")
    ).one()
    assert settled.actor_id == admin.id and settled.organization_id == funded.organization_id
    assert settled.after["reimbursed"] == "5.00"


# --- Command line and tick ---------------------------------------------------------


def test_close_period_command_expires_and_is_idempotent(app, session, funded):
    runner = app.test_cli_runner()
    session.flush()
    args = [
        "campaigns",
        "close-period",
        "--as-of",
        "2027-01-01",
        "--program",
        str(funded.program_id),
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "1 bucket(s) expired, 200.00 in all" in result.output
    again = runner.invoke(args=args)
    assert again.exit_code == 0 and "nothing expired" in again.output
    assert ledger.balance(funded).expired == D("200.00")


def test_close_period_command_for_an_unknown_program_says_so(app):
    result = app.test_cli_runner().invoke(args=["campaigns", "close-period", "--program", "999999"])
    assert result.exit_code != 0 and "no co-op program with id 999999" in result.output


def test_verify_ledger_command_exits_1_and_lists_problems(app, session, funded):
    from campaigns.coop.models import CoopAccount

    runner = app.test_cli_runner()
    ok = runner.invoke(args=["campaigns", "verify-ledger"])
    assert ok.exit_code == 0 and "ledger verified" in ok.output
    session.execute(
        sa.update(CoopAccount).where(CoopAccount.id == funded.id).values(held=D("7.00"))
    )
    bad = runner.invoke(args=["campaigns", "verify-ledger"])
    assert bad.exit_code == 1
    assert "cached held 7.00 ≠ 0.00 from its entries" in bad.output


def test_the_daily_tick_closes_periods(app, session, channel, program):
    from hub.cli import run_due_jobs
    from hub.registry import registry

    # Earned in 2023; with one period of carryover its window closed at the end of 2024.
    account = buy(program, channel.dealer, "1000", date(2023, 6, 1))
    job = registry(app).jobs["campaigns.close-period"]
    assert job.every.days == 1
    lines = run_due_jobs(force=True)
    [line] = [line for line in lines if line.startswith("campaigns.close-period:")]
    assert "FAILED" not in line and "20.00" in line
    assert ledger.balance(account).expired == D("20.00")
