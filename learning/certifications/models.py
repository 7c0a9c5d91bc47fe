"""Certifications: a person's achievement of a level, with its validity and revocation."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.models import Person
from learning.paths.models import Level


class CertificationStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Certification(Base):
    """A level achieved by a person. It belongs to the person (not their organisation);
    `credential_id` is the unguessable id the public verification page is found by."""

    __tablename__ = "learning_certification"
    __table_args__ = (
        sa.CheckConstraint("valid_until > issued_at", name="valid_after_issue"),
        sa.Index("ix_learning_certification_person_level", "person_id", "level_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    level_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_level.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL")
    )
    revoke_reason: Mapped[str] = mapped_column(sa.String(300), default="")

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined", innerjoin=True)
    level: Mapped[Level] = relationship(lazy="joined", innerjoin=True)

    def status(self, now: datetime | None = None) -> CertificationStatus:
        """Revoked wins; otherwise valid until `valid_until`, expired after."""
        if self.revoked_at is not None:
            return CertificationStatus.REVOKED
        if (now or utcnow()) >= self.valid_until:
            return CertificationStatus.EXPIRED
        return CertificationStatus.VALID
