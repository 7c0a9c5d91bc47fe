"""The campaigns JSON API (`/api/v1/campaigns`): proposals from draft to paid claim.

Every route calls the same `campaigns.proposals.service` function the pages call. What a
token sees is `proposals.visible_proposals` (anything else is a 404); a role that may
never take an action gets a 403 before anything else is looked at (the routes' `before`
guards), a proposal in the wrong state a 409, bad input a 422 with a sentence per problem.
Each route is declared once with `@operation` (hub.api), its shapes in
campaigns.proposals.schemas (answers) and .request_schemas (what the calls take).

The calls that move money — approve, decline, claim, claim review — take an optional
`Idempotency-Key` header (campaigns.proposals.idempotency). Claims are
multipart/form-data: a `lines` field of JSON whose proofs name the file parts sent with
it, so a claim and its proof arrive (or fail) together (campaigns.proposals.claim_parts).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, abort, current_app, g, url_for

from campaigns.coop.models import CoopProgram
from campaigns.coop.program import current_program
from campaigns.proposals import claim_parts
from campaigns.proposals import service as proposals
from campaigns.proposals.idempotency import REPLAY_HEADERS, Idempotency
from campaigns.proposals.models import Claim, Proposal, ProposalStatus
from campaigns.proposals.request_schemas import (
    CampaignChanges,
    CampaignDecline,
    CampaignInput,
    CampaignNote,
    CampaignPatch,
    CampaignQuery,
    ClaimForm,
    ClaimReview,
    IdempotencyHeaders,
    LineDecision,
)
from campaigns.proposals.schemas import Campaign, CampaignSummary
from hub import db
from hub.api import (
    ApiProblem,
    Page,
    allow_only,
    api_blueprint,
    context,
    current_person,
    openapi,
    operation,
    paginate,
    paginate_where,
)
from hub.errors import Conflict, InsufficientFunds, ValidationFailed
from hub.models import Person

bp = api_blueprint("proposals_api", __name__, url_prefix="/api/v1/campaigns")

S = ProposalStatus
TAG = "campaigns"
TAGS = [TAG]
LOCATION = {"Location": {"description": "Its URL.", "schema": {"type": "string"}}}
STEP_PROBLEMS = (403, 409)
REPLAY_NOTE = " A replay (same key, same content) answers the first answer again."


# --- Looking proposals up ----------------------------------------------------------------


def _visible_or_404(person: Person, proposal_id: int, *, lock: bool = False) -> Proposal:
    proposal = proposals.get_visible(person, proposal_id, lock=lock)
    if proposal is None:
        abort(404)
    return proposal


def _program_or_404() -> CoopProgram:
    program = current_program()
    if program is None:
        raise ApiProblem(
            404,
            "Not Found",
            "There is no active co-op program, so there is nothing to propose campaigns against.",
        )
    return program


def _is_owner(person: Person, proposal: Proposal) -> bool:
    return proposals.is_owner(person, proposal)


def _is_reviewer(person: Person, _proposal: Proposal) -> bool:
    return proposals.is_oem_reviewer(person)


def _guard(may: Callable[[Person, Proposal], bool], refusal: str, **more) -> Callable:
    """A route's `before`: the proposal (locked; 404 outside your scope), then a 403 unless
    `may` — before the body or headers are looked at. The view finds it in g.proposal."""

    def check(proposal_id: int, **_):
        person = current_person()
        proposal = _visible_or_404(person, proposal_id, lock=True)
        if not may(person, proposal):
            raise PermissionError(refusal)
        g.proposal = proposal
        for step in more.values():
            step()

    return check


def _answer(proposal: Proposal, person: Person, status: int = 200) -> Response:
    """The proposal as it is now, as a response (keyed calls remember it as it was sent)."""
    db.session.flush()
    return current_app.response_class(
        Campaign.of(proposal, person).model_dump_json(),
        status=status,
        mimetype="application/json",
    )


# --- List, create, read, update ----------------------------------------------------------


@bp.get("")
@operation(
    "Campaign proposals you can see",
    description=(
        "A dealer sees its own proposals (drafts included), a distributor also its "
        "dealers' submitted ones, OEM staff every proposal but drafts. Ordered by id. "
        "waiting_on=me keeps those waiting on you to act (to submit, fix, approve, claim, "
        "review a claim, report results or close)."
    ),
    tags=TAGS,
    query=CampaignQuery,
    responses={200: (Page[CampaignSummary], "One page of proposals.")},
)
def list_campaigns():
    person = current_person()
    args: CampaignQuery = context().query
    stmt = proposals.visible_proposals(person)
    if args.status:
        stmt = stmt.where(Proposal.status == S(args.status))
    if args.organization_id is not None:
        stmt = stmt.where(Proposal.organization_id == args.organization_id)
    if args.waiting_on:
        # A proposal in a final state waits on nobody (proposals.waits_on decides who).
        stmt = stmt.where(Proposal.status.in_(proposals.OPEN_STATUSES))
        return paginate_where(
            stmt, Proposal.id, lambda p: proposals.waits_on(person, p), CampaignSummary.of, args
        )
    return paginate(stmt, Proposal.id, CampaignSummary.of, args)


@bp.post("")
@operation(
    "Draft a campaign proposal (dealer marketer or partner admin)",
    description=(
        "Makes a draft for your own organisation in the active co-op program; nothing is "
        "checked against your balance until you submit it. Amounts are strings with at "
        "most two decimals; an optional currency must be the program's. Unknown fields "
        "are refused."
    ),
    tags=TAGS,
    json=CampaignInput,
    responses={201: (Campaign, "The new draft.")},
    response_headers={201: LOCATION},
    problems=(403, 404),
    before=allow_only(proposals.can_propose, proposals.PROPOSERS_ONLY),
)
def create_campaign():
    person = current_person()
    body: CampaignInput = context().json
    proposal = proposals.create(person, _program_or_404(), body.data())
    location = url_for("proposals_api.get_campaign", proposal_id=proposal.id)
    return _answer(proposal, person, 201), 201, {"Location": location}


@bp.get("/<int:proposal_id>")
@operation(
    "One campaign proposal with its budget, thread, claim and results",
    description=(
        "Budget lines, the thread (comments and every step), open suggested edits, who it "
        "waits on and since when, the claim with its lines, proofs and decisions, the "
        "results with ROI and the anonymised median of peers (same tier and category; "
        "only with at least three peers), and `actions`: what you may do now."
    ),
    tags=TAGS,
    responses={200: (Campaign, "The proposal.")},
)
def get_campaign(proposal_id: int):
    person = current_person()
    return Campaign.of(_visible_or_404(person, proposal_id), person)


_EDIT_GUARD = _guard(_is_owner, "only the proposing organisation edits its proposal")


@bp.patch("/<int:proposal_id>", endpoint="update_campaign_patch")
@operation(
    "Change some fields of a draft",
    description=(
        "Only a draft or a proposal sent back for changes can be edited, by its own "
        "organisation's marketer or admin. Send only the fields to change; `lines`, when "
        "sent, replaces the whole budget."
    ),
    tags=TAGS,
    json=CampaignPatch,
    responses={200: (Campaign, "The proposal as changed.")},
    problems=STEP_PROBLEMS,
    before=_EDIT_GUARD,
)
def update_campaign(proposal_id: int):
    person, proposal = current_person(), g.proposal
    body: CampaignPatch = context().json
    proposals.update(person, proposal, {**proposals.as_data(proposal), **body.data()})
    return _answer(proposal, person)


@bp.put("/<int:proposal_id>", endpoint="update_campaign_put")
@operation(
    "Replace a draft",
    description=(
        "As PATCH, but the body is the whole proposal: a field left out is emptied "
        "(and a required one is reported missing)."
    ),
    tags=TAGS,
    json=CampaignInput,
    responses={200: (Campaign, "The proposal as changed.")},
    problems=STEP_PROBLEMS,
    before=_EDIT_GUARD,
)
def replace_campaign(proposal_id: int):
    person, proposal = current_person(), g.proposal
    body: CampaignInput = context().json
    proposals.update(person, proposal, body.data())
    return _answer(proposal, person)


# --- The approval steps ------------------------------------------------------------------


def _once(action: str, content, step: Callable[[str | None], object]) -> Response:
    """A call that moves money, once per Idempotency-Key: sent again with the same key and
    content, it answers what it answered the first time; else `step(service_key)` runs
    and the answer (the proposal as it is now) is remembered under the key."""
    headers: IdempotencyHeaders = context().headers
    person, proposal = current_person(), g.proposal
    key = Idempotency.of_request(person, proposal, action, headers.idempotency_key, content)
    if (replay := key.replay()) is not None:
        return replay
    step(key.service_key)
    return key.remember(_answer(proposal, person))


def _overdraft_is_a_conflict(step: Callable[[], object]) -> None:
    """Run a step that may place the hold; a balance too small for it is a 409 (the request
    was fine — the account can't cover it now), and the proposal stays as it was."""
    try:
        step()
    except InsufficientFunds as exc:
        raise Conflict(
            {
                "requested_amount": [
                    *(m for msgs in exc.problems.values() for m in msgs),
                    "Nothing was held and the proposal is still waiting for approval: request "
                    "changes to lower the amount, or approve it once more co-op has accrued.",
                ]
            }
        ) from None


@bp.post("/<int:proposal_id>/submit")
@operation(
    "Submit a draft for approval",
    description=(
        "Checks the request against the budget, the category's reimbursement share and the "
        "co-op available now, and stamps the program's terms. A proposal built on an OEM "
        "template under the fast-lane limit is approved (and its funds held) at once. "
        "No body."
    ),
    tags=TAGS,
    responses={200: (Campaign, "The proposal after the step.")},
    problems=(*STEP_PROBLEMS, 422),  # the request doesn't fit the budget, share or balance
    before=_guard(_is_owner, "only the proposing organisation submits its proposal"),
)
def submit_campaign(proposal_id: int):
    person, proposal = current_person(), g.proposal
    _overdraft_is_a_conflict(lambda: proposals.submit(person, proposal))
    return _answer(proposal, person)


_DECIDE_REFUSAL = (
    "only a channel manager or the program admin (or the dealer's distributor, where "
    "it approves first) approves proposals"
)


@bp.post("/<int:proposal_id>/approve")
@operation(
    "Approve the current step (channel manager, program admin, or the distributor)",
    description=(
        "Approves the rung of the approval ladder that waits on you; the last rung holds the "
        "requested co-op and stamps the claim deadline and maximum reimbursement. Optional "
        "body: {note}. When the dealer's available co-op no longer covers the request, or a "
        "suggested edit still waits for the dealer's answer (withdraw it, or wait for the "
        "answer: you approve what the proposal says), the answer is a 409 and nothing is held."
    ),
    tags=TAGS,
    json=CampaignNote,
    body_optional=True,
    headers=IdempotencyHeaders,
    responses={200: (Campaign, "The proposal after the step." + REPLAY_NOTE)},
    response_headers={200: REPLAY_HEADERS},
    problems=STEP_PROBLEMS,
    before=_guard(proposals.is_approver, _DECIDE_REFUSAL),
)
def approve_campaign(proposal_id: int):
    person, proposal = current_person(), g.proposal
    body: CampaignNote = context().json or CampaignNote()

    def approve(key: str | None) -> None:
        _overdraft_is_a_conflict(
            lambda: proposals.approve(person, proposal, note=body.note, idempotency_key=key)
        )

    return _once("approve", body.model_dump(exclude_unset=True), approve)


@bp.post("/<int:proposal_id>/decline")
@operation(
    "Decline a proposal, with the reason (final)",
    description=(
        "Whoever may approve the current step may decline it; the dealer sees the reason. "
        "Body: {reason}."
    ),
    tags=TAGS,
    json=CampaignDecline,
    headers=IdempotencyHeaders,
    responses={200: (Campaign, "The proposal after the step." + REPLAY_NOTE)},
    response_headers={200: REPLAY_HEADERS},
    problems=STEP_PROBLEMS,
    before=_guard(proposals.is_approver, "only the proposal's approvers decline it"),
)
def decline_campaign(proposal_id: int):
    person, proposal = current_person(), g.proposal
    body: CampaignDecline = context().json
    return _once(
        "decline",
        body.model_dump(exclude_unset=True),
        lambda key: proposals.decline(person, proposal, body.reason, idempotency_key=key),
    )


@bp.post("/<int:proposal_id>/request-changes")
@operation(
    "Send a proposal back to the dealer with what to change",
    description=(
        "Whoever may approve the current step may ask for changes; the dealer edits and "
        "submits again (the history stays in the thread). Body: {note}, required."
    ),
    tags=TAGS,
    json=CampaignChanges,
    responses={200: (Campaign, "The proposal after the step.")},
    problems=STEP_PROBLEMS,
    before=_guard(proposals.is_approver, "only the proposal's approvers ask for changes"),
)
def request_changes_campaign(proposal_id: int):
    person, proposal = current_person(), g.proposal
    proposals.request_changes(person, proposal, context().json.note)
    return _answer(proposal, person)


# --- Claims -------------------------------------------------------------------------------


@bp.post("/<int:proposal_id>/claim")
@operation(
    "Claim the campaign's actual costs, with proof (the dealer)",
    description=(
        "multipart/form-data: a field `lines` holding JSON — "
        '[{"description": "Farm-paper ads", "amount": "2000.00", "proofs": '
        '[{"kind": "invoice", "file": "invoice1"}]}] — an optional `note`, and each proof '
        "file as a part named as its `file` says (one part may prove several kinds); a "
        "proof may instead name one of the campaign's studio assets by `asset_id`. "
        "Images (PNG, JPEG, WebP, GIF) and PDFs are checked and size-limited as on the "
        "pages; a file that is not what its name says is refused. The proof kinds the "
        "category requires must all be there; co-op pays the stamped share of the costs, "
        "up to what is held. One claim per campaign (a returned claim is sent again). "
        "Claims open on the campaign's start date (earlier only when its category allows "
        "costs before the start): before it, and past the claim deadline, the answer is a "
        "409 with the sentence."
    ),
    tags=TAGS,
    form=ClaimForm,
    headers=IdempotencyHeaders,
    responses={
        200: (
            Campaign,
            "The proposal with its claim, now waiting for review." + REPLAY_NOTE,
        )
    },
    response_headers={200: REPLAY_HEADERS},
    problems=(403, 409, 413, 415),
    before=_guard(
        _is_owner, "only the proposing organisation claims", upload=claim_parts.allow_claim_upload
    ),
)
def claim_campaign(proposal_id: int):
    person, proposal = current_person(), g.proposal
    files = claim_parts.file_parts()

    def claim(key: str | None) -> None:
        # Not claimable now (claimed already, not approved, past the deadline): the one
        # rule says why, before any file is stored.
        proposals.check_may_claim(person, proposal)
        form: ClaimForm = context().form
        assets = {a.id: a.file for a in proposals.proof_assets(proposal)}
        claim_parts.check_parts(form.lines, files, frozenset(assets))
        lines = claim_parts.accept_proofs(
            form.lines, files, proposal.organization_id, person, assets
        )
        proposals.submit_claim(person, proposal, lines, note=form.note, idempotency_key=key)

    return _once("claim", claim_parts.fingerprint_content(files), claim)


@bp.post("/<int:proposal_id>/claim/review")
@operation(
    "Pay a claim in full or in part, or return it to be fixed (OEM)",
    description=(
        "Body: {decision: pay | return, note, lines: [{id, approved_cost, reason_code, "
        "reason_note}]}. A line not listed is accepted in full; accepting less than claimed "
        "needs a reason_code (" + ", ".join(proposals.REASON_CODES) + "). pay reimburses "
        "the accepted costs × the share (at most the hold) and releases the rest of the "
        "hold in the same transaction; return sends the claim back with what to fix."
    ),
    tags=TAGS,
    json=ClaimReview,
    headers=IdempotencyHeaders,
    responses={200: (Campaign, "The proposal after the review." + REPLAY_NOTE)},
    response_headers={200: REPLAY_HEADERS},
    problems=STEP_PROBLEMS,
    before=_guard(_is_reviewer, "only a channel manager or the program admin reviews claims"),
)
def review_claim_campaign(proposal_id: int):
    person, proposal = current_person(), g.proposal
    body: ClaimReview = context().json

    def review(key: str | None) -> None:
        claim = proposals.claim_of(proposal)
        if claim is None or proposal.status != S.CLAIM_SUBMITTED:
            raise Conflict("There is no claim waiting for review on this proposal.")
        proposals.review_claim(
            person,
            proposal,
            _line_decisions(claim, body.lines),
            pay=body.decision == "pay",
            note=body.note,
            idempotency_key=key,
        )

    return _once("review", body.model_dump(mode="json", exclude_unset=True), review)


def _line_decisions(claim: Claim, sent: list[LineDecision] | None) -> dict[int, dict]:
    """The decisions by claim line id: each names a line of this claim, once."""
    if sent is None:
        return {}
    ids = {line.id: number for number, line in enumerate(claim.lines, start=1)}
    found: list[str] = []
    decisions: dict[int, dict] = {}
    for position, item in enumerate(sent, start=1):
        line_id = item.id
        if isinstance(line_id, bool) or line_id not in ids:
            found.append(
                f"Decision {position}: {line_id!r} is not the id of a line of this claim "
                f"(they are {', '.join(str(i) for i in ids)})."
            )
            continue
        if line_id in decisions:
            found.append(f"Line {ids[line_id]} is decided twice; send one decision per line.")
            continue
        decisions[line_id] = item.model_dump(exclude_unset=True)
    if found:
        raise ValidationFailed({"lines": found})
    return decisions


def init_app(app: Flask) -> None:
    """Register the campaigns API."""
    openapi.register_tag(
        TAG, "Campaign proposals: drafts, approval, claims with proof, results.", app=app
    )
    app.register_blueprint(bp)
