"""Results shared back: what the dealer reports after a paid campaign, its ROI (revenue ÷
co-op reimbursed), and the median results of comparable campaigns — other organisations
of the same tier, same category — shown only once enough peers have reported that no one
can be singled out. Closing the proposal ends its life."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop.ledger import format_money
from campaigns.proposals.campaign_rules import program_of
from campaigns.proposals.fields import count_field, money_field
from campaigns.proposals.lifecycle import CENT, S
from campaigns.proposals.models import Proposal, ProposalEventKind
from campaigns.proposals.notify import notify_owners, notify_reviewers
from campaigns.proposals.permissions import is_oem_reviewer, is_owner
from campaigns.proposals.thread import add_event, audit_step, touch
from hub import audit, db
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import Organization, Person

PEER_MINIMUM = 3  # fewer peers than this and a median would identify them


def report_results(actor: Person, proposal: Proposal, data: dict) -> Proposal:
    """The dealer reports leads, opportunities and attributed revenue once paid (and may
    correct them until the OEM closes the proposal)."""
    if not is_owner(actor, proposal):
        raise PermissionError("only the proposing organisation reports results")
    if proposal.status not in (S.PAID, S.RESULTS_REPORTED):
        raise Conflict("Results are reported once the claim is paid.")
    problems: dict[str, list[str]] = {}
    leads = count_field(data, "result_leads", "number of leads", problems)
    opportunities = count_field(data, "result_opportunities", "number of opportunities", problems)
    revenue = money_field(data, "result_revenue", "attributed revenue", problems, zero=True)
    if leads is None and "result_leads" not in problems:
        problems["result_leads"] = ["Enter the number of leads (0 if none)."]
    if opportunities is None and "result_opportunities" not in problems:
        problems["result_opportunities"] = ["Enter the number of opportunities (0 if none)."]
    if leads is not None and opportunities is not None and opportunities > leads:
        problems.setdefault("result_opportunities", []).append(
            f"There are more opportunities ({opportunities}) than leads ({leads}); check both."
        )
    if problems:
        raise ValidationFailed(problems)
    before = audit.snapshot(proposal, ["result_leads", "result_opportunities", "result_revenue"])
    proposal.result_leads = leads
    proposal.result_opportunities = opportunities
    proposal.result_revenue = revenue
    proposal.results_reported_at = utcnow()
    touch(proposal, S.RESULTS_REPORTED)
    program = program_of(proposal)
    add_event(proposal, ProposalEventKind.STATUS, actor,
              f"Reported {leads} leads, {opportunities} opportunities, "
              f"{format_money(revenue, program.currency)} revenue", status="results_reported")  # fmt: skip
    audit_step("proposal.results_reported", proposal, actor, f"Results of “{proposal.title}” reported",
               before=before, after=audit.snapshot(proposal, ["result_leads", "result_opportunities",
                                                              "result_revenue"]))  # fmt: skip
    notify_reviewers(proposal, "proposal.results",
                     f"{proposal.organization.name} reported results of “{proposal.title}”", actor)  # fmt: skip
    return proposal


def close(actor: Person, proposal: Proposal, note: str = "") -> Proposal:
    """The OEM closes a proposal whose results are reported (final)."""
    if proposal.status != S.RESULTS_REPORTED:
        raise Conflict("A proposal is closed after its results are reported.")
    if not is_oem_reviewer(actor):
        raise PermissionError("only the OEM closes proposals")
    touch(proposal, S.CLOSED)
    add_event(proposal, ProposalEventKind.STATUS, actor, (note or "").strip()[:2000] or "Closed",
              status="closed")  # fmt: skip
    audit_step("proposal.closed", proposal, actor, f"Proposal “{proposal.title}” closed")
    notify_owners(proposal, "proposal.closed", f"“{proposal.title}” is closed. Thank you!", actor)
    return proposal


def roi(proposal: Proposal) -> Decimal | None:
    """Attributed revenue ÷ co-op reimbursed (None until both are known)."""
    if proposal.result_revenue is None or not proposal.reimbursed_amount:
        return None
    return (proposal.result_revenue / proposal.reimbursed_amount).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class PeerMedians:
    """Peers' median results (None each while too few peers have reported)."""

    peers: int
    leads: float | None = None
    opportunities: float | None = None
    revenue: Decimal | None = None
    roi: Decimal | None = None


def peer_medians(proposal: Proposal) -> PeerMedians:
    """The median results of other organisations' campaigns of the same category whose
    organisations are in the same tier — only with enough peers to stay anonymous."""
    org = proposal.organization
    rows = db.session.execute(
        sa.select(
            Proposal.organization_id,
            Proposal.result_leads,
            Proposal.result_opportunities,
            Proposal.result_revenue,
            Proposal.reimbursed_amount,
        )
        .join(Organization, Organization.id == Proposal.organization_id)
        .where(
            Proposal.program_id == proposal.program_id,
            Proposal.category_id == proposal.category_id,
            Proposal.status.in_([S.RESULTS_REPORTED, S.CLOSED]),
            Proposal.organization_id != org.id,
            Organization.tier_id.is_(None)
            if org.tier_id is None
            else Organization.tier_id == org.tier_id,
        )
    ).all()
    peers = len({row.organization_id for row in rows})
    if peers < PEER_MINIMUM:
        return PeerMedians(peers)
    rois = [r.result_revenue / r.reimbursed_amount for r in rows if r.reimbursed_amount]
    return PeerMedians(
        peers,
        leads=statistics.median(r.result_leads for r in rows),
        opportunities=statistics.median(r.result_opportunities for r in rows),
        revenue=Decimal(statistics.median(r.result_revenue for r in rows)).quantize(CENT),
        roi=Decimal(statistics.median(rois)).quantize(Decimal("0.1")) if rois else None,
    )
