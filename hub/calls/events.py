"""Socket events of video calls — the "Calls" section of docs/realtime.md.

Thin handlers like hub/conversations/events.py: `authenticated_only` checks the person on every
event and commits once; each handler checks the payload, calls hub.calls and answers
`{ok: true, …}` or `{ok: false, error}` with nothing saved. A call whose conversation the
person may not see gets the same answer as one that does not exist.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_socketio import join_room, leave_room

from hub import db
from hub.calls import service as calls
from hub.calls.models import Call
from hub.calls.service import CallNotFound, CallRefused, call_person_room, call_room
from hub.conversations import access
from hub.conversations.access import ConversationNotFound
from hub.conversations.service import person_ref
from hub.extensions import socketio
from hub.models import Person
from hub.realtime import service as realtime
from hub.realtime.events import answers_refusals, authenticated_only

_answers = answers_refusals(CallNotFound, CallRefused, ConversationNotFound)


def _payload(payload, example: str) -> dict:
    if not isinstance(payload, dict):
        raise CallRefused(f"Send an object, e.g. {example}.")
    return payload


def _call(person: Person, data: dict) -> Call:
    call = calls.find_call(person, data.get("call_id"))
    if call is None:
        raise CallNotFound()
    return call


def _emit_on_commit(event: str, payload: dict, room: str, skip_sid: str | None = None) -> None:
    db.on_commit(lambda: socketio.emit(event, payload, to=room, skip_sid=skip_sid))


@authenticated_only
@_answers
def on_start(person: Person, payload=None):
    """`call:start` {conversation_id} → {ok, call, created}."""
    data = _payload(payload, '{"conversation_id": 12}')
    conversation = access.visible_conversation(person, data.get("conversation_id"))
    call, created = calls.start_call(person, conversation)
    return {
        "ok": True,
        "call": calls.call_json(call, person, current_app.config),
        "created": created,
    }


@authenticated_only
@_answers
def on_join(person: Person, payload=None):
    """`call:join` {call_id} → {ok, call, participants}; the call hears `call:joined`."""
    call = _call(person, _payload(payload, '{"call_id": 7}'))
    calls.join_call(person, call)
    join_room(call_room(call.id))
    join_room(call_person_room(call.id, person.id))
    _emit_on_commit(
        "call:joined",
        {"call_id": call.id, "user": person_ref(person)},
        call_room(call.id),
        skip_sid=request.sid,
    )
    return {
        "ok": True,
        "call": calls.call_json(call, person, current_app.config),
        "participants": [person_ref(p) for p in calls.people_in_call(call)],
    }


@authenticated_only
@_answers
def on_signal(person: Person, payload=None):
    """`call:signal` {call_id, to, type, data} → {ok}; only the target's call sockets hear it."""
    data = _payload(payload, '{"call_id": 7, "to": 31, "type": "offer", "data": {…}}')
    call = _call(person, data)
    if call.ended_at is not None:
        raise CallRefused("This call has ended.")
    if not calls.in_call(call, person.id):
        raise CallRefused("Join the call first.")
    target = data.get("to")
    if target == person.id or not calls.in_call(call, target):
        raise CallRefused("That person is not in this call.")
    calls.check_signal(data.get("type"), data.get("data"))
    socketio.emit(
        "call:signal",
        {"call_id": call.id, "from": person.id, "type": data["type"], "data": data.get("data")},
        to=call_person_room(call.id, target),
    )
    return {"ok": True}


@authenticated_only
@_answers
def on_leave(person: Person, payload=None):
    """`call:leave` {call_id} → {ok, ended}; the call hears `call:left` (and `call:ended`)."""
    call = _call(person, _payload(payload, '{"call_id": 7}'))
    leave_room(call_room(call.id))
    leave_room(call_person_room(call.id, person.id))
    if not calls.in_call(call, person.id):  # leaving twice is harmless
        return {"ok": True, "ended": call.ended_at is not None}
    ended = calls.leave_call(person, call)
    calls.announce_left(call, [person], ended)
    return {"ok": True, "ended": ended}


def init_app(app: Flask) -> None:
    """Attach the call events to this app's Socket.IO server (see hub.realtime.events), and
    the clean-up after sockets that leave without `call:leave`."""
    realtime.on_disconnect(app, calls.leave_on_disconnect)
    realtime.after_prune(app, calls.end_abandoned_calls)
    socketio.on_event("call:start", on_start)
    socketio.on_event("call:join", on_join)
    socketio.on_event("call:signal", on_signal)
    socketio.on_event("call:leave", on_leave)
