"""The co-op pages, the dashboard panel, the context fact and the demo: what each role
sees of co-op money, read from a real database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from campaigns.coop import ledger, providers
from campaigns.coop.models import (
    AccrualRate,
    CoopAccount,
    CoopProgram,
    EntryKind,
    Hold,
    LedgerEntry,
)
from hub import db
from hub.db import today as clock_today
from hub.models import AuditEvent, Organization, ProductLine
from tests.campaigns.proposals.proposal_support import (
    approved,
    claim_lines,
    funded_program,
    proposals,
)
from tests.conftest import post_form


@pytest.fixture
def coop(channel, session):
    """A yearly program with 2% on every purchase and purchases for four partners."""
    admin = channel.people["program_admin"]
    program = ledger.create_program(
        admin, "Test Co-op", "EUR", "year", carryover_periods=1, claim_window_days=45,
        minimum_claim="250.00",
    )  # fmt: skip
    ledger.set_accrual_rate(admin, program, "0.02", tier=channel.dealer.tier,
                            effective_from=date(2020, 1, 1))  # fmt: skip
    today = clock_today()
    amounts = {
        channel.dealer: "1000.00",  # → 20.00
        channel.sibling_dealer: "2000.00",  # → 40.00
        channel.other_dealer: "3000.00",  # → 60.00
        channel.distributor: "4000.00",  # → 80.00
    }
    lines = [
        {
            "external_id": f"t-{org.id}",
            "organization_id": org.id,
            "amount": amount,
            "currency": "EUR",
            "purchased_on": today.isoformat(),
        }
        for org, amount in amounts.items()
    ]
    report = ledger.record_purchases(program, lines, admin)
    assert report.clean
    program.test_today = today
    return program


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_without_a_program_the_page_says_so(client, login_as):
    login_as("dealer_marketer")
    assert "no co-op program running yet" in page(client, "/campaigns/coop")


def test_a_dealer_sees_its_own_balance_in_the_program_currency(client, login_as, channel, coop):
    login_as("dealer_marketer")
    html = page(client, "/campaigns/coop")
    assert "Your co-op funds" in html
    assert "EUR 20.00" in html  # available and earned
    assert "Sibling Dealer" not in html and "Other Dealer" not in html
    assert "EUR 40.00" not in html and "EUR 60.00" not in html


def test_a_dealer_cannot_open_a_sibling_or_the_distributor_account(client, login_as, channel, coop):
    login_as("dealer_marketer")
    assert client.get(f"/campaigns/coop/{channel.sibling_dealer.id}").status_code == 404
    assert client.get(f"/campaigns/coop/{channel.distributor.id}").status_code == 404
    assert client.get(f"/campaigns/coop/{channel.dealer.id}").status_code == 200


def test_a_distributor_admin_sees_its_own_and_its_dealers_accounts(client, login_as, channel, coop):
    login_as("distributor_admin")
    html = page(client, "/campaigns/coop")
    assert "EUR 80.00" in html  # its own
    assert "Test Dealer" in html and "Sibling Dealer" in html
    assert "Other Dealer" not in html and "EUR 60.00" not in html
    dealer_page = page(client, f"/campaigns/coop/{channel.dealer.id}")
    assert "Co-op funds of Test Dealer" in dealer_page
    assert client.get(f"/campaigns/coop/{channel.other_dealer.id}").status_code == 404


@pytest.mark.parametrize("role", ["program_admin", "channel_manager", "product_manager"])
def test_oem_staff_see_every_account_and_program_wide_utilisation(
    client, login_as, channel, coop, role
):
    login_as(role)
    html = page(client, "/campaigns/coop")
    for name in ("Test Dealer", "Sibling Dealer", "Other Dealer", "Test Distribution"):
        assert name in html
    assert "EUR 200.00" in html  # earned program-wide
    assert "Utilisation" in html
    assert f"/campaigns/coop/{channel.other_dealer.id}" in html


def _names_in_order(html, names):
    found = [(html.index(f">{n}</a>"), n) for n in names if f">{n}</a>" in html]
    return [n for _, n in sorted(found)]


def test_the_oem_overview_filters_sorts_and_pages_partners(client, login_as, channel, coop):
    channel.other_dealer.region = "Iowa"
    db.session.commit()
    login_as("program_admin")
    names = ["Test Dealer", "Sibling Dealer", "Other Dealer", "Test Distribution"]
    html = page(client, "/campaigns/coop?sort=available")
    assert _names_in_order(html, names) == [
        "Test Distribution", "Other Dealer", "Sibling Dealer", "Test Dealer"
    ]  # fmt: skip
    html = page(client, f"/campaigns/coop?distributor={channel.distributor.id}&sort=name")
    assert _names_in_order(html, names) == ["Sibling Dealer", "Test Dealer", "Test Distribution"]
    assert "These partners" in html and "EUR 140.00" in html  # earned by these three
    html = page(client, "/campaigns/coop?region=Iowa")
    assert _names_in_order(html, names) == ["Other Dealer"] and "EUR 60.00" in html
    assert _names_in_order(page(client, "/campaigns/coop?q=sibl"), names) == ["Sibling Dealer"]
    html = page(client, f"/campaigns/coop?tier={channel.dealer.tier_id}&q=nobody")
    assert "No partner account matches “nobody”" in html
    fragment = client.get("/campaigns/coop?q=other", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert "Other Dealer" in fragment.get_data(as_text=True)

    admin = channel.people["program_admin"]
    overview = providers.account_overview(admin, coop, sort="available", page=2, per_page=3)
    assert (overview.page, overview.pages) == (2, 2)
    assert [s.organization.name for s in overview.summaries] == ["Test Dealer"]
    assert overview.totals.earned == Decimal("200.00") and overview.totals.accounts == 4
    assert [p.earned for p in overview.periods] == [Decimal("200.00")]


def test_the_oem_organisation_has_no_account_page(client, login_as, channel, coop):
    login_as("program_admin")
    assert client.get(f"/campaigns/coop/{channel.oem.id}").status_code == 404


def test_held_and_reimbursed_money_shows_with_its_entries(client, login_as, channel, coop):
    account = providers.account_of(channel.dealer, coop)
    hold = ledger.place_hold(account, "15.00", "Print ad", "k1", channel.people["program_admin"])
    ledger.settle_claim(hold, "10.00", channel.people["program_admin"], idempotency_key="k2")
    login_as("dealer_marketer")
    html = page(client, "/campaigns/coop")
    assert "Paid on a claim" in html and "Released from a hold" in html
    assert "EUR 10.00" in html  # reimbursed, and available 20 − 10


def test_funds_expiring_within_60_days_get_a_call_to_action(client, login_as, channel, coop):
    account = providers.account_of(channel.dealer, coop)
    today = coop.test_today
    # Money earned last year expires at the end of this year (carryover 1).
    ledger.record_purchases(
        coop,
        [
            {
                "external_id": "old",
                "organization_id": channel.dealer.id,
                "amount": "500.00",
                "currency": "EUR",
                "purchased_on": date(today.year - 1, 6, 1).isoformat(),
            }
        ],
        channel.people["program_admin"],
    )
    expiring = ledger.expiring_soon(account, 60, today)
    login_as("dealer_marketer")
    html = page(client, "/campaigns/coop")
    if expiring:  # within 60 days of 31 December
        assert "EUR 10.00</strong> earned in" in html
        assert "Start a campaign" in html
    else:
        assert "expires within 60 days" not in html


def test_expiring_funds_are_computed_like_the_ledger(channel, coop):
    """The overview's bulk computation agrees with ledger.expiring_soon for a later day."""
    admin = channel.people["program_admin"]
    year = coop.test_today.year
    ledger.record_purchases(
        coop,
        [
            {
                "external_id": "old-2",
                "organization_id": channel.dealer.id,
                "amount": "500.00",
                "currency": "EUR",
                "purchased_on": date(year - 1, 6, 1).isoformat(),
            }
        ],
        admin,
    )
    on = date(year, 12, 1)
    account = providers.account_of(channel.dealer, coop)
    (summary,) = providers.account_summaries(admin, coop, on, org_ids=[channel.dealer.id])
    assert summary.expiring == sum(e.amount for e in ledger.expiring_soon(account, 60, on))
    assert summary.expiring_on == date(year, 12, 31)


def test_the_ledger_is_paginated_and_its_fragment_swaps_alone(client, login_as, channel, coop):
    today = coop.test_today
    ledger.record_purchases(
        coop,
        [
            {
                "external_id": f"many-{n}",
                "organization_id": channel.dealer.id,
                "amount": "100.00",
                "currency": "EUR",
                "purchased_on": (today - timedelta(days=n % 5)).isoformat(),
            }
            for n in range(25)
        ],
        channel.people["program_admin"],
    )
    login_as("dealer_marketer")
    html = page(client, "/campaigns/coop")
    assert "Page 1 of 2" in html and 'href="/campaigns/coop?page=2"' in html
    fragment = client.get("/campaigns/coop?page=2", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "Page 2 of 2" in body and "<html" not in body


def test_how_co_op_works_states_the_program_numbers(client, login_as, channel, coop, session):
    parts = ProductLine(name="Parts & Service", slug="parts")
    session.add(parts)
    session.flush()
    ledger.set_accrual_rate(channel.people["program_admin"], coop, "0.0075",
                            product_line=parts, effective_from=date(2020, 1, 1))  # fmt: skip
    login_as("partner_staff")
    html = page(client, "/campaigns/coop/how-it-works")
    assert "Premier" in html and "2%" in html
    assert "Parts &amp; Service" in html and "0.75%" in html
    assert "plus 1 more year" in html
    assert "45 days" in html and "EUR 250.00" in html
    assert f"31 Dec {coop.test_today.year + 1}" in html


def test_the_dealer_dashboard_has_a_co_op_panel(client, login_as, channel, coop):
    login_as("dealer_marketer")
    html = page(client, "/")
    assert "Co-op funds" in html and "EUR 20.00" in html


def test_the_program_admin_dashboard_lists_money_at_risk(client, login_as, channel, coop):
    login_as("program_admin")
    html = page(client, "/")
    assert "Co-op funds at risk" in html and "All co-op accounts" in html


def test_a_channel_manager_sees_money_at_risk_too(client, login_as, channel, coop):
    login_as("channel_manager")
    html = page(client, "/")
    assert "Co-op funds at risk" in html and "Co-op utilisation" in html


def test_a_product_manager_gets_no_co_op_panel(client, login_as, channel, coop):
    login_as("product_manager")
    assert 'aria-label="Co-op' not in page(client, "/")


def test_the_context_fact_is_the_available_balance_within_scope(channel, coop):
    facts = providers.coop_facts(channel.dealer, channel.people["channel_manager"])
    assert facts == [("Co-op available", "EUR 20.00")]
    assert providers.coop_facts(channel.dealer, channel.people["other_marketer"]) == []
    assert providers.coop_facts(channel.oem, channel.people["program_admin"]) == []


def test_the_program_admin_changes_a_rate_for_new_purchases_only(client, login_as, channel, coop):
    login_as("program_admin")
    tier = channel.dealer.tier
    start = coop.test_today + timedelta(days=10)
    response = post_form(
        client,
        "/campaigns/coop/program",
        {f"tier_{tier.id}": "2.5", "effective_from": start.isoformat()},
    )
    assert response.status_code == 303
    rates = db.session.scalars(
        sa.select(AccrualRate).where(
            AccrualRate.program_id == coop.id, AccrualRate.tier_id == tier.id
        )
    ).all()
    assert sorted(r.rate for r in rates) == [Decimal("0.02000"), Decimal("0.02500")]
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "coop.rate_set")
        )
        >= 2
    )
    # What was earned keeps its rate.
    entry = db.session.scalar(
        sa.select(LedgerEntry).where(LedgerEntry.kind == EntryKind.ACCRUAL).limit(1)
    )
    assert entry.rate == Decimal("0.02000")
    account = providers.account_of(channel.dealer, coop)
    assert ledger.balance(account).available == Decimal("20.00")


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        ("two", "is not a percentage"),
        ("120", "from 0 to 100"),
        ("1.23456", "at most three decimals"),
    ],
)
def test_a_bad_rate_is_refused_with_a_sentence(client, login_as, channel, coop, value, sentence):
    login_as("program_admin")
    tier = channel.dealer.tier
    response = post_form(
        client,
        "/campaigns/coop/program",
        {f"tier_{tier.id}": value, "effective_from": coop.test_today.isoformat()},
    )
    assert response.status_code == 422
    assert sentence in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AccrualRate)
            .where(AccrualRate.program_id == coop.id)
        )
        == 1
    )


def test_a_rate_cannot_start_in_the_past(client, login_as, channel, coop):
    login_as("program_admin")
    tier = channel.dealer.tier
    response = post_form(
        client,
        "/campaigns/coop/program",
        {
            f"tier_{tier.id}": "5",
            "effective_from": (coop.test_today - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "new purchases only" in response.get_data(as_text=True)


def test_a_rate_cannot_be_removed_only_changed(client, login_as, channel, coop):
    login_as("program_admin")
    response = post_form(
        client,
        "/campaigns/coop/program",
        {"effective_from": coop.test_today.isoformat()},
    )
    assert response.status_code == 422
    assert "can&#39;t be removed" in response.get_data(as_text=True)


def test_only_the_program_admin_edits_the_rules(client, login_as, coop):
    login_as("channel_manager")
    assert client.get("/campaigns/coop/program").status_code == 403


@pytest.mark.demo
def test_the_demo_leaves_prairie_with_money_about_to_expire(app, demo_summary):
    summary = demo_summary
    assert "co-op: Fieldcrest Co-op 2026" in summary
    program = db.session.scalar(
        sa.select(CoopProgram).where(CoopProgram.name == "Fieldcrest Co-op 2026")
    )
    assert (program.currency, program.carryover_periods, program.claim_window_days) == (
        "USD",
        1,
        60,
    )
    prairie = db.session.scalar(
        sa.select(Organization).where(Organization.name == "Prairie Ag Dealers")
    )
    account = providers.account_of(prairie, program)
    expiring = ledger.expiring_soon(account, 60, date(2026, 11, 22))
    assert (
        expiring and expiring[0].bucket == "2025" and expiring[0].expires_on == date(2026, 12, 31)
    )
    # The worked example: 3,000 held, 2,500 paid and 500 released (the demo's proposals,
    # seeded after it, hold and pay more: tests/campaigns/proposals/test_proposal_demo.py).
    example = db.session.scalar(
        sa.select(Hold).where(
            Hold.account_id == account.id, Hold.reference == "Spring print campaign"
        )
    )
    moved = ledger.hold_balance(example)
    assert (moved.amount, moved.reimbursed, moved.released) == (
        Decimal("3000.00"),
        Decimal("2500.00"),
        Decimal("500.00"),
    )
    accounts = db.session.scalar(sa.select(sa.func.count()).select_from(CoopAccount))
    partners = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Organization)
        .where(Organization.parent_id.is_not(None))
    )
    assert accounts == partners
    assert ledger.verify_ledger(program) == []


def test_announced_rates_are_shown_to_dealers_and_the_admin(client, login_as, channel, coop):
    start = coop.test_today + timedelta(days=40)
    ledger.set_accrual_rate(channel.people["program_admin"], coop, "0.025",
                            tier=channel.dealer.tier, effective_from=start)  # fmt: skip
    login_as("dealer_marketer")
    how = page(client, "/campaigns/coop/how-it-works")
    assert "New rates are announced" in how and "Premier tier: 2.5%" in how
    assert "Premier" in how and ">2%<" in how  # today's rate still applies
    login_as("program_admin")
    assert "Premier tier: <strong>2.5%</strong>" in page(client, "/campaigns/coop/program")


def test_a_rate_equal_to_today_but_not_to_the_announced_one_is_set(client, login_as, channel, coop):
    """Announced 2.5% from day 40; sending 2% from day 60 brings 2% back from then on."""
    admin = channel.people["program_admin"]
    tier = channel.dealer.tier
    today = coop.test_today
    ledger.set_accrual_rate(
        admin, coop, "0.025", tier=tier, effective_from=today + timedelta(days=40)
    )
    login_as("program_admin")
    later = today + timedelta(days=60)
    response = post_form(
        client,
        "/campaigns/coop/program",
        {f"tier_{tier.id}": "2", "effective_from": later.isoformat()},
    )
    assert response.status_code == 303
    assert ledger.rate_for(coop, channel.dealer, None, later) == Decimal("0.02000")
    assert ledger.rate_for(coop, channel.dealer, None, later - timedelta(days=1)) == Decimal(
        "0.02500"
    )


def test_a_master_distributor_sees_every_account_beneath_it(
    client, login_as, channel, coop, make_org, make_person
):
    master = make_org("master_distributor", parent=channel.oem, name="Master Supply")
    middle = make_org("distributor", parent=master, name="Middle Distribution")
    bottom = make_org("dealer", parent=middle, name="Bottom Dealer")
    lines = [
        {
            "external_id": f"m-{org.id}",
            "organization_id": org.id,
            "amount": "100.00",
            "currency": "EUR",
            "purchased_on": coop.test_today.isoformat(),
        }
        for org in (master, middle, bottom)
    ]
    assert ledger.record_purchases(coop, lines, channel.people["program_admin"]).clean
    login_as(make_person("partner_admin", master))
    html = page(client, "/campaigns/coop")
    assert "Middle Distribution" in html and "Bottom Dealer" in html
    assert "Test Dealer" not in html


def test_the_ledger_names_the_campaign_and_a_release_after_a_partial_payment(
    client, login_as, channel
):
    program = funded_program(channel)
    marketer = channel.people["dealer_marketer"]
    proposal = approved(channel, program, title="Spring field days")
    claim = proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))
    _, second = claim.lines
    proposals.review_claim(
        channel.people["channel_manager"],
        proposal,
        {second.id: {"approved_cost": "500.00", "reason_code": "missing_proof"}},
    )  # 1,250 paid, the other 1,750 of the 3,000 hold released
    link = f'<a href="/campaigns/proposals/{proposal.id}">“Spring field days”</a>'
    for who, page in (("dealer_marketer", "/campaigns/coop"),
                      ("channel_manager", f"/campaigns/coop/{channel.dealer.id}")):  # fmt: skip
        login_as(who)
        html = client.get(page).get_data(as_text=True)
        assert f"proposal:{proposal.id}" not in html and f"proposal {proposal.id}" not in html
        assert f"Held for {link}" in html
        assert f"Paid on the claim for {link}" in html
        assert "Released: the rest after a partial payment of USD 1,250.00 for " + link in html
        assert "Not claimed" not in html


def test_the_activity_feed_and_audit_log_name_the_campaign(client, login_as, channel):
    program = funded_program(channel)
    proposal = approved(channel, program, title="Spring field days")
    link = f'<a href="/campaigns/proposals/{proposal.id}">“Spring field days”</a>'
    login_as("program_admin")
    feed = client.get("/").get_data(as_text=True)
    assert f"held for {link}" in feed
    assert f"proposal:{proposal.id}" not in feed
    # The audit log words the line the same way (its recorded detail stays as written).
    assert f"held for {link}" in client.get("/audit").get_data(as_text=True)
