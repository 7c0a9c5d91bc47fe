"""Video calls in conversations: who may start, join and leave one, whom signalling may
reach, what the conversation records, and the ICE servers (TURN credentials) a caller gets.

The rules only — no Flask request: the socket events (hub/calls/events.py) call these.
The media never passes through the hub; it relays WebRTC offers, answers and ICE
candidates between the people in a call (docs/realtime.md, "Calls").

- A call belongs to a conversation; whoever may see the conversation may start, join and
  leave its call. One call is live per conversation at a time: starting again answers
  the live one. A call the person may not see does not exist for them.
- Starting writes "X started a video call" into the conversation and rings the other
  participants (a `call:ring` push and a notification). When the last person leaves the
  call ends, and a system message records its duration and who was in it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime

import sqlalchemy as sa

from hub import db, notifications
from hub.calls.models import Call, CallParticipant
from hub.conversations import access, reads
from hub.conversations import service as conversations
from hub.conversations.models import Conversation
from hub.db import utcnow
from hub.extensions import socketio
from hub.models import Person, SocketSession
from hub.realtime.service import person_room

SIGNAL_TYPES = ("offer", "answer", "candidate")
MAX_SIGNAL_BYTES = 64 * 1024  # one signalling message, as JSON


class CallNotFound(Exception):
    """The call does not exist, or the person may not see it (never said which)."""

    def __init__(self):
        super().__init__("No such call, or you may not see it.")


class CallRefused(Exception):
    """The call exists and the person sees it, but this cannot be done; the message says why."""


def call_room(call_id: int) -> str:
    """The socket room of everyone in a call (joined with `call:join`)."""
    return f"call:{call_id}"


def call_person_room(call_id: int, person_id: int) -> str:
    """The sockets of one person that joined one call: signalling goes only there."""
    return f"call:{call_id}:person:{person_id}"


# --- Reading ------------------------------------------------------------------------------


def live_call(conversation: Conversation) -> Call | None:
    """The conversation's running call, if any."""
    return db.session.scalar(
        sa.select(Call)
        .where(Call.conversation_id == conversation.id, Call.ended_at.is_(None))
        .order_by(Call.id.desc())
        .limit(1)
    )


def find_call(viewer: Person, call_id) -> Call | None:
    """The call if the viewer may see its conversation; None whether or not it exists."""
    if not isinstance(call_id, int) or isinstance(call_id, bool):
        return None
    call = db.session.get(Call, call_id)
    if call is None or access.find_conversation(viewer, call.conversation_id) is None:
        return None
    return call


def in_call(call: Call, person_id) -> bool:
    """Whether the person is in the call right now (joined and not left)."""
    if not isinstance(person_id, int) or isinstance(person_id, bool):
        return False
    return (
        db.session.scalar(
            sa.select(CallParticipant.id)
            .where(
                CallParticipant.call_id == call.id,
                CallParticipant.person_id == person_id,
                CallParticipant.left_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def people_in_call(call: Call) -> list[Person]:
    """Who is in the call now, in the order they joined."""
    return _people(call, still_in=True)


def everyone_who_joined(call: Call) -> list[Person]:
    """Everyone who was in the call at some point, in the order they first joined."""
    return _people(call, still_in=False)


def _people(call: Call, *, still_in: bool) -> list[Person]:
    stmt = sa.select(CallParticipant).where(CallParticipant.call_id == call.id)
    if still_in:
        stmt = stmt.where(CallParticipant.left_at.is_(None))
    rows = db.session.scalars(stmt.order_by(CallParticipant.joined_at, CallParticipant.id))
    seen: dict[int, Person] = {}
    for row in rows:
        seen.setdefault(row.person_id, row.person)
    return list(seen.values())


def call_json(call: Call, person: Person, config, now: datetime | None = None) -> dict:
    """A call as the socket protocol sends it, with the ICE servers for this person."""
    return {
        "id": call.id,
        "conversation_id": call.conversation_id,
        "started_at": conversations.iso_time(call.started_at),
        "ended_at": conversations.iso_time(call.ended_at),
        "ice_servers": ice_servers(config, person.id, now),
    }


# --- ICE servers and TURN credentials --------------------------------------------------------


def turn_credential(secret: str, person_id: int, ttl: int, now: float | None = None) -> dict:
    """coturn's `use-auth-secret` scheme: username `<expiry unix time>:<person id>`,
    credential base64(HMAC-SHA1(secret, username))."""
    expiry = int(now if now is not None else time.time()) + int(ttl)
    username = f"{expiry}:{person_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return {"username": username, "credential": base64.b64encode(digest).decode("ascii")}


def ice_servers(config, person_id: int, now: datetime | None = None) -> list[dict]:
    """HUB_ICE_SERVERS, plus a short-lived TURN entry when HUB_TURN_SECRET is set."""
    configured = config.get("ICE_SERVERS") or []
    if isinstance(configured, dict):
        configured = [configured]
    servers = [dict(s) for s in configured if isinstance(s, dict) and s.get("urls")]
    secret = config.get("TURN_SECRET")
    urls = config.get("TURN_URLS") or []
    if isinstance(urls, str):
        urls = [urls]
    if secret and urls:
        ttl = int(config.get("TURN_TTL") or 3600)
        stamp = now.timestamp() if now is not None else None
        servers.append({"urls": list(urls), **turn_credential(str(secret), person_id, ttl, stamp)})
    return servers


# --- Changing ---------------------------------------------------------------------------------


def start_call(
    person: Person, conversation: Conversation, *, now: datetime | None = None
) -> tuple[Call, bool]:
    """Start a call in the conversation, or answer the live one; returns (call, created).

    A new call writes a system message and rings the conversation's other participants.
    """
    access.require_visible(person, conversation)
    at = now or utcnow()
    conversations.lock_conversation(conversation)  # one live call: starters queue up here
    live = live_call(conversation)
    if live is not None:
        return live, False
    call = Call(conversation_id=conversation.id, started_by_id=person.id, started_at=at)
    db.session.add(call)
    db.session.flush()
    conversations.system_message(conversation, f"{person.name} started a video call.", at)
    ring = {
        "call_id": call.id,
        "conversation_id": conversation.id,
        "from": conversations.person_ref(person),
    }
    text = f"{person.name} started a video call in “{conversation.subject}”"
    for participant in reads.participants(conversation):
        other = participant.person
        if other.id == person.id or not other.active:
            continue
        if not access.can_see(other, conversation):
            continue
        room = person_room(other.id)
        db.on_commit(lambda room=room: socketio.emit("call:ring", ring, to=room))
        notifications.notify(
            other.id,
            "call.ring",
            text,
            conversations.conversation_path(conversation.id),
            actor=person,
        )
    return call, True


def join_call(person: Person, call: Call, *, now: datetime | None = None) -> bool:
    """Put the person in a live call; returns False when they already were."""
    if call.ended_at is not None:
        raise CallRefused("This call has ended. Start a new one.")
    conversation = db.session.get(Conversation, call.conversation_id)
    access.require_visible(person, conversation)
    conversations.lock_conversation(conversation)
    db.session.refresh(call)
    if call.ended_at is not None:
        raise CallRefused("This call has ended. Start a new one.")
    if in_call(call, person.id):
        return False
    db.session.add(CallParticipant(call_id=call.id, person_id=person.id, joined_at=now or utcnow()))
    db.session.flush()
    return True


def leave_call(person: Person, call: Call, *, now: datetime | None = None) -> bool:
    """Take the person out of the call; returns True when that ended it (nobody left).

    The end is recorded in the conversation: "Video call, 12 min, with A, B".
    """
    conversation = db.session.get(Conversation, call.conversation_id)
    access.require_visible(person, conversation)
    return _leave(conversation, call, [person.id], now or utcnow())


def _leave(conversation: Conversation, call: Call, person_ids: list[int], at: datetime) -> bool:
    """Take these people out of the call (no access check: also for clean-up after sockets
    that are gone); end and record the call when nobody is left. True when it ended."""
    conversations.lock_conversation(conversation)
    db.session.refresh(call)
    if call.ended_at is not None:
        return False
    db.session.execute(
        sa.update(CallParticipant)
        .where(
            CallParticipant.call_id == call.id,
            CallParticipant.person_id.in_(person_ids),
            CallParticipant.left_at.is_(None),
        )
        .values(left_at=at)
    )
    if people_in_call(call):
        return False
    call.ended_at = at
    names = ", ".join(p.name for p in everyone_who_joined(call)) or "nobody joined"
    conversations.system_message(
        conversation, f"Video call, {duration_text(call.started_at, at)}, with {names}.", at
    )
    return True


def announce_left(call: Call, people: list[Person], ended: bool) -> None:
    room = call_room(call.id)
    for person in people:
        payload = {"call_id": call.id, "user": conversations.person_ref(person)}
        db.on_commit(lambda payload=payload: socketio.emit("call:left", payload, to=room))
    if ended:
        db.on_commit(lambda: socketio.emit("call:ended", {"call_id": call.id}, to=room))


def leave_on_disconnect(person_id: int, sid: str, rooms: set[str]) -> None:
    """A socket that was in a call went away without `call:leave` (tab closed, network
    lost): its person leaves the call, unless another of their sockets on this process is
    still in it. The last one out ends the call, as with `call:leave`."""
    manager = socketio.server.manager
    for room in rooms:
        parts = room.split(":") if isinstance(room, str) else []
        if len(parts) != 4 or parts[0] != "call" or parts[2] != "person":
            continue
        if not (parts[1].isdigit() and parts[3] == str(person_id)):
            continue
        others = [s for s, _eio in manager.get_participants("/", room) if s != sid]
        if others:
            continue
        call = db.session.get(Call, int(parts[1]))
        if call is None or call.ended_at is not None or not in_call(call, person_id):
            continue
        conversation = db.session.get(Conversation, call.conversation_id)
        ended = _leave(conversation, call, [person_id], utcnow())
        announce_left(call, [db.session.get(Person, person_id)], ended)


def end_abandoned_calls(now: datetime) -> str:
    """After dead sockets are pruned: people still counted in a live call who have no
    socket left anywhere leave it, and a call whose people all vanished ends."""
    gone = (
        db.session.execute(
            sa.select(CallParticipant.call_id, CallParticipant.person_id)
            .join(Call, Call.id == CallParticipant.call_id)
            .where(
                Call.ended_at.is_(None),
                CallParticipant.left_at.is_(None),
                ~sa.exists().where(SocketSession.person_id == CallParticipant.person_id),
            )
            .distinct()
        )
        .tuples()
        .all()
    )
    by_call: dict[int, list[int]] = {}
    for call_id, person_id in gone:
        by_call.setdefault(call_id, []).append(person_id)
    ended = 0
    for call_id, person_ids in sorted(by_call.items()):
        call = db.session.get(Call, call_id)
        conversation = db.session.get(Conversation, call.conversation_id)
        did_end = _leave(conversation, call, person_ids, now)
        announce_left(call, [db.session.get(Person, p) for p in person_ids], did_end)
        ended += did_end
    if not by_call:
        return ""
    return (
        f"{sum(map(len, by_call.values()))} vanished call participants removed, {ended} calls ended"
    )


def duration_text(started: datetime, ended: datetime) -> str:
    """A call's length for people: "less than a minute", "12 min", "1 h 5 min"."""
    minutes = int((ended - started).total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def check_signal(kind, data) -> None:
    """Refuse a signalling message of an unknown type or one that is too large."""
    if kind not in SIGNAL_TYPES:
        raise CallRefused("Send type as one of: offer, answer, candidate.")
    if data is not None and not isinstance(data, dict | str):
        raise CallRefused("Send data as an object (an SDP description or an ICE candidate).")
    size = len(json.dumps(data, separators=(",", ":")).encode())
    if size > MAX_SIGNAL_BYTES:
        raise CallRefused(
            f"A signalling message may be at most {MAX_SIGNAL_BYTES // 1024} KB; "
            f"this one is {size // 1024} KB."
        )
