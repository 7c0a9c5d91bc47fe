"""Beta programs: a product manager's program with its eligibility rules, dates and NDA,
the partner users who apply (and the decision), their NDA signatures per version, the
voters of a linked idea who were invited, and the private space — documents, structured
reports with photos, and surveys with their answers."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, enum_type, utcnow
from hub.models import Person, ProductLine, StoredFile

TITLE_MAX = 140
TEXT_MAX = 5000
MOTIVATION_MAX = 1000
PROMPT_MAX = 300


class ApplicationStatus(enum.StrEnum):
    APPLIED = "applied"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ReportKind(enum.StrEnum):
    ISSUE = "issue"
    IDEA = "idea"
    PRAISE = "praise"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class QuestionKind(enum.StrEnum):
    RATING = "rating"
    CHOICE = "choice"
    TEXT = "text"

    @property
    def label(self) -> str:
        return {"rating": "Rating 1–5", "choice": "Single choice", "text": "Free text"}[self.value]


class BetaProgram(Base):
    """A beta program a product manager runs for a product line.

    Eligibility is three lists, each empty for "anyone": tier ids, regions, and
    qualification keys (hub.registry's qualifications — a person needs one of them).
    The NDA's version goes up whenever its text changes; testers sign each version.
    """

    __tablename__ = "beta_program"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_line_id: Mapped[int] = mapped_column(sa.ForeignKey("product_line.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    tester_tasks: Mapped[str] = mapped_column(sa.Text, default="")
    tier_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    regions: Mapped[list] = mapped_column(sa.JSON, default=list)
    qualification_keys: Mapped[list] = mapped_column(sa.JSON, default=list)
    max_participants: Mapped[int] = mapped_column(default=10)
    applications_open: Mapped[date]
    applications_close: Mapped[date]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    nda_text: Mapped[str] = mapped_column(sa.Text, default="")
    nda_version: Mapped[int] = mapped_column(default=1)
    idea_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("idea.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    outcome_posted_at: Mapped[datetime | None]

    product_line: Mapped[ProductLine] = relationship(lazy="joined", innerjoin=True)
    created_by: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<BetaProgram {self.id} {self.title!r}>"


class BetaApplication(Base):
    """A partner user's application to a program, and the product manager's decision."""

    __tablename__ = "beta_application"
    __table_args__ = (sa.UniqueConstraint("program_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beta_program.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    motivation: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_type(ApplicationStatus), default=ApplicationStatus.APPLIED
    )
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined", innerjoin=True)


class BetaNdaSignature(Base):
    """A tester's click-to-sign of one version of a program's NDA."""

    __tablename__ = "beta_nda_signature"
    __table_args__ = (sa.UniqueConstraint("program_id", "person_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beta_program.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    version: Mapped[int]
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str] = mapped_column(sa.String(64), default="")


class BetaInvitation(Base):
    """A voter of the program's linked idea who was invited to apply (once)."""

    __tablename__ = "beta_invitation"

    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beta_program.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True)
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)


class BetaDocument(Base):
    """A document or download the product manager put in the program's space."""

    __tablename__ = "beta_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beta_program.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    file: Mapped[StoredFile] = relationship(lazy="joined", innerjoin=True)


class BetaReport(Base):
    """A tester's structured report: an issue (with severity and steps), an idea or praise."""

    __tablename__ = "beta_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beta_program.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    kind: Mapped[ReportKind] = mapped_column(enum_type(ReportKind))
    severity: Mapped[Severity | None] = mapped_column(enum_type(Severity))
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    details: Mapped[str] = mapped_column(sa.Text, default="")
    steps: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    photos: Mapped[list[BetaReportPhoto]] = relationship(
        order_by="BetaReportPhoto.id", lazy="selectin"
    )


class BetaReportPhoto(Base):
    """A photo of a report: a checked, re-encoded image (hub.uploads)."""

    __tablename__ = "beta_report_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beta_report.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"), unique=True)

    file: Mapped[StoredFile] = relationship(lazy="joined", innerjoin=True)


class BetaSurvey(Base):
    """A survey the product manager asks the program's testers."""

    __tablename__ = "beta_survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beta_program.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    intro: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questions: Mapped[list[BetaQuestion]] = relationship(
        order_by="BetaQuestion.position", lazy="selectin"
    )


class BetaQuestion(Base):
    """One question of a survey: a 1–5 rating, a single choice, or free text."""

    __tablename__ = "beta_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beta_survey.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind))
    prompt: Mapped[str] = mapped_column(sa.String(PROMPT_MAX))
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)


class BetaSurveyResponse(Base):
    """One tester's answers to a survey (one response per person)."""

    __tablename__ = "beta_survey_response"
    __table_args__ = (sa.UniqueConstraint("survey_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beta_survey.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class BetaAnswer(Base):
    """The answer to one question in a response."""

    __tablename__ = "beta_answer"
    __table_args__ = (
        sa.CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_1_to_5"),
    )

    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beta_survey_response.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("beta_question.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    rating: Mapped[int | None]
    choice: Mapped[str | None] = mapped_column(sa.String(PROMPT_MAX))
    text: Mapped[str] = mapped_column(sa.Text, default="")
