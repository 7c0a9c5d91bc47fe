"""Recognition: badges a person earns by milestones, kudos one person gives another, and
each person's choice to stay off leaderboards and the recognition wall."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, enum_type, utcnow
from hub.models import Person


class BadgeKind(enum.StrEnum):
    FIRST_CERTIFICATION = "first_certification"
    FULL_TRACK = "full_track"
    RENEWED_ON_TIME = "renewed_on_time"
    MENTOR = "mentor"

    @property
    def label(self) -> str:
        return {
            "first_certification": "First certification",
            "full_track": "Full track",
            "renewed_on_time": "Renewed on time",
            "mentor": "Mentor",
        }[self.value]

    @property
    def meaning(self) -> str:
        return {
            "first_certification": "Earned a first certification.",
            "full_track": "Holds every level of a path at once.",
            "renewed_on_time": "Renewed a certification before it expired.",
            "mentor": "Recognised by a colleague for mentoring.",
        }[self.value]


class Badge(Base):
    """A milestone reached. (person, kind, key) is unique, so awarding twice changes
    nothing: `key` tells apart badges of one kind (the path completed, the level renewed)."""

    __tablename__ = "learning_badge"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "kind", "key", name="uq_learning_badge_person_kind_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[BadgeKind] = mapped_column(enum_type(BadgeKind))
    key: Mapped[str] = mapped_column(sa.String(80), default="")
    detail: Mapped[str] = mapped_column(sa.String(200), default="")
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)


class KudosCategory(enum.StrEnum):
    LEARNING = "learning"
    CUSTOMER = "customer"
    TEAMWORK = "teamwork"
    MENTORING = "mentoring"

    @property
    def label(self) -> str:
        return {
            "learning": "Learning",
            "customer": "Customer service",
            "teamwork": "Teamwork",
            "mentoring": "Mentoring",
        }[self.value]


class Kudos(Base):
    """A short thank-you from OEM staff or a partner admin to a person (plain text, shown
    escaped)."""

    __tablename__ = "learning_kudos"

    id: Mapped[int] = mapped_column(primary_key=True)
    giver_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    recipient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[KudosCategory] = mapped_column(enum_type(KudosCategory))
    message: Mapped[str] = mapped_column(sa.String(280))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    giver: Mapped[Person | None] = relationship(foreign_keys=[giver_id], lazy="joined")
    recipient: Mapped[Person] = relationship(
        foreign_keys=[recipient_id], lazy="joined", innerjoin=True
    )


class RecognitionSetting(Base):
    """A person's choice: off leaderboards and the recognition wall (no row: listed)."""

    __tablename__ = "learning_recognition_setting"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    opted_out: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
