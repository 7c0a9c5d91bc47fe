"""Specialisations: what an organisation holds while enough of its people are certified
in a track of a product line (configured by the program admin)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, enum_type, utcnow
from hub.models import ProductLine
from learning.paths.models import LearningTrack


class Specialisation(Base):
    """E.g. "Installation Certified — Compact Tractors": at least `min_people` current
    people of the organisation hold a valid certification of `track` in the product line
    at level rank `min_rank` or above."""

    __tablename__ = "learning_specialisation"
    __table_args__ = (
        sa.CheckConstraint("min_people > 0", name="min_people_is_positive"),
        sa.CheckConstraint("min_rank > 0", name="min_rank_is_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    product_line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product_line.id", ondelete="CASCADE"), index=True
    )
    track: Mapped[LearningTrack] = mapped_column(enum_type(LearningTrack))
    min_rank: Mapped[int] = mapped_column(default=1)
    min_people: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product_line: Mapped[ProductLine] = relationship(lazy="joined", innerjoin=True)

    @property
    def rule(self) -> str:
        """The rule in words."""
        level = "" if self.min_rank <= 1 else f" at level {self.min_rank} or above"
        people = "person" if self.min_people == 1 else "people"
        return (
            f"At least {self.min_people} {people} with a valid {self.track.label} "
            f"certification for {self.product_line.name}{level}"
        )
