"""The proposal rules in one place for callers outside this folder (the studio, the CLI,
tests): `from campaigns.proposals import service as proposals`, then `proposals.submit(…)`.

The rules themselves live in modules named for the rule they hold, lowest first:
`lifecycle` (statuses and labels), `fields` (reading one input field), `permissions`
(who may see and do what), `campaign_rules` (categories, the approval ladder),
`inputs` (proposal input and the co-op check), `thread` (thread and audit events),
`notify` (who is told), `sla` (whom it waits on), `workflow` (draft to approval; holds),
`discussion` (comments, suggested edits), `files` (uploads, assets), `claims` (claims,
proof, review, payment), `results` (results, ROI, peer medians, closing), `jobs` (the
daily tick). Code in this folder imports from those modules directly. No Flask request
in any of them; every step adds and flushes, and the caller commits once.
"""

from __future__ import annotations

from campaigns.proposals.campaign_rules import (
    CATEGORY_FIELDS,
    DEFAULT_CATEGORIES,
    DEFAULT_LADDER,
    PROOF_KINDS,
    categories,
    install_defaults,
    ladder,
    ladder_all,
    program_of,
    save_approval_rules,
    save_category,
    share_for,
)
from campaigns.proposals.claims import (
    REASON_CODES,
    ClaimLineInput,
    LineDecision,
    claimable_cost,
    parse_claim_lines,
    parse_decisions,
    review_claim,
    submit_claim,
)
from campaigns.proposals.discussion import (
    comment,
    decide_suggestion,
    suggest,
    withdraw_suggestion,
)
from campaigns.proposals.fields import count_field, money_field, text_field
from campaigns.proposals.files import FILE_FOLDER, add_asset, keep_file, proof_assets
from campaigns.proposals.inputs import (
    FIELD_LABELS,
    FIELDS,
    SUGGESTIBLE,
    ProposalInput,
    as_data,
    available_for,
    budget_total,
    check_request,
    max_request,
    parse_input,
)
from campaigns.proposals.jobs import REMINDER_DAYS, TickSummary, daily
from campaigns.proposals.lifecycle import (
    CENT,
    CLAIMABLE,
    EDITABLE,
    FINAL,
    MAX_LINES,
    OPEN_STATUSES,
    OPEN_TO_SUGGESTIONS,
    ROLE_LABELS,
    STATUS_LABELS,
    ZERO,
    S,
)
from campaigns.proposals.permissions import (
    PROPOSERS_ONLY,
    approval_blocker,
    can_add_asset,
    can_approve,
    can_comment,
    can_decide,
    can_propose,
    can_review_claim,
    check_may_claim,
    claim_of,
    current_rung,
    get_visible,
    is_approver,
    is_oem_reviewer,
    is_owner,
    may_claim,
    open_suggestions,
    visible_proposals,
)
from campaigns.proposals.results import (
    PEER_MINIMUM,
    PeerMedians,
    close,
    peer_medians,
    report_results,
    roi,
)
from campaigns.proposals.sla import Waiting, awaiting, waiting_on, waits_on
from campaigns.proposals.thread import proposal_room, thread
from campaigns.proposals.workflow import (
    approval_steps,
    approve,
    create,
    decline,
    in_fast_lane,
    request_changes,
    submit,
    update,
    withdraw,
)

__all__ = [
    "CATEGORY_FIELDS", "CENT", "CLAIMABLE", "DEFAULT_CATEGORIES", "DEFAULT_LADDER", "EDITABLE",
    "FIELDS", "FIELD_LABELS", "FILE_FOLDER", "FINAL", "MAX_LINES", "OPEN_STATUSES",
    "OPEN_TO_SUGGESTIONS", "PEER_MINIMUM", "PROOF_KINDS", "PROPOSERS_ONLY", "REASON_CODES",
    "REMINDER_DAYS",
    "ROLE_LABELS", "STATUS_LABELS", "SUGGESTIBLE", "ZERO", "ClaimLineInput", "LineDecision",
    "PeerMedians", "ProposalInput", "S", "TickSummary", "Waiting", "add_asset", "approval_blocker",
    "approval_steps",
    "approve", "as_data", "available_for", "awaiting", "budget_total", "can_add_asset", "can_approve",
    "can_comment", "can_decide", "can_propose", "can_review_claim", "categories",
    "check_may_claim", "check_request", "claim_of", "claimable_cost", "close", "comment",
    "count_field", "create", "current_rung",
    "daily", "decide_suggestion", "decline", "get_visible", "in_fast_lane", "install_defaults",
    "is_approver", "is_oem_reviewer", "is_owner", "keep_file", "ladder", "ladder_all",
    "max_request", "may_claim", "money_field", "open_suggestions", "parse_claim_lines",
    "parse_decisions", "parse_input", "peer_medians", "program_of", "proof_assets", "proposal_room", "report_results",
    "request_changes", "review_claim", "roi", "save_approval_rules", "save_category",
    "share_for", "submit", "submit_claim", "suggest", "text_field", "thread", "update",
    "visible_proposals",
    "waiting_on", "waits_on", "withdraw", "withdraw_suggestion",
]  # fmt: skip
