"""The statuses a proposal passes through, as people read them, and which steps each allows.

draft → submitted → changes requested (fix, resubmit) / declined (final)
      → approved (funds held; claim deadline and maximum stamped) → running
      → claim submitted → (returned to fix) → paid (reimbursement; rest released)
      → results reported → closed
approved/running past the claim deadline → expired (hold released)
"""

from __future__ import annotations

from decimal import Decimal

from campaigns.proposals.models import ApproverRole, ProposalStatus

S = ProposalStatus
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_LINES = 30  # budget lines of a proposal, cost lines of a claim

STATUS_LABELS = {
    S.DRAFT: "Draft",
    S.SUBMITTED: "Waiting for approval",
    S.CHANGES_REQUESTED: "Changes requested",
    S.DECLINED: "Declined",
    S.APPROVED: "Approved",
    S.RUNNING: "Running",
    S.CLAIM_SUBMITTED: "Claim submitted",
    S.PAID: "Paid",
    S.RESULTS_REPORTED: "Results reported",
    S.CLOSED: "Closed",
    S.EXPIRED: "Expired",
    S.WITHDRAWN: "Withdrawn",
}
FINAL = {S.DECLINED, S.CLOSED, S.EXPIRED, S.WITHDRAWN}
# Statuses in which a proposal is still in progress (and waits on someone: see sla.waits_on).
OPEN_STATUSES = [s for s in S if s not in FINAL]
EDITABLE = {S.DRAFT, S.CHANGES_REQUESTED}
WITHDRAWABLE = {S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED}
OPEN_TO_SUGGESTIONS = {S.SUBMITTED, S.CHANGES_REQUESTED}
CLAIMABLE = {S.APPROVED, S.RUNNING}
ROLE_LABELS = {
    ApproverRole.DISTRIBUTOR: "the distributor",
    ApproverRole.CHANNEL_MANAGER: "a channel manager",
    ApproverRole.PROGRAM_ADMIN: "the program admin",
}


def status_label(status: ProposalStatus) -> str:
    """The status as a sentence reads it: "waiting for approval", "paid"."""
    return STATUS_LABELS[status].lower()
