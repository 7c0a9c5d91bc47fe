"""Quizzes: the question bank of a module, its rules, and each attempt at it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from learning.paths.models import Module


class Quiz(Base):
    """A module's quiz: how many questions are drawn, the pass mark, and how often one
    may try (`max_attempts` within `cooldown_hours`; then the cool-down)."""

    __tablename__ = "learning_quiz"
    __table_args__ = (
        sa.CheckConstraint("pass_percent BETWEEN 1 AND 100", name="pass_percent_in_range"),
        sa.CheckConstraint("max_attempts > 0", name="max_attempts_is_positive"),
        sa.CheckConstraint("time_limit_minutes > 0", name="time_limit_is_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_module.id", ondelete="CASCADE"), unique=True
    )
    pass_percent: Mapped[int] = mapped_column(default=80)
    draw: Mapped[int] = mapped_column(default=0)  # questions drawn per attempt; 0: all
    max_attempts: Mapped[int] = mapped_column(default=3)
    cooldown_hours: Mapped[int] = mapped_column(default=24)
    time_limit_minutes: Mapped[int] = mapped_column(default=30)

    module: Mapped[Module] = relationship(lazy="joined", innerjoin=True)
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Base):
    """A question with single (one right choice) or multiple (every right one) answers."""

    __tablename__ = "learning_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_quiz.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=1)
    prompt: Mapped[str] = mapped_column(sa.String(500))
    multiple: Mapped[bool] = mapped_column(default=False)
    explanation: Mapped[str] = mapped_column(sa.String(500), default="")

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question",
        order_by="Choice.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class Choice(Base):
    """One answer to a question. `correct` never leaves the server before grading."""

    __tablename__ = "learning_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_question.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(sa.String(300))
    correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="choices")


class QuizAttempt(Base):
    """One try at a quiz: the questions drawn (in the order shown), the time it runs out,
    and once submitted the answers given and the grade."""

    __tablename__ = "learning_quiz_attempt"
    __table_args__ = (sa.Index("ix_learning_quiz_attempt_person_quiz", "person_id", "quiz_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("learning_quiz.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # [{"question": id, "choices": [id, …]}, …] in the order shown
    drawn: Mapped[list] = mapped_column(sa.JSON, default=list)
    submitted_at: Mapped[datetime | None]
    answers: Mapped[dict | None] = mapped_column(sa.JSON)  # {question id: [choice id, …]}
    score_percent: Mapped[int | None]
    passed: Mapped[bool] = mapped_column(default=False)

    quiz: Mapped[Quiz] = relationship(lazy="joined", innerjoin=True)
