"""Carryover changes apply to money earned from a coming period on; the claim window and the
minimum claim to proposals submitted afterwards. Money already earned keeps the expiry date
it was promised — in the ledger, the period close, the pages and the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from campaigns.coop import ledger, providers
from campaigns.coop.models import CarryoverRule, HoldStatus
from hub.accounts import service as accounts
from hub.db import today as clock_today
from hub.errors import ValidationFailed
from hub.models import AuditEvent
from tests.campaigns import assert_sound, buckets, buy, entries_of, make_program, purchase
from tests.conftest import post_form

D = Decimal


def expiry_dates(account) -> dict[str, date]:
    return {b.bucket: b.expires_on for b in ledger.bucket_balances(account)}


# --- The worked example still holds -------------------------------------------------------


def test_the_worked_example_holds_when_the_carryover_changes_for_later_money(
    session, channel, admin
):
    """COOP-RULES' table, with the carryover raised to 2 years for money earned from 2027 on
    (decided mid-2026): every row is the same, and 2026 money still ends on 2027-12-31."""
    program = make_program(admin, period="year", carryover=1)
    prairie = channel.dealer  # Premier: 2%
    account = ledger.get_or_create_account(prairie, program)

    def row(bucket_2026, bucket_2027, held, available):
        expected = {"2026": D(bucket_2026)}
        if bucket_2027 is not None:
            expected["2027"] = D(bucket_2027)
        assert buckets(account) == expected
        cached = ledger.balance(account)
        assert (cached.held, cached.available) == (D(held), D(available))
        assert_sound(account)

    report = ledger.record_purchases(
        program,
        [
            purchase(prairie, "200000.00", date(2026, 1, 20)),
            purchase(prairie, "175000.00", date(2026, 2, 12)),
            purchase(prairie, "125000.00", date(2026, 3, 2)),
        ],
        today=date(2026, 3, 5),
    )
    assert report.accrued == D("10000.00")
    row("10000", None, "0", "10000")
    hold = ledger.place_hold(account, "3000", "print", "approve:1", admin, on=date(2026, 3, 10))
    row("10000", None, "3000", "7000")
    ledger.settle_claim(hold, "2500", admin, idempotency_key="claim:1", on=date(2026, 5, 20))
    row("7500", None, "0", "7500")

    rule = ledger.set_carryover(program, 2, admin, on=date(2026, 6, 1))
    assert (rule.from_bucket, rule.carryover_periods) == ("2027", 2)
    assert ledger.expires_on(program, "2026") == date(2027, 12, 31)  # as promised
    assert ledger.expires_on(program, "2027") == date(2029, 12, 31)  # the new rule

    for day in (date(2026, 12, 31), date(2027, 1, 1)):
        assert ledger.close_period(program, day).expired == []
    row("7500", None, "0", "7500")
    ledger.record_purchases(
        program,
        [
            purchase(prairie, "250000.00", date(2027, 2, 1)),
            purchase(prairie, "150000.00", date(2027, 6, 30)),
        ],
        today=date(2027, 7, 1),
    )
    row("7500", "8000", "0", "15500")
    show = ledger.place_hold(account, "9000", "show", "approve:2", admin, on=date(2027, 11, 15))
    assert entries_of(account)[-2:] == [
        ("hold", D("7500.00"), "2026"),
        ("hold", D("1500.00"), "2027"),
    ]
    row("7500", "8000", "9000", "6500")
    for day in (date(2027, 12, 31), date(2028, 1, 1)):
        assert ledger.close_period(program, day).expired == []
    row("7500", "8000", "9000", "6500")

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
    assert show.status == HoldStatus.RESOLVED and settled.expired == D("1500.00")
    row("0", "8000", "0", "8000")
    # With one year of carryover the 2027 money would have died after 2028; now after 2029.
    assert ledger.close_period(program, date(2029, 1, 1)).expired == []
    assert [(b, a) for _org, b, a in ledger.close_period(program, date(2030, 1, 1)).expired] == [
        ("2027", D("8000.00"))
    ]


# --- A change moves no existing bucket ----------------------------------------------------


def test_a_carryover_change_moves_no_existing_buckets_expiry(client, session, channel, admin):
    program = make_program(admin, period="year", carryover=1)
    today = date(2026, 11, 22)
    for org in (channel.dealer, channel.sibling_dealer, channel.other_dealer):
        buy(program, org, "1000.00", date(2025, 3, 1), today=today)
        buy(program, org, "2000.00", date(2026, 4, 1), today=today)
    accounts_ = [ledger.get_or_create_account(o, program) for o in (channel.dealer,)]
    before = {a.id: expiry_dates(a) for a in accounts_}
    assert before[accounts_[0].id] == {"2025": date(2026, 12, 31), "2026": date(2027, 12, 31)}
    summaries_before = {
        s.organization.id: (s.expiring, s.expiring_on)
        for s in providers.account_summaries(admin, program, today)
    }

    ledger.set_carryover(program, 0, admin, on=today)  # from 2027
    ledger.set_carryover(program, 3, admin, "2028", on=today)

    assert {a.id: expiry_dates(a) for a in accounts_} == before
    assert {
        s.organization.id: (s.expiring, s.expiring_on)
        for s in providers.account_summaries(admin, program, today)
    } == summaries_before
    # The API says the same dates.
    secret = accounts.create_api_token(channel.people["dealer_marketer"], "t").secret
    session.commit()
    body = client.get(
        f"/api/v1/coop/accounts/{channel.dealer.id}",
        headers={"Authorization": f"Bearer {secret}"},
    ).json
    if body.get("program", {}).get("id") == program.id:  # the page shows the oldest program
        assert {b["bucket"]: b["expires_on"] for b in body["buckets"]} == {
            "2025": "2026-12-31",
            "2026": "2027-12-31",
        }
    # Later money follows the rule of its own period.
    assert ledger.expires_on(program, "2027") == date(2027, 12, 31)
    assert ledger.expires_on(program, "2028") == date(2031, 12, 31)
    assert ledger.expires_on(program, "2031") == date(2034, 12, 31)
    assert ledger.carryover_for(program, "2026") == 1
    assert_sound()


def test_rules_in_a_quarterly_program_start_at_a_quarter(session, channel, admin):
    program = make_program(admin, period="quarter", carryover=1)
    on = date(2026, 5, 10)  # 2026-Q2
    buy(program, channel.dealer, "1000.00", date(2026, 4, 2), today=on)
    rule = ledger.set_carryover(program, 4, admin, on=on)
    assert rule.from_bucket == "2026-Q3"
    assert ledger.expires_on(program, "2026-Q2") == date(2026, 9, 30)
    assert ledger.expires_on(program, "2026-Q3") == date(2027, 9, 30)
    assert ledger.next_bucket(program, "2026-Q4") == "2027-Q1"
    with pytest.raises(ValidationFailed) as caught:
        ledger.set_carryover(program, 2, admin, "2027", on=on)
    assert "keeps quarterly buckets" in str(caught.value)


# --- What is refused ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_bucket", "field", "sentence"),
    [
        (
            "2026",
            "from_bucket",
            "A carryover change applies to money earned from the next period on: 2026 has "
            "already begun, so choose 2027 or later.",
        ),
        ("2024", "from_bucket", "2026 has already begun"),
        ("next year", "from_bucket", "is not a period"),
    ],
)
def test_a_change_cannot_start_in_a_period_that_has_begun(admin, from_bucket, field, sentence):
    program = make_program(admin)
    with pytest.raises(ValidationFailed) as caught:
        ledger.set_carryover(program, 2, admin, from_bucket, on=date(2026, 11, 22))
    assert sentence in caught.value.problems[field][0]


@pytest.mark.parametrize("periods", [-1, 21, "2", True, None, 1.5])
def test_the_carryover_is_a_whole_number_of_periods(admin, periods):
    program = make_program(admin)
    with pytest.raises(ValidationFailed) as caught:
        ledger.set_carryover(program, periods, admin, on=date(2026, 11, 22))
    assert caught.value.problems == {
        "carryover_periods": ["Carryover is a whole number of periods from 0 to 20."]
    }


def test_money_already_in_a_future_period_blocks_a_change_there(channel, admin):
    program = make_program(admin)
    buy(program, channel.dealer, "500.00", date(2027, 2, 1), today=date(2027, 2, 1))
    with pytest.raises(ValidationFailed) as caught:
        ledger.set_carryover(program, 3, admin, on=date(2026, 11, 22))
    assert caught.value.problems["from_bucket"] == [
        "Money was already earned in 2027, and its expiry date can't move; choose a later period."
    ]
    assert ledger.set_carryover(program, 3, admin, "2028", on=date(2026, 11, 22)) is not None


def test_only_the_program_admin_changes_the_carryover_or_claim_terms(channel, admin):
    program = make_program(admin)
    for role in ("channel_manager", "dealer_marketer"):
        with pytest.raises(PermissionError):
            ledger.set_carryover(program, 2, channel.people[role], on=date(2026, 11, 22))
        with pytest.raises(PermissionError):
            ledger.set_claim_terms(channel.people[role], program, claim_window_days=10)


# --- Changing again, audit, the transaction cache -------------------------------------------


def test_an_announced_change_can_be_changed_again_and_each_change_is_audited(session, admin):
    program = make_program(admin)
    on = date(2026, 11, 22)
    first = ledger.set_carryover(program, 2, admin, on=on)
    again = ledger.set_carryover(program, 3, admin, on=on)
    assert first.id == again.id and again.carryover_periods == 3
    assert ledger.set_carryover(program, 3, admin, on=on) is None  # nothing to change
    assert ledger.set_carryover(program, 3, admin, "2029", on=on) is None  # 3 from 2027 on
    events = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "coop.carryover_set")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.before, e.after) for e in events] == [
        ({"carryover_periods": 1}, {"carryover_periods": 2}),
        ({"carryover_periods": 2}, {"carryover_periods": 3}),
    ]
    assert events[0].summary.startswith("Carryover for money earned in")
    assert "from 2027 on: 2 years (was 1)" in events[0].summary


def test_a_later_rule_overrides_an_earlier_one_from_its_own_period(admin):
    program = make_program(admin, carryover=1)
    on = date(2026, 11, 22)
    ledger.set_carryover(program, 3, admin, "2027", on=on)
    ledger.set_carryover(program, 0, admin, "2029", on=on)
    assert [ledger.carryover_for(program, str(y)) for y in range(2025, 2032)] == [
        1,
        1,
        3,
        3,
        0,
        0,
        0,
    ]
    assert [
        (s.from_bucket, s.carryover_periods, s.announced)
        for s in ledger.carryover_schedule(program, on)
    ] == [
        ("2026", 1, False),
        ("2027", 3, True),
        ("2029", 0, True),
    ]


def test_a_rolled_back_rule_is_forgotten(session, admin):
    program = make_program(admin, carryover=1)
    assert ledger.expires_on(program, "2027") == date(2028, 12, 31)
    savepoint = session.begin_nested()
    ledger.set_carryover(program, 4, admin, on=date(2026, 11, 22))
    assert ledger.expires_on(program, "2027") == date(2031, 12, 31)
    savepoint.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(CarryoverRule)) == 0
    assert ledger.expires_on(program, "2027") == date(2028, 12, 31)


# --- Close, holds and late purchases follow the rule of each bucket's period ---------------------


def test_period_close_and_holds_use_the_rule_in_force_for_each_bucket(channel, admin):
    program = make_program(admin, carryover=1)
    ledger.set_carryover(program, 0, admin, on=date(2026, 6, 1))  # from 2027: no carryover
    account = buy(program, channel.dealer, "1000.00", date(2026, 2, 1))  # 20.00, until 2027
    buy(program, channel.dealer, "2000.00", date(2027, 2, 1))  # 40.00, until 2027 too
    assert expiry_dates(account) == {"2026": date(2027, 12, 31), "2027": date(2027, 12, 31)}

    assert ledger.close_period(program, date(2027, 12, 31)).expired == []
    summary = ledger.close_period(program, date(2028, 1, 1))
    assert sorted((b, a) for _org, b, a in summary.expired) == [
        ("2026", D("20.00")),
        ("2027", D("40.00")),
    ]
    assert ledger.close_period(program, date(2028, 1, 1)).expired == []  # idempotent
    assert "(carryover: 0 period(s))" in ledger_reason(account, "2027")
    assert "(carryover: 1 period(s))" in ledger_reason(account, "2026")
    with pytest.raises(ValidationFailed):
        ledger.place_hold(account, "1.00", "too late", "late-1", admin, on=date(2028, 1, 2))
    assert_sound(account)


def ledger_reason(account, bucket: str) -> str:
    from campaigns.coop.models import EntryKind, LedgerEntry
    from hub import db

    return db.session.scalar(
        sa.select(LedgerEntry.reason).where(
            LedgerEntry.account_id == account.id,
            LedgerEntry.bucket == bucket,
            LedgerEntry.kind == EntryKind.EXPIRY,
        )
    )


def test_a_late_purchase_expires_at_once_by_the_rule_of_its_period(channel, admin):
    program = make_program(admin, carryover=2)
    ledger.set_carryover(program, 0, admin, on=date(2026, 6, 1))  # from 2027
    # A 2027 purchase reported in 2028 has missed its (no-carryover) window.
    report = ledger.record_purchases(
        program, [purchase(channel.dealer, "1000.00", date(2027, 3, 1))], today=date(2028, 2, 1)
    )
    assert report.accepted
    account = ledger.get_or_create_account(channel.dealer, program)
    assert entries_of(account) == [
        ("accrual", D("20.00"), "2027"),
        ("expiry", D("20.00"), "2027"),
    ]


# --- Claim terms ------------------------------------------------------------------------


def test_claim_window_and_minimum_claim_change_for_new_proposals_and_are_audited(session, admin):
    program = make_program(admin)
    changes = ledger.set_claim_terms(admin, program, claim_window_days=90, minimum_claim="250.00")
    assert changes == {
        "claim_window_days": (60, 90),
        "minimum_claim": (D("0.00"), D("250.00")),
    }
    assert (program.claim_window_days, program.minimum_claim) == (90, D("250.00"))
    assert ledger.set_claim_terms(admin, program, claim_window_days=90) == {}
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "coop.claim_terms_set")
    ).one()
    assert event.before == {"claim_window_days": 60, "minimum_claim": "0.00"}
    assert event.after == {"claim_window_days": 90, "minimum_claim": "250.00"}


@pytest.mark.parametrize(
    ("terms", "problems"),
    [
        (
            {"claim_window_days": 731},
            {"claim_window_days": ["The claim window is a whole number of days from 0 to 730."]},
        ),
        (
            {"claim_window_days": "30"},
            {"claim_window_days": ["The claim window is a whole number of days from 0 to 730."]},
        ),
        (
            {"minimum_claim": "10.005"},
            {
                "minimum_claim": [
                    "The minimum claim 10.005 has fractions of a cent; use at most two decimals."
                ]
            },
        ),
        (
            {"minimum_claim": "-5"},
            {"minimum_claim": ["The minimum claim must be more than zero, not -5.00."]},
        ),
    ],
)
def test_bad_claim_terms_get_a_sentence_and_change_nothing(admin, terms, problems):
    program = make_program(admin)
    with pytest.raises(ValidationFailed) as caught:
        ledger.set_claim_terms(admin, program, **terms)
    assert caught.value.problems == problems
    assert (program.claim_window_days, program.minimum_claim) == (60, D("0.00"))


# --- The pages ------------------------------------------------------------------------------


@pytest.fixture
def shown_program(channel, admin, session):
    """The program the pages show (the oldest active one), with a purchase this year."""
    program = ledger.create_program(admin, "Pages Co-op", "USD", carryover_periods=1)
    ledger.set_accrual_rate(admin, program, "0.02", effective_from=date(2020, 1, 1))
    today = clock_today()
    ledger.record_purchases(program, [purchase(channel.dealer, "1000.00", today)], admin)
    return program


def test_the_program_admin_changes_the_terms_on_the_rules_page(
    client, login_as, session, shown_program
):
    login_as("program_admin")
    page = client.get("/campaigns/coop/program").get_data(as_text=True)
    next_year = str(clock_today().year + 1)
    assert "Save windows and limits" in page and f'value="{next_year}"' in page
    response = post_form(
        client,
        "/campaigns/coop/program/terms",
        {
            "carryover_periods": "2",
            "from_bucket": next_year,
            "claim_window_days": "45",
            "minimum_claim": "150.00",
        },
        token_page="/campaigns/coop/program",
    )
    assert response.status_code == 303
    session.commit()  # a new transaction here (it forgets the carryover rules it read)
    session.expire_all()  # …and reload what the request changed
    assert (shown_program.claim_window_days, shown_program.minimum_claim) == (45, D("150.00"))
    assert ledger.carryover_for(shown_program, next_year) == 2
    assert ledger.carryover_for(shown_program, str(clock_today().year)) == 1
    flashed = client.get("/campaigns/coop/program").get_data(as_text=True)
    assert f"money earned from {next_year} on carries over 2 years" in flashed
    how = client.get("/campaigns/coop/how-it-works").get_data(as_text=True)
    assert f"From {next_year} on, money carries over 2 years" in how
    assert "Money you earned before keeps the date it has." in how


def test_bad_terms_are_refused_with_sentences_and_nothing_changes(
    client, login_as, session, shown_program
):
    login_as("program_admin")
    this_year = str(clock_today().year)
    response = post_form(
        client,
        "/campaigns/coop/program/terms",
        {
            "carryover_periods": "two",
            "from_bucket": this_year,
            "claim_window_days": "45",
            "minimum_claim": "1.001",
        },
        token_page="/campaigns/coop/program",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "“two” is not a carryover: enter a whole number from 0 to 20." in html
    assert "Choose a coming period from the list" in html
    response = post_form(
        client,
        "/campaigns/coop/program/terms",
        {
            "carryover_periods": "2",
            "from_bucket": str(clock_today().year + 1),
            "claim_window_days": "45",
            "minimum_claim": "1.001",
        },
        token_page="/campaigns/coop/program",
    )
    assert response.status_code == 422
    assert "has fractions of a cent" in response.get_data(as_text=True)
    session.expire_all()
    assert shown_program.claim_window_days == 60  # all or nothing
    assert session.scalar(sa.select(sa.func.count()).select_from(CarryoverRule)) == 0


def test_only_the_program_admin_may_post_the_terms(client, login_as, shown_program):
    login_as("channel_manager")
    response = post_form(
        client,
        "/campaigns/coop/program/terms",
        {"carryover_periods": "2", "claim_window_days": "45", "minimum_claim": "0"},
        token_page="/settings",
    )
    assert response.status_code == 403
