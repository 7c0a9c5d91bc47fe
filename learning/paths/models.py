"""Paths, their levels and modules, and each person's progress through the modules."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, enum_type, utcnow
from hub.models import ProductLine


class LearningTrack(enum.StrEnum):
    """What a path teaches: selling the product line, the product itself, or installing
    and servicing it."""

    SALES = "sales"
    TECHNICAL = "technical"
    INSTALLATION_SERVICE = "installation_service"

    @property
    def label(self) -> str:
        return {
            "sales": "Sales",
            "technical": "Technical",
            "installation_service": "Installation & Service",
        }[self.value]


level_prerequisite = sa.Table(
    "learning_level_prerequisite",
    Base.metadata,
    sa.Column("level_id", sa.ForeignKey("learning_level.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "required_level_id",
        sa.ForeignKey("learning_level.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Path(Base):
    """One track of one product line (e.g. Technical — Tractors): a ladder of levels."""

    __tablename__ = "learning_path"
    __table_args__ = (
        sa.UniqueConstraint("product_line_id", "track", name="uq_learning_path_line_track"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_line_id: Mapped[int] = mapped_column(sa.ForeignKey("product_line.id"), index=True)
    track: Mapped[LearningTrack] = mapped_column(enum_type(LearningTrack))
    title: Mapped[str] = mapped_column(sa.String(160))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product_line: Mapped[ProductLine] = relationship(lazy="joined", innerjoin=True)
    levels: Mapped[list[Level]] = relationship(
        back_populates="path", order_by="Level.rank", cascade="all, delete-orphan"
    )


class Level(Base):
    """A step of a path (Foundation → Professional → Expert): passing all its modules
    earns a certification valid for `validity_months`."""

    __tablename__ = "learning_level"
    __table_args__ = (
        sa.UniqueConstraint("path_id", "rank", name="uq_learning_level_path_rank"),
        sa.CheckConstraint("validity_months > 0", name="validity_is_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(sa.ForeignKey("learning_path.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(sa.String(80))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    validity_months: Mapped[int] = mapped_column(default=24)
    # After expiry, the days a certification of this level is "in grace": still renewable
    # by the recertification module, shown, but not counted as valid (learning.certifications).
    grace_days: Mapped[int] = mapped_column(default=60)

    path: Mapped[Path] = relationship(back_populates="levels", lazy="joined", innerjoin=True)
    # The path's modules; a recertification module (Module.recert) is not one of them.
    modules: Mapped[list[Module]] = relationship(
        back_populates="level",
        order_by="Module.position",
        cascade="all, delete-orphan",
        primaryjoin="and_(Level.id == Module.level_id, Module.recert.is_(False))",
    )
    # The shorter module (and its quiz) that renews the level's certification; add it with
    # `Module(level_id=…, recert=True)` (not `level=`, which would list it among `modules`).
    recert_module: Mapped[Module | None] = relationship(
        primaryjoin="and_(Level.id == Module.level_id, Module.recert.is_(True))",
        viewonly=True,
        uselist=False,
    )
    prerequisites: Mapped[list[Level]] = relationship(
        secondary=level_prerequisite,
        primaryjoin=lambda: Level.id == level_prerequisite.c.level_id,
        secondaryjoin=lambda: Level.id == level_prerequisite.c.required_level_id,
        order_by="Level.rank",
    )

    @property
    def title(self) -> str:
        """The achievement's name, e.g. "Technical Professional — Tractors"."""
        path = self.path
        return f"{path.track.label} {self.name} — {path.product_line.name}"


class Module(Base):
    """A unit of content (Markdown, rendered safely) with an estimated reading time."""

    __tablename__ = "learning_module"
    __table_args__ = (sa.CheckConstraint("minutes > 0", name="minutes_is_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_level.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(160))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    minutes: Mapped[int] = mapped_column(default=15)
    recert: Mapped[bool] = mapped_column(default=False)  # the level's recertification module

    level: Mapped[Level] = relationship(back_populates="modules", lazy="joined", innerjoin=True)


class ModuleProgress(Base):
    """A person's progress through a module: opened, and (once read) completed."""

    __tablename__ = "learning_module_progress"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_module.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
