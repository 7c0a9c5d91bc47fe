"""The answers of the campaigns API (/api/v1/campaigns): proposals, their thread, claims
and results. What the calls take is in campaigns.proposals.request_schemas.

The response models are the serialisers: `CampaignSummary.of(proposal)`,
`Campaign.of(proposal, viewer)`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from campaigns.coop.models import CoopProgram
from campaigns.proposals import service as proposals
from campaigns.proposals.models import ClaimStatus, ProposalEventKind, ProposalStatus
from hub import db
from hub.api import NamedRef, Output, iso_utc
from hub.api.schemas import Day, Money, UtcTime, day, money, one_of
from hub.models import Person

ACTIONS = ["update", "submit", "approve", "decline", "request_changes", "claim", "review_claim"]
# What of a thread event's data a reader gets (idempotency keys stay inside).
EVENT_DATA = (
    "status",
    "rung",
    "revision",
    "steps",
    "field",
    "fields",
    "old",
    "new",
    "suggestion_id",
    "hold_id",
    "claim_id",
    "reimbursed",
    "released",
)


def _ratio(value) -> str | None:
    return None if value is None else f"{value:f}"


def _person_by_id(person_id: int | None) -> NamedRef | None:
    return NamedRef.of(db.session.get(Person, person_id)) if person_id else None


# --- Answers ------------------------------------------------------------------------------


class WaitingOn(Output):
    """Who must act next and since when (the SLA clock)."""

    party: one_of(["partner", "oem", "distributor"]) | None
    label: str = Field(examples=["Waiting on a channel manager to approve"])
    since: UtcTime


class CampaignSummary(Output):
    """A proposal as lists show it."""

    id: int
    title: str
    status: one_of(ProposalStatus)
    status_label: str = Field(examples=["Waiting for approval"])
    organization: NamedRef
    category: NamedRef
    currency: str = Field(examples=["USD"])
    requested_amount: Money
    starts_on: Day
    ends_on: Day
    waiting_on: WaitingOn
    created_at: UtcTime
    updated_at: UtcTime

    @classmethod
    def fields_of(cls, proposal) -> dict:
        waiting = proposals.waiting_on(proposal)
        return {
            "id": proposal.id,
            "title": proposal.title,
            "status": proposal.status.value,
            "status_label": proposals.STATUS_LABELS[proposal.status],
            "organization": NamedRef.of(proposal.organization),
            "category": NamedRef.of(proposal.category),
            "currency": db.session.get(CoopProgram, proposal.program_id).currency,
            "requested_amount": money(proposal.requested_amount),
            "starts_on": day(proposal.starts_on),
            "ends_on": day(proposal.ends_on),
            "waiting_on": WaitingOn(
                party=waiting.party or None, label=waiting.label, since=iso_utc(waiting.since)
            ),
            "created_at": iso_utc(proposal.created_at),
            "updated_at": iso_utc(proposal.updated_at),
        }

    @classmethod
    def of(cls, proposal) -> CampaignSummary:
        return cls(**cls.fields_of(proposal))


class BudgetLine(Output):
    description: str
    amount: Money


class CampaignEvent(Output):
    """A thread entry: a comment or a step, with the parts of its data a reader may see."""

    id: int
    kind: one_of(ProposalEventKind)
    author: NamedRef | None
    body: str
    data: dict[str, Any] = Field(description="e.g. the status a step led to.")
    created_at: UtcTime

    @classmethod
    def of(cls, event) -> CampaignEvent:
        data = event.data or {}
        return cls(
            id=event.id,
            kind=event.kind.value,
            author=NamedRef.of(event.author),
            body=event.body,
            data={k: data[k] for k in EVENT_DATA if k in data},
            created_at=iso_utc(event.created_at),
        )


class CampaignSuggestion(Output):
    """An open edit the OEM suggested, with the value it would replace."""

    id: int
    field: str
    label: str
    old_value: str
    new_value: str
    note: str
    author: NamedRef | None
    created_at: UtcTime

    @classmethod
    def of(cls, suggestion) -> CampaignSuggestion:
        return cls(
            id=suggestion.id,
            field=suggestion.field,
            label=proposals.SUGGESTIBLE.get(suggestion.field, suggestion.field),
            old_value=suggestion.old_value,
            new_value=suggestion.new_value,
            note=suggestion.note,
            author=NamedRef.of(suggestion.author),
            created_at=iso_utc(suggestion.created_at),
        )


class ProofFile(Output):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class ClaimProof(Output):
    kind: one_of(proposals.PROOF_KINDS)
    label: str
    file: ProofFile


class ClaimLine(Output):
    id: int
    description: str
    amount: Money
    approved_cost: Money | None
    reason_code: str | None
    reason: str | None
    reason_note: str
    proofs: list[ClaimProof]

    @classmethod
    def of(cls, line) -> ClaimLine:
        return cls(
            id=line.id,
            description=line.description,
            amount=money(line.amount),
            approved_cost=money(line.approved_cost),
            reason_code=line.reason_code,
            reason=proposals.REASON_CODES.get(line.reason_code or ""),
            reason_note=line.reason_note,
            proofs=[
                ClaimProof(
                    kind=proof.kind,
                    label=proposals.PROOF_KINDS.get(proof.kind, proof.kind),
                    file=ProofFile(
                        id=proof.file.id,
                        filename=proof.file.filename,
                        content_type=proof.file.content_type,
                        size=proof.file.size,
                        sha256=proof.file.sha256,
                    ),
                )
                for proof in line.proofs
            ],
        )


class CampaignClaim(Output):
    """The claim with its cost lines, their proofs and what the review decided of each."""

    id: int
    status: one_of(ClaimStatus)
    submitted_at: UtcTime
    submitted_by: NamedRef | None
    note: str
    total: Money
    eligible_cost: Money | None
    approved_amount: Money | None
    decided_at: UtcTime | None
    decided_by: NamedRef | None
    decision_note: str
    lines: list[ClaimLine]

    @classmethod
    def of(cls, claim) -> CampaignClaim | None:
        if claim is None:
            return None
        return cls(
            id=claim.id,
            status=claim.status.value,
            submitted_at=iso_utc(claim.submitted_at),
            submitted_by=_person_by_id(claim.submitted_by_id),
            note=claim.note,
            total=money(sum((line.amount for line in claim.lines), proposals.ZERO)),
            eligible_cost=money(claim.eligible_cost),
            approved_amount=money(claim.approved_amount),
            decided_at=iso_utc(claim.decided_at),
            decided_by=_person_by_id(claim.decided_by_id),
            decision_note=claim.decision_note,
            lines=[ClaimLine.of(line) for line in claim.lines],
        )


class PeerMedians(Output):
    """Medians of other organisations' campaigns of the same tier and category; null
    figures when fewer than three peers reported."""

    peers: int
    leads: float | None
    opportunities: float | None
    revenue: Money | None
    roi: str | None


class CampaignResults(Output):
    leads: int
    opportunities: int
    revenue: Money
    reported_at: UtcTime | None
    roi: str | None = Field(description="Attributed revenue ÷ co-op reimbursed, one decimal.")
    peer_medians: PeerMedians

    @classmethod
    def of(cls, proposal) -> CampaignResults | None:
        if proposal.result_leads is None:
            return None
        peers = proposals.peer_medians(proposal)
        return cls(
            leads=proposal.result_leads,
            opportunities=proposal.result_opportunities,
            revenue=money(proposal.result_revenue),
            reported_at=iso_utc(proposal.results_reported_at),
            roi=_ratio(proposals.roi(proposal)),
            peer_medians=PeerMedians(
                peers=peers.peers,
                leads=peers.leads,
                opportunities=peers.opportunities,
                revenue=money(peers.revenue),
                roi=_ratio(peers.roi),
            ),
        )


def actions_for(viewer: Person, proposal) -> list[str]:
    """What the viewer may do to the proposal now, by the name of its API call."""
    owner = proposals.is_owner(viewer, proposal)
    actions = []
    if owner and proposal.status in proposals.EDITABLE:
        actions += ["update", "submit"]
    if proposals.can_approve(viewer, proposal):
        actions += ["approve", "decline", "request_changes"]
    if proposals.may_claim(viewer, proposal):
        actions.append("claim")
    if proposals.can_review_claim(viewer, proposal):
        actions.append("review_claim")
    return actions


class Campaign(CampaignSummary):
    """A proposal with everything about it: budget, thread, suggestions, claim, results."""

    objective: str
    audience: str
    territory: str
    uses_oem_template: bool
    expected_leads: int | None
    expected_revenue: Money | None
    lines: list[BudgetLine]
    budget_total: Money
    created_by: NamedRef | None
    revision: int = Field(description="1 at first submission, +1 each resubmission.")
    share: str | None = Field(description="Reimbursement share stamped at submission, e.g. 0.5000.")
    approval_steps: list[one_of(["distributor", "channel_manager", "program_admin"])]
    approvals_done: int
    submitted_at: UtcTime | None
    decided_at: UtcTime | None
    decline_reason: str | None
    max_reimbursement: Money | None
    claim_deadline: Day | None
    reimbursed_amount: Money | None
    actions: list[one_of(ACTIONS)] = Field(description="What you may do now, by API call.")
    thread: list[CampaignEvent]
    suggestions: list[CampaignSuggestion]
    claim: CampaignClaim | None
    results: CampaignResults | None

    @classmethod
    def of(cls, proposal, viewer: Person) -> Campaign:
        return cls(
            **cls.fields_of(proposal),
            objective=proposal.objective,
            audience=proposal.audience,
            territory=proposal.territory,
            uses_oem_template=proposal.uses_oem_template,
            expected_leads=proposal.expected_leads,
            expected_revenue=money(proposal.expected_revenue),
            lines=[
                BudgetLine(description=line.description, amount=money(line.amount))
                for line in proposal.lines
            ],
            budget_total=money(proposals.budget_total(proposal)),
            created_by=_person_by_id(proposal.created_by_id),
            revision=proposal.revision,
            share=_ratio(proposal.share),
            approval_steps=list(proposal.approval_steps or []),
            approvals_done=proposal.approvals_done,
            submitted_at=iso_utc(proposal.submitted_at),
            decided_at=iso_utc(proposal.decided_at),
            decline_reason=proposal.decline_reason or None,
            max_reimbursement=money(proposal.max_reimbursement),
            claim_deadline=day(proposal.claim_deadline),
            reimbursed_amount=money(proposal.reimbursed_amount),
            actions=actions_for(viewer, proposal),
            thread=[CampaignEvent.of(e) for e in proposals.thread(proposal)],
            suggestions=[CampaignSuggestion.of(s) for s in proposals.open_suggestions(proposal)],
            claim=CampaignClaim.of(proposals.claim_of(proposal)),
            results=CampaignResults.of(proposal),
        )
