"""Unread reminders (the tick): e-mail people about messages they have left unread."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub import db
from hub.conversations.models import (
    Conversation,
    ConversationParticipant,
    Message,
    MessageKind,
)
from hub.conversations.service import absolute_link, conversation_path
from hub.mail import send_mail
from hub.models import Person

UNREAD_REMINDER_AFTER = timedelta(minutes=30)


def remind_unread(now: datetime) -> str:
    """E-mail each person about messages others wrote that they have left unread for
    UNREAD_REMINDER_AFTER — one e-mail per person and run, each message mailed about once."""
    cutoff = now - UNREAD_REMINDER_AFTER
    part = ConversationParticipant
    waiting = sa.exists(
        sa.select(Message.id).where(
            Message.conversation_id == part.conversation_id,
            Message.seq > part.last_read_seq,
            Message.seq > part.reminded_seq,
            Message.kind == MessageKind.TEXT,
            Message.author_id != part.person_id,
            Message.created_at <= cutoff,
        )
    )
    rows = db.session.execute(
        sa.select(part, Conversation)
        .join(Conversation, Conversation.id == part.conversation_id)
        .join(Person, Person.id == part.person_id)
        .where(Person.active.is_(True), part.last_read_seq < Conversation.last_seq, waiting)
        .order_by(part.person_id, Conversation.last_message_at.desc())
    ).all()
    by_person: dict[int, list[tuple[ConversationParticipant, Conversation]]] = defaultdict(list)
    for participant, conversation in rows:
        by_person[participant.person_id].append((participant, conversation))
    for entries in by_person.values():
        person = entries[0][0].person
        lines = [
            f"- “{c.subject}” ({c.organization.name}): {c.last_seq - p.last_read_seq} unread — "
            f"{absolute_link(conversation_path(c.id))}"
            for p, c in entries
        ]
        send_mail(
            person.email,
            "Unread messages on Partner Hub",
            f"Hello {person.name.split()[0]},\n\n"
            "Messages are waiting for you on Partner Hub:\n\n"
            + "\n".join(lines)
            + "\n\nOpen a conversation to read and answer. You get this e-mail once for "
            f"messages left unread for {int(UNREAD_REMINDER_AFTER.total_seconds() // 60)} "
            "minutes.\n",
        )
        for participant, conversation in entries:
            participant.reminded_seq = conversation.last_seq
    return f"{len(by_person)} unread-message reminders e-mailed"
