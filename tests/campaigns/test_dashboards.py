"""The dashboards' co-op and campaign panels: each role sees what waits on it, the OEM
its queue oldest first, money at risk and utilisation — and nobody sees outside their
scope. The number of SQL statements does not grow with the number of proposals."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from campaigns.coop import ledger, overview, providers
from campaigns.proposals import panels as proposal_panels
from campaigns.proposals import service as proposals
from campaigns.proposals.models import Proposal, ProposalStatus
from hub import db, policy
from hub.db import today, utcnow
from hub.models import Organization, TerritoryAssignment
from tests.campaigns.proposals.proposal_support import (
    approved,
    claim_lines,
    fields,
    funded_program,
    later,
)
from tests.hub.test_query_counts import _count, _diff

S = ProposalStatus


@pytest.fixture
def program(channel):
    """10,000 USD this year for the dealer, its sibling and the other branch's dealer."""
    return funded_program(channel)


@pytest.fixture
def last_year(channel, program):
    """Money earned last year, which expires on 31 December this year (carryover 1)."""
    year = today().year - 1
    amounts = {channel.dealer: "100000.00", channel.other_dealer: "50000.00"}  # 2,000 / 1,000
    ledger.record_purchases(
        program,
        [
            {
                "external_id": f"last-{org.id}",
                "organization_id": org.id,
                "amount": amount,
                "currency": "USD",
                "purchased_on": date(year, 6, 1).isoformat(),
            }
            for org, amount in amounts.items()
        ],
    )
    return date(year + 1, 12, 1)  # a day 30 days before that money expires


def dashboard(client, login_as, who) -> str:
    login_as(who)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html: str, title: str) -> str:
    """One dashboard panel's HTML ('' when the page has no such panel)."""
    start = html.find(f'<section class="card" aria-label="{title}">')
    return "" if start < 0 else html[start : html.index("</section>", start)]


def waited(proposal, days: int, hours: int = 2) -> None:
    """Make the proposal's current step `days` old."""
    proposal.status_changed_at = utcnow() - timedelta(days=days, hours=hours)
    db.session.flush()


def submitted(person, program, title, **overrides):
    proposal = proposals.create(person, program, fields(program, title=title, **overrides))
    proposals.submit(person, proposal)
    return proposal


def panel(panels, title):
    (found,) = [p for p in panels if p.title == title]
    return str(found.html)


# --- Dealers ----------------------------------------------------------------------------


def test_the_dealer_sees_its_balance_expiring_money_and_a_call_to_start_a_campaign(
    channel, program, last_year
):
    marketer = channel.people["dealer_marketer"]
    html = panel(providers.coop_panel(marketer, on=last_year), "Co-op funds")
    assert "USD 12,000.00" in html  # available: 10,000 this year + 2,000 last year
    assert "USD 2,000.00</strong> expires on" in html and "(in 30 days)" in html
    assert '/campaigns/new">Start a campaign' in html
    # Earned vs used by period, with the figures as the chart's text alternative.
    assert 'role="img"' in html and "Earned and used by period" in html
    assert f"{last_year.year - 1} earned USD 2,000.00, used USD 0.00" in html


def test_partner_staff_see_the_balance_but_no_campaign_call_or_list(
    client, login_as, channel, program, last_year
):
    staff = channel.people["partner_staff"]
    html = panel(providers.coop_panel(staff, on=last_year), "Co-op funds")
    assert "expires on" in html and "/campaigns/new" not in html
    assert "Your marketer or admin can propose a campaign" in html
    assert proposal_panels.proposal_panels(staff) == []
    assert "Your campaigns" not in dashboard(client, login_as, "partner_staff")


def test_a_dealer_sees_what_waits_on_it_and_on_others(client, login_as, channel, program):
    marketer = channel.people["dealer_marketer"]
    manager = channel.people["channel_manager"]
    draft = proposals.create(marketer, program, fields(program, title="Parts mailer draft"))
    back = submitted(marketer, program, "Radio spots to fix")
    proposals.request_changes(manager, back, "Split production from airtime.")
    waiting = submitted(marketer, program, "Planter demo days")
    suggestion_on = submitted(marketer, program, "Field day with a suggestion")
    proposals.suggest(manager, suggestion_on, "title", "Field day, revised")
    ready = approved(channel, program, title="Spec sheets approved", **later())
    for proposal, days in ((draft, 1), (back, 7), (waiting, 3), (ready, 2)):
        waited(proposal, days)

    html = dashboard(client, login_as, "dealer_marketer")
    mine, others = html.split("Waiting on others")
    assert "Parts mailer draft" in mine and "Finish the draft and submit it" in mine
    assert "Radio spots to fix" in mine and "Make the requested changes" in mine
    assert "Field day with a suggestion" in mine and "Accept or reject the suggested edit" in mine
    assert "Spec sheets approved" in mine and "claim by" in mine
    assert "Planter demo days" in others.split("Start a campaign")[0]
    assert "Waiting on a channel manager to approve" in others and "waiting <strong>3 days" in html
    assert f'href="/campaigns/proposals/{waiting.id}"' in html
    # The longest-waiting first.
    assert mine.index("Radio spots to fix") < mine.index("Parts mailer draft")


def test_a_dealer_never_sees_another_dealers_proposals(
    client, login_as, channel, program, make_person
):
    sibling_marketer = make_person("dealer_marketer", channel.sibling_dealer)
    submitted(sibling_marketer, program, "Sibling secret show")
    proposals.create(sibling_marketer, program, fields(program, title="Sibling secret draft"))
    submitted(channel.people["other_marketer"], program, "Other branch secret show")
    submitted(channel.people["dealer_marketer"], program, "Our own show")

    html = dashboard(client, login_as, "dealer_marketer")
    assert "Our own show" in html
    assert "secret" not in html
    other = dashboard(client, login_as, "other_marketer")
    assert "Other branch secret show" in other
    assert "Our own show" not in other and "Sibling secret" not in other


def test_a_distributor_admin_sees_its_dealers_proposals_waiting_on_it(
    client, login_as, channel, program
):
    program.distributor_first = True
    marketer, distributor = channel.people["dealer_marketer"], channel.people["distributor_admin"]
    mine = submitted(marketer, program, "Dealer show for the distributor")
    submitted(channel.people["other_marketer"], program, "Other branch show")
    underway = submitted(marketer, program, "Dealer campaign underway")
    proposals.approve(distributor, underway)
    proposals.approve(channel.people["channel_manager"], underway)
    assert proposals.current_rung(mine).value == "distributor"
    assert underway.status == S.RUNNING

    html = dashboard(client, login_as, "distributor_admin")
    waiting_on_me, rest = html.split("Your dealers' campaigns")
    assert "Dealer show for the distributor" in waiting_on_me
    assert "Approve, ask for changes or decline" in waiting_on_me
    assert "Dealer campaign underway" in rest and "Test Dealer" in rest
    assert "Other branch show" not in html
    # It is not in the channel manager's queue yet: the distributor approves first.
    queue = section(dashboard(client, login_as, "channel_manager"), "Waiting for your review")
    assert queue and "Dealer show for the distributor" not in queue


# --- The OEM ----------------------------------------------------------------------------


def test_the_oem_queue_is_ordered_by_waiting_time(client, login_as, channel, program, make_person):
    marketer = channel.people["dealer_marketer"]
    sibling_marketer = make_person("dealer_marketer", channel.sibling_dealer)
    fresh = submitted(marketer, program, "Fresh proposal")
    old = submitted(sibling_marketer, program, "Old proposal")
    middle = submitted(channel.people["other_marketer"], program, "Middle proposal")
    claimed = approved(channel, program, title="Claimed campaign", requested_amount="2000.00")
    proposals.submit_claim(marketer, claimed, claim_lines(claimed, marketer))
    draft = proposals.create(marketer, program, fields(program, title="Unsent draft"))
    for proposal, days in ((fresh, 0), (old, 9), (middle, 3), (claimed, 5), (draft, 30)):
        waited(proposal, days)

    for who in ("channel_manager", "program_admin"):
        queue = section(dashboard(client, login_as, who), "Waiting for your review")
        titles = re.findall(r'class="queue__title" href="[^"]+">([^<]+)<', queue)
        assert titles == ["Old proposal", "Claimed campaign", "Middle proposal", "Fresh proposal"]
        assert "waiting <strong>9 days</strong>" in queue
        assert "waiting <strong>3 days</strong>" in queue
        assert "Review the claim and its proof" in queue
        assert "Unsent draft" not in queue  # drafts are the dealer's own


def test_the_second_rung_waits_on_the_program_admin_only(client, login_as, channel, program):
    big = submitted(
        channel.people["dealer_marketer"],
        program,
        "Farm show booth",
        requested_amount="6000.00",
        lines=[{"description": "Booth", "amount": "12000.00"}],
    )
    proposals.approve(channel.people["channel_manager"], big)
    admin = section(dashboard(client, login_as, "program_admin"), "Waiting for your review")
    assert "Farm show booth" in admin and "step 2 of 2 (program admin)" in admin
    manager = section(dashboard(client, login_as, "channel_manager"), "Waiting for your review")
    assert manager and "Farm show booth" not in manager


def test_product_managers_see_nothing_of_co_op(client, login_as, channel, program, last_year):
    pm = channel.people["product_manager"]
    assert providers.coop_panel(pm, on=last_year) == []
    assert proposal_panels.proposal_panels(pm) == []
    submitted(channel.people["dealer_marketer"], program, "Visible to reviewers")
    html = dashboard(client, login_as, "product_manager")
    assert "Visible to reviewers" not in html
    for title in ("Co-op funds at risk", "Co-op utilisation", "Waiting for your review"):
        assert title not in html


def test_the_program_admin_sees_money_at_risk_by_partner_and_utilisation(
    channel, program, last_year
):
    proposal = approved(channel, program, requested_amount="1500.00")
    marketer = channel.people["dealer_marketer"]
    proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer, ("1000.00",)))
    proposals.review_claim(channel.people["channel_manager"], proposal, {})  # 500 paid
    panels = providers.coop_panel(channel.people["program_admin"], on=last_year)
    assert [p.title for p in panels] == ["Co-op funds at risk", "Co-op utilisation"]
    risk = panel(panels, "Co-op funds at risk")
    # Last year's money is used first: the dealer's 2,000 less the 500 paid, and 1,000.
    assert "USD 2,500.00" in risk
    assert risk.index("Test Dealer") < risk.index("Other Dealer")
    assert "USD 1,500.00" in risk and "USD 1,000.00" in risk and "in 30 days" in risk
    assert f'/campaigns/coop/{channel.dealer.id}"' in risk
    use = panel(panels, "Co-op utilisation")
    year = str(last_year.year - 1)
    assert f"{year} earned USD 3,000.00, reimbursed USD 500.00, held for campaigns USD 0.00" in use
    for label in ("Reimbursed", "Held for campaigns", "Expired", "Not used yet"):
        assert label in use
    assert "USD 33,000.00" in use  # earned: 3 × 10,000 this year + 3,000 last year


def test_a_channel_manager_sees_money_at_risk_in_its_territory(channel, program, last_year):
    manager = channel.people["channel_manager"]
    everything = panel(providers.coop_panel(manager, on=last_year), "Co-op funds at risk")
    assert "Test Dealer" in everything and "Other Dealer" in everything
    db.session.add(
        TerritoryAssignment(channel_manager_id=manager.id, organization_id=channel.distributor.id)
    )
    db.session.flush()
    panels = providers.coop_panel(manager, on=last_year)
    mine = panel(panels, "Co-op at risk in your territory")
    assert "Test Dealer" in mine and "Other Dealer" not in mine
    # Utilisation stays program-wide.
    assert "USD 33,000.00" in panel(panels, "Co-op utilisation")


def test_titles_are_escaped(client, login_as, channel, program):
    submitted(channel.people["dealer_marketer"], program, "<script>alert(1)</script>")
    html = dashboard(client, login_as, "channel_manager")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(minutes=5), "a few minutes"),
        (timedelta(hours=1, minutes=1), "1 hour"),
        (timedelta(hours=5), "5 hours"),
        (timedelta(days=1, hours=3), "1 day"),
        (timedelta(days=3, hours=23), "3 days"),
    ],
)
def test_waits_read_as_people_say_them(age, text):
    now = utcnow()
    assert proposal_panels.wait_text(now - age, now) == text


# --- Statement counts -------------------------------------------------------------------


def _approver(channel, proposal):
    """Whoever approves the proposal's current rung (a distributor's admin is made if needed)."""
    rung = proposals.current_rung(proposal).value
    if rung == "channel_manager":
        return channel.people["channel_manager"]
    if rung == "program_admin":
        return channel.people["program_admin"]
    parent = proposal.organization.parent
    if parent.id == channel.distributor.id:
        return channel.people["distributor_admin"]
    return channel.other_distributor_admin


def _more_proposals(channel, program, make_person, rounds: int, *, everyone=True) -> None:
    """Proposals in every state that waits on someone: the dealer's, and with `everyone`
    also its sibling's and another branch's."""
    if not hasattr(channel, "other_distributor_admin"):
        channel.other_distributor_admin = make_person("partner_admin", channel.other_distributor)
    for n in range(rounds):
        people = [channel.people["dealer_marketer"]]
        if everyone:
            people.append(channel.people["other_marketer"])
            people.append(make_person("dealer_marketer", channel.sibling_dealer))
        for person in people:
            proposals.create(person, program, fields(program, title=f"Draft {n}"))
            changes = submitted(person, program, f"Changes {n}", requested_amount="100.00")
            proposals.request_changes(_approver(channel, changes), changes, "Fix it")
            submitted(person, program, f"Waiting {n}", requested_amount="100.00")
            big = submitted(
                person,
                program,
                f"Big {n}",
                requested_amount="5100.00",
                lines=[{"description": "Show", "amount": "11000.00"}],
            )
            proposals.approve(_approver(channel, big), big)
            suggested = submitted(person, program, f"Suggested {n}", requested_amount="100.00")
            proposals.suggest(channel.people["channel_manager"], suggested, "title", f"S {n}")
            claim = submitted(person, program, f"Claimed {n}", requested_amount="200.00")
            while claim.status == S.SUBMITTED:
                proposals.approve(_approver(channel, claim), claim)
            proposals.submit_claim(person, claim, claim_lines(claim, person, ("400.00",)))


@pytest.mark.parametrize(
    "viewer_key", ["dealer_marketer", "distributor_admin", "channel_manager", "program_admin"]
)
def test_dashboard_statements_do_not_grow_with_the_proposals(
    viewer_key, client, login_as, channel, program, make_person, statements
):
    ledger.record_purchases(  # enough money for every round's holds
        program,
        [
            {
                "external_id": f"more-{org.id}",
                "organization_id": org.id,
                "amount": "5000000.00",
                "currency": "USD",
                "purchased_on": today().replace(month=1, day=3).isoformat(),
            }
            for org in (channel.dealer, channel.sibling_dealer, channel.other_dealer)
        ],
    )
    program.distributor_first = viewer_key == "distributor_admin"
    # Fewer proposals than a panel lists, then many more than it lists: a query per
    # proposal shown would make the counts differ.
    _more_proposals(channel, program, make_person, rounds=1, everyone=False)
    login_as(viewer_key)
    small, small_sql = _count(client, statements, "/", {})
    _more_proposals(channel, program, make_person, rounds=4)
    large, large_sql = _count(client, statements, "/", {})
    assert small == large, f"/ for {viewer_key}: {small} → {large}\n" + _diff(small_sql, large_sql)


def test_money_figures_in_the_panels_are_exact(channel, program, last_year):
    """Decimal all the way: a cent of accrual shows as a cent."""
    ledger.record_purchases(
        program,
        [
            {
                "external_id": "cent",
                "organization_id": channel.dealer.id,
                "amount": "0.50",
                "currency": "USD",
                "purchased_on": date(last_year.year - 1, 7, 1).isoformat(),
            }
        ],
    )
    html = panel(
        providers.coop_panel(channel.people["dealer_marketer"], on=last_year), "Co-op funds"
    )
    assert "USD 2,000.01</strong> expires" in html
    assert Decimal("2000.01") == sum(
        (
            e.amount
            for e in ledger.expiring_soon(
                providers.account_of(channel.dealer, program), 60, last_year
            )
        ),
        Decimal("0"),
    )


# --- The partner panel's prebuilt statements --------------------------------------------


@pytest.mark.parametrize(
    "viewer_key", ["dealer_marketer", "partner_admin", "distributor_admin", "other_marketer"]
)
def test_the_partner_panel_statements_see_what_visible_proposals_sees(
    viewer_key, channel, program, make_person
):
    """The panel's statements take the partner scope as a parameter: they see exactly the
    proposals `visible_proposals` sees (drafts only the viewer's own organisation's), and
    their candidates hold every proposal `waits_on` says waits on the viewer."""
    program.distributor_first = True  # the distributor's rung first: some wait on it
    _more_proposals(channel, program, make_person, rounds=2)
    person = channel.people[viewer_key]
    params = {"own": person.organization_id, "scope_path": policy.scope_pattern(person)}
    visible = list(db.session.scalars(proposals.visible_proposals(person)))
    seen = (
        sa.select(Proposal.id)
        .join(Organization, Organization.id == Proposal.organization_id)
        .where(proposal_panels._SEEN_BY_PARTNER)
    )
    assert set(db.session.scalars(seen, params)) == {p.id for p in visible}
    everyone = db.session.scalar(sa.select(sa.func.count(Proposal.id)))
    assert 0 < len(visible) < everyone  # drafts and other branches' proposals unseen

    distributor = proposal_panels.is_distributor_admin(person)
    assert distributor == (viewer_key == "distributor_admin")
    rows = db.read(
        proposal_panels._PARTNER_CANDIDATES[distributor], {**params, "batch": 1000, "offset": 0}
    )
    waiting = {p.id for p in visible if proposals.waits_on(person, p)}
    assert waiting, "nothing waits on the viewer: the test would prove nothing"
    assert waiting <= {row.id for row in rows}


def test_the_distributor_s_list_looks_past_older_dealer_proposals_waiting_on_the_oem(
    channel, program
):
    """More than a page of older dealer proposals wait on the channel manager's rung: the
    panel reads on until it finds the one waiting on the distributor's admin."""
    marketer, distributor = channel.people["dealer_marketer"], channel.people["distributor_admin"]
    for n in range(55):  # submitted without a distributor's rung: waiting on the OEM
        waited(submitted(marketer, program, f"Older {n}", requested_amount="10.00"), days=9)
    program.distributor_first = True
    mine = submitted(marketer, program, "Waiting on the distributor")
    assert proposals.waits_on(distributor, mine)

    lists = proposal_panels.partner_lists(distributor)
    assert [item.id for item in lists.mine] == [mine.id]
    assert not lists.more_mine


@pytest.mark.parametrize("viewer_key", ["channel_manager", "program_admin"])
def test_the_review_queue_reads_what_awaiting_finds(viewer_key, channel, program, make_person):
    """The OEM's queue, read as rows a page at a time, is `sla.awaiting(person, COUNTED)`:
    the same proposals in the same order. More than a page (120) of older proposals wait
    on the program admin's second rung: the channel manager's queue reads past them."""
    manager = channel.people["channel_manager"]
    for n in range(125):
        big = submitted(
            channel.people["dealer_marketer"],
            program,
            f"Second rung {n}",
            requested_amount="5100.00",
            lines=[{"description": "Show", "amount": "11000.00"}],
        )
        proposals.approve(manager, big)
        waited(big, days=40)
    _more_proposals(channel, program, make_person, rounds=1)
    person = channel.people[viewer_key]

    expected = proposals.awaiting(person, limit=proposal_panels.COUNTED)
    assert expected, "nothing waits on the viewer: the test would prove nothing"
    items, count = proposal_panels.review_queue(person, limit=proposal_panels.COUNTED)
    assert [item.id for item in items] == [p.id for p in expected]
    assert count == len(expected)
    if viewer_key == "program_admin":
        assert count == proposal_panels.COUNTED  # capped: every one waits on the admin
        assert items[0].title.startswith("Second rung")
    else:
        assert 0 < count < proposal_panels.COUNTED  # found past the 125 on the admin's rung
        assert not any(item.title.startswith("Second rung") for item in items)
    shown, shown_count = proposal_panels.review_queue(person)
    assert shown == items[: proposal_panels.SHOWN] and shown_count == count
    now = utcnow()
    assert [proposal_panels.review_item(p, now) for p in expected] == [
        replace(item, wait=proposal_panels.wait_text(item.since, now)) for item in items
    ]


def test_only_oem_reviewers_have_a_review_queue(channel, program):
    submitted(channel.people["dealer_marketer"], program, "Waiting")
    for key in ("product_manager", "dealer_marketer", "distributor_admin"):
        assert proposal_panels.review_queue(channel.people[key]) == ([], 0)


# --- A distributor's dealers with money expiring ----------------------------------------


def test_a_distributor_sees_its_dealers_expiring_money_most_first(
    channel, program, last_year, make_org, make_person
):
    """The three dealers beneath with the most money expiring (ties by name), and how many
    and how much in all — what every dealer's summary, filtered and sorted, says; never
    the distributor's own money, another branch's, or a dealer with nothing expiring."""
    sub = make_org("distributor", parent=channel.distributor, name="Sub Distribution")
    deep = make_org("dealer", parent=sub, name="Deep Dealer")
    tied = make_org("dealer", parent=channel.distributor, name="Another Dealer")
    quiet = make_org("dealer", parent=channel.distributor, name="Quiet Dealer")
    year = today().year - 1
    amounts = {  # at the 2 % rate of funded_program: expiring 2,000 / 1,000 / 400 / 400 / 2
        channel.dealer: None,  # 2,000 from last_year
        deep: "50000.00",
        tied: "20000.00",
        channel.sibling_dealer: "20000.00",
        channel.distributor: "100.00",
    }
    ledger.record_purchases(
        program,
        [
            {
                "external_id": f"beneath-{org.id}",
                "organization_id": org.id,
                "amount": amount,
                "currency": "USD",
                "purchased_on": date(year, 6, 1).isoformat(),
            }
            for org, amount in amounts.items()
            if amount
        ]
        + [  # this year's money only: nothing expiring soon
            {
                "external_id": f"quiet-{quiet.id}",
                "organization_id": quiet.id,
                "amount": "9000.00",
                "currency": "USD",
                "purchased_on": today().isoformat(),
            }
        ],
    )
    admin = channel.people["distributor_admin"]
    result = overview.at_risk_beneath(admin, program, channel.distributor, last_year, 3)
    every = [
        s
        for s in overview.accounts_beneath(admin, program, channel.distributor, last_year)
        if s.expiring
    ]
    every.sort(key=lambda s: (-s.expiring, s.organization.name))
    assert [s.organization.name for s in every] == [
        "Test Dealer",
        "Deep Dealer",
        "Another Dealer",
        "Sibling Dealer",
    ]
    assert result.top == every[:3]
    assert result.count == 4
    assert result.total == sum((s.expiring for s in every), Decimal(0)) == Decimal("3800.00")
    assert overview.at_risk_beneath(admin, program, sub, last_year, 3).top == [
        s for s in every if s.organization.name == "Deep Dealer"
    ]
    assert overview.at_risk_beneath(admin, program, channel.dealer, last_year, 3) == (
        overview.AtRiskBeneath([], 0, Decimal(0))
    )
    # Outside the viewer's scope, nothing: another branch's admin asking about this one.
    stranger = make_person("partner_admin", channel.other_distributor)
    assert overview.at_risk_beneath(stranger, program, channel.distributor, last_year, 3) == (
        overview.AtRiskBeneath([], 0, Decimal(0))
    )

    html = panel(providers.coop_panel(admin, on=last_year), "Co-op funds")
    assert "USD 3,800.00 expires within 60 days at 4 organisations beneath you" in html
    shown = re.findall(r'class="queue__title" href="[^"]+">([^<]+)<', html)
    assert shown == ["Test Dealer", "Deep Dealer", "Another Dealer"]
    assert "Other Dealer" not in html and "Quiet Dealer" not in html
