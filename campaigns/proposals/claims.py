"""Claims with proof of performance: the dealer claims the campaign's actual costs line by
line with proof files; the OEM accepts each line in full or in part (a cut needs a reason
code) and pays — the reimbursement and the release of the rest of the hold in one
transaction (`ledger.settle_claim`) — or returns the claim to be fixed. Who may claim,
and when, is `permissions.check_may_claim`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from campaigns.coop import ledger
from campaigns.coop.ledger import format_money
from campaigns.coop.models import Hold
from campaigns.proposals.campaign_rules import PROOF_KINDS, program_of
from campaigns.proposals.fields import read_money
from campaigns.proposals.lifecycle import CENT, MAX_LINES, ZERO, S
from campaigns.proposals.models import (
    Claim,
    ClaimLine,
    ClaimProof,
    ClaimStatus,
    Proposal,
    ProposalEventKind,
)
from campaigns.proposals.notify import notify_owners, notify_reviewers
from campaigns.proposals.permissions import can_review_claim, check_may_claim, claim_of
from campaigns.proposals.thread import add_event, audit_step, replayed, touch
from hub import db
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import Person, StoredFile

# Why the OEM accepts less of a cost line than claimed.
REASON_CODES = {
    "missing_proof": "Proof missing or unreadable",
    "not_eligible": "Not an eligible cost",
    "over_budget": "More than the approved budget line",
    "brand_guidelines": "Does not follow the brand guidelines",
    "outside_dates": "Outside the campaign dates",
    "duplicate": "Already claimed",
}


@dataclass
class ClaimLineInput:
    """A checked cost line of a claim, with its proof files by kind."""

    description: str
    amount: Decimal
    proofs: list[tuple[str, StoredFile]]


def parse_claim_lines(proposal: Proposal, raw_lines: list[dict]) -> list[ClaimLineInput]:
    """Check claim lines; `raw_lines` items are {description, amount, proofs: [(kind, file)]}."""
    problems: list[str] = []
    lines: list[ClaimLineInput] = []
    for number, raw in enumerate(raw_lines, start=1):
        description = str(raw.get("description") or "").strip()
        amount = raw.get("amount")
        proofs = raw.get("proofs") or []
        if not description and amount in (None, "") and not proofs:
            continue
        if not description:
            problems.append(f"Cost line {number}: say what was paid for.")
        try:
            value = read_money(amount, f"cost of line {number}")
        except ValueError as exc:
            problems.append(str(exc))
            value = None
        if not proofs:
            problems.append(f"Cost line {number}: attach proof (an invoice at least).")
        for kind, _file in proofs:
            if kind not in PROOF_KINDS:
                problems.append(f"Cost line {number}: choose what kind of proof each file is.")
        if description and value is not None:
            lines.append(ClaimLineInput(description[:200], value, list(proofs)))
    if not lines and not problems:
        problems.append("Add the campaign's actual costs, one line each, with proof.")
    if len(lines) > MAX_LINES:
        problems.append(f"Keep a claim to {MAX_LINES} lines.")
    required = proposal.category.required_proofs or []
    given = {kind for line in lines for kind, _ in line.proofs}
    missing = [PROOF_KINDS.get(kind, kind) for kind in required if kind not in given]
    if lines and missing:
        problems.append(
            f"{proposal.category.name} claims need: {', '.join(missing).lower()}. "
            "Attach each to the line it proves."
        )
    if problems:
        raise ValidationFailed({"lines": problems})
    return lines


def claimable_cost(proposal: Proposal) -> Decimal:
    """The most cost worth claiming: beyond it the reimbursement stops at the hold."""
    return (proposal.max_reimbursement / proposal.share).quantize(CENT, rounding=ROUND_HALF_UP)


def submit_claim(
    actor: Person,
    proposal: Proposal,
    raw_lines: list[dict],
    *,
    note: str = "",
    idempotency_key: str | None = None,
    on: date | None = None,
) -> Claim:
    """The dealer claims actual costs with proof, within the deadline and the hold."""
    if idempotency_key:
        existing = db.session.scalar(
            sa.select(Claim).where(Claim.idempotency_key == idempotency_key)
        )
        if existing is not None:
            if existing.proposal_id != proposal.id:
                raise Conflict(
                    f"The idempotency key “{idempotency_key}” was used for another claim."
                )
            return existing
    existing = check_may_claim(actor, proposal, on=on)
    program = program_of(proposal)
    lines = parse_claim_lines(proposal, raw_lines)
    total = sum((line.amount for line in lines), ZERO)
    reimbursement = (total * proposal.share).quantize(CENT, rounding=ROUND_HALF_UP)
    if reimbursement > proposal.max_reimbursement:
        raise ValidationFailed({"lines": [
            f"Co-op pays {proposal.share * 100:.0f}% of cost up to the "
            f"{format_money(proposal.max_reimbursement, program.currency)} held for this campaign: claim at most "
            f"{format_money(claimable_cost(proposal), program.currency)} of costs (these lines add up to "
            f"{format_money(total, program.currency)})."]})  # fmt: skip
    if proposal.minimum_claim and reimbursement < proposal.minimum_claim:
        raise ValidationFailed({"lines": [
            f"Claims must reimburse at least {format_money(proposal.minimum_claim, program.currency)}; these "
            f"costs would reimburse {format_money(reimbursement, program.currency)}."]})  # fmt: skip
    if existing is None:
        claim = Claim(proposal_id=proposal.id, submitted_by_id=actor.id)
        db.session.add(claim)
    else:
        claim = existing
        claim.lines = []
        db.session.flush()
        claim.submitted_by_id = actor.id
        claim.submitted_at = utcnow()
        claim.decided_by_id = None
        claim.decided_at = None
        # Sent again, it is a claim still to decide: the last review's figures are in the
        # thread, not on the claim.
        claim.eligible_cost = None
        claim.decision_note = ""
    claim.status = ClaimStatus.SUBMITTED
    claim.note = (note or "").strip()[:1000]
    claim.idempotency_key = idempotency_key
    claim.lines = [
        ClaimLine(position=i, description=line.description, amount=line.amount,
                  proofs=[ClaimProof(kind=kind, file_id=file.id) for kind, file in line.proofs])
        for i, line in enumerate(lines)
    ]  # fmt: skip
    touch(proposal, S.CLAIM_SUBMITTED)
    db.session.flush()
    add_event(proposal, ProposalEventKind.STATUS, actor,
              f"Claimed {format_money(total, program.currency)} of costs (co-op {format_money(reimbursement, program.currency)})",
              status="claim_submitted", claim_id=claim.id)  # fmt: skip
    audit_step("proposal.claim_submitted", proposal, actor,
               f"Claim on “{proposal.title}”: {format_money(total, program.currency)} of costs",
               after={"claim_id": claim.id, "costs": str(total),
                      "lines": [[line.description, str(line.amount)] for line in lines]})  # fmt: skip
    notify_reviewers(proposal, "proposal.claim",
                     f"{proposal.organization.name} claimed {format_money(reimbursement, program.currency)} "
                     f"for “{proposal.title}”", actor)  # fmt: skip
    return claim


@dataclass
class LineDecision:
    """The OEM's decision on one claim line: the cost accepted and, if cut, why."""

    line_id: int
    approved_cost: Decimal
    reason_code: str | None
    reason_note: str


def parse_decisions(claim: Claim, raw: dict[int, dict]) -> list[LineDecision]:
    """raw: line id → {approved_cost, reason_code, reason_note}. A line cut needs a reason."""
    problems: list[str] = []
    decisions = []
    for number, line in enumerate(claim.lines, start=1):
        entry = raw.get(line.id) or {}
        value = entry.get("approved_cost")
        if value in (None, ""):
            value = line.amount
        try:
            approved = read_money(value, f"accepted cost of line {number}", zero=True)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if approved > line.amount:
            problems.append(
                f"Line {number}: accept at most the {line.amount:,.2f} claimed, not {approved:,.2f}."
            )
            continue
        code = (entry.get("reason_code") or "").strip() or None
        note = (entry.get("reason_note") or "").strip()[:500]
        if approved < line.amount and code not in REASON_CODES:
            problems.append(
                f"Line {number}: choose a reason for accepting less than claimed, so the dealer "
                "knows what to fix."
            )
            continue
        decisions.append(
            LineDecision(line.id, approved, code if approved < line.amount else None, note)
        )
    if problems:
        raise ValidationFailed({"lines": problems})
    return decisions


def review_claim(
    actor: Person,
    proposal: Proposal,
    raw_decisions: dict[int, dict],
    *,
    pay: bool = True,
    note: str = "",
    idempotency_key: str | None = None,
    on: date | None = None,
) -> Claim:
    """Accept each line in full or in part (with a reason code) and pay — the reimbursement
    and the release of the rest of the hold in one go — or return the claim to be fixed."""
    claim = claim_of(proposal)
    if claim is not None and idempotency_key and replayed(proposal, idempotency_key, "review"):
        return claim
    if claim is None or proposal.status != S.CLAIM_SUBMITTED:
        raise Conflict("There is no claim waiting for review on this proposal.")
    if not can_review_claim(actor, proposal):
        raise PermissionError("only the OEM reviews claims")
    decisions = parse_decisions(claim, raw_decisions)
    by_id = {line.id: line for line in claim.lines}
    for decision in decisions:
        line = by_id[decision.line_id]
        line.approved_cost = decision.approved_cost
        line.reason_code = decision.reason_code
        line.reason_note = decision.reason_note
    program = program_of(proposal)
    eligible = sum((d.approved_cost for d in decisions), ZERO)
    claim.eligible_cost = eligible
    claim.decided_by_id = actor.id
    claim.decided_at = utcnow()
    claim.decision_note = (note or "").strip()[:1000]
    cut = [d for d in decisions if d.reason_code]
    if not pay:
        if not cut and not claim.decision_note:
            raise ValidationFailed(
                {"note": ["Say what the dealer should fix before returning the claim."]}
            )
        claim.status = ClaimStatus.RETURNED
        touch(proposal, S.RUNNING)
        add_event(proposal, ProposalEventKind.STATUS, actor, claim.decision_note or "Claim returned to fix",
                  status="claim_returned", key=idempotency_key, action="review")  # fmt: skip
        audit_step(
            "proposal.claim_returned", proposal, actor, f"Claim on “{proposal.title}” returned"
        )
        notify_owners(proposal, "proposal.claim", f"Your claim on “{proposal.title}” needs fixes: "
                       f"{_fix_summary(cut, claim) or claim.decision_note[:150]}", actor)  # fmt: skip
        return claim
    hold = db.session.get(Hold, proposal.hold_id)
    reimbursement = min(
        (eligible * proposal.share).quantize(CENT, rounding=ROUND_HALF_UP), hold.amount
    )
    movement = ledger.settle_claim(
        hold,
        reimbursement,
        actor,
        idempotency_key=f"proposal-{proposal.id}-claim",
        on=on,
        reason=f"Claim on proposal {proposal.id}",
    )
    claim.approved_amount = movement.reimbursed
    claim.status = ClaimStatus.PAID
    proposal.reimbursed_amount = movement.reimbursed
    touch(proposal, S.PAID)
    partial = " in part" if cut else ""
    add_event(proposal, ProposalEventKind.STATUS, actor,
              f"Claim approved{partial}: {format_money(eligible, program.currency)} eligible × "
              f"{proposal.share * 100:.0f}% = {format_money(movement.reimbursed, program.currency)} paid; "
              f"{format_money(movement.released, program.currency)} released" + (f". {claim.decision_note}" if claim.decision_note else ""),
              status="paid", key=idempotency_key, action="review",
              reimbursed=movement.reimbursed, released=movement.released)  # fmt: skip
    audit_step("proposal.claim_paid", proposal, actor,
               f"Claim on “{proposal.title}” paid{partial}: {format_money(movement.reimbursed, program.currency)}",
               after={"eligible_cost": str(eligible), "reimbursed": str(movement.reimbursed),
                      "released": str(movement.released), "expired": str(movement.expired),
                      "cut_lines": [[d.line_id, d.reason_code] for d in cut]})  # fmt: skip
    text = (
        f"“{proposal.title}”: {format_money(movement.reimbursed, program.currency)} paid{partial}."
    )
    if cut:
        text += " " + _fix_summary(cut, claim)
    notify_owners(
        proposal, "proposal.paid", text + " Report the results when you have them.", actor
    )
    return claim


def _fix_summary(cut: list[LineDecision], claim: Claim) -> str:
    by_id = {line.id: line for line in claim.lines}
    return "; ".join(
        f"{by_id[d.line_id].description}: {REASON_CODES[d.reason_code].lower()}"
        + (f" ({d.reason_note})" if d.reason_note else "")
        for d in cut
    )
