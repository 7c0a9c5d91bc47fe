"""Who may see a proposal and who may do what to it — the one answer the pages, the API
and the socket handlers all ask. A `may_…`/`can_…` function answers yes or no; the steps
in `workflow`, `claims`, `discussion` and `results` ask the same functions before acting.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from campaigns.proposals.lifecycle import (
    CLAIMABLE,
    FINAL,
    OPEN_TO_SUGGESTIONS,
    S,
    status_label,
)
from campaigns.proposals.models import (
    ApproverRole,
    Claim,
    ClaimStatus,
    Proposal,
    Suggestion,
    SuggestionStatus,
)
from hub import db, policy
from hub.dates import format_date
from hub.db import today
from hub.errors import Conflict
from hub.models import Organization, OrgKind, Person, Role

DISTRIBUTOR_KINDS = (OrgKind.DISTRIBUTOR, OrgKind.MASTER_DISTRIBUTOR)
# A partner's people who propose campaigns and act for their organisation on them.
PROPOSER_ROLES = (Role.DEALER_MARKETER, Role.PARTNER_ADMIN)
# What anyone else is told when they try to propose one.
PROPOSERS_ONLY = "Only a partner's marketer or admin proposes campaigns."


# --- Seeing -----------------------------------------------------------------------------


def visible_proposals(viewer: Person) -> sa.Select:
    """Proposals the viewer may see: the OEM all but drafts; a partner its own (drafts
    included) and, for a distributor, its dealers' submitted ones."""
    stmt = policy.scope_by_organization(viewer, sa.select(Proposal), Proposal.organization_id)
    if viewer.is_oem:
        return stmt.where(Proposal.status != S.DRAFT)
    return stmt.where(
        sa.or_(Proposal.status != S.DRAFT, Proposal.organization_id == viewer.organization_id)
    )


# visible_proposals for one proposal, as conditions built once (every proposal page reads
# its proposal so): the OEM's, and a partner's with the partner scope as a parameter
# (policy.PARTNER_ORGANIZATION_SCOPE). tests/campaigns/proposals/test_page_statements.py
# checks that they see what visible_proposals sees. The ORM's statements (for the steps
# that change a proposal) have the budget lines joined: their selectin load was a second
# statement that cost the ORM about as much again as the proposal itself. The page reads
# the same conditions without the ORM (campaigns.proposals.shown).
ONE_FOR_OEM = (Proposal.status != S.DRAFT, Proposal.id == sa.bindparam("proposal_id"))
ONE_FOR_PARTNER = (
    Proposal.organization_id.in_(
        sa.select(Organization.id).where(policy.PARTNER_ORGANIZATION_SCOPE)
    ),
    sa.or_(Proposal.status != S.DRAFT, Proposal.organization_id == sa.bindparam("own")),
    Proposal.id == sa.bindparam("proposal_id"),
)
_ONE_FOR_OEM = sa.select(Proposal).where(*ONE_FOR_OEM).options(joinedload(Proposal.lines))
_ONE_FOR_PARTNER = sa.select(Proposal).where(*ONE_FOR_PARTNER).options(joinedload(Proposal.lines))


def one_visible(viewer: Person, proposal_id: int, for_oem, for_partner):
    """The statement and parameters that read one proposal the viewer may see: `for_oem` or
    `for_partner` (built from ONE_FOR_OEM, ONE_FOR_PARTNER) with the viewer's scope."""
    if viewer.is_oem:
        return for_oem, {"proposal_id": proposal_id}
    return for_partner, {
        "proposal_id": proposal_id,
        "own": viewer.organization_id,
        "scope_path": policy.scope_pattern(viewer),
    }


def get_visible(viewer: Person, proposal_id: int, *, lock: bool = False) -> Proposal | None:
    """The proposal if the viewer may see it (None whether it is missing or out of scope);
    `lock` for a step that changes it."""
    if lock:
        stmt = visible_proposals(viewer).where(Proposal.id == proposal_id)
        return db.session.scalar(stmt.with_for_update(of=Proposal))
    stmt, params = one_visible(viewer, proposal_id, _ONE_FOR_OEM, _ONE_FOR_PARTNER)
    return db.session.execute(stmt, params).unique().scalar_one_or_none()


def hold_reference(proposal_id: int) -> str:
    """The co-op hold's reference for a proposal's approved money."""
    return f"proposal:{proposal_id}"


def visible_by_reference(viewer: Person, references) -> dict[str, tuple[int, str] | None]:
    """The proposals behind co-op hold references (`proposal:N`): each one the viewer may
    see as its (id, title), or None for one they may not; references of anything else are
    left out. Rows of the two columns, not proposals: a ledger page names a page of holds."""
    ids = {}
    for ref in references:
        head, _, tail = ref.partition(":")
        if head == "proposal" and tail.isdigit():
            ids[ref] = int(tail)
    found = {}
    if ids:
        params = {"ids": sorted(set(ids.values()))}
        if viewer.is_oem:
            stmt = _TITLES_FOR_OEM
        else:
            stmt = _TITLES_FOR_PARTNER
            params |= {"own": viewer.organization_id, "scope_path": policy.scope_pattern(viewer)}
        found = {pid: (pid, title) for pid, title in db.read(stmt, params)}
    return {ref: found.get(pid) for ref, pid in ids.items()}


# visible_proposals' id and title of some proposals, built once as _ONE_FOR_* are (a co-op
# ledger page names its holds' campaigns on every view); tests/campaigns/proposals/
# test_page_statements.py checks that they see what visible_proposals sees.
_SOME = Proposal.id.in_(sa.bindparam("ids", expanding=True))
_TITLES_FOR_OEM = db.prepared(
    sa.select(Proposal.id, Proposal.title).where(Proposal.status != S.DRAFT, _SOME)
)
_TITLES_FOR_PARTNER = db.prepared(
    sa.select(Proposal.id, Proposal.title).where(
        Proposal.organization_id.in_(
            sa.select(Organization.id).where(policy.PARTNER_ORGANIZATION_SCOPE)
        ),
        sa.or_(Proposal.status != S.DRAFT, Proposal.organization_id == sa.bindparam("own")),
        _SOME,
    )
)


# --- Who someone is to a proposal ---------------------------------------------------------


def is_owner(person: Person, proposal: Proposal) -> bool:
    """A marketer or admin of the proposing organisation."""
    return person.organization_id == proposal.organization_id and person.role in PROPOSER_ROLES


def can_propose(person: Person) -> bool:
    """A partner's marketer or admin: the people who propose campaigns."""
    return not person.is_oem and person.role in PROPOSER_ROLES


def is_oem_reviewer(person: Person) -> bool:
    """A channel manager or the program admin: they approve, review claims and close."""
    return person.role in (Role.CHANNEL_MANAGER, Role.PROGRAM_ADMIN)


def is_distributor_admin(person: Person) -> bool:
    """A partner admin of a distributor (or master distributor)."""
    return person.role == Role.PARTNER_ADMIN and person.organization.kind in DISTRIBUTOR_KINDS


def is_distributor_admin_over(person: Person, org: Organization) -> bool:
    """A distributor's admin above the organisation in the channel."""
    mine = person.organization
    return is_distributor_admin(person) and mine.id != org.id and org.path.startswith(mine.path)


# --- The approval ladder ----------------------------------------------------------------


def current_rung(proposal: Proposal) -> ApproverRole | None:
    """Whose approval a submitted proposal waits for (None when it waits on no approver)."""
    if proposal.status != S.SUBMITTED or proposal.approvals_done >= len(proposal.approval_steps):
        return None
    return ApproverRole(proposal.approval_steps[proposal.approvals_done])


def can_approve(person: Person, proposal: Proposal) -> bool:
    """Whether the person approves the rung the proposal is on now."""
    rung = current_rung(proposal)
    if rung is None:
        return False
    if rung == ApproverRole.DISTRIBUTOR:
        return is_distributor_admin_over(person, proposal.organization)
    if rung == ApproverRole.CHANNEL_MANAGER:
        return is_oem_reviewer(person)
    return person.role == Role.PROGRAM_ADMIN


def can_decide(person: Person, proposal: Proposal) -> bool:
    """Decline or request changes: whoever may approve the current rung."""
    return can_approve(person, proposal)


def is_approver(person: Person, proposal: Proposal) -> bool:
    """Whether the person is one of the proposal's approvers at all, whatever the rung: the
    OEM's reviewers, or its distributor's admin where the ladder starts with the distributor
    (`can_approve` then says whose rung it is)."""
    if is_oem_reviewer(person):
        return True
    return ApproverRole.DISTRIBUTOR.value in (proposal.approval_steps or []) and (
        is_distributor_admin_over(person, proposal.organization)
    )


def open_suggestions(proposal: Proposal) -> list[Suggestion]:
    """Suggested edits the dealer can still answer, oldest first: none once the proposal
    has left the statuses open to suggestions (an old row left open then is not shown as
    waiting, and nobody is offered buttons that cannot work)."""
    if proposal.status not in OPEN_TO_SUGGESTIONS:
        return []
    return list(
        db.session.scalars(
            sa.select(Suggestion)
            .where(
                Suggestion.proposal_id == proposal.id, Suggestion.status == SuggestionStatus.OPEN
            )
            .order_by(Suggestion.id)
        )
    )


def approval_blocker(proposal: Proposal, waiting: list[Suggestion] | None = None) -> str | None:
    """Why the proposal cannot be approved as it stands, or None: an approver approves what
    the proposal says, so a suggested edit still waiting for the dealer's answer is
    settled first — the dealer accepts or rejects it, or a reviewer withdraws it.
    `waiting`: the proposal's `open_suggestions`, when the caller has them already."""
    waiting = open_suggestions(proposal) if waiting is None else waiting
    if not waiting:
        return None
    what = "A suggested edit is" if len(waiting) == 1 else f"{len(waiting)} suggested edits are"
    return (
        f"{what} still waiting for an answer from {proposal.organization.name}. Withdraw the "
        "suggestion, or wait until the dealer accepts or rejects it, then approve."
    )


# --- The dealer's steps -----------------------------------------------------------------


def can_add_asset(person: Person, proposal: Proposal) -> bool:
    """Plan or attach creative: the owner, until the proposal is final."""
    return is_owner(person, proposal) and proposal.status not in FINAL


def claim_of(proposal: Proposal) -> Claim | None:
    """The proposal's claim (one per proposal; a returned claim is sent again)."""
    return db.session.scalar(sa.select(Claim).where(Claim.proposal_id == proposal.id))


def check_may_claim(person: Person, proposal: Proposal, *, on: date | None = None) -> Claim | None:
    """Refuse a claim the person may not make now — PermissionError when it is not theirs
    to make, Conflict (with the sentence) when the campaign cannot be claimed: a claim is
    in review or paid, it is not approved, it has not started (unless its category allows
    costs before the start), or the deadline passed. Returns the returned
    claim being sent again, if any. `on`: the day of the claim (default today)."""
    if not is_owner(person, proposal):
        raise PermissionError("only the proposing organisation claims")
    existing = claim_of(proposal)
    if existing is not None and existing.status != ClaimStatus.RETURNED:
        raise Conflict(
            f"A claim for this campaign was already submitted on {format_date(existing.submitted_at)}; "
            "it is " + ("being reviewed." if existing.status == ClaimStatus.SUBMITTED else "paid.")
        )
    if proposal.status not in CLAIMABLE:
        raise Conflict(
            f"This proposal is {status_label(proposal.status)}; only an approved "
            "campaign can be claimed."
        )
    day = on or today()
    if day < proposal.starts_on and not proposal.category.allows_precampaign_costs:
        raise Conflict(
            f"This campaign starts on {long_date(proposal.starts_on)}; claims open once it "
            "has started."
        )
    if day > proposal.claim_deadline:
        raise Conflict(
            f"The claim deadline was {proposal.claim_deadline}; this campaign can no longer be claimed."
        )
    return existing


def long_date(day: date) -> str:
    """A day as a sentence says it: 2 February 2027."""
    return f"{day.day} {day:%B %Y}"


def claim_refusal(person: Person, proposal: Proposal, *, on: date | None = None) -> str | None:
    """Why the proposing organisation cannot claim this approved campaign now (the
    sentence `check_may_claim` refuses with), or None: for the page, which says it where
    the claim form would be."""
    if not is_owner(person, proposal) or proposal.status not in CLAIMABLE:
        return None
    try:
        check_may_claim(person, proposal, on=on)
    except Conflict as exc:
        return " ".join(m for msgs in exc.problems.values() for m in msgs)
    return None


def may_claim(person: Person, proposal: Proposal, *, on: date | None = None) -> bool:
    """Whether the person may claim the campaign now (see `check_may_claim` for why not)."""
    if not is_owner(person, proposal) or proposal.status not in CLAIMABLE:
        return False  # the answer without asking the database
    try:
        check_may_claim(person, proposal, on=on)
    except (PermissionError, Conflict):
        return False
    return True


# --- Everyone else's steps ----------------------------------------------------------------


def can_comment(person: Person, proposal: Proposal) -> bool:
    """The owner always (alone on a draft); after submission also the OEM's reviewers and
    the dealer's distributor admin."""
    if proposal.status == S.DRAFT:
        return is_owner(person, proposal)
    return (
        is_owner(person, proposal)
        or is_oem_reviewer(person)
        or is_distributor_admin_over(person, proposal.organization)
    )


def is_suggester(person: Person, proposal: Proposal) -> bool:
    """A reviewer of this proposal who may suggest edits to it, whatever its status."""
    return is_oem_reviewer(person) or is_distributor_admin_over(person, proposal.organization)


def can_suggest(person: Person, proposal: Proposal) -> bool:
    """Suggest an edit now: a reviewer, while the proposal waits for approval or changes."""
    return proposal.status in OPEN_TO_SUGGESTIONS and is_suggester(person, proposal)


def can_review_claim(person: Person, proposal: Proposal) -> bool:
    """Pay or return a claim: the OEM's reviewers, while a claim waits for review."""
    return proposal.status == S.CLAIM_SUBMITTED and is_oem_reviewer(person)


def can_close(person: Person, proposal: Proposal) -> bool:
    """Close: the OEM's reviewers, once results are reported."""
    return proposal.status == S.RESULTS_REPORTED and is_oem_reviewer(person)
