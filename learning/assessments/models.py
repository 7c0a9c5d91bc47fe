"""Practical assessments: a level's hands-on requirement, each learner's submission of
evidence for it, and the evidence files (one row per file, by the round it came in)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, enum_type, utcnow
from hub.models import Person, StoredFile
from learning.paths.models import Level


class PracticalAssessment(Base):
    """A level's practical assessment (the level has one when this row exists): what to
    do and what evidence to upload. Signing it off is part of the level's requirements."""

    __tablename__ = "learning_practical_assessment"

    level_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_level.id", ondelete="CASCADE"), primary_key=True
    )
    instructions: Mapped[str] = mapped_column(sa.Text, default="")

    level: Mapped[Level] = relationship(lazy="joined", innerjoin=True)


class SubmissionStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # waiting for a reviewer
    MORE_REQUESTED = "more_requested"  # back with the learner
    SIGNED_OFF = "signed_off"

    @property
    def label(self) -> str:
        return {
            "submitted": "Waiting for review",
            "more_requested": "More evidence asked for",
            "signed_off": "Signed off",
        }[self.value]


class AssessmentSubmission(Base):
    """One person's evidence for one level's practical assessment, through its rounds:
    submitted → (more asked for → submitted again)… → signed off."""

    __tablename__ = "learning_assessment_submission"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "level_id", name="uq_learning_assessment_person_level"),
        sa.Index("ix_learning_assessment_submission_status", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    level_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_level.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[SubmissionStatus] = mapped_column(enum_type(SubmissionStatus))
    round: Mapped[int] = mapped_column(default=1)
    note: Mapped[str] = mapped_column(sa.String(2000), default="")  # the learner's, this round
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)  # this round's
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    review_message: Mapped[str] = mapped_column(sa.String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined", innerjoin=True)
    reviewer: Mapped[Person | None] = relationship(foreign_keys=[reviewer_id])
    level: Mapped[Level] = relationship(lazy="joined", innerjoin=True)
    evidence: Mapped[list[AssessmentEvidence]] = relationship(
        back_populates="submission",
        order_by="AssessmentEvidence.id",
        cascade="all, delete-orphan",
    )


class AssessmentEvidence(Base):
    """A photo or PDF (a commissioning report) the learner uploaded in one round."""

    __tablename__ = "learning_assessment_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_assessment_submission.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    round: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[AssessmentSubmission] = relationship(back_populates="evidence")
    file: Mapped[StoredFile] = relationship(lazy="joined", innerjoin=True)
