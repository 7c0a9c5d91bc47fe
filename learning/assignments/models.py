"""Assignments: a path (or one level) a partner admin gives a staff member of their
organisation to finish by a date, and the reminders sent about it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.models import Person
from learning.paths.models import Level, Path


class AssignmentTitle:
    """An assignment's title — its path's, or its level's: the one rule for the mapped row
    and the read-only one the learner's dashboard lists (`service.MyAssignment`)."""

    @property
    def title(self) -> str:
        return self.path.title if self.path is not None else self.level.title


class Assignment(AssignmentTitle, Base):
    """Finish `path` (every level held) or `level` (held) by `due_on`. Cancelled ones are
    kept (cancelled_at) for the record; the daily job reminds once when due within three
    days and once when overdue."""

    __tablename__ = "learning_assignment"
    __table_args__ = (
        sa.CheckConstraint("(path_id IS NULL) <> (level_id IS NULL)", name="path_or_level"),
        sa.Index("ix_learning_assignment_person", "person_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    path_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("learning_path.id", ondelete="CASCADE")
    )
    level_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("learning_level.id", ondelete="CASCADE")
    )
    due_on: Mapped[date]
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL")
    )
    due_soon_reminded_at: Mapped[datetime | None]
    overdue_reminded_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined", innerjoin=True)
    assigned_by: Mapped[Person | None] = relationship(foreign_keys=[assigned_by_id])
    path: Mapped[Path | None] = relationship()
    level: Mapped[Level | None] = relationship()
