"""The campaigns JSON API (`/api/v1/campaigns`): proposals from draft to paid claim.

Every route calls the same `campaigns.proposals` function the pages call. What a token
sees is `proposals.visible_proposals` (anything else is a 404); a role that may never
take an action gets a 403 before anything else is looked at, a proposal in the wrong
state a 409, bad input a 422 with a sentence per problem.

The calls that move money — approve, decline, claim, claim review — take an optional
`Idempotency-Key` header (see `_Idempotency`): a retry with the same key and the same
content answers what the first call answered and moves nothing; the same key with other
content is a 409. Claims are multipart/form-data: a `lines` field of JSON whose proofs
name the file parts sent with it, so a claim and its proof arrive (or fail) together.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, Response, abort, current_app, jsonify, request, url_for

from campaigns.coop.models import CoopProgram
from campaigns.coop.program import current_program
from campaigns.proposals import service as proposals
from campaigns.proposals.models import (
    ApiIdempotencyKey,
    Claim,
    Proposal,
    ProposalEvent,
    ProposalStatus,
    Suggestion,
)
from hub import db
from hub.api import openapi
from hub.api.openapi import PAGINATION_PARAMETERS, json_response, operation, problems, query, ref
from hub.api.tools import (
    ApiProblem,
    api_blueprint,
    bad_request,
    choice_query_arg,
    current_person,
    encode_cursor,
    int_query_arg,
    iso_utc,
    json_body,
    page_after,
    page_limit,
    paginate,
)
from hub.errors import Conflict, ValidationFailed
from hub.models import Person, StoredFile

bp = api_blueprint("proposals_api", __name__, url_prefix="/api/v1/campaigns")

S = ProposalStatus
TAG = "campaigns"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,100}$")  # printable ASCII, no spaces
MONEY_FIELDS = {
    "requested_amount": "co-op requested",
    "expected_revenue": "expected revenue",
}
PROPOSAL_FIELDS = {*proposals.FIELDS, "lines", "currency"}
CLAIM_MAX_FILES = 20
# A claim carries several proofs, each within UPLOAD_MAX_BYTES; the app-wide request
# limit (one upload) is raised for the claim route only.
CLAIM_MAX_REQUEST_FILES = 8
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


# --- Representations --------------------------------------------------------------------


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _day(value) -> str | None:
    return None if value is None else value.isoformat()


def _person(person: Person | None) -> dict | None:
    return None if person is None else {"id": person.id, "name": person.name}


def _person_by_id(person_id: int | None) -> dict | None:
    return _person(db.session.get(Person, person_id)) if person_id else None


def _program_of(proposal: Proposal) -> CoopProgram:
    return db.session.get(CoopProgram, proposal.program_id)


def proposal_summary(proposal: Proposal) -> dict:
    """A proposal as lists show it."""
    waiting = proposals.waiting_on(proposal)
    return {
        "id": proposal.id,
        "title": proposal.title,
        "status": proposal.status.value,
        "status_label": proposals.STATUS_LABELS[proposal.status],
        "organization": {"id": proposal.organization.id, "name": proposal.organization.name},
        "category": {"id": proposal.category.id, "name": proposal.category.name},
        "currency": _program_of(proposal).currency,
        "requested_amount": _money(proposal.requested_amount),
        "starts_on": _day(proposal.starts_on),
        "ends_on": _day(proposal.ends_on),
        "waiting_on": {
            "party": waiting.party or None,
            "label": waiting.label,
            "since": iso_utc(waiting.since),
        },
        "created_at": iso_utc(proposal.created_at),
        "updated_at": iso_utc(proposal.updated_at),
    }


def proposal_json(proposal: Proposal, viewer: Person) -> dict:
    """A proposal with everything about it: budget, thread, suggestions, claim, results."""
    data = proposal_summary(proposal)
    data.update(
        {
            "objective": proposal.objective,
            "audience": proposal.audience,
            "territory": proposal.territory,
            "uses_oem_template": proposal.uses_oem_template,
            "expected_leads": proposal.expected_leads,
            "expected_revenue": _money(proposal.expected_revenue),
            "lines": [
                {"description": line.description, "amount": _money(line.amount)}
                for line in proposal.lines
            ],
            "budget_total": _money(proposals.budget_total(proposal)),
            "created_by": _person_by_id(proposal.created_by_id),
            "revision": proposal.revision,
            "share": None if proposal.share is None else f"{proposal.share:f}",
            "approval_steps": list(proposal.approval_steps or []),
            "approvals_done": proposal.approvals_done,
            "submitted_at": iso_utc(proposal.submitted_at),
            "decided_at": iso_utc(proposal.decided_at),
            "decline_reason": proposal.decline_reason or None,
            "max_reimbursement": _money(proposal.max_reimbursement),
            "claim_deadline": _day(proposal.claim_deadline),
            "reimbursed_amount": _money(proposal.reimbursed_amount),
            "actions": actions_for(viewer, proposal),
            "thread": [event_json(e) for e in proposals.thread(proposal)],
            "suggestions": [suggestion_json(s) for s in proposals.open_suggestions(proposal)],
            "claim": claim_json(proposals.claim_of(proposal)),
            "results": results_json(proposal),
        }
    )
    return data


def actions_for(viewer: Person, proposal: Proposal) -> list[str]:
    """What the viewer may do to the proposal now, by the name of its API call."""
    owner = proposals.is_owner(viewer, proposal)
    actions = []
    if owner and proposal.status in proposals.EDITABLE:
        actions += ["update", "submit"]
    if proposals.can_approve(viewer, proposal):
        actions += ["approve", "decline", "request_changes"]
    if owner and proposal.status in proposals.CLAIMABLE:
        actions.append("claim")
    if proposals.can_review_claim(viewer, proposal):
        actions.append("review_claim")
    return actions


def event_json(event: ProposalEvent) -> dict:
    """A thread entry: a comment or a step, with the parts of its data a reader may see."""
    data = event.data or {}
    return {
        "id": event.id,
        "kind": event.kind.value,
        "author": _person(event.author),
        "body": event.body,
        "data": {k: data[k] for k in EVENT_DATA if k in data},
        "created_at": iso_utc(event.created_at),
    }


def suggestion_json(suggestion: Suggestion) -> dict:
    """An open edit the OEM suggested, with the value it would replace."""
    return {
        "id": suggestion.id,
        "field": suggestion.field,
        "label": proposals.SUGGESTIBLE.get(suggestion.field, suggestion.field),
        "old_value": suggestion.old_value,
        "new_value": suggestion.new_value,
        "note": suggestion.note,
        "author": _person(suggestion.author),
        "created_at": iso_utc(suggestion.created_at),
    }


def _file_json(stored: StoredFile) -> dict:
    return {
        "id": stored.id,
        "filename": stored.filename,
        "content_type": stored.content_type,
        "size": stored.size,
        "sha256": stored.sha256,
    }


def claim_json(claim: Claim | None) -> dict | None:
    """The claim with its cost lines, their proofs and what the review decided of each."""
    if claim is None:
        return None
    return {
        "id": claim.id,
        "status": claim.status.value,
        "submitted_at": iso_utc(claim.submitted_at),
        "submitted_by": _person_by_id(claim.submitted_by_id),
        "note": claim.note,
        "total": _money(sum((line.amount for line in claim.lines), proposals.ZERO)),
        "eligible_cost": _money(claim.eligible_cost),
        "approved_amount": _money(claim.approved_amount),
        "decided_at": iso_utc(claim.decided_at),
        "decided_by": _person_by_id(claim.decided_by_id),
        "decision_note": claim.decision_note,
        "lines": [
            {
                "id": line.id,
                "description": line.description,
                "amount": _money(line.amount),
                "approved_cost": _money(line.approved_cost),
                "reason_code": line.reason_code,
                "reason": proposals.REASON_CODES.get(line.reason_code or ""),
                "reason_note": line.reason_note,
                "proofs": [
                    {
                        "kind": proof.kind,
                        "label": proposals.PROOF_KINDS.get(proof.kind, proof.kind),
                        "file": _file_json(proof.file),
                    }
                    for proof in line.proofs
                ],
            }
            for line in claim.lines
        ],
    }


def results_json(proposal: Proposal) -> dict | None:
    """The reported results with ROI beside the anonymised medians of peers (None before)."""
    if proposal.result_leads is None:
        return None
    roi = proposals.roi(proposal)
    peers = proposals.peer_medians(proposal)
    return {
        "leads": proposal.result_leads,
        "opportunities": proposal.result_opportunities,
        "revenue": _money(proposal.result_revenue),
        "reported_at": iso_utc(proposal.results_reported_at),
        "roi": None if roi is None else f"{roi:f}",
        "peer_medians": {
            "peers": peers.peers,
            "leads": peers.leads,
            "opportunities": peers.opportunities,
            "revenue": _money(peers.revenue),
            "roi": None if peers.roi is None else f"{peers.roi:f}",
        },
    }


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


def _proposal_response(proposal: Proposal, person: Person, status: int = 200) -> Response:
    db.session.flush()
    response = jsonify(proposal_json(proposal, person))
    response.status_code = status
    return response


def _may_decide(person: Person, proposal: Proposal) -> bool:
    """Whether the person is one of the proposal's approvers at all: the OEM's reviewers, or
    its distributor's admin where the ladder starts with the distributor (the service then
    checks whose rung it is)."""
    if proposals.is_oem_reviewer(person):
        return True
    return "distributor" in (proposal.approval_steps or []) and (
        proposals._is_distributor_admin_over(person, proposal.organization)
    )


# --- Input ----------------------------------------------------------------------------------


def _only_fields(data: dict, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed(
            {
                key: [f"Unknown field '{key}'; send only {', '.join(sorted(allowed))}."]
                for key in unknown
            }
        )


def _optional_body(allowed: set[str]) -> dict:
    """The JSON body if one was sent (these calls need none), with only allowed fields."""
    if not request.get_data(cache=True).strip():
        return {}
    body = json_body()
    _only_fields(body, allowed)
    return body


def _text_field(body: dict, name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed({name: [f"Send '{name}' as text."]})
    return value


def _money_as_text(value, what: str) -> str | None:
    """A sentence when a money amount did not come as text (money is never a JSON number)."""
    if value is None or isinstance(value, str):
        return None
    return f'Send the {what} as text, e.g. "1500.00": money never travels as a JSON number.'


def _proposal_input(body: dict) -> dict:
    """A create/update body checked for shape (the fields themselves: parse_input)."""
    _only_fields(body, PROPOSAL_FIELDS)
    found: dict[str, list[str]] = {}
    for name, what in MONEY_FIELDS.items():
        problem = _money_as_text(body.get(name), what)
        if problem:
            found.setdefault(name, []).append(problem)
    if "uses_oem_template" in body and not isinstance(body["uses_oem_template"], bool):
        found["uses_oem_template"] = ["Send uses_oem_template as true or false."]
    lines = body.get("lines")
    if lines is not None:
        if not isinstance(lines, list):
            found["lines"] = ['Send the budget as a list: [{"description": …, "amount": "…"}].']
        else:
            for number, line in enumerate(lines, start=1):
                if not isinstance(line, dict):
                    found.setdefault("lines", []).append(
                        f'Budget line {number}: send {{"description": …, "amount": "…"}}.'
                    )
                    continue
                extra = sorted(set(line) - {"description", "amount"})
                if extra:
                    found.setdefault("lines", []).append(
                        f"Budget line {number}: unknown field '{extra[0]}'; send only "
                        "description and amount."
                    )
                problem = _money_as_text(line.get("amount"), f"amount of budget line {number}")
                if problem:
                    found.setdefault("lines", []).append(problem)
    if found:
        raise ValidationFailed(found)
    return body


# --- Idempotency keys -------------------------------------------------------------------


@dataclass
class _Idempotency:
    """The Idempotency-Key of one money-moving call, if the client sent one.

    Call `replay()` with the proposal locked: the first request with a key has then either
    committed its answer or not happened, so a retry sees it. `remember()` stores the
    answer in the same transaction as the change it describes.
    """

    person: Person
    proposal: Proposal
    action: str
    key: str | None
    fingerprint: str

    @classmethod
    def of_request(cls, person: Person, proposal: Proposal, action: str, content) -> _Idempotency:
        raw = request.headers.get(IDEMPOTENCY_HEADER)
        key = None
        if raw is not None:
            key = raw.strip()
            if not _KEY_PATTERN.match(key):
                raise bad_request(
                    f"The {IDEMPOTENCY_HEADER} header must be 1 to 100 printable characters "
                    "without spaces; a new UUID for each operation is best."
                )
        canonical = json.dumps(
            {"method": request.method, "path": request.path, "content": content},
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        return cls(person, proposal, action, key, hashlib.sha256(canonical.encode()).hexdigest())

    @property
    def service_key(self) -> str | None:
        """The key handed to the service (kept in the thread): unique per person and key."""
        if self.key is None:
            return None
        digest = hashlib.sha256(f"{self.person.id}\n{self.key}".encode()).hexdigest()
        return f"api-{digest[:40]}"

    def _record(self) -> ApiIdempotencyKey | None:
        return db.session.scalar(
            sa.select(ApiIdempotencyKey).where(
                ApiIdempotencyKey.person_id == self.person.id, ApiIdempotencyKey.key == self.key
            )
        )

    def replay(self) -> Response | None:
        """The first answer to this key (None: not seen yet); a 409 when it was used for
        something else."""
        if self.key is None:
            return None
        record = self._record()
        if record is None:
            return None
        if record.fingerprint != self.fingerprint:
            raise Conflict(
                {
                    IDEMPOTENCY_HEADER: [
                        f"The {IDEMPOTENCY_HEADER} “{self.key}” was already used for another "
                        f"request ({record.action} of campaign {record.proposal_id}, with other "
                        "content); nothing was done. Send a new key with each new operation."
                    ]
                }
            )
        response = jsonify(record.response)
        response.status_code = record.status_code
        response.headers[REPLAYED_HEADER] = "true"
        return response

    def remember(self, response: Response) -> Response:
        if self.key is None:
            return response
        db.session.add(
            ApiIdempotencyKey(
                person_id=self.person.id,
                key=self.key,
                proposal_id=self.proposal.id,
                action=self.action,
                fingerprint=self.fingerprint,
                status_code=response.status_code,
                response=response.get_json(),
            )
        )
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            # Only two requests on *different* proposals can get here with one key at once
            # (one proposal's requests queue on its lock and then see the first's answer).
            raise Conflict(
                {
                    IDEMPOTENCY_HEADER: [
                        f"Another request with the {IDEMPOTENCY_HEADER} “{self.key}” arrived at "
                        "the same moment; nothing was done here. Send a new key with each new "
                        "operation."
                    ]
                }
            ) from None
        return response


# --- List, create, read, update ----------------------------------------------------------


def _page_where(stmt: sa.Select, keep: Callable[[Proposal], bool]) -> dict:
    """paginate(), for a filter only Python can decide: reads on in id order until a page
    (and one more, so next_cursor is null exactly on the last page) is kept."""
    limit, after = page_limit(), page_after()
    batch = max(limit + 1, 100)
    found: list[Proposal] = []
    more = False
    while not more:
        page = stmt if after is None else stmt.where(Proposal.id > after)
        rows = list(db.session.scalars(page.order_by(Proposal.id).limit(batch)).unique())
        for row in rows:
            if keep(row):
                if len(found) == limit:
                    more = True
                    break
                found.append(row)
        if len(rows) < batch:
            break
        after = rows[-1].id
    return {
        "data": [proposal_summary(p) for p in found],
        "next_cursor": encode_cursor(found[-1].id) if more else None,
    }


# A proposal in a final state waits on nobody (proposals.waits_on decides who, if anyone).
_WAITING_STATUSES = proposals.OPEN_STATUSES


@bp.get("")
@operation(
    {
        "summary": "Campaign proposals you can see",
        "description": (
            "A dealer sees its own proposals (drafts included), a distributor also its "
            "dealers' submitted ones, OEM staff every proposal but drafts. Ordered by id. "
            "waiting_on=me keeps those waiting on you to act (to submit, fix, approve, claim, "
            "review a claim, report results or close)."
        ),
        "tags": [TAG],
        "parameters": [
            query(
                "status",
                {"type": "string", "enum": [s.value for s in S]},
                "Only proposals in this state.",
            ),
            query("waiting_on", {"type": "string", "enum": ["me"]}, "Only those waiting on you."),
            query("organization_id", {"type": "integer"}, "Only this organisation's."),
            *PAGINATION_PARAMETERS,
        ],
        "responses": {
            "200": json_response("One page of proposals.", openapi.page_of("CampaignSummary")),
            **problems(400),
        },
    }
)
def list_campaigns():
    person = current_person()
    stmt = proposals.visible_proposals(person)
    status = choice_query_arg("status", [s.value for s in S])
    if status:
        stmt = stmt.where(Proposal.status == S(status))
    org_id = int_query_arg("organization_id")
    if org_id is not None:
        stmt = stmt.where(Proposal.organization_id == org_id)
    if choice_query_arg("waiting_on", ["me"]):
        stmt = stmt.where(Proposal.status.in_(_WAITING_STATUSES))
        return jsonify(_page_where(stmt, lambda p: proposals.waits_on(person, p)))
    return jsonify(paginate(stmt, Proposal.id, proposal_summary))


@bp.post("")
@operation(
    {
        "summary": "Draft a campaign proposal (dealer marketer or partner admin)",
        "description": (
            "Makes a draft for your own organisation in the active co-op program; nothing is "
            "checked against your balance until you submit it. Amounts are strings with at "
            "most two decimals; an optional currency must be the program's. Unknown fields "
            "are refused."
        ),
        "tags": [TAG],
        "requestBody": openapi.json_body(ref("CampaignInput")),
        "responses": {
            "201": json_response(
                "The new draft.",
                ref("Campaign"),
                headers={"Location": {"description": "Its URL.", "schema": {"type": "string"}}},
            ),
            **problems(400, 403, 404, 415, 422),
        },
    }
)
def create_campaign():
    person = current_person()
    if not proposals.can_propose(person):
        raise PermissionError("only a partner's marketer or admin proposes campaigns")
    body = _proposal_input(json_body())
    proposal = proposals.create(person, _program_or_404(), body)
    response = _proposal_response(proposal, person, 201)
    response.headers["Location"] = url_for("proposals_api.get_campaign", proposal_id=proposal.id)
    return response


@bp.get("/<int:proposal_id>")
@operation(
    {
        "summary": "One campaign proposal with its budget, thread, claim and results",
        "description": (
            "Budget lines, the thread (comments and every step), open suggested edits, who it "
            "waits on and since when, the claim with its lines, proofs and decisions, the "
            "results with ROI and the anonymised median of peers (same tier and category; "
            "only with at least three peers), and `actions`: what you may do now."
        ),
        "tags": [TAG],
        "responses": {"200": json_response("The proposal.", ref("Campaign")), **problems(404)},
    }
)
def get_campaign(proposal_id: int):
    person = current_person()
    return _proposal_response(_visible_or_404(person, proposal_id), person)


_UPDATE = {
    "tags": [TAG],
    "responses": {
        "200": json_response("The proposal as changed.", ref("Campaign")),
        **problems(400, 403, 404, 409, 415, 422),
    },
}


@bp.route("/<int:proposal_id>", methods=["PATCH", "PUT"])
@operation(
    {
        **_UPDATE,
        "summary": "Change some fields of a draft",
        "description": (
            "Only a draft or a proposal sent back for changes can be edited, by its own "
            "organisation's marketer or admin. Send only the fields to change; `lines`, when "
            "sent, replaces the whole budget."
        ),
        "requestBody": openapi.json_body(ref("CampaignPatch")),
    },
    method="patch",
)
@operation(
    {
        **_UPDATE,
        "summary": "Replace a draft",
        "description": (
            "As PATCH, but the body is the whole proposal: a field left out is emptied "
            "(and a required one is reported missing)."
        ),
        "requestBody": openapi.json_body(ref("CampaignInput")),
    },
    method="put",
)
def update_campaign(proposal_id: int):
    person = current_person()
    proposal = _visible_or_404(person, proposal_id, lock=True)
    if not proposals.is_owner(person, proposal):
        raise PermissionError("only the proposing organisation edits its proposal")
    body = _proposal_input(json_body())
    data = {**proposals._as_data(proposal), **body} if request.method == "PATCH" else body
    proposals.update(person, proposal, data)
    return _proposal_response(proposal, person)


# --- The approval steps ------------------------------------------------------------------


def _step(summary: str, description: str, body: str | None = None, keyed: bool = False) -> dict:
    spec = {
        "summary": summary,
        "description": description,
        "tags": [TAG],
        "responses": {
            "200": json_response(
                "The proposal after the step."
                + (
                    " A replay (same key, same content) answers the first answer again."
                    if keyed
                    else ""
                ),
                ref("Campaign"),
                headers=REPLAY_HEADERS if keyed else None,
            ),
            **problems(400, 403, 404, 409, 415, 422),
        },
    }
    if keyed:
        spec["parameters"] = [IDEMPOTENCY_PARAMETER]
    if body:
        spec["requestBody"] = openapi.json_body(ref(body))
        if body == "CampaignNote":
            spec["requestBody"]["required"] = False
    return spec


IDEMPOTENCY_PARAMETER = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"^[!-~]+$"},
    "description": (
        "A new unique value (e.g. a UUID) per operation. Sent again with the same content, "
        "the call answers what it answered the first time and changes nothing; with other "
        "content it is a 409. Keys are per person."
    ),
}
REPLAY_HEADERS = {
    REPLAYED_HEADER: {
        "description": "true when this is the stored answer to an earlier call with the key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


@bp.post("/<int:proposal_id>/submit")
@operation(
    _step(
        "Submit a draft for approval",
        "Checks the request against the budget, the category's reimbursement share and the "
        "co-op available now, and stamps the program's terms. A proposal built on an OEM "
        "template under the fast-lane limit is approved (and its funds held) at once. "
        "No body.",
    )
)
def submit_campaign(proposal_id: int):
    person = current_person()
    proposal = _visible_or_404(person, proposal_id, lock=True)
    if not proposals.is_owner(person, proposal):
        raise PermissionError("only the proposing organisation submits its proposal")
    _reword_overdraft(lambda: proposals.submit(person, proposal))
    return _proposal_response(proposal, person)


def _reword_overdraft(step: Callable[[], object]) -> None:
    """Run a step that may place the hold; a balance too small for it is a 409 (the request
    was fine — the account can't cover it now), and the proposal stays as it was."""
    try:
        step()
    except Conflict:
        raise
    except ValidationFailed as exc:
        if "amount" not in exc.problems:  # the ledger's refusal names the held amount
            raise
        raise Conflict(
            {
                "requested_amount": [
                    *exc.problems["amount"],
                    "Nothing was held and the proposal is still waiting for approval: request "
                    "changes to lower the amount, or approve it once more co-op has accrued.",
                ]
            }
        ) from None


@bp.post("/<int:proposal_id>/approve")
@operation(
    _step(
        "Approve the current step (channel manager, program admin, or the distributor)",
        "Approves the rung of the approval ladder that waits on you; the last rung holds the "
        "requested co-op and stamps the claim deadline and maximum reimbursement. Optional "
        "body: {note}. When the dealer's available co-op no longer covers the request, the "
        "answer is a 409 and nothing is held.",
        body="CampaignNote",
        keyed=True,
    )
)
def approve_campaign(proposal_id: int):
    person = current_person()
    proposal = _visible_or_404(person, proposal_id, lock=True)
    if not _may_decide(person, proposal):
        raise PermissionError(
            "only a channel manager or the program admin (or the dealer's distributor, where "
            "it approves first) approves proposals"
        )
    body = _optional_body({"note"})
    key = _Idempotency.of_request(person, proposal, "approve", body)
    if (replay := key.replay()) is not None:
        return replay
    note = _text_field(body, "note")
    _reword_overdraft(
        lambda: proposals.approve(person, proposal, note=note, idempotency_key=key.service_key)
    )
    return key.remember(_proposal_response(proposal, person))


@bp.post("/<int:proposal_id>/decline")
@operation(
    _step(
        "Decline a proposal, with the reason (final)",
        "Whoever may approve the current step may decline it; the dealer sees the reason. "
        "Body: {reason}.",
        body="CampaignDecline",
        keyed=True,
    )
)
def decline_campaign(proposal_id: int):
    person = current_person()
    proposal = _visible_or_404(person, proposal_id, lock=True)
    if not _may_decide(person, proposal):
        raise PermissionError("only the proposal's approvers decline it")
    body = json_body()
    _only_fields(body, {"reason"})
    key = _Idempotency.of_request(person, proposal, "decline", body)
    if (replay := key.replay()) is not None:
        return replay
    reason = _text_field(body, "reason")
    proposals.decline(person, proposal, reason, idempotency_key=key.service_key)
    return key.remember(_proposal_response(proposal, person))


@bp.post("/<int:proposal_id>/request-changes")
@operation(
    _step(
        "Send a proposal back to the dealer with what to change",
        "Whoever may approve the current step may ask for changes; the dealer edits and "
        "submits again (the history stays in the thread). Body: {note}, required.",
        body="CampaignChanges",
    )
)
def request_changes_campaign(proposal_id: int):
    person = current_person()
    proposal = _visible_or_404(person, proposal_id, lock=True)
    if not _may_decide(person, proposal):
        raise PermissionError("only the proposal's approvers ask for changes")
    body = json_body()
    _only_fields(body, {"note"})
    proposals.request_changes(person, proposal, _text_field(body, "note"))
    return _proposal_response(proposal, person)


# --- Claims -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """A file part of a claim, as sent."""

    filename: str
    content_type: str | None
    data: bytes


def _claim_form() -> tuple[dict, dict[str, _Part]]:
    """The claim's form fields and its file parts by field name."""
    if request.mimetype != "multipart/form-data":
        raise ApiProblem(
            415,
            "Unsupported Media Type",
            "Send a claim as multipart/form-data: a field 'lines' holding the cost lines as "
            "JSON, and each proof file as a part whose name the lines refer to.",
        )
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    request.max_content_length = limit * CLAIM_MAX_REQUEST_FILES + 1024 * 1024
    files: dict[str, _Part] = {}
    for name, storage in request.files.items(multi=True):
        if name in files:
            raise ValidationFailed(
                {name: [f"Two files were sent as “{name}”; give each file its own part name."]}
            )
        files[name] = _Part(storage.filename or name, storage.mimetype, storage.read())
    form = {name: value for name, value in request.form.items()}
    return form, files


def _claim_lines(form: dict, files: dict[str, _Part]) -> list[dict]:
    """The `lines` field checked for shape; proofs name file parts (not yet accepted)."""
    raw = form.get("lines")
    example = (
        '[{"description": …, "amount": "…", "proofs": [{"kind": "invoice", "file": "<part>"}]}]'
    )
    if raw is None or not raw.strip():
        raise ValidationFailed({"lines": [f"Send the cost lines in a field 'lines': {example}."]})
    try:
        lines = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            {"lines": [f"The field 'lines' is not valid JSON ({exc.msg} at column {exc.colno})."]}
        ) from None
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise ValidationFailed({"lines": [f"The field 'lines' must be a JSON list: {example}."]})
    found: list[str] = [
        f"Unknown field '{name}'; send 'lines', an optional 'note' and the proof files."
        for name in sorted(set(form) - {"lines", "note"})
    ]
    used: set[str] = set()
    kinds = ", ".join(proposals.PROOF_KINDS)
    for number, line in enumerate(lines, start=1):
        extra = sorted(set(line) - {"description", "amount", "proofs"})
        if extra:
            found.append(
                f"Cost line {number}: unknown field '{extra[0]}'; send description, amount "
                "and proofs."
            )
        problem = _money_as_text(line.get("amount"), f"cost of line {number}")
        if problem:
            found.append(problem)
        proofs = line.get("proofs") or []
        if not isinstance(proofs, list) or not all(isinstance(p, dict) for p in proofs):
            found.append(f'Cost line {number}: proofs are a list of {{"kind", "file"}}.')
            continue
        for proof in proofs:
            kind, part = proof.get("kind"), proof.get("file")
            if kind not in proposals.PROOF_KINDS:
                found.append(
                    f"Cost line {number}: “{kind}” is not a kind of proof; use one of {kinds}."
                )
            if not isinstance(part, str) or part not in files:
                found.append(
                    f"Cost line {number}: no file was sent in a part named “{part}”; name each "
                    "proof's part in its 'file'."
                )
            else:
                used.add(part)
    unused = sorted(set(files) - used)
    if unused:
        found.append(
            f"No cost line refers to the file part(s) {', '.join(unused)}; attach each file to "
            "the line it proves, or leave it out."
        )
    if len(files) > CLAIM_MAX_FILES:
        found.append(f"Send at most {CLAIM_MAX_FILES} proof files with one claim.")
    if found:
        raise ValidationFailed({"lines": found})
    return lines


def _accept_proofs(
    lines: list[dict], files: dict[str, _Part], proposal: Proposal, person: Person
) -> list[dict]:
    """Check and keep each referenced file exactly as the pages do (`proposals.keep_file`:
    hub.uploads re-encodes images and rewrites PDFs, and refuses a file that is not what
    its name or declared type says), and give the service its lines with (kind, file)."""
    stored: dict[str, StoredFile] = {}
    found: dict[str, list[str]] = {}
    for part in sorted({p["file"] for line in lines for p in line.get("proofs") or []}):
        sent = files[part]
        try:
            stored[part] = proposals.keep_file(
                person, proposal.organization_id, sent.data, sent.filename, sent.content_type
            )
        except ValidationFailed as exc:
            found[part] = [m for msgs in exc.problems.values() for m in msgs]
    if found:
        raise ValidationFailed(found)
    return [
        {
            "description": line.get("description") or "",
            "amount": line.get("amount"),
            "proofs": [(p["kind"], stored[p["file"]]) for p in line.get("proofs") or []],
        }
        for line in lines
    ]


@bp.post("/<int:proposal_id>/claim")
@operation(
    {
        "summary": "Claim the campaign's actual costs, with proof (the dealer)",
        "description": (
            "multipart/form-data: a field `lines` holding JSON — "
            '[{"description": "Farm-paper ads", "amount": "2000.00", "proofs": '
            '[{"kind": "invoice", "file": "invoice1"}]}] — an optional `note`, and each proof '
            "file as a part named as its `file` says (one part may prove several kinds). "
            "Images (PNG, JPEG, WebP, GIF) and PDFs are checked and size-limited as on the "
            "pages; a file that is not what its name says is refused. The proof kinds the "
            "category requires must all be there; co-op pays the stamped share of the costs, "
            "up to what is held. One claim per campaign (a returned claim is sent again)."
        ),
        "tags": [TAG],
        "parameters": [IDEMPOTENCY_PARAMETER],
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": ref("ClaimForm")}},
        },
        "responses": {
            "200": json_response(
                "The proposal with its claim, now waiting for review. A replay (same key, same "
                "content) answers the first answer again.",
                ref("Campaign"),
                headers=REPLAY_HEADERS,
            ),
            **problems(400, 403, 404, 409, 415, 422),
        },
    }
)
def claim_campaign(proposal_id: int):
    person = current_person()
    proposal = _visible_or_404(person, proposal_id, lock=True)
    if not proposals.is_owner(person, proposal):
        raise PermissionError("only the proposing organisation claims")
    form, files = _claim_form()
    content = {
        "form": form,
        "files": {
            name: [part.filename, part.content_type, hashlib.sha256(part.data).hexdigest()]
            for name, part in files.items()
        },
    }
    key = _Idempotency.of_request(person, proposal, "claim", content)
    if (replay := key.replay()) is not None:
        return replay
    if proposal.status not in proposals.CLAIMABLE:
        # Not claimable (claimed already, or not approved): the service says why, before
        # any file is stored.
        proposals.submit_claim(person, proposal, [])
    lines = _accept_proofs(_claim_lines(form, files), files, proposal, person)
    proposals.submit_claim(
        person, proposal, lines, note=form.get("note", ""), idempotency_key=key.service_key
    )
    return key.remember(_proposal_response(proposal, person))


@bp.post("/<int:proposal_id>/claim/review")
@operation(
    {
        "summary": "Pay a claim in full or in part, or return it to be fixed (OEM)",
        "description": (
            "Body: {decision: pay | return, note, lines: [{id, approved_cost, reason_code, "
            "reason_note}]}. A line not listed is accepted in full; accepting less than claimed "
            "needs a reason_code (" + ", ".join(proposals.REASON_CODES) + "). pay reimburses "
            "the accepted costs × the share (at most the hold) and releases the rest of the "
            "hold in the same transaction; return sends the claim back with what to fix."
        ),
        "tags": [TAG],
        "parameters": [IDEMPOTENCY_PARAMETER],
        "requestBody": openapi.json_body(ref("ClaimReview")),
        "responses": {
            "200": json_response(
                "The proposal after the review. A replay (same key, same content) answers the "
                "first answer again.",
                ref("Campaign"),
                headers=REPLAY_HEADERS,
            ),
            **problems(400, 403, 404, 409, 415, 422),
        },
    }
)
def review_claim_campaign(proposal_id: int):
    person = current_person()
    proposal = _visible_or_404(person, proposal_id, lock=True)
    if not proposals.is_oem_reviewer(person):
        raise PermissionError("only a channel manager or the program admin reviews claims")
    body = json_body()
    _only_fields(body, {"decision", "note", "lines"})
    key = _Idempotency.of_request(person, proposal, "review", body)
    if (replay := key.replay()) is not None:
        return replay
    claim = proposals.claim_of(proposal)
    if claim is None or proposal.status != S.CLAIM_SUBMITTED:
        raise Conflict("There is no claim waiting for review on this proposal.")
    decision = body.get("decision")
    if decision not in ("pay", "return"):
        raise ValidationFailed(
            {
                "decision": [
                    'Say "pay" to pay the accepted costs, or "return" to send the claim back '
                    "to be fixed."
                ]
            }
        )
    decisions = _line_decisions(claim, body.get("lines"))
    proposals.review_claim(
        person,
        proposal,
        decisions,
        pay=decision == "pay",
        note=_text_field(body, "note"),
        idempotency_key=key.service_key,
    )
    return key.remember(_proposal_response(proposal, person))


def _line_decisions(claim: Claim, raw) -> dict[int, dict]:
    if raw is None:
        return {}
    ids = {line.id: number for number, line in enumerate(claim.lines, start=1)}
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ValidationFailed(
            {"lines": ['Send the decisions as a list: [{"id": …, "approved_cost": "…"}].']}
        )
    found: list[str] = []
    decisions: dict[int, dict] = {}
    for position, item in enumerate(raw, start=1):
        line_id = item.get("id")
        extra = sorted(set(item) - {"id", "approved_cost", "reason_code", "reason_note"})
        if extra:
            found.append(
                f"Decision {position}: unknown field '{extra[0]}'; send id, approved_cost, "
                "reason_code and reason_note."
            )
        if isinstance(line_id, bool) or line_id not in ids:
            found.append(
                f"Decision {position}: {line_id!r} is not the id of a line of this claim "
                f"(they are {', '.join(str(i) for i in ids)})."
            )
            continue
        if line_id in decisions:
            found.append(f"Line {ids[line_id]} is decided twice; send one decision per line.")
            continue
        problem = _money_as_text(item.get("approved_cost"), f"accepted cost of line {ids[line_id]}")
        if problem:
            found.append(problem)
        for name in ("reason_code", "reason_note"):
            if item.get(name) is not None and not isinstance(item[name], str):
                found.append(f"Line {ids[line_id]}: send {name} as text.")
        decisions[line_id] = item
    if found:
        raise ValidationFailed({"lines": found})
    return decisions


# --- OpenAPI schemas -----------------------------------------------------------------------

MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["3000.00"]}
_MAYBE_MONEY = {"type": ["string", "null"], "pattern": r"^-?\d+\.\d{2}$"}
_MONEY_IN = {
    "type": "string",
    "description": "Decimal text, at most two decimals.",
    "examples": ["3000.00"],
}
_TIME = {"type": "string", "format": "date-time"}
_MAYBE_TIME = {"type": ["string", "null"], "format": "date-time"}
_DATE = {"type": "string", "format": "date"}
_MAYBE_DATE = {"type": ["string", "null"], "format": "date"}
_REF = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
_MAYBE_REF = {"oneOf": [_REF, {"type": "null"}]}
_INPUT_PROPERTIES = {
    "title": {"type": "string", "maxLength": 160},
    "objective": {"type": "string", "maxLength": 4000},
    "category_id": {"type": "integer", "description": "An activity category of the program."},
    "audience": {"type": "string", "maxLength": 300},
    "territory": {"type": "string", "maxLength": 160},
    "starts_on": _DATE,
    "ends_on": _DATE,
    "uses_oem_template": {"type": "boolean"},
    "requested_amount": _MONEY_IN,
    "expected_leads": {"type": ["integer", "null"], "minimum": 0},
    "expected_revenue": {**_MONEY_IN, "type": ["string", "null"]},
    "currency": {"type": "string", "description": "If sent, the program's currency."},
    "lines": {
        "type": "array",
        "maxItems": proposals.MAX_LINES,
        "items": {
            "type": "object",
            "required": ["description", "amount"],
            "additionalProperties": False,
            "properties": {
                "description": {"type": "string", "maxLength": 200},
                "amount": _MONEY_IN,
            },
        },
    },
}

SCHEMAS = {
    "CampaignSummary": {
        "type": "object",
        "required": [
            "id",
            "title",
            "status",
            "status_label",
            "organization",
            "category",
            "currency",
            "requested_amount",
            "starts_on",
            "ends_on",
            "waiting_on",
            "created_at",
            "updated_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "status": {"type": "string", "enum": [s.value for s in S]},
            "status_label": {"type": "string", "examples": ["Waiting for approval"]},
            "organization": _REF,
            "category": _REF,
            "currency": {"type": "string", "examples": ["USD"]},
            "requested_amount": MONEY,
            "starts_on": _DATE,
            "ends_on": _DATE,
            "waiting_on": {
                "type": "object",
                "description": "Who must act next and since when (the SLA clock).",
                "required": ["party", "label", "since"],
                "properties": {
                    "party": {
                        "type": ["string", "null"],
                        "enum": ["partner", "oem", "distributor", None],
                    },
                    "label": {
                        "type": "string",
                        "examples": ["Waiting on a channel manager to approve"],
                    },
                    "since": _TIME,
                },
            },
            "created_at": _TIME,
            "updated_at": _TIME,
        },
    },
    "Campaign": {
        "allOf": [
            ref("CampaignSummary"),
            {
                "type": "object",
                "required": ["lines", "thread", "suggestions", "claim", "results", "actions"],
                "properties": {
                    "objective": {"type": "string"},
                    "audience": {"type": "string"},
                    "territory": {"type": "string"},
                    "uses_oem_template": {"type": "boolean"},
                    "expected_leads": {"type": ["integer", "null"]},
                    "expected_revenue": _MAYBE_MONEY,
                    "lines": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["description", "amount"],
                            "properties": {"description": {"type": "string"}, "amount": MONEY},
                        },
                    },
                    "budget_total": MONEY,
                    "created_by": _MAYBE_REF,
                    "revision": {
                        "type": "integer",
                        "description": "1 at first submission, +1 each resubmission.",
                    },
                    "share": {
                        "type": ["string", "null"],
                        "description": "Reimbursement share stamped at submission, e.g. 0.5000.",
                    },
                    "approval_steps": {
                        "type": "array",
                        "items": {
                            "type": "string",
                            "enum": ["distributor", "channel_manager", "program_admin"],
                        },
                    },
                    "approvals_done": {"type": "integer"},
                    "submitted_at": _MAYBE_TIME,
                    "decided_at": _MAYBE_TIME,
                    "decline_reason": {"type": ["string", "null"]},
                    "max_reimbursement": _MAYBE_MONEY,
                    "claim_deadline": _MAYBE_DATE,
                    "reimbursed_amount": _MAYBE_MONEY,
                    "actions": {
                        "type": "array",
                        "description": "What you may do now, by API call.",
                        "items": {
                            "type": "string",
                            "enum": [
                                "update",
                                "submit",
                                "approve",
                                "decline",
                                "request_changes",
                                "claim",
                                "review_claim",
                            ],
                        },
                    },
                    "thread": {"type": "array", "items": ref("CampaignEvent")},
                    "suggestions": {"type": "array", "items": ref("CampaignSuggestion")},
                    "claim": {"oneOf": [ref("CampaignClaim"), {"type": "null"}]},
                    "results": {"oneOf": [ref("CampaignResults"), {"type": "null"}]},
                },
            },
        ]
    },
    "CampaignEvent": {
        "type": "object",
        "required": ["id", "kind", "author", "body", "data", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {
                "type": "string",
                "enum": ["comment", "status", "approval", "suggestion", "edit"],
            },
            "author": _MAYBE_REF,
            "body": {"type": "string"},
            "data": {"type": "object", "description": "e.g. the status a step led to."},
            "created_at": _TIME,
        },
    },
    "CampaignSuggestion": {
        "type": "object",
        "required": [
            "id",
            "field",
            "label",
            "old_value",
            "new_value",
            "note",
            "author",
            "created_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "field": {"type": "string"},
            "label": {"type": "string"},
            "old_value": {"type": "string"},
            "new_value": {"type": "string"},
            "note": {"type": "string"},
            "author": _MAYBE_REF,
            "created_at": _TIME,
        },
    },
    "CampaignClaim": {
        "type": "object",
        "required": ["id", "status", "submitted_at", "total", "lines"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": ["submitted", "returned", "paid"]},
            "submitted_at": _TIME,
            "submitted_by": _MAYBE_REF,
            "note": {"type": "string"},
            "total": MONEY,
            "eligible_cost": _MAYBE_MONEY,
            "approved_amount": _MAYBE_MONEY,
            "decided_at": _MAYBE_TIME,
            "decided_by": _MAYBE_REF,
            "decision_note": {"type": "string"},
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "id",
                        "description",
                        "amount",
                        "approved_cost",
                        "reason_code",
                        "proofs",
                    ],
                    "properties": {
                        "id": {"type": "integer"},
                        "description": {"type": "string"},
                        "amount": MONEY,
                        "approved_cost": _MAYBE_MONEY,
                        "reason_code": {"type": ["string", "null"]},
                        "reason": {"type": ["string", "null"]},
                        "reason_note": {"type": "string"},
                        "proofs": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["kind", "label", "file"],
                                "properties": {
                                    "kind": {"type": "string", "enum": list(proposals.PROOF_KINDS)},
                                    "label": {"type": "string"},
                                    "file": {
                                        "type": "object",
                                        "required": [
                                            "id",
                                            "filename",
                                            "content_type",
                                            "size",
                                            "sha256",
                                        ],
                                        "properties": {
                                            "id": {"type": "integer"},
                                            "filename": {"type": "string"},
                                            "content_type": {"type": "string"},
                                            "size": {"type": "integer"},
                                            "sha256": {"type": "string"},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "CampaignResults": {
        "type": "object",
        "required": ["leads", "opportunities", "revenue", "roi", "peer_medians"],
        "properties": {
            "leads": {"type": "integer"},
            "opportunities": {"type": "integer"},
            "revenue": MONEY,
            "reported_at": _MAYBE_TIME,
            "roi": {
                "type": ["string", "null"],
                "description": "Attributed revenue ÷ co-op reimbursed, one decimal.",
            },
            "peer_medians": {
                "type": "object",
                "description": "Medians of other organisations' campaigns of the same tier and "
                "category; null figures when fewer than three peers reported.",
                "required": ["peers"],
                "properties": {
                    "peers": {"type": "integer"},
                    "leads": {"type": ["number", "null"]},
                    "opportunities": {"type": ["number", "null"]},
                    "revenue": _MAYBE_MONEY,
                    "roi": {"type": ["string", "null"]},
                },
            },
        },
    },
    "CampaignInput": {
        "type": "object",
        "required": ["title", "category_id", "starts_on", "ends_on", "requested_amount"],
        "additionalProperties": False,
        "properties": _INPUT_PROPERTIES,
    },
    "CampaignPatch": {
        "type": "object",
        "additionalProperties": False,
        "properties": _INPUT_PROPERTIES,
    },
    "CampaignNote": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"note": {"type": "string", "maxLength": 2000}},
    },
    "CampaignChanges": {
        "type": "object",
        "required": ["note"],
        "additionalProperties": False,
        "properties": {"note": {"type": "string", "description": "What should change."}},
    },
    "CampaignDecline": {
        "type": "object",
        "required": ["reason"],
        "additionalProperties": False,
        "properties": {"reason": {"type": "string", "maxLength": 500}},
    },
    "ClaimForm": {
        "type": "object",
        "required": ["lines"],
        "properties": {
            "lines": {
                "type": "string",
                "description": (
                    'JSON: [{"description": "…", "amount": "2000.00", "proofs": '
                    '[{"kind": "invoice", "file": "<part name>"}]}]. Kinds: '
                    + ", ".join(proposals.PROOF_KINDS)
                    + "."
                ),
            },
            "note": {"type": "string", "maxLength": 1000},
        },
        "additionalProperties": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": "A proof file (image or PDF), named as a proof's `file` says.",
        },
    },
    "ClaimReview": {
        "type": "object",
        "required": ["decision"],
        "additionalProperties": False,
        "properties": {
            "decision": {"type": "string", "enum": ["pay", "return"]},
            "note": {"type": "string", "maxLength": 1000},
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id"],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "integer", "description": "A claim line's id."},
                        "approved_cost": {**_MONEY_IN, "type": ["string", "null"]},
                        "reason_code": {
                            "type": ["string", "null"],
                            "enum": [*proposals.REASON_CODES, None],
                        },
                        "reason_note": {"type": "string", "maxLength": 500},
                    },
                },
            },
        },
    },
}


def init_app(app: Flask) -> None:
    """Register the campaigns API and its schemas."""
    for name, schema in SCHEMAS.items():
        openapi.register_schema(name, schema, app=app)
    openapi.register_tag(
        TAG, "Campaign proposals: drafts, approval, claims with proof, results.", app=app
    )
    app.register_blueprint(bp)
