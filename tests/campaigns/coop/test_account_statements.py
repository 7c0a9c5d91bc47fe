"""A partner's own co-op account page sends as many SQL statements for a long ledger as
for a short one: more purchases, holds for more approved campaigns (each named on the
page) and payments add no query per entry, hold or campaign (bench.floor measures the
dealer's page with 300 entries). Counts only."""

from __future__ import annotations

import pytest

from campaigns.coop import ledger
from campaigns.proposals import service as proposals
from hub.db import today
from tests.campaigns.proposals.proposal_support import fields, funded_program, later
from tests.conftest import sign_in
from tests.hub.test_query_counts import _count


@pytest.mark.parametrize("viewer", ["dealer_marketer", "distributor_admin"])
def test_the_account_page_sends_as_many_statements_for_a_long_ledger(
    viewer, client, session, channel, statements
):
    people = channel.people
    program = funded_program(channel)
    made = [0]

    def trade(rounds: int) -> None:
        for _ in range(rounds):
            made[0] += 1
            ledger.record_purchases(
                program,
                [
                    {
                        "external_id": f"more-{made[0]}-{org.id}",
                        "organization_id": org.id,
                        "amount": "10000.00",
                        "currency": "USD",
                        "purchased_on": today().replace(month=1, day=3).isoformat(),
                    }
                    for org in (channel.dealer, channel.sibling_dealer)
                ],
            )
            for who in ("dealer_marketer", "partner_admin"):
                proposal = proposals.create(
                    people[who],
                    program,
                    fields(
                        program,
                        title=f"Campaign {made[0]} {who}",
                        requested_amount="300.00",
                        lines=[{"description": "Farm-paper ads", "amount": "600.00"}],
                        **later(),
                    ),
                )
                proposals.submit(people[who], proposal)
                proposals.approve(people["program_admin"], proposal)
        session.flush()

    trade(1)
    sign_in(client, people[viewer])
    small, _ = _count(client, statements, "/campaigns/coop", {})

    trade(5)
    large, sql = _count(client, statements, "/campaigns/coop", {})

    assert large == small, "\n".join(sql)
