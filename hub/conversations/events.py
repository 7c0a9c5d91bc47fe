"""Socket events of conversations — the "Conversations" section of docs/realtime.md.

Thin handlers: `authenticated_only` checks the person on every event and commits once;
each handler checks the payload, calls hub.conversations (the same rules the pages and
the API call) and answers `{ok: true, …}` or `{ok: false, error}` with nothing saved.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app, request
from flask_socketio import join_room

from hub.conversations import access, presence, reads
from hub.conversations import service as conversations
from hub.conversations.access import ConversationNotFound
from hub.conversations.models import Conversation
from hub.conversations.service import (
    conversation_room,
    message_json,
    messages_json,
    person_ref,
)
from hub.errors import TooManyAttempts, ValidationFailed
from hub.extensions import socketio
from hub.models import Person
from hub.realtime import service as realtime
from hub.realtime.events import answers_refusals, authenticated_only
from hub.realtime.service import presence_of

JOIN_LIMIT = 500  # messages in one join answer; `more` says when to ask again
TYPING_EVERY = 2.0  # seconds: at most one typing signal per person and conversation


class _Refused(Exception):
    """The event cannot be done; the message is the sentence the client shows."""


_answers = answers_refusals(
    _Refused, ConversationNotFound, PermissionError, TooManyAttempts, ValidationFailed
)


def _payload(payload) -> dict:
    if not isinstance(payload, dict):
        raise _Refused('Send an object, e.g. {"conversation_id": 12, …}.')
    return payload


def _whole_number(data: dict, key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Refused(f"Send {key} as a whole number (0 or more).")
    return value


def _conversation(person: Person, data: dict) -> Conversation:
    return access.visible_conversation(person, data.get("conversation_id"))


@authenticated_only
@_answers
def on_join(person: Person, payload=None):
    """`conversation:join` {conversation_id, after_seq} → {ok, messages, more, presence}."""
    data = _payload(payload)
    conversation = _conversation(person, data)
    after_seq = _whole_number(data, "after_seq", 0)
    # Into the room first, then read: a message committed in between arrives both ways
    # (the client drops the copy by its seq) rather than neither.
    try:
        join_room(conversation_room(conversation.id))
    except ValueError:  # the socket closed while this event waited (the page moved on)
        raise _Refused("The connection closed.") from None
    found = conversations.messages_after(conversation, after_seq, limit=JOIN_LIMIT + 1)
    people = [p.person for p in reads.participants(conversation)]
    states = presence_of(p.id for p in people)
    return {
        "ok": True,
        "messages": messages_json(found[:JOIN_LIMIT]),
        "more": len(found) > JOIN_LIMIT,
        "presence": [{"user": person_ref(p), "state": states[p.id]} for p in people],
    }


@authenticated_only
@_answers
def on_send(person: Person, payload=None):
    """`message:send` {conversation_id, client_msg_id, body, attachment_ids} → {ok, message}.

    Files are uploaded over HTTP first (POST /conversations/<id>/attachments, or the API's
    …/attachments) and named here by their ids; a socket message carries no file bytes.
    """
    data = _payload(payload)
    conversation = _conversation(person, data)
    message, _created = conversations.send_message(
        person,
        conversation,
        data.get("client_msg_id"),
        data.get("body"),
        attachment_ids=data.get("attachment_ids") or [],
    )
    return {"ok": True, "message": message_json(message)}


class _TypingThrottle:
    """Remembers when each person last signalled typing in a conversation (per process:
    typing is a hint, so a second process letting one more through does no harm)."""

    def __init__(self, every: float):
        self.every = every
        self._last: dict[tuple[int, int], float] = {}
        self._lock = threading.Lock()

    def allow(self, person_id: int, conversation_id: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._last) > 10_000:  # forget old entries now and then
                self._last = {k: t for k, t in self._last.items() if now - t < self.every}
            last = self._last.get((person_id, conversation_id))
            if last is not None and now - last < self.every:
                return False
            self._last[(person_id, conversation_id)] = now
            return True


@authenticated_only
@_answers
def on_typing(person: Person, payload=None):
    """`typing` {conversation_id} → {ok}; the room (but this socket) hears `typing`."""
    conversation = _conversation(person, _payload(payload))
    if current_app.extensions["hub.chat.typing"].allow(person.id, conversation.id):
        socketio.emit(
            "typing",
            {"conversation_id": conversation.id, "user": person_ref(person)},
            to=conversation_room(conversation.id),
            skip_sid=request.sid,
        )
    return {"ok": True}


@authenticated_only
@_answers
def on_read(person: Person, payload=None):
    """`read` {conversation_id, seq} → {ok, seq}; the room hears `read` when it moved."""
    data = _payload(payload)
    conversation = _conversation(person, data)
    seq = conversations.mark_read(person, conversation, _whole_number(data, "seq"))
    return {"ok": True, "seq": seq}


def init_app(app: Flask) -> None:
    """Attach the conversation events to this app's Socket.IO server (see hub.realtime.events),
    and announce presence changes in the rooms of each person's conversations."""
    app.extensions["hub.chat.typing"] = _TypingThrottle(TYPING_EVERY)
    realtime.on_presence_change(app, presence.announce_presence)
    socketio.on_event("conversation:join", on_join)
    socketio.on_event("message:send", on_send)
    socketio.on_event("typing", on_typing)
    socketio.on_event("read", on_read)
