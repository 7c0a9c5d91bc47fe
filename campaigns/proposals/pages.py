"""What every proposal page route shares: the proposal (or a 404), the proposal page
rendered with what the viewer may do, and running one step on it — a 403 when it is
not theirs to take, the page again with sentences when the input is wrong, a redirect
with a flash when the proposal moved on (a Conflict) or the step is done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, request, url_for
from flask_login import current_user

from campaigns.coop.providers import current_program
from campaigns.proposals import claims, files, held_proofs, results
from campaigns.proposals.campaign_rules import PROOF_KINDS
from campaigns.proposals.inputs import SUGGESTIBLE, budget_total, shown_value
from campaigns.proposals.lifecycle import OPEN_TO_SUGGESTIONS, STATUS_LABELS
from campaigns.proposals.models import (
    Proposal,
    ProposalEvent,
    ProposalEventKind,
    ProposalStatus,
    Suggestion,
    SuggestionStatus,
)
from campaigns.proposals.permissions import (
    approval_blocker,
    can_approve,
    can_close,
    can_comment,
    can_review_claim,
    can_suggest,
    claim_refusal,
    get_visible,
    is_owner,
    is_suggester,
    may_claim,
    visible_by_reference,
)
from campaigns.proposals.shown import ShownProposal, shown_proposal
from campaigns.proposals.sla import waiting_on
from hub import db
from hub.db import today
from hub.errors import Conflict, ValidationFailed
from hub.models import Organization, Person
from hub.web.pages import render, see_other

S = ProposalStatus
CLAIM_LINES = 4  # cost lines of the claim form
PROOF_SLOTS = 3  # proof files per cost line


def proposal_or_404(proposal_id: int, *, lock: bool = False) -> Proposal:
    """The proposal if the viewer may see it; a 404 whether it is missing or out of scope."""
    proposal = get_visible(current_user, proposal_id, lock=lock)
    if proposal is None:
        abort(404)
    return proposal


def shown_or_404(proposal_id: int) -> ShownProposal:
    """The proposal as its page shows it (read-only: campaigns.proposals.shown) if the
    viewer may see it; a 404 whether it is missing or out of scope."""
    proposal = shown_proposal(current_user, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


def program_or_404():
    """The active co-op program; a 404 without one."""
    program = current_program()
    if program is None:
        abort(404)
    return program


# A proposal has no claim before it is approved (a claim is made on an approved or
# running campaign, and an approved proposal never goes back).
BEFORE_APPROVAL = {S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.DECLINED, S.WITHDRAWN}


# The page's thread and its suggested edits as rows of what it shows, each with its
# author's name and organisation's name joined, built once: two statements and no ORM
# objects (a long discussion is most of the page's rows).
def _with_author(*columns, author_id) -> sa.Select:
    return (
        sa.select(*columns, Person.name, Organization.name)
        .outerjoin(Person, Person.id == author_id)
        .outerjoin(Organization, Organization.id == Person.organization_id)
    )


_THREAD = db.prepared(
    _with_author(
        ProposalEvent.id,
        ProposalEvent.kind,
        ProposalEvent.author_id,
        ProposalEvent.body,
        ProposalEvent.data,
        ProposalEvent.created_at,
        author_id=ProposalEvent.author_id,
    )
    .where(ProposalEvent.proposal_id == sa.bindparam("proposal_id"))
    .order_by(ProposalEvent.id)
)
_SUGGESTIONS = db.prepared(
    _with_author(
        Suggestion.id,
        Suggestion.field,
        Suggestion.old_value,
        Suggestion.new_value,
        Suggestion.note,
        Suggestion.status,
        Suggestion.author_id,
        author_id=Suggestion.author_id,
    )
    .where(Suggestion.proposal_id == sa.bindparam("proposal_id"))
    .order_by(Suggestion.id)
)


@dataclass(frozen=True)
class ThreadOrganization:
    name: str


@dataclass(frozen=True)
class ThreadAuthor:
    """An author as the page shows them: their name and their organisation's."""

    name: str
    organization: ThreadOrganization


@dataclass(frozen=True)
class ThreadEvent:
    """A step or comment of the thread as the page shows it (read-only, as ProposalEvent)."""

    id: int
    kind: ProposalEventKind
    author_id: int | None
    body: str
    data: dict
    created_at: datetime
    author: ThreadAuthor | None


@dataclass(frozen=True)
class ShownSuggestion:
    """A suggested edit as the page shows it (read-only, as Suggestion)."""

    id: int
    field: str
    old_value: str
    new_value: str
    note: str
    status: SuggestionStatus
    author_id: int
    author: ThreadAuthor | None


def _thread_and_suggestions(proposal: Proposal):
    """The thread (as `thread`), the suggestions by id (as `discussion.suggestions_by_id`)
    and those still open (as `open_suggestions`), read-only, each with its author."""
    authors: dict[int, ThreadAuthor] = {}

    def author(author_id, name, org_name):
        if author_id is None:
            return None
        found = authors.get(author_id)
        if found is None:
            found = authors[author_id] = ThreadAuthor(name, ThreadOrganization(org_name))
        return found

    params = {"proposal_id": proposal.id}
    events = [
        ThreadEvent(id_, kind, author_id, body, data, created_at, author(author_id, name, org))
        for id_, kind, author_id, body, data, created_at, name, org in db.read(_THREAD, params)
    ]
    suggestions = {
        row[0]: ShownSuggestion(*row[:7], author(row[6], row[7], row[8]))
        for row in db.read(_SUGGESTIONS, params)
    }
    waiting = (
        [s for s in suggestions.values() if s.status == SuggestionStatus.OPEN]
        if proposal.status in OPEN_TO_SUGGESTIONS
        else []
    )
    return events, suggestions, waiting


def proposal_page_response(proposal: Proposal, status: int = 200, **extra):
    """The proposal page (or its thread fragment for htmx), with what the viewer may do."""
    program = program_or_404()
    claim = None if proposal.status in BEFORE_APPROVAL else claims.claim_of(proposal)
    events, suggestions, waiting = _thread_and_suggestions(proposal)
    me = current_user._get_current_object()  # not the proxy, which finds them at every use
    approver = can_approve(me, proposal)
    owner = is_owner(me, proposal)
    context = {
        "coop_program": program,
        "p": proposal,
        "labels": STATUS_LABELS,
        "waiting": waiting_on(proposal),
        "events": events,
        "suggestions": suggestions,
        "open_suggestions": waiting,
        "suggestions_answerable": proposal.status in OPEN_TO_SUGGESTIONS,
        "may_withdraw_suggestions": is_suggester(me, proposal),
        "suggestible": SUGGESTIBLE,
        "shown_value": lambda field, value: shown_value(field, value, program.currency),
        "assets": files.shown_assets(proposal.id),
        "proof_assets": files.proof_assets(proposal) if owner else [],
        "asset_kind": asset_kind(proposal),
        "claim": claim,
        "budget": budget_total(proposal),
        "reasons": claims.REASON_CODES,
        "proof_kinds": PROOF_KINDS,
        "roi": results.roi(proposal),
        "peers": results.peer_medians(proposal)
        if proposal.status in (S.RESULTS_REPORTED, S.CLOSED)
        else None,
        "owner": owner,
        # Proof files this person chose on a claim form that came back with a problem.
        "held": held_proofs.held_for(me, proposal) if owner else {},
        "can_approve": approver,
        "approval_blocker": approval_blocker(proposal, waiting) if approver else None,
        "can_comment": can_comment(me, proposal),
        "can_suggest": can_suggest(me, proposal),
        "can_review_claim": can_review_claim(me, proposal),
        "can_claim": may_claim(me, proposal),
        "claim_refusal": claim_refusal(me, proposal),
        "can_close": can_close(me, proposal),
        "problems": {},
        "claim_lines": CLAIM_LINES,
        "proof_slots": PROOF_SLOTS,
        "claim_values": {},
        "claimable_cost": claims.claimable_cost(proposal) if proposal.max_reimbursement else None,
        "today": today(),
        "last_request": next(
            (e for e in reversed(events) if (e.data or {}).get("status") == "changes_requested"),
            None,
        )
        if proposal.status == S.CHANGES_REQUESTED
        else None,
    }
    context.update(extra)
    return render(
        "campaigns/proposals/page.html",
        "campaigns/proposals/_thread.html",
        status=status,
        **context,
    )


# What a template-made asset most likely proves, in the order a category asks for it.
ASSET_KINDS = ("sample", "screenshot", "tear_sheet", "photo")


def asset_kind(proposal: Proposal) -> str:
    """The proof kind the claim form suggests for a template-made asset: the first the
    category requires that a finished piece can be, else a sample of the finished piece."""
    required = proposal.category.required_proofs or []
    return next((k for k in required if k in ASSET_KINDS), "sample")


def act_on(proposal_id: int, action, success: str, *, lock=True, form_problems_key=None):
    """Run one action on a locked proposal; on bad input re-render the page with sentences."""
    proposal = proposal_or_404(proposal_id, lock=lock)
    try:
        action(proposal)
    except PermissionError:
        db.rollback_request()
        abort(403)
    except ValidationFailed as exc:
        db.rollback_request()
        proposal = proposal_or_404(proposal_id)
        problems = exc.problems
        if isinstance(exc, Conflict):
            flash(" ".join(m for msgs in problems.values() for m in msgs), "error")
            return see_other("campaigns.proposal_page", proposal_id=proposal_id)
        return proposal_page_response(
            proposal,
            status=422,
            problems={form_problems_key or "": problems},
            posted=request.form,
        )
    if success:
        flash(success, "success")
    return see_other("campaigns.proposal_page", proposal_id=proposal_id)


def campaign_links(viewer, references) -> dict[str, tuple[str, str]]:
    """Co-op hold references named for the viewer: the campaign's title and its page when
    they may see it, "a campaign" without a link when they may not."""
    return {
        ref: (f"“{found[1]}”", url_for("campaigns.proposal_page", proposal_id=found[0]))
        if found is not None
        else ("a campaign", "")
        for ref, found in visible_by_reference(viewer, references).items()
    }
