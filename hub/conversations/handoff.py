"""Handing a conversation on: taking it from the channel team's queue, handing it to a
product manager or another channel manager with a note, and accepting a hand-off.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from hub import audit, db, notifications
from hub.conversations.access import can_hand_off, require_visible
from hub.conversations.models import Conversation, ConversationStatus, Handoff
from hub.conversations.presence import online_person_ids
from hub.conversations.reads import ensure_participant
from hub.conversations.service import (
    absolute_link,
    assign,
    conversation_path,
    list_conversations,
    lock_conversation,
    system_message,
)
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.mail import send_mail
from hub.models import Person, ProductLineManager, Role
from hub.plain import row_of

MAX_NOTE = 1_000  # characters in a hand-off note


def handoffs(conversation: Conversation) -> list[Handoff]:
    """The conversation's hand-offs, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Handoff)
            .where(Handoff.conversation_id == conversation.id)
            .order_by(Handoff.id)
        )
    )


def pending_handoff(conversation: Conversation) -> Handoff | None:
    """The hand-off waiting for the current assignee to accept it, if any."""
    if conversation.assignee_id is None:
        return None
    return db.session.scalar(
        sa.select(Handoff)
        .where(
            Handoff.conversation_id == conversation.id,
            Handoff.to_person_id == conversation.assignee_id,
            Handoff.accepted_at.is_(None),
        )
        .order_by(Handoff.id.desc())
        .limit(1)
    )


# The states in which a conversation waits on the OEM person handling it: new and not
# answered yet, or the partner wrote last (hub.conversations.service.send_message sets them).
WAITING_ON_HANDLER = (ConversationStatus.OPEN, ConversationStatus.WAITING_ON_OEM)


def _waiting_on(person: Person):
    pending = (
        sa.select(Handoff.id)
        .where(
            Handoff.conversation_id == Conversation.id,
            Handoff.to_person_id == person.id,
            Handoff.accepted_at.is_(None),
        )
        .exists()
    )
    return list_conversations(person, "active").where(
        Conversation.assignee_id == person.id,
        sa.or_(Conversation.status.in_(WAITING_ON_HANDLER), pending),
    )


def waiting_on(
    person: Person, limit: int | None = None
) -> list[tuple[Conversation, Handoff | None]]:
    """The unresolved conversations the person handles that wait on them — handed to them
    and not accepted yet, or in a state that waits on the OEM — oldest first, each with
    the hand-off waiting for them (or None)."""
    stmt = (
        _waiting_on(person)
        .order_by(None)
        .order_by(Conversation.last_message_at, Conversation.id)
        .limit(limit)
    )
    found = list(db.session.scalars(stmt))
    handed = {
        h.conversation_id: h
        for h in db.session.scalars(
            sa.select(Handoff).where(
                Handoff.conversation_id.in_([c.id for c in found]),
                Handoff.to_person_id == person.id,
                Handoff.accepted_at.is_(None),
            )
        )
    }
    return [(c, handed.get(c.id)) for c in found]


def waiting_on_count(person: Person) -> int:
    """How many conversations wait on the person (see waiting_on)."""
    stmt = _waiting_on(person).order_by(None).with_only_columns(sa.func.count(Conversation.id))
    return db.session.scalar(stmt)


def handoff_targets(conversation: Conversation, viewer: Person) -> list[Person]:
    """Whom the viewer may hand the conversation to: the product managers of its product
    line (any product manager when it has none), then the other channel managers."""
    managers = sa.select(Person).where(Person.active.is_(True), Person.id != viewer.id)
    if conversation.assignee_id is not None:
        managers = managers.where(Person.id != conversation.assignee_id)
    if conversation.product_line_id is not None:
        product = managers.join(
            ProductLineManager, ProductLineManager.person_id == Person.id
        ).where(
            ProductLineManager.product_line_id == conversation.product_line_id,
            Person.role == Role.PRODUCT_MANAGER,
        )
    else:
        product = managers.where(Person.role == Role.PRODUCT_MANAGER)
    channel = managers.where(Person.role == Role.CHANNEL_MANAGER)
    return list(db.session.scalars(product.order_by(Person.name))) + list(
        db.session.scalars(channel.order_by(Person.name))
    )


def take_conversation(
    person: Person, conversation: Conversation, *, now: datetime | None = None
) -> None:
    """A channel manager takes a conversation waiting in the team's queue."""
    require_visible(person, conversation)
    if person.role != Role.CHANNEL_MANAGER:
        raise PermissionError("Only channel managers take conversations from the queue.")
    at = now or utcnow()
    lock_conversation(conversation)
    if conversation.assignee_id is not None:
        raise Conflict(
            {"": [f"{conversation.assignee.name} is handling this conversation already."]}
        )
    assign(conversation, person, person, "taken from the queue")
    system_message(conversation, f"{person.name} took this conversation.", at)


def hand_off(
    from_person: Person,
    conversation: Conversation,
    to_person: Person | None,
    note: str = "",
    *,
    now: datetime | None = None,
) -> Handoff:
    """Pass the conversation to a product manager of its product line or another channel
    manager, with a note for them.

    It is theirs — in their queue — at once, whether they are online or not; they are
    notified (and e-mailed when no page of theirs is open), keep the whole history, and
    accept it when they pick it up. A system message records the hand-off; the note stays
    among OEM staff.
    """
    require_visible(from_person, conversation)
    if not can_hand_off(from_person, conversation):
        raise PermissionError("Only OEM staff hand conversations on.")
    note = (note or "").strip() if isinstance(note, str) else ""
    if len(note) > MAX_NOTE:
        raise ValidationFailed({"note": [f"Keep the note under {MAX_NOTE:,} characters."]})
    targets = {p.id for p in handoff_targets(conversation, from_person)}
    if to_person is None or to_person.id not in targets:
        raise ValidationFailed(
            {
                "to_person_id": [
                    "Choose a product manager of this conversation's product line or "
                    "another channel manager from the list."
                ]
            }
        )
    at = now or utcnow()
    lock_conversation(conversation)
    before = audit.snapshot(conversation, ["assignee_id", "status"])
    conversation.assignee = row_of(to_person)
    if conversation.status == ConversationStatus.RESOLVED:
        conversation.status, conversation.resolved_at = ConversationStatus.WAITING_ON_OEM, None
    ensure_participant(conversation, from_person, at)
    ensure_participant(conversation, to_person, at)
    handoff = Handoff(
        conversation_id=conversation.id,
        from_person_id=from_person.id,
        to_person_id=to_person.id,
        note=note,
        created_at=at,
    )
    db.session.add(handoff)
    db.session.flush()
    system_message(
        conversation,
        f"{from_person.name} handed this conversation to {to_person.name} "
        f"({to_person.role.label.lower()}).",
        at,
    )
    org = conversation.organization.name
    text = f"{from_person.name} handed you “{conversation.subject}” ({org})" + (
        f": {note}" if note else "."
    )
    notifications.notify(
        to_person.id,
        "conversation.handoff",
        text,
        conversation_path(conversation.id),
        actor=from_person,
    )
    if not online_person_ids([to_person.id]):
        send_mail(
            to_person.email,
            f"Conversation handed to you: {conversation.subject}",
            f"Hello {to_person.name.split()[0]},\n\n"
            f"{from_person.name} handed you the conversation “{conversation.subject}” "
            f"with {org}.\n\n"
            + (f"Their note: {note}\n\n" if note else "")
            + f"The whole history is there: {absolute_link(conversation_path(conversation.id))}\n",
        )
    audit.record(
        "conversation.handed_off",
        conversation,
        actor=from_person,
        before=before,
        after=audit.snapshot(conversation, ["assignee_id", "status"]),
        summary=f"{from_person.name} handed “{conversation.subject[:120]}” to {to_person.name}",
    )
    return handoff


def accept_handoff(
    person: Person, conversation: Conversation, *, now: datetime | None = None
) -> Handoff:
    """The receiver of a hand-off takes it up; the one who handed it on is told."""
    require_visible(person, conversation)
    lock_conversation(conversation)
    handoff = pending_handoff(conversation)
    if handoff is None or handoff.to_person_id != person.id:
        raise PermissionError("There is no hand-off waiting for you in this conversation.")
    at = now or utcnow()
    handoff.accepted_at = at
    system_message(conversation, f"{person.name} accepted the conversation.", at)
    notifications.notify(
        handoff.from_person_id,
        "conversation.accepted",
        f"{person.name} accepted “{conversation.subject}”.",
        conversation_path(conversation.id),
        actor=person,
    )
    audit.record(
        "conversation.handoff_accepted",
        conversation,
        actor=person,
        after={"handoff_id": handoff.id, "assignee_id": person.id},
        summary=f"{person.name} accepted “{conversation.subject[:120]}”",
    )
    return handoff
