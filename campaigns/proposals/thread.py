"""The proposal's thread — every step and comment, in order, never changed — and the audit
record each step leaves. A new thread event is announced to the people viewing the
proposal (`proposal:event`, after commit; see events.py)."""

from __future__ import annotations

import sqlalchemy as sa

from campaigns.proposals.inputs import FIELDS
from campaigns.proposals.models import Proposal, ProposalEvent, ProposalEventKind, ProposalStatus
from hub import audit, db
from hub.db import utcnow
from hub.errors import Conflict
from hub.extensions import socketio
from hub.models import Person


def proposal_room(proposal_id: int) -> str:
    """The Socket.IO room of the people viewing a proposal."""
    return f"proposal:{proposal_id}"


def add_event(
    proposal: Proposal, kind: ProposalEventKind, actor: Person | None, body: str = "", **data
) -> ProposalEvent:
    """Add a step or comment to the thread; its viewers hear of it once the caller commits."""
    event = ProposalEvent(
        proposal_id=proposal.id,
        kind=kind,
        author_id=getattr(actor, "id", None),
        body=body,
        data={k: audit.jsonable(v) for k, v in data.items()},
    )
    db.session.add(event)
    db.session.flush()
    payload = {"proposal_id": proposal.id, "event_id": event.id, "kind": kind.value}
    db.on_commit(lambda: socketio.emit("proposal:event", payload, to=proposal_room(proposal.id)))
    return event


def touch(proposal: Proposal, status: ProposalStatus | None = None) -> None:
    """Mark the proposal changed; a new status also restarts the waiting clock."""
    now = utcnow()
    if status is not None:
        proposal.status = status
        proposal.status_changed_at = now
    proposal.updated_at = now


def audit_step(action: str, proposal: Proposal, actor, summary: str, before=None, after=None):
    """The audit event of a step on a proposal."""
    audit.record(
        action,
        proposal,
        object_type="Proposal",
        actor=actor,
        summary=summary,
        before=before,
        after=after,
    )


def snapshot(proposal: Proposal) -> dict:
    """The proposal's fields and budget as the audit log keeps them (before/after a step)."""
    data = audit.snapshot(proposal, (*FIELDS, "status"))
    data["lines"] = [[line.description, str(line.amount)] for line in proposal.lines]
    return data


def replayed(proposal: Proposal, key: str | None, action: str) -> bool:
    """Whether a step sent with this idempotency key was already taken (then it is not taken
    again); the key used for another kind of step is refused."""
    if not key:
        return False
    events = db.session.scalars(
        sa.select(ProposalEvent).where(
            ProposalEvent.proposal_id == proposal.id,
            ProposalEvent.kind.in_([ProposalEventKind.APPROVAL, ProposalEventKind.STATUS]),
        )
    )
    for event in events:
        if (event.data or {}).get("key") == key:
            if event.data.get("action") != action:
                raise Conflict(f"The idempotency key “{key}” was already used for another step.")
            return True
    return False


def events_of(proposal: Proposal, kind: ProposalEventKind | None = None) -> list[ProposalEvent]:
    """The proposal's thread events (of one kind, if given), oldest first."""
    stmt = sa.select(ProposalEvent).where(ProposalEvent.proposal_id == proposal.id)
    if kind is not None:
        stmt = stmt.where(ProposalEvent.kind == kind)
    return list(db.session.scalars(stmt.order_by(ProposalEvent.id)))


def thread(proposal: Proposal) -> list[ProposalEvent]:
    """The whole thread, oldest first, as the proposal page shows it."""
    return events_of(proposal)
