"""The proposal's way from draft to approval: create and edit a draft, withdraw it, submit
it (terms stamped; the fast lane and categories without pre-approval are approved at
once), approve rung by rung up the ladder, request changes, decline. The last approval
holds the requested co-op through the ledger (`ledger.place_hold`) and stamps the claim
deadline and maximum. Every step adds and flushes, never commits (the caller commits once),
asks `permissions`, leaves a thread and an audit event, and tells whom it now waits on.
"""

from __future__ import annotations

from datetime import date, timedelta

from campaigns.coop import ledger
from campaigns.coop.ledger import format_money
from campaigns.coop.models import CoopProgram
from campaigns.proposals.campaign_rules import ladder, program_of, share_for
from campaigns.proposals.inputs import (
    FIELD_LABELS,
    apply_input,
    budget_lines,
    check_request,
    parse_input,
)
from campaigns.proposals.lifecycle import (
    EDITABLE,
    ROLE_LABELS,
    WITHDRAWABLE,
    S,
    status_label,
)
from campaigns.proposals.models import ApproverRole, Proposal, ProposalEventKind
from campaigns.proposals.notify import notify_owners, notify_reviewers
from campaigns.proposals.permissions import (
    DISTRIBUTOR_KINDS,
    PROPOSERS_ONLY,
    approval_blocker,
    can_approve,
    can_decide,
    can_propose,
    current_rung,
    hold_reference,
    is_owner,
    open_suggestions,
)
from campaigns.proposals.thread import add_event, audit_step, events_of, replayed, snapshot, touch
from hub import db
from hub.dates import format_date
from hub.db import today, utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import Organization, Person

# --- Drafting ---------------------------------------------------------------------------


def create(actor: Person, program: CoopProgram, data: dict) -> Proposal:
    """A new draft for the actor's own organisation."""
    if not can_propose(actor):
        raise PermissionError(PROPOSERS_ONLY)
    parsed = parse_input(program, data)
    proposal = Proposal(
        program_id=program.id,
        organization_id=actor.organization_id,
        created_by_id=actor.id,
        status=S.DRAFT,
        **parsed.values,
    )
    proposal.lines = budget_lines(parsed.lines)
    db.session.add(proposal)
    db.session.flush()
    add_event(proposal, ProposalEventKind.STATUS, actor, "Started a draft", status="draft")
    audit_step("proposal.created", proposal, actor, f"Proposal “{proposal.title}” drafted",
               after=snapshot(proposal))  # fmt: skip
    return proposal


def update(actor: Person, proposal: Proposal, data: dict) -> Proposal:
    """The dealer edits a draft or a proposal sent back for changes."""
    if not is_owner(actor, proposal):
        raise PermissionError("only the proposing organisation edits its proposal")
    if proposal.status not in EDITABLE:
        raise Conflict(
            f"This proposal is {status_label(proposal.status)}; it can only be edited "
            "as a draft or when changes were requested."
        )
    parsed = parse_input(program_of(proposal), data)
    before = snapshot(proposal)
    apply_input(proposal, parsed)
    touch(proposal)
    db.session.flush()
    after = snapshot(proposal)
    changed = sorted(k for k in after if before.get(k) != after.get(k))
    if changed:
        add_event(proposal, ProposalEventKind.EDIT, actor, "Edited " + ", ".join(FIELD_LABELS.get(k, k) for k in changed),
                  fields=changed)  # fmt: skip
        audit_step("proposal.edited", proposal, actor, f"Proposal “{proposal.title}” edited",
                   before=before, after=after)  # fmt: skip
    return proposal


def withdraw(actor: Person, proposal: Proposal) -> Proposal:
    """The dealer takes back a proposal not yet approved (final)."""
    if not is_owner(actor, proposal):
        raise PermissionError("only the proposing organisation withdraws its proposal")
    if proposal.status not in WITHDRAWABLE:
        raise Conflict("Only a proposal that is not yet approved can be withdrawn.")
    before = proposal.status.value
    touch(proposal, S.WITHDRAWN)
    add_event(
        proposal, ProposalEventKind.STATUS, actor, "Withdrew the proposal", status="withdrawn"
    )
    audit_step("proposal.withdrawn", proposal, actor, f"Proposal “{proposal.title}” withdrawn",
               before={"status": before}, after={"status": "withdrawn"})  # fmt: skip
    return proposal


# --- Submission and approval -----------------------------------------------------------


def approval_steps(proposal: Proposal, program: CoopProgram) -> list[str]:
    """The rungs this proposal must climb, from the program's ladder as it is now."""
    steps: list[str] = []
    org = proposal.organization
    parent_is_distributor = False
    if program.distributor_first and org.parent_id:
        parent = db.session.get(Organization, org.parent_id)
        parent_is_distributor = parent is not None and parent.kind in DISTRIBUTOR_KINDS
    if parent_is_distributor:
        steps.append(ApproverRole.DISTRIBUTOR.value)
    for rule in ladder(program):
        if proposal.requested_amount <= rule.above:
            continue
        if rule.tier_id is not None and rule.tier_id != org.tier_id:
            continue
        if rule.category_id is not None and rule.category_id != proposal.category_id:
            continue
        if rule.role.value not in steps:
            steps.append(rule.role.value)
    if not steps:
        steps.append(ApproverRole.CHANNEL_MANAGER.value)
    return steps


def in_fast_lane(proposal: Proposal, program: CoopProgram) -> bool:
    """Built on an OEM template and at most the fast-lane limit: approved on submission."""
    return (
        proposal.uses_oem_template
        and program.fast_lane_limit is not None
        and proposal.requested_amount <= program.fast_lane_limit
    )


def submit(actor: Person, proposal: Proposal, *, on: date | None = None) -> Proposal:
    """Send the proposal for approval, stamping the program's terms as they are today.
    A template-built request under the fast-lane limit is approved at once."""
    if not is_owner(actor, proposal):
        raise PermissionError("only the proposing organisation submits its proposal")
    if proposal.status not in EDITABLE:
        raise Conflict(f"This proposal is already {status_label(proposal.status)}.")
    program = program_of(proposal)
    problems = check_request(proposal, program, on=on)
    if problems:
        raise ValidationFailed({"requested_amount": problems})
    fast = in_fast_lane(proposal, program)
    unchecked = not proposal.category.needs_preapproval
    if (fast or unchecked) and open_suggestions(proposal):
        raise Conflict(
            "Accept or reject the suggested edit first: this proposal is approved as soon as "
            "it is sent, and an approved proposal can no longer be changed."
        )
    resubmitted = proposal.status == S.CHANGES_REQUESTED
    proposal.share = share_for(proposal.category, proposal.uses_oem_template)
    proposal.claim_window_days = program.claim_window_days
    proposal.minimum_claim = program.minimum_claim
    proposal.revision += 1
    proposal.approvals_done = 0
    proposal.submitted_at = utcnow()
    proposal.approval_steps = [] if fast or unchecked else approval_steps(proposal, program)
    touch(proposal, S.SUBMITTED)
    db.session.flush()
    verb = "Resubmitted" if resubmitted else "Submitted"
    add_event(proposal, ProposalEventKind.STATUS, actor, f"{verb} for approval", status="submitted",
              revision=proposal.revision, steps=proposal.approval_steps)  # fmt: skip
    audit_step("proposal.submitted", proposal, actor,
               f"Proposal “{proposal.title}” {verb.lower()} (revision {proposal.revision})",
               after=snapshot(proposal))  # fmt: skip
    if unchecked and not fast:
        add_event(proposal, ProposalEventKind.APPROVAL, None,
                  f"{proposal.category.name} needs no approval before it runs: the money is held "
                  "now, and the OEM reviews the claim", rung="no_preapproval")  # fmt: skip
        _final_approval(proposal, program, actor=None, on=on)
    elif fast:
        add_event(proposal, ProposalEventKind.APPROVAL, None,
                  f"Fast lane: built on an OEM template and at most "
                  f"{format_money(program.fast_lane_limit, program.currency)}", rung="fast_lane")  # fmt: skip
        _final_approval(proposal, program, actor=None, on=on)
    else:
        notify_reviewers(
            proposal,
            "proposal.submitted",
            f"{proposal.organization.name} {verb.lower()} “{proposal.title}” "
            f"({format_money(proposal.requested_amount, program.currency)})",
            actor,
        )
    return proposal


def approve(
    actor: Person,
    proposal: Proposal,
    *,
    note: str = "",
    idempotency_key: str | None = None,
    on: date | None = None,
) -> Proposal:
    """Approve the current rung; the last rung holds the funds and stamps the claim terms.
    Call with the proposal locked (`get_visible(..., lock=True)`)."""
    if replayed(proposal, idempotency_key, "approve"):
        return proposal
    if proposal.status != S.SUBMITTED:
        raise Conflict(
            f"This proposal is {status_label(proposal.status)}; only a submitted "
            "proposal can be approved."
        )
    if not can_approve(actor, proposal):
        raise PermissionError("not the approver of this rung")
    if blocker := approval_blocker(proposal):
        raise Conflict(blocker)
    done = {
        event.author_id
        for event in events_of(proposal, ProposalEventKind.APPROVAL)
        if (event.data or {}).get("revision") == proposal.revision
    }
    if actor.id in done:
        raise Conflict(
            "You approved an earlier step of this proposal; someone else approves this one."
        )
    program = program_of(proposal)
    rung = current_rung(proposal)
    proposal.approvals_done += 1
    last = proposal.approvals_done >= len(proposal.approval_steps)
    add_event(proposal, ProposalEventKind.APPROVAL, actor, note.strip()[:2000] or "Approved",
              rung=rung.value, revision=proposal.revision, key=idempotency_key,
              action="approve")  # fmt: skip
    if last:
        _final_approval(proposal, program, actor, on=on)
    else:
        touch(proposal)
        proposal.status_changed_at = utcnow()  # the next rung's clock starts now
        audit_step("proposal.step_approved", proposal, actor,
                   f"Proposal “{proposal.title}” approved by {ROLE_LABELS[rung]}; "
                   f"waiting on {ROLE_LABELS[current_rung(proposal)]}")  # fmt: skip
        notify_reviewers(
            proposal,
            "proposal.submitted",
            f"“{proposal.title}” from {proposal.organization.name} needs your approval "
            f"({format_money(proposal.requested_amount, program.currency)})",
            actor,
        )
    return proposal


def _final_approval(proposal: Proposal, program: CoopProgram, actor, on: date | None) -> None:
    account = ledger.get_or_create_account(proposal.organization, program, actor)
    hold = ledger.place_hold(
        account,
        proposal.requested_amount,
        reference=hold_reference(proposal.id),
        idempotency_key=f"proposal-{proposal.id}-r{proposal.revision}",
        actor=actor,
        on=on,
    )
    proposal.hold_id = hold.id
    proposal.max_reimbursement = hold.amount
    window = (
        proposal.claim_window_days
        if proposal.claim_window_days is not None
        else program.claim_window_days
    )
    proposal.claim_deadline = proposal.ends_on + timedelta(days=window)
    proposal.decided_at = utcnow()
    day = on or today()
    status = S.RUNNING if proposal.starts_on <= day else S.APPROVED
    touch(proposal, status)
    db.session.flush()
    add_event(proposal, ProposalEventKind.STATUS, actor,
              f"Approved: {format_money(hold.amount, program.currency)} held until the claim deadline "
              f"{proposal.claim_deadline}", status=status.value, hold_id=hold.id)  # fmt: skip
    audit_step("proposal.approved", proposal, actor,
               f"Proposal “{proposal.title}” approved; {format_money(hold.amount, program.currency)} held",
               after={"status": status.value, "hold_id": hold.id,
                      "max_reimbursement": str(hold.amount),
                      "claim_deadline": str(proposal.claim_deadline)})  # fmt: skip
    notify_owners(
        proposal,
        "proposal.approved",
        f"“{proposal.title}” is approved: {format_money(hold.amount, program.currency)} is held for it. "
        f"Claim by {format_date(proposal.claim_deadline)}.",
        actor,
    )


def _decision_text(
    actor: Person, proposal: Proposal, text: str, *, not_waiting: str, field: str, missing: str
) -> str:
    """The checks before an approver sends back or declines: the proposal waits for this
    approver's rung, and the note the dealer will read is given. Returns the note, stripped."""
    if proposal.status != S.SUBMITTED:
        raise Conflict(not_waiting)
    if not can_decide(actor, proposal):
        raise PermissionError("not the approver of this rung")
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({field: [missing]})
    return text


def request_changes(actor: Person, proposal: Proposal, note: str) -> Proposal:
    """The current rung's approver sends the proposal back with what to change."""
    note = _decision_text(
        actor,
        proposal,
        note,
        not_waiting="Changes can only be requested on a proposal waiting for approval.",
        field="note",
        missing="Say what should change, so the dealer can fix it.",
    )
    touch(proposal, S.CHANGES_REQUESTED)
    add_event(proposal, ProposalEventKind.STATUS, actor, note[:2000], status="changes_requested")
    audit_step("proposal.changes_requested", proposal, actor,
               f"Changes requested on “{proposal.title}”", after={"note": note[:300]})  # fmt: skip
    notify_owners(proposal, "proposal.changes_requested",
                  f"Changes requested on “{proposal.title}”: {note[:200]}", actor)  # fmt: skip
    return proposal


def decline(actor: Person, proposal: Proposal, reason: str, *, idempotency_key=None) -> Proposal:
    """The current rung's approver declines, with the reason the dealer sees (final)."""
    if replayed(proposal, idempotency_key, "decline"):
        return proposal
    reason = _decision_text(
        actor,
        proposal,
        reason,
        not_waiting="Only a proposal waiting for approval can be declined.",
        field="reason",
        missing="Give the reason for declining; the dealer sees it.",
    )
    proposal.decline_reason = reason[:500]
    proposal.decided_at = utcnow()
    touch(proposal, S.DECLINED)
    add_event(proposal, ProposalEventKind.STATUS, actor, reason[:2000], status="declined",
              key=idempotency_key, action="decline")  # fmt: skip
    audit_step("proposal.declined", proposal, actor, f"Proposal “{proposal.title}” declined",
               after={"status": "declined", "reason": reason[:300]})  # fmt: skip
    notify_owners(proposal, "proposal.declined",
                  f"“{proposal.title}” was declined: {reason[:200]}", actor)  # fmt: skip
    return proposal
