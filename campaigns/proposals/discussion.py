"""Working a proposal out together: comments in the thread, and edits the OEM (or the
dealer's distributor) suggests to one field, which the dealer accepts or rejects."""

from __future__ import annotations

import sqlalchemy as sa

from campaigns.proposals.campaign_rules import program_of
from campaigns.proposals.inputs import (
    SUGGESTIBLE,
    apply_input,
    as_data,
    check_request,
    parse_input,
    shown_value,
)
from campaigns.proposals.lifecycle import OPEN_TO_SUGGESTIONS, S
from campaigns.proposals.models import (
    Proposal,
    ProposalEvent,
    ProposalEventKind,
    Suggestion,
    SuggestionStatus,
)
from campaigns.proposals.notify import notify_owners, notify_people, notify_reviewers
from campaigns.proposals.permissions import can_comment, is_owner, is_suggester
from campaigns.proposals.thread import add_event, audit_step, snapshot, touch
from hub import db
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import Person


def comment(actor: Person, proposal: Proposal, body: str) -> ProposalEvent:
    """A comment in the thread; the other side is told (nobody while it is a draft)."""
    if not can_comment(actor, proposal):
        raise PermissionError("may not comment on this proposal")
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": ["Write a comment first."]})
    if len(body) > 4000:
        raise ValidationFailed(
            {"body": [f"Keep a comment to 4,000 characters (it has {len(body):,})."]}
        )
    event = add_event(proposal, ProposalEventKind.COMMENT, actor, body)
    audit_step("proposal.commented", proposal, actor, f"Comment on “{proposal.title}”")
    text = f"{actor.name} commented on “{proposal.title}”: {body[:150]}"
    if is_owner(actor, proposal):
        if proposal.status != S.DRAFT:
            notify_reviewers(proposal, "proposal.comment", text, actor)
    else:
        notify_owners(proposal, "proposal.comment", text, actor)
    return event


def _field_value(proposal: Proposal, field: str) -> str:
    value = getattr(proposal, field)
    return "" if value is None else str(value)


def suggest(
    actor: Person, proposal: Proposal, field: str, value: str, note: str = ""
) -> Suggestion:
    """The OEM suggests a new value for one field; the dealer accepts or rejects it."""
    if not is_suggester(actor, proposal):
        raise PermissionError("only reviewers suggest edits")
    if proposal.status not in OPEN_TO_SUGGESTIONS:
        raise Conflict("Edits can be suggested while a proposal waits for approval or changes.")
    if field not in SUGGESTIBLE:
        raise ValidationFailed({"field": ["Choose which field the suggestion changes."]})
    value = (value or "").strip()
    # Check the value as the dealer's own edit would be checked.
    data = as_data(proposal)
    data[field] = value
    try:
        parse_input(program_of(proposal), data)
    except ValidationFailed as exc:
        raise ValidationFailed(
            {"value": [m for msgs in exc.problems.values() for m in msgs]}
        ) from None
    old = _field_value(proposal, field)
    if value == old:
        raise ValidationFailed({"value": ["That is what the proposal already says."]})
    suggestion = Suggestion(
        proposal_id=proposal.id, field=field, old_value=old, new_value=value,
        note=(note or "").strip()[:500], author_id=actor.id,
    )  # fmt: skip
    db.session.add(suggestion)
    db.session.flush()
    add_event(proposal, ProposalEventKind.SUGGESTION, actor, suggestion.note,
              suggestion_id=suggestion.id, field=field, old=old, new=value,
              action="suggested")  # fmt: skip
    audit_step("proposal.edit_suggested", proposal, actor,
               f"Edit suggested on “{proposal.title}”: {SUGGESTIBLE[field]}",
               after={"field": field, "value": value[:200]})  # fmt: skip
    notify_owners(proposal, "proposal.suggestion",
                  f"{actor.name} suggests an edit to “{proposal.title}”: "
                  f"{SUGGESTIBLE[field]} → "
                  f"{shown_value(field, value, program_of(proposal).currency)[:80]}",
                  actor)  # fmt: skip
    return suggestion


def decide_suggestion(actor: Person, suggestion: Suggestion, accept: bool) -> Suggestion:
    """The dealer accepts a suggested edit (the proposal changes, checked as their own edit
    and, while submitted, against balance and share again) or rejects it."""
    proposal = db.session.get(Proposal, suggestion.proposal_id)
    if not is_owner(actor, proposal):
        raise PermissionError("only the proposing organisation decides on suggestions")
    if suggestion.status != SuggestionStatus.OPEN:
        raise Conflict(f"This suggestion was already {suggestion.status.value}.")
    if proposal.status not in OPEN_TO_SUGGESTIONS:
        raise Conflict("This proposal can no longer be changed.")
    if accept:
        current = _field_value(proposal, suggestion.field)
        if current != suggestion.old_value:
            raise Conflict(
                f"{SUGGESTIBLE[suggestion.field]} changed since this was suggested; "
                "reject it and ask for a new suggestion."
            )
        data = as_data(proposal)
        data[suggestion.field] = suggestion.new_value
        parsed = parse_input(program_of(proposal), data)
        before = snapshot(proposal)
        apply_input(proposal, parsed)
        touch(proposal)
        db.session.flush()
        if proposal.status == S.SUBMITTED:
            problems = check_request(proposal, program_of(proposal))
            if problems:
                raise ValidationFailed({"": problems})
        after = snapshot(proposal)
    suggestion.status = SuggestionStatus.ACCEPTED if accept else SuggestionStatus.REJECTED
    suggestion.decided_by_id = actor.id
    suggestion.decided_at = utcnow()
    verb = "Accepted" if accept else "Rejected"
    add_event(proposal, ProposalEventKind.SUGGESTION, actor,
              f"{verb} the suggested {SUGGESTIBLE[suggestion.field].lower()}",
              suggestion_id=suggestion.id, field=suggestion.field,
              action=suggestion.status.value)  # fmt: skip
    audit_step(f"proposal.suggestion_{suggestion.status.value}", proposal, actor,
               f"{verb} suggested edit on “{proposal.title}”: {SUGGESTIBLE[suggestion.field]}",
               before=before if accept else None, after=after if accept else None)  # fmt: skip
    notify_people([suggestion.author_id], proposal, "proposal.suggestion",
                  f"{proposal.organization.name} {verb.lower()} your suggestion on “{proposal.title}”",
                  actor)  # fmt: skip
    return suggestion


def withdraw_suggestion(actor: Person, suggestion: Suggestion) -> Suggestion:
    """A reviewer takes back a suggested edit the dealer has not answered (any reviewer of
    the proposal, so an approver can settle a colleague's suggestion before approving)."""
    proposal = db.session.get(Proposal, suggestion.proposal_id)
    if not is_suggester(actor, proposal):
        raise PermissionError("only the proposal's reviewers withdraw suggestions")
    if suggestion.status != SuggestionStatus.OPEN:
        raise Conflict(f"This suggestion was already {suggestion.status.value}.")
    if proposal.status not in OPEN_TO_SUGGESTIONS:
        raise Conflict("This proposal can no longer be changed.")
    suggestion.status = SuggestionStatus.WITHDRAWN
    suggestion.decided_by_id = actor.id
    suggestion.decided_at = utcnow()
    label = SUGGESTIBLE[suggestion.field]
    add_event(proposal, ProposalEventKind.SUGGESTION, actor,
              f"Withdrew the suggested {label.lower()}", suggestion_id=suggestion.id,
              field=suggestion.field, action="withdrawn")  # fmt: skip
    audit_step("proposal.suggestion_withdrawn", proposal, actor,
               f"Suggested edit on “{proposal.title}” withdrawn: {label}",
               after={"suggestion_id": suggestion.id, "status": "withdrawn"})  # fmt: skip
    notify_owners(proposal, "proposal.suggestion",
                  f"{actor.name} withdrew the suggested {label.lower()} on “{proposal.title}”; "
                  "nothing to answer.", actor)  # fmt: skip
    return suggestion


def suggestions_by_id(proposal: Proposal) -> dict[int, Suggestion]:
    """Every suggestion on the proposal, whatever became of it (the thread refers to them)."""
    return {
        s.id: s
        for s in db.session.scalars(
            sa.select(Suggestion).where(Suggestion.proposal_id == proposal.id)
        )
    }


def suggestion_on(proposal: Proposal, suggestion_id: int) -> Suggestion | None:
    """A suggestion made on this proposal (None if there is none by that id on it)."""
    suggestion = db.session.get(Suggestion, suggestion_id)
    if suggestion is None or suggestion.proposal_id != proposal.id:
        return None
    return suggestion
