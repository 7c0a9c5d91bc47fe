"""From a conversation to an idea: the product manager who handles a conversation turns
a partner's message into an idea, or attaches it to an idea as evidence.

"Handles" = a product manager the conversation is assigned (handed) to, or who takes
part in it (hub.conversations: a hand-off makes them the assignee and a participant;
a product manager who handed it on keeps taking part). Other OEM staff see
conversations too, but these two steps are the product manager's.

Only messages a partner person wrote qualify (not system lines, not the OEM's own
replies). An idea made from a message is the partner's: its author is the message's
writer (who follows it and hears back), its organisation the conversation's, and
`filed_by` the product manager; the message is attached to it as its first evidence.
Evidence is shown to product managers and program admins on the idea page; its link to
the conversation only to those who may open that conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from feedback.ideas.access import can_triage
from feedback.ideas.models import (
    COMMENT_MAX,
    TITLE_MAX,
    Idea,
    IdeaEvidence,
    IdeaStatus,
    IdeaSubscription,
)
from feedback.ideas.posting import field_problems
from hub import audit, db
from hub.conversations import access as conversation_access
from hub.conversations.models import Conversation, ConversationParticipant, Message, MessageKind
from hub.errors import Conflict, ValidationFailed
from hub.models import Person, Role

HANDLERS_ONLY = "Only the product manager handling this conversation turns its messages into ideas."
TITLE_WORDS = 10


def handles(viewer: Person, conversation: Conversation) -> bool:
    """Whether the viewer is a product manager handling the conversation."""
    if not viewer.active or viewer.role != Role.PRODUCT_MANAGER:
        return False
    if conversation.assignee_id == viewer.id:
        return True
    return db.session.get(ConversationParticipant, (conversation.id, viewer.id)) is not None


def qualifies(message: Message) -> bool:
    """A message a partner person wrote (not a system line, not the OEM's)."""
    return (
        message.kind == MessageKind.TEXT
        and message.author is not None
        and not message.author.is_oem
        and bool(message.body.strip())
    )


def message_for(viewer: Person, message_id: int) -> tuple[Message, Conversation] | None:
    """The message and its conversation if the viewer may see the conversation (None
    otherwise: a 404). PermissionError when they see it but don't handle it, or the
    message is not a partner's."""
    message = db.session.get(Message, message_id)
    if message is None:
        return None
    conversation = conversation_access.find_conversation(viewer, message.conversation_id)
    if conversation is None:
        return None
    if not handles(viewer, conversation) or not qualifies(message):
        raise PermissionError(HANDLERS_ONLY)
    return message, conversation


def prefill(message: Message, conversation: Conversation) -> dict:
    """The idea form's first values: a title from the message's first words, the message
    as the customer's problem, the conversation's product line."""
    words = message.body.split()
    title = " ".join(words[:TITLE_WORDS])
    if len(words) > TITLE_WORDS:
        title += "…"
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    return {
        "title": title,
        "problem": message.body.strip(),
        "description": "",
        "product_line_id": str(conversation.product_line_id or ""),
    }


def idea_from_message(
    actor: Person, message: Message, conversation: Conversation, data: dict
) -> Idea:
    """Post the idea the product manager shaped from the message (see the module)."""
    if not handles(actor, conversation) or not qualifies(message):
        raise PermissionError(HANDLERS_ONLY)
    problems = field_problems(data)
    if problems:
        raise ValidationFailed(problems)
    idea = Idea(
        product_line_id=int(data["product_line_id"]),
        author_id=message.author_id,
        organization_id=conversation.organization_id,
        title=data["title"].strip(),
        problem=data["problem"].strip(),
        description=(data.get("description") or "").strip(),
        filed_by_id=actor.id,
        source_message_id=message.id,
    )
    db.session.add(idea)
    db.session.flush()
    db.session.add(IdeaSubscription(idea_id=idea.id, person_id=message.author_id))
    db.session.add(
        IdeaEvidence(
            idea_id=idea.id,
            message_id=message.id,
            conversation_id=conversation.id,
            organization_id=conversation.organization_id,
            note="The idea was made from this message.",
            added_by_id=actor.id,
        )
    )
    audit.record(
        "idea.posted_from_conversation",
        idea,
        actor=actor,
        after={
            "title": idea.title,
            "conversation_id": conversation.id,
            "message_id": message.id,
        },
        summary=f"Idea “{idea.title}” made from a message of “{conversation.subject}”",
    )
    db.session.flush()
    return idea


def attach(
    actor: Person, message: Message, conversation: Conversation, idea: Idea | None, note: str
) -> IdeaEvidence:
    """Attach the message to the idea as evidence, with an optional note."""
    if not handles(actor, conversation) or not qualifies(message):
        raise PermissionError(HANDLERS_ONLY)
    note = (note or "").strip()
    problems: dict[str, list[str]] = {}
    if idea is None:
        problems["idea_id"] = ["Choose the idea this message is evidence for."]
    elif idea.status == IdeaStatus.MERGED:
        problems["idea_id"] = [
            f"That idea is merged into idea {idea.merged_into_id}; attach it there."
        ]
    if len(note) > COMMENT_MAX:
        problems["note"] = [f"Keep the note to {COMMENT_MAX:,} characters."]
    if problems:
        raise ValidationFailed(problems)
    assert idea is not None
    exists = db.session.scalar(
        sa.select(IdeaEvidence.id).where(
            IdeaEvidence.idea_id == idea.id, IdeaEvidence.message_id == message.id
        )
    )
    if exists:
        raise Conflict({"idea_id": ["This message is evidence for that idea already."]})
    row = IdeaEvidence(
        idea_id=idea.id,
        message_id=message.id,
        conversation_id=conversation.id,
        organization_id=conversation.organization_id,
        note=note,
        added_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "idea.evidence_added",
        idea,
        actor=actor,
        after={"message_id": message.id, "conversation_id": conversation.id},
        summary=f"A message from {conversation.organization.name} attached to “{idea.title}”",
    )
    return row


@dataclass
class Evidence:
    row: IdeaEvidence
    # The conversation's id when the viewer may open it (else the link is not shown).
    conversation_id: int | None
    subject: str | None


def can_see_evidence(viewer: Person) -> bool:
    return can_triage(viewer)


def evidence_for(viewer: Person, idea: Idea) -> list[Evidence]:
    """The idea's evidence for a product manager or program admin (nothing for others)."""
    if not can_see_evidence(viewer):
        return []
    rows = db.session.scalars(
        sa.select(IdeaEvidence).where(IdeaEvidence.idea_id == idea.id).order_by(IdeaEvidence.id)
    ).all()
    if not rows:
        return []
    visible = {
        c.id: c.subject
        for c in db.session.scalars(
            conversation_access.visible_conversations(viewer).where(
                Conversation.id.in_({r.conversation_id for r in rows})
            )
        )
    }
    return [
        Evidence(
            r,
            r.conversation_id if r.conversation_id in visible else None,
            visible.get(r.conversation_id),
        )
        for r in rows
    ]
