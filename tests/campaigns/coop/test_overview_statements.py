"""The OEM's co-op overview and money-at-risk panels: as many SQL statements for a program
with more partners, more periods and more entries (counts only), and their sums exact to
the cent on either database (SQLite adds whole cents; PostgreSQL sums NUMERIC as it is)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from campaigns.coop import ledger, partners
from campaigns.coop.balances import account_of
from hub.db import today
from tests.conftest import sign_in
from tests.hub.test_query_counts import _count


def _program(channel):
    admin = channel.people["program_admin"]
    program = ledger.create_program(admin, "Counted Co-op", "EUR", "year", carryover_periods=1)
    # Every partner of the channel fixture (and make_org's) is in the "Premier" tier.
    ledger.set_accrual_rate(
        admin, program, "0.02", tier=channel.dealer.tier, effective_from=date(2020, 1, 1)
    )
    return program


def _buy(program, orgs, amount: str, on: date, tag: str) -> None:
    lines = [
        {
            "external_id": f"{tag}-{org.id}",
            "organization_id": org.id,
            "amount": amount,
            "currency": "EUR",
            "purchased_on": on.isoformat(),
        }
        for org in orgs
    ]
    assert ledger.record_purchases(program, lines).clean


@pytest.mark.parametrize("viewer", ["program_admin", "channel_manager"])
def test_the_overview_and_panels_send_as_many_statements_for_a_bigger_program(
    viewer, client, session, channel, make_org, statements
):
    program = _program(channel)
    this_year = today().replace(month=1, day=3)
    dealers = [channel.dealer, channel.sibling_dealer]
    _buy(program, dealers, "1000.00", this_year, "small")
    session.flush()
    sign_in(client, channel.people[viewer])
    tier = channel.dealer.tier_id
    paths = ["/campaigns/coop", f"/campaigns/coop?sort=available&q=e&tier={tier}", "/"]
    small = {path: _count(client, statements, path, {}) for path in paths}

    more = [make_org("dealer", parent=channel.distributor, name=f"Grown {n}") for n in range(6)]
    session.flush()
    everyone = [*dealers, channel.other_dealer, *more]
    last_year = this_year.replace(year=this_year.year - 1)
    for n in range(3):  # more entries, and a second period for every account
        _buy(program, everyone, "500.00", last_year, f"old-{n}")
        _buy(program, everyone, "700.00", this_year, f"new-{n}")
    session.flush()
    for path in paths:
        large, sql = _count(client, statements, path, {})
        assert large == small[path][0], f"{path}\n" + "\n".join(sql)


def test_the_oem_sums_are_exact_to_the_cent(channel, session):
    """A cent of free money is money expiring soon; a bucket fully held is not at risk."""
    program = _program(channel)
    admin = channel.people["program_admin"]
    last_year = today().replace(year=today().year - 1, month=6, day=1)
    _buy(program, [channel.dealer], "0.50", last_year, "cent")  # 2% → 0.01
    _buy(program, [channel.sibling_dealer], "1000.00", last_year, "held")  # → 20.00
    _buy(program, [channel.other_dealer], "3000.05", last_year, "more")  # → 60.00 (60.001)
    held = account_of(channel.sibling_dealer, program)
    ledger.place_hold(held, "20.00", "proposal:1", "hold-all", admin)
    session.flush()

    on = date(today().year, 12, 1)  # last year's bucket closes on 31 December
    totals = partners.totals(admin, program, on)
    assert totals.earned == Decimal("80.01")
    assert totals.used == Decimal("20.00")
    assert totals.available == Decimal("60.01")
    assert (totals.expiring, totals.at_risk, totals.accounts) == (Decimal("60.01"), 2, 3)

    rows = partners.summaries(admin, program, on, sort="expiring")
    assert [(r.organization.id, r.expiring) for r in rows] == [
        (channel.other_dealer.id, Decimal("60.00")),
        (channel.dealer.id, Decimal("0.01")),
        (channel.sibling_dealer.id, Decimal("0.00")),
    ]
    [period] = partners.periods(admin, program, on)
    assert (period.earned, period.held, period.reimbursed) == (
        Decimal("80.01"),
        Decimal("20.00"),
        Decimal("0.00"),
    )


SORT_KEYS = {  # the order each sort promises, ties by name then account
    "expiring": lambda s: (-s.expiring, s.organization.name, s.account_id),
    "available": lambda s: (-s.available, s.organization.name, s.account_id),
    "utilisation": lambda s: (
        s.used / s.earned if s.earned else 0,
        s.organization.name,
        s.account_id,
    ),
    "name": lambda s: (s.organization.name, s.account_id),
}


@pytest.mark.parametrize("sort", sorted(SORT_KEYS))
def test_every_sort_pages_through_the_accounts_in_its_order(sort, channel, session, make_org):
    """The page is sorted and cut on the accounts' ids alone and its rows read afterwards:
    page after page, the accounts come in the sort's order, ties by name, none twice, and a
    partner's pages hold only what the partner may see."""
    program = _program(channel)
    admin = channel.people["program_admin"]
    on = date(today().year, 12, 1)  # last year's buckets close on 31 December
    last_year, this_year = date(on.year - 1, 6, 1), date(on.year, 2, 1)
    twins = [make_org("dealer", parent=channel.distributor, name="Twin") for _ in range(2)]
    session.flush()
    _buy(program, [channel.dealer, *twins], "1000.00", last_year, "old")  # 20.00 expiring
    _buy(program, [channel.other_dealer], "3000.00", last_year, "more")  # 60.00 expiring
    _buy(program, [channel.sibling_dealer, channel.other_dealer, twins[0]], "500.00",
         this_year, "new")  # fmt: skip
    _buy(program, [channel.distributor], "2000.00", this_year, "distributor")  # none expiring
    ledger.place_hold(account_of(twins[1], program), "5.00", "proposal:1", "twin-hold", admin)
    session.flush()

    for viewer in (admin, channel.people["distributor_admin"]):
        every = partners.summaries(viewer, program, on, sort=sort)
        assert every == sorted(every, key=SORT_KEYS[sort])
        paged = [
            s
            for offset in range(0, len(every) + 2, 2)
            for s in partners.summaries(viewer, program, on, sort=sort, limit=2, offset=offset)
        ]
        assert paged == every
    seen = {s.organization.id for s in every}  # the distributor's: itself and its dealers
    assert seen == {channel.distributor.id, channel.dealer.id, channel.sibling_dealer.id} | {
        t.id for t in twins
    }
    assert [s.expiring for s in partners.summaries(admin, program, on, sort="expiring")][:3] == [
        Decimal("60.00"),
        Decimal("20.00"),
        Decimal("20.00"),
    ]


def test_totals_and_periods_in_one_statement_are_the_two_reads(channel, session):
    """The overview's and dashboard's totals and periods, read together, are what each read
    alone gives — for the program, a filter and a partner's scope, and with no money yet."""
    program = _program(channel)
    admin, distributor = channel.people["program_admin"], channel.people["distributor_admin"]
    on = date(today().year, 12, 1)
    assert partners.totals_and_periods(admin, program, on) == (partners.ZERO_TOTALS, [])
    _buy(program, [channel.dealer, channel.other_dealer], "1000.00", date(on.year - 1, 6, 1), "a")
    _buy(program, [channel.dealer, channel.sibling_dealer], "700.00", date(on.year, 2, 1), "b")
    # Money of every kind, as the totals take it from the periods: expired (a purchase that
    # arrives after its bucket closed), held and reimbursed.
    _buy(program, [channel.dealer], "500.00", date(on.year - 3, 6, 1), "c")
    hold = ledger.place_hold(account_of(channel.dealer, program), "12.00", "proposal:t", "h-1")
    ledger.reimburse(hold, "5.00", idempotency_key="pay-1")
    session.flush()
    tier = partners.PartnerFilter(tier_id=channel.dealer.tier_id, q="dealer")
    for viewer, filters in [(admin, partners.PartnerFilter()), (admin, tier), (distributor, tier)]:
        together = partners.totals_and_periods(viewer, program, on, filters)
        assert together == (
            partners.totals(viewer, program, on, filters),
            partners.periods(viewer, program, on, filters),
        )
        assert len(together[1]) == 3 and together[0].accounts >= 2
        money = together[0]
        assert (money.expired, money.used) == (Decimal("10.00"), Decimal("12.00"))
        assert money.available == money.earned - money.used - money.expired
