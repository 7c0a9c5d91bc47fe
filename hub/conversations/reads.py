"""Taking part and reading: who takes part in a conversation, how far each has read,
unread counts, and pushing a person's new unread count once a change commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub import db, policy
from hub.conversations.models import Conversation, ConversationParticipant
from hub.extensions import socketio
from hub.models import Organization, Person
from hub.realtime.service import person_room


def participants(conversation: Conversation) -> list[ConversationParticipant]:
    """Who takes part, with how far each has read, in the order they joined."""
    return list(
        db.session.scalars(
            sa.select(ConversationParticipant)
            .where(ConversationParticipant.conversation_id == conversation.id)
            .order_by(ConversationParticipant.joined_at, ConversationParticipant.person_id)
        )
    )


def read_positions(viewer: Person, conversation_ids: list[int]) -> dict[int, int]:
    """How far the viewer has read each of these conversations (only those they take part in)."""
    if not conversation_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            ConversationParticipant.conversation_id, ConversationParticipant.last_read_seq
        ).where(
            ConversationParticipant.person_id == viewer.id,
            ConversationParticipant.conversation_id.in_(conversation_ids),
        )
    ).all()
    return dict(rows)


def _unread_count_statement(partner: bool) -> sa.Select:
    """How many conversations a person takes part in have messages they have not read.

    The conversations counted are those the person takes part in, so of the conversation
    scope (hub.conversations.access) only what taking part does not already grant is left:
    for the OEM nothing (taking part is enough for every OEM role), for a partner that the
    conversation's organisation is still in their scope. tests/hub/conversations check
    the counts against conversation_scope. Built once per shape, with the viewer's id and
    scope as parameters: the count is in every page's navigation."""
    stmt = (
        sa.select(sa.func.count())
        .select_from(ConversationParticipant)
        .join(Conversation, Conversation.id == ConversationParticipant.conversation_id)
        .where(
            ConversationParticipant.person_id == sa.bindparam("person_id"),
            ConversationParticipant.last_read_seq < Conversation.last_seq,
        )
    )
    if partner:
        stmt = stmt.where(
            Conversation.organization_id.in_(
                sa.select(Organization.id).where(policy.PARTNER_ORGANIZATION_SCOPE)
            )
        )
    return stmt


_UNREAD_OEM = db.prepared(_unread_count_statement(partner=False))
_UNREAD_PARTNER = db.prepared(_unread_count_statement(partner=True))


def unread_conversation_count(viewer: Person) -> int:
    """How many conversations the viewer takes part in have messages they have not read."""
    if viewer.is_oem:
        return db.read(_UNREAD_OEM, {"person_id": viewer.id}).scalar_one()
    params = {"person_id": viewer.id, "scope_path": policy.scope_pattern(viewer)}
    return db.read(_UNREAD_PARTNER, params).scalar_one()


def ensure_participant(conversation: Conversation, person: Person, at: datetime) -> None:
    """Make person take part in the conversation (nothing happens when they already do)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    joined = db.session.execute(
        insert(ConversationParticipant)
        .values(
            conversation_id=conversation.id,
            person_id=person.id,
            last_read_seq=0,
            reminded_seq=0,
            joined_at=at,
        )
        .on_conflict_do_nothing()
        .returning(ConversationParticipant.person_id)  # a row only when it was inserted
    ).first()
    if joined is not None:  # the conversation counts for them now (unread, unless they write in it)
        push_unread_later([person.id])


def read_up_to(conversation: Conversation, person: Person, seq: int) -> bool:
    """Move person's read position forward to seq; True when it moved."""
    moved = db.session.execute(
        sa.update(ConversationParticipant)
        .where(
            ConversationParticipant.conversation_id == conversation.id,
            ConversationParticipant.person_id == person.id,
            ConversationParticipant.last_read_seq < seq,
        )
        .values(last_read_seq=seq)
    ).rowcount
    return bool(moved)


def push_unread_later(person_ids) -> None:
    """Send these people their unread-conversation count once this transaction commits
    (counted on what it commits: see _push_unread_counts)."""
    db.session().info.setdefault("hub.unread", set()).update(person_ids)


@event.listens_for(Session, "before_commit")
def _push_unread_counts(sess: Session) -> None:
    ids = sess.info.pop("hub.unread", None)
    if not ids:
        return
    for person in sess.scalars(
        sa.select(Person).where(Person.id.in_(ids), Person.active.is_(True))
    ):
        payload = {"conversations": unread_conversation_count(person)}
        room = person_room(person.id)
        db.on_commit(lambda payload=payload, room=room: socketio.emit("unread", payload, to=room))


@event.listens_for(Session, "after_soft_rollback")
def _drop_unread_counts(sess: Session, _previous_transaction) -> None:
    if not sess.in_transaction():
        sess.info.pop("hub.unread", None)
