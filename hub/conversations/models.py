"""Conversations: who talks with whom about what, their messages, files and hand-offs."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.db import enum_type as _enum
from hub.models import Organization, Person, ProductLine, StoredFile


class ConversationStatus(enum.StrEnum):
    """Where a conversation stands: new and unanswered, whose turn it is, or done."""

    OPEN = "open"
    WAITING_ON_PARTNER = "waiting_on_partner"
    WAITING_ON_OEM = "waiting_on_oem"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return {
            "open": "Open",
            "waiting_on_partner": "Waiting on partner",
            "waiting_on_oem": "Waiting on OEM",
            "resolved": "Resolved",
        }[self.value]


class MessageKind(enum.StrEnum):
    """A message someone wrote, or one the hub wrote to record an event (a hand-off)."""

    TEXT = "text"
    SYSTEM = "system"


class Conversation(Base):
    """A partner organisation's line to the OEM: a subject, its numbered messages, the OEM
    person handling it and its state.

    `assignee_id` is None while it waits in the channel team's queue (every channel
    manager sees the queue). `last_seq` is the number of its latest message; messages are
    numbered 1, 2, 3… per conversation, under a lock on this row.
    """

    __tablename__ = "conversation"
    __table_args__ = (sa.Index("ix_conversation_organization_status", "organization_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    subject: Mapped[str] = mapped_column(sa.String(200))
    product_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_line.id", ondelete="SET NULL"), index=True
    )
    # What it is about elsewhere in the hub (a kind a feature registered, e.g. "campaign") and its id.
    link_kind: Mapped[str | None] = mapped_column(sa.String(20))
    link_id: Mapped[int | None]
    status: Mapped[ConversationStatus] = mapped_column(
        _enum(ConversationStatus), default=ConversationStatus.OPEN
    )
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    last_seq: Mapped[int] = mapped_column(default=0)

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
    # selectin, not joined: Person joins its Organization (see AuditEvent.actor).
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id], lazy="selectin")
    created_by: Mapped[Person] = relationship(foreign_keys=[created_by_id], lazy="selectin")
    product_line: Mapped[ProductLine | None] = relationship(lazy="selectin")

    def __repr__(self) -> str:
        return f"<Conversation {self.id} {self.subject!r}>"


class ConversationParticipant(Base):
    """Someone who takes part in a conversation, and how far they have read it.

    `reminded_seq` is the last message an unread-messages e-mail covered, so each unread
    message is mailed about at most once.
    """

    __tablename__ = "conversation_participant"

    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_seq: Mapped[int] = mapped_column(default=0)
    reminded_seq: Mapped[int] = mapped_column(default=0)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(lazy="selectin")


class Message(Base):
    """One message of a conversation, numbered by `seq`. Never changed once stored.

    `client_msg_id` is the sender's own id for it (a UUID): sending the same one again
    returns this message instead of storing a second. System messages have no author.
    """

    __tablename__ = "message"
    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "seq", name="uq_message_conversation_seq"),
        sa.UniqueConstraint(
            "conversation_id", "client_msg_id", name="uq_message_conversation_client_msg_id"
        ),
        sa.Index("ix_message_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversation.id", ondelete="CASCADE")
    )
    seq: Mapped[int]
    client_msg_id: Mapped[str] = mapped_column(sa.String(64))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind, 10), default=MessageKind.TEXT)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person | None] = relationship(lazy="selectin")


class MessageAttachment(Base):
    """A file sent with a message (an image or a PDF), in the order it was attached."""

    __tablename__ = "message_attachment"

    message_id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        sa.ForeignKey("message.id", ondelete="CASCADE"),
        primary_key=True,
    )
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    file: Mapped[StoredFile] = relationship(lazy="joined", innerjoin=True)


class Handoff(Base):
    """A conversation passed from one OEM person to another, with a note for the receiver.

    It waits (`accepted_at` empty) until the receiver accepts it; the conversation is
    theirs — in their queue — from the moment it is handed over.
    """

    __tablename__ = "handoff"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    from_person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    to_person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]

    from_person: Mapped[Person] = relationship(foreign_keys=[from_person_id], lazy="selectin")
    to_person: Mapped[Person] = relationship(foreign_keys=[to_person_id], lazy="selectin")
