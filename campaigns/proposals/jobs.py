"""Time passing: the `campaigns.proposals` job (`hub tick`, every 6 hours; idempotent)
starts approved campaigns on their start date, reminds the dealer 14 and 3 days before
the claim deadline (once each), and expires an unclaimed campaign the day after its
deadline, releasing its hold through the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from campaigns.coop import ledger
from campaigns.coop.ledger import format_money
from campaigns.coop.models import Hold
from campaigns.proposals.campaign_rules import program_of
from campaigns.proposals.lifecycle import CLAIMABLE, S
from campaigns.proposals.models import Proposal, ProposalEventKind
from campaigns.proposals.notify import notify_owners
from campaigns.proposals.thread import add_event, audit_step, touch
from hub import db
from hub.dates import format_date
from hub.db import today

REMINDER_DAYS = (14, 3)  # days before the claim deadline


@dataclass
class TickSummary:
    """What one run of the daily job did."""

    started: int = 0
    reminded: int = 0
    expired: int = 0


def daily(on: date | None = None) -> TickSummary:
    """Start campaigns whose day has come, remind dealers 14 and 3 days before the claim
    deadline, and expire approved campaigns whose deadline passed (releasing the hold).
    Running it twice on a day changes nothing the second time."""
    day = on or today()
    summary = TickSummary()
    starting = db.session.scalars(
        sa.select(Proposal).where(Proposal.status == S.APPROVED, Proposal.starts_on <= day)
    ).all()
    for proposal in starting:
        touch(proposal, S.RUNNING)
        add_event(
            proposal, ProposalEventKind.STATUS, None, "The campaign started", status="running"
        )
        summary.started += 1
    claimable = db.session.scalars(
        sa.select(Proposal).where(Proposal.status.in_(list(CLAIMABLE)))
    ).all()
    for proposal in claimable:
        left = (proposal.claim_deadline - day).days
        if left < 0:
            _expire(proposal, day)
            summary.expired += 1
            continue
        due = [d for d in REMINDER_DAYS if left <= d and (proposal.reminded_days or 10_000) > d]
        if due:
            proposal.reminded_days = min(due)
            notify_owners(proposal, "proposal.deadline",
                          f"Claim “{proposal.title}” by {format_date(proposal.claim_deadline)} "
                          f"({left} day{'s' if left != 1 else ''} left) or the "
                          f"{format_money(proposal.max_reimbursement, program_of(proposal).currency)} held "
                          "for it is released.", None)  # fmt: skip
            summary.reminded += 1
    db.session.flush()
    return summary


def _expire(proposal: Proposal, day: date) -> None:
    hold = db.session.get(Hold, proposal.hold_id)
    movement = ledger.release_hold(
        hold, None, reason="Claim deadline passed", on=day,
        idempotency_key=f"proposal-{proposal.id}-expired",
    )  # fmt: skip
    touch(proposal, S.EXPIRED)
    program = program_of(proposal)
    add_event(proposal, ProposalEventKind.STATUS, None,
              f"Expired: no claim by {format_date(proposal.claim_deadline)}; "
              f"{format_money(movement.released, program.currency)} released", status="expired")  # fmt: skip
    audit_step("proposal.expired", proposal, None, f"Proposal “{proposal.title}” expired unclaimed",
               after={"released": str(movement.released), "expired": str(movement.expired)})  # fmt: skip
    notify_owners(proposal, "proposal.expired",
                  f"“{proposal.title}” expired without a claim; its hold was released.", None)  # fmt: skip


def daily_job(now: datetime) -> str:
    """The `campaigns.proposals` job of `hub tick`: `daily`, said in one line."""
    summary = daily(now.date())
    return f"{summary.started} started, {summary.reminded} reminded, {summary.expired} expired"
