"""Video calls in a conversation and who took part."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.models import Person


class Call(Base):
    """A video call in a conversation: live while `ended_at` is empty (one at a time per
    conversation). The media goes between the browsers; the hub only relays signalling."""

    __tablename__ = "call"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    started_by: Mapped[Person] = relationship(lazy="selectin")


class CallParticipant(Base):
    """One stay of a person in a call: from joining to leaving (empty while still in it).
    Leaving and joining again makes a second row."""

    __tablename__ = "call_participant"
    __table_args__ = (sa.Index("ix_call_participant_call_person", "call_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(lazy="selectin")
