"""A conversation's messages as its page shows them: rows, not objects.

The page lists every message (a long conversation: 150 and more). Loading each as a
`Message` with its author cost the ORM more than the page's SQL and its template
together; the page only reads them. Here one prebuilt statement reads the columns the
page, its message actions (`registry.message_actions_for`) and its attachments lookup
use, the author's name and role joined. The API and the socket events keep
`service.messages_after`, whose objects `message_json` serialises.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub import db
from hub.conversations.models import Conversation, Message, MessageKind
from hub.models import Person, Role


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a message: what the page shows and the message actions ask."""

    id: int
    name: str
    role: Role

    @property
    def is_oem(self) -> bool:
        return self.role.is_oem


@dataclass(frozen=True, slots=True)
class ShownMessage:
    """A message as the conversation page reads it (the names of `Message`'s fields)."""

    id: int
    conversation_id: int
    seq: int
    client_msg_id: str
    author_id: int | None
    kind: MessageKind
    body: str
    created_at: datetime
    author: Author | None


_TRANSCRIPT = db.prepared(
    sa.select(
        Message.id,
        Message.conversation_id,
        Message.seq,
        Message.client_msg_id,
        Message.author_id,
        Message.kind,
        Message.body,
        Message.created_at,
        Person.name,
        Person.role,
    )
    .outerjoin(Person, Person.id == Message.author_id)
    .where(Message.conversation_id == sa.bindparam("conversation_id"))
    .order_by(Message.seq)
)


def transcript(conversation: Conversation) -> list[ShownMessage]:
    """Every message of the conversation, in order (`service.messages_after(c, 0)` as rows)."""
    return [
        ShownMessage(
            id,
            conversation_id,
            seq,
            client_msg_id,
            author_id,
            kind,
            body,
            created_at,
            Author(author_id, name, role) if name is not None else None,
        )
        for id, conversation_id, seq, client_msg_id, author_id, kind, body, created_at, name, role in db.read(
            _TRANSCRIPT, {"conversation_id": conversation.id}
        )
    ]
