"""The co-op rules as hub's program_rules extension point offers them (what a program
consultation shows beside a proposed change): today's figures, in words."""

from __future__ import annotations

from decimal import Decimal

from campaigns.coop import program as coop_program
from campaigns.coop.rates import set_accrual_rate
from campaigns.coop.rule_summaries import rule_summaries
from hub.db import today
from hub.registry import registry


def test_no_program_offers_no_rules(channel):
    assert rule_summaries() == []


def test_the_rules_in_force_in_words(channel):
    admin = channel.people["program_admin"]
    program = coop_program.create_program(
        admin, "Co-op", "USD", carryover_periods=2, claim_window_days=45, minimum_claim="50"
    )
    program.fast_lane_limit = Decimal("2500.00")
    program.distributor_first = True
    premier = channel.dealer.tier
    set_accrual_rate(admin, program, Decimal("0.025"), tier=premier, effective_from=today())
    rules = {rule.key: rule for rule in rule_summaries()}
    assert set(rules) == {"coop:rates", "coop:carryover", "coop:claims", "coop:approval"}
    assert "Premier: 2.5%" in rules["coop:rates"].current
    assert "carries over 2 years" in rules["coop:carryover"].current
    assert rules["coop:claims"].current == (
        "Claim within 45 days; the smallest claim is USD 50.00."
    )
    assert "at most USD 2,500.00 are approved at once" in rules["coop:approval"].current
    assert "distributor approves" in rules["coop:approval"].current
    assert rules["coop:carryover"].url == "/campaigns/coop/how-it-works"
    # The same rules reach other areas through hub's registry.
    assert registry().program_rule("coop:carryover") == rules["coop:carryover"]
