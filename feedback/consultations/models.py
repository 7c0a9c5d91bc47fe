"""Program consultations: a proposed program change opened for comment by the program
admin (what changes, from when, which rule, the comment period, who is asked), one
agree/concerned signal per person, comments, and the published response with the record
of who was told.

The rule the change concerns is copied when the consultation is opened (key, label and
its wording that day): the consultation keeps showing what the rule *was* when partners
were asked, even after the owning area changes it. Audiences are lists of tier ids and
regions (empty: every partner).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, enum_type, utcnow
from hub.models import Person

TITLE_MAX = 160
SUMMARY_MAX = 5000
COMMENT_MAX = 2000
RESPONSE_MAX = 5000


class Signal(enum.StrEnum):
    AGREE = "agree"
    CONCERNED = "concerned"

    @property
    def label(self) -> str:
        return "I agree" if self is Signal.AGREE else "I'm concerned"


class Outcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    CHANGED = "changed"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return {
            "confirmed": "Confirmed as proposed",
            "changed": "Changed after comments",
            "dropped": "Dropped",
        }[self.value]


class Consultation(Base):
    """A proposed program change, open for comment from `opens_on` to `closes_on` (both
    days included, in the program's zone)."""

    __tablename__ = "consultation"
    __table_args__ = (sa.CheckConstraint("closes_on >= opens_on", name="period_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(sa.Text)
    effective_on: Mapped[date]
    rule_key: Mapped[str] = mapped_column(sa.String(120), default="")
    rule_label: Mapped[str] = mapped_column(sa.String(200), default="")
    rule_current: Mapped[str] = mapped_column(sa.Text, default="")
    rule_url: Mapped[str] = mapped_column(sa.String(300), default="")
    opens_on: Mapped[date] = mapped_column(index=True)
    closes_on: Mapped[date] = mapped_column(index=True)
    # Empty lists: every partner. Otherwise a partner's organisation must have one of the
    # tiers (when tiers are chosen) and one of the regions (when regions are chosen).
    audience_tier_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    audience_regions: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome))
    response: Mapped[str] = mapped_column(sa.Text, default="")
    responded_at: Mapped[datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    notified_count: Mapped[int] = mapped_column(default=0)

    created_by: Mapped[Person] = relationship(foreign_keys=[created_by_id])

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.title!r}>"


class ConsultationSignal(Base):
    """One person's agree/concerned signal (changeable until the period closes)."""

    __tablename__ = "consultation_signal"

    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True, index=True)
    signal: Mapped[Signal] = mapped_column(enum_type(Signal))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConsultationComment(Base):
    """A partner user's comment on a consultation; organization_id is the author's
    organisation when written (what the access policy scopes comments by)."""

    __tablename__ = "consultation_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class ConsultationNotice(Base):
    """Who was told of the published response (in the app and by e-mail)."""

    __tablename__ = "consultation_notice"

    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    notified_at: Mapped[datetime] = mapped_column(default=utcnow)
