"""Who sees a conversation — the access policy for conversations (docs/realtime.md).

- a partner person: every conversation of their own organisation (colleagues cover for
  one another), and a conversation of an organisation beneath theirs only when they
  take part in it — a dealer's line to the OEM is not its distributor's business;
- a channel manager: those assigned to them, those waiting in the channel team's queue,
  those of the organisations they cover, and those they take part in;
- a product manager: those handed (assigned) to them and those they take part in;
- the program admin: all of them.

Anything else does not exist for the viewer: None here, 404 on pages and the API, a
refused join on a socket. Taking part (`ConversationParticipant`) starts when someone
starts, writes in, reads, is handed or takes a conversation, and never ends, so a channel
manager who handed a conversation on keeps seeing it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from sqlalchemy import orm
from sqlalchemy.sql import ColumnElement, Select

from hub import db, policy
from hub.conversations.models import Conversation, ConversationParticipant, ConversationStatus
from hub.models import Person, Role, TerritoryAssignment


def _takes_part(viewer: Person) -> ColumnElement[bool]:
    return Conversation.id.in_(
        sa.select(ConversationParticipant.conversation_id).where(
            ConversationParticipant.person_id == viewer.id
        )
    )


def conversation_scope(viewer: Person) -> ColumnElement[bool]:
    """A WHERE clause on Conversation limiting rows to those the viewer may see."""
    if viewer.role == Role.PROGRAM_ADMIN:
        return sa.true()
    if viewer.role == Role.CHANNEL_MANAGER:
        covered = Conversation.organization_id.in_(
            sa.select(TerritoryAssignment.organization_id).where(
                TerritoryAssignment.channel_manager_id == viewer.id
            )
        )
        return sa.or_(
            Conversation.assignee_id == viewer.id,
            Conversation.assignee_id.is_(None),
            covered,
            _takes_part(viewer),
        )
    if viewer.role == Role.PRODUCT_MANAGER:
        return sa.or_(Conversation.assignee_id == viewer.id, _takes_part(viewer))
    return sa.and_(
        Conversation.organization_id.in_(policy.visible_organization_ids(viewer)),
        sa.or_(
            Conversation.organization_id == viewer.organization_id,
            _takes_part(viewer),
        ),
    )


def visible_conversations(viewer: Person) -> Select:
    """SELECT of the conversations the viewer may see."""
    return sa.select(Conversation).where(conversation_scope(viewer))


def find_conversation(viewer: Person, conversation_id) -> Conversation | None:
    """The conversation if the viewer may see it; None whether or not it exists."""
    if not isinstance(conversation_id, int) or isinstance(conversation_id, bool):
        return None
    return db.session.scalar(
        visible_conversations(viewer)
        .where(Conversation.id == conversation_id)
        # One conversation: its people load when used (often from the session, no query),
        # not in three more statements on every socket event.
        .options(
            orm.lazyload(Conversation.assignee),
            orm.lazyload(Conversation.created_by),
            orm.lazyload(Conversation.product_line),
        )
    )


def visible_conversation(viewer: Person, conversation_id) -> Conversation:
    """The conversation if the viewer may see it; ConversationNotFound otherwise (a socket
    event's answer), whether or not it exists."""
    conversation = find_conversation(viewer, conversation_id)
    if conversation is None:
        raise ConversationNotFound()
    return conversation


def get_conversation_or_404(viewer: Person, conversation_id: int) -> Conversation:
    """The conversation if the viewer may see it; otherwise a 404, whether or not it exists."""
    conversation = find_conversation(viewer, conversation_id)
    if conversation is None:
        abort(404)
    return conversation


class ConversationNotFound(Exception):
    """The conversation does not exist, or the person may not see it (never said which)."""

    def __init__(self):
        super().__init__("No such conversation, or you may not see it.")


def can_see(viewer: Person, conversation: Conversation) -> bool:
    """Whether the viewer may see the conversation (one EXISTS: nothing is loaded)."""
    visible = visible_conversations(viewer).where(Conversation.id == conversation.id)
    return bool(db.session.scalar(sa.select(visible.exists())))


def require_visible(viewer: Person, conversation: Conversation) -> None:
    if not can_see(viewer, conversation):
        raise ConversationNotFound()


def can_hand_off(viewer: Person, conversation: Conversation) -> bool:
    """OEM staff who see a conversation may hand it on."""
    return viewer.is_oem and viewer.active


def can_take(viewer: Person, conversation: Conversation) -> bool:
    """A channel manager may take a conversation that waits in the team's queue."""
    return viewer.role == Role.CHANNEL_MANAGER and conversation.assignee_id is None


def statuses_for(viewer: Person) -> list[ConversationStatus]:
    """The states the viewer may set: OEM staff any, partners resolve or reopen."""
    if viewer.is_oem:
        return list(ConversationStatus)
    return [ConversationStatus.OPEN, ConversationStatus.RESOLVED]
