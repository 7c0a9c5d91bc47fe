"""Certifications: a person's achievement of a level, with its validity, grace, renewal
chain and revocation; and the renewal reminders sent for each."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.models import Person
from learning.paths.models import Level


class CertificationStatus(enum.StrEnum):
    UPCOMING = "upcoming"  # a renewal whose validity starts when the one it renews ends
    VALID = "valid"
    IN_GRACE = "in_grace"  # expired, still renewable; not counted as valid anywhere
    RENEWED = "renewed"  # expired, and continued by its renewal
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return {"in_grace": "In grace", "upcoming": "Starts later"}.get(
            self.value, self.value.capitalize()
        )


class Validity:
    """A certification's status at a moment, from its dates, revocation and renewal: the
    one rule for the mapped row (`Certification`) and the read-only rows the learner's
    dashboards list (`requirements.HeldCertification`). Both have `revoked_at`,
    `valid_from`, `valid_until`, `grace_until` and `renewal` (the certification that
    continues this one, or None)."""

    def status(self, now: datetime | None = None) -> CertificationStatus:
        """Revoked wins; a renewal is "upcoming" until its start; valid until
        `valid_until`; then renewed (when continued), in grace, or expired."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return CertificationStatus.REVOKED
        if now < self.valid_from:
            return CertificationStatus.UPCOMING
        if now < self.valid_until:
            return CertificationStatus.VALID
        if self.renewal is not None and self.renewal.revoked_at is None:
            return CertificationStatus.RENEWED
        if now < self.grace_until:
            return CertificationStatus.IN_GRACE
        return CertificationStatus.EXPIRED


class Certification(Validity, Base):
    """A level achieved by a person. It belongs to the person (not their organisation);
    `credential_id` is the unguessable id the public verification page is found by.
    A renewal is a new row whose `renews_id` names the one it continues: the chain."""

    __tablename__ = "learning_certification"
    __table_args__ = (
        sa.CheckConstraint("valid_until > issued_at", name="valid_after_issue"),
        sa.CheckConstraint("valid_until > valid_from", name="valid_after_start"),
        sa.CheckConstraint("grace_until >= valid_until", name="grace_after_expiry"),
        sa.Index("ix_learning_certification_person_level", "person_id", "level_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    level_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_level.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_from: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[datetime]
    # The end of the grace period (valid_until + the level's grace_days at issue).
    grace_until: Mapped[datetime]
    renews_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("learning_certification.id", ondelete="SET NULL"), unique=True
    )
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL")
    )
    revoke_reason: Mapped[str] = mapped_column(sa.String(300), default="")

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined", innerjoin=True)
    level: Mapped[Level] = relationship(lazy="joined", innerjoin=True)
    # The certification that continues this one (None until renewed).
    renewal: Mapped[Certification | None] = relationship(
        primaryjoin="Certification.id == remote(Certification.renews_id)",
        viewonly=True,
        uselist=False,
        lazy="selectin",
        join_depth=1,
    )


class RenewalReminder(Base):
    """A renewal reminder sent for a certification (90, 30 or 7 days before it expires):
    the record that makes the daily job send each one once."""

    __tablename__ = "learning_renewal_reminder"
    __table_args__ = (
        sa.UniqueConstraint(
            "certification_id", "days_before", name="uq_learning_renewal_reminder_window"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_certification.id", ondelete="CASCADE")
    )
    days_before: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)  # holder and partner admins told
