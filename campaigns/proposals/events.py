"""Socket events of proposal pages — the "Campaign proposals" section of docs/realtime.md.

The people viewing a proposal see each other, and see comments, suggested edits and steps
arrive as they happen (`proposal:event`, emitted by `thread.add_event` after commit).
Presence keeps no server state, so it works the same across processes behind Redis:
a viewer announces itself on join and every `HEARTBEAT` seconds; the others drop a viewer
they have not heard from for a few heartbeats, or at once on `proposal:leave` or when the
viewer's socket closes.
"""

from __future__ import annotations

from flask import Flask
from flask_socketio import emit, join_room, leave_room, rooms

from campaigns.proposals.permissions import get_visible
from campaigns.proposals.thread import proposal_room
from hub import db
from hub.extensions import socketio
from hub.models import Person
from hub.realtime import service as realtime
from hub.realtime.events import authenticated_only

HEARTBEAT = 25  # seconds; documented for clients


def _proposal_id(payload) -> int | None:
    if not isinstance(payload, dict):
        return None
    value = payload.get("proposal_id")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    return value


NOT_JOINED = {"ok": False, "error": "Join the proposal first."}


def _joined(payload) -> tuple[int | None, str | None]:
    """The proposal id and its room, if this socket joined it (else the room is None)."""
    proposal_id = _proposal_id(payload)
    room = proposal_room(proposal_id) if proposal_id else None
    if room is None or room not in rooms():
        return proposal_id, None
    return proposal_id, room


def _viewer(person: Person, proposal_id: int, present: bool) -> dict:
    return {
        "proposal_id": proposal_id,
        "user": {"id": person.id, "name": person.name, "organization": person.organization.name},
        "present": present,
    }


@authenticated_only
def on_join(person: Person, payload=None):
    """`proposal:join` {proposal_id} → {ok, heartbeat}; the room hears `proposal:viewer`."""
    proposal_id = _proposal_id(payload)
    if proposal_id is None:
        return {"ok": False, "error": 'Send {"proposal_id": <number>}.'}
    if get_visible(person, proposal_id) is None:
        # The same answer whether it does not exist or is outside the person's scope.
        return {"ok": False, "error": "There is no such proposal, or it is not yours to see."}
    room = proposal_room(proposal_id)
    try:
        join_room(room)
    except ValueError:  # the socket closed while this event waited (the page moved on)
        return {"ok": False, "error": "The connection closed."}
    emit("proposal:viewer", _viewer(person, proposal_id, True), to=room, include_self=False)
    return {"ok": True, "heartbeat": HEARTBEAT}


@authenticated_only
def on_here(person: Person, payload=None):
    """`proposal:here` {proposal_id}: still viewing (heartbeat, or answering a newcomer)."""
    proposal_id, room = _joined(payload)
    if room is None:
        return {**NOT_JOINED}
    emit("proposal:viewer", _viewer(person, proposal_id, True), to=room, include_self=False)
    return {"ok": True}


@authenticated_only
def on_leave(person: Person, payload=None):
    """`proposal:leave` {proposal_id}: no longer viewing."""
    proposal_id, room = _joined(payload)
    if room is None:
        return {**NOT_JOINED}
    try:
        leave_room(room)
    except ValueError:  # already disconnected: the disconnect hook told the room
        return {"ok": True}
    emit("proposal:viewer", _viewer(person, proposal_id, False), to=room)
    return {"ok": True}


def _gone(person_id: int, _sid: str, rooms: set[str]) -> None:
    """A viewer's socket closed (tab shut, network lost): the others drop them at once.
    (A person with the page open in another tab re-announces at the next heartbeat.)"""
    person = db.session.get(Person, person_id)
    for room in rooms:
        if room.startswith("proposal:") and person is not None:
            payload = _viewer(person, int(room.split(":", 1)[1]), False)
            db.on_commit(lambda payload=payload, room=room: socketio.emit(
                "proposal:viewer", payload, to=room))  # fmt: skip


def init_app(app: Flask) -> None:
    realtime.on_disconnect(app, _gone)
    socketio.on_event("proposal:join", on_join)
    socketio.on_event("proposal:here", on_here)
    socketio.on_event("proposal:leave", on_leave)
