"""The co-op rules as they stand today, in a dealer's words, for hub's `program_rules`
extension point (a program consultation shows them beside a proposed change): accrual
rates by tier and product line, carryover, claim window, minimum claim and the approval
limits. Read only; every figure comes from `rates` and `periods`."""

from __future__ import annotations

from decimal import Decimal

from flask import url_for

from campaigns.coop.money import format_money
from campaigns.coop.program import current_program
from campaigns.coop.rates import rate_table
from hub.registry import ProgramRule


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _periods(program, count: int) -> str:
    word = program.period.value
    return f"{count} {word}{'s' if count != 1 else ''}"


def rule_summaries() -> list[ProgramRule]:
    """The current co-op program's rules (none without an active program)."""
    program = current_program()
    if program is None:
        return []
    table = rate_table(program)
    url = url_for("campaigns.coop_how", _external=False)
    rates = [
        f"{tier.name}: {_percent(row.rate)}" if row else f"{tier.name}: no rate"
        for tier, row in table["tier_rates"]
    ] + [f"{line.name}: {_percent(row.rate)}" for line, row in table["line_rates"]]
    now, *announced = table["carryover"]
    carryover = (
        f"Money earned in {now.from_bucket} carries over {_periods(program, now.carryover_periods)}"
        f" (spend it by {now.example_until:%d %B %Y})."
    )
    for step in announced:
        carryover += (
            f" From {step.from_bucket}: {_periods(program, step.carryover_periods)} (announced)."
        )
    if program.fast_lane_limit is not None:
        fast_lane = (
            "Proposals on an OEM template asking for at most "
            f"{format_money(program.fast_lane_limit, program.currency)} are approved at once."
        )
    else:
        fast_lane = "Every proposal is reviewed; none is approved at once."
    approval = fast_lane + (
        " A dealer's distributor approves its proposals before the OEM does."
        if program.distributor_first
        else " The OEM approves every proposal."
    )
    return [
        ProgramRule("coop:rates", "Co-op accrual rates", "; ".join(rates) + ".", url),
        ProgramRule("coop:carryover", "Co-op carryover", carryover, url),
        ProgramRule(
            "coop:claims",
            "Co-op claim window and minimum claim",
            f"Claim within {program.claim_window_days} days; the smallest claim is "
            f"{format_money(program.minimum_claim, program.currency)}.",
            url,
        ),
        ProgramRule("coop:approval", "Co-op approval limits", approval, url),
    ]
