"""Presence in conversations: who has a socket open, and telling the rooms of a
person's conversations when their presence changes (a hook of hub.realtime).
"""

from __future__ import annotations

import sqlalchemy as sa

from hub import db
from hub.conversations.models import Conversation, ConversationParticipant
from hub.conversations.service import conversation_room, person_ref
from hub.extensions import socketio
from hub.models import Person, SocketSession

# A presence change reaches the rooms of this many of the person's conversations, the most
# recently active: each page a person opens may change it twice (offline, online again).
PRESENCE_CONVERSATIONS = 25


def online_person_ids(person_ids) -> set[int]:
    """Those of the people who have a socket open right now (presence: online)."""
    ids = list(person_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(SocketSession.person_id).where(SocketSession.person_id.in_(ids)).distinct()
        )
    )


def announce_presence(person_id: int, state: str) -> None:
    """A person's presence changed: tell the rooms of the conversations they take part in
    (the latest PRESENCE_CONVERSATIONS), whose pages list them with their presence."""
    person = db.session.get(Person, person_id)
    if person is None:
        return
    rooms = [
        conversation_room(cid)
        for cid in db.session.scalars(
            sa.select(ConversationParticipant.conversation_id)
            .join(Conversation, Conversation.id == ConversationParticipant.conversation_id)
            .where(ConversationParticipant.person_id == person_id)
            .order_by(Conversation.last_message_at.desc())
            .limit(PRESENCE_CONVERSATIONS)
        )
    ]
    payload = {"user": person_ref(person), "state": state}
    for room in rooms:
        db.on_commit(lambda room=room: socketio.emit("presence", payload, to=room))
