"""A tier's requirements: a measure (offered by an area through the registry) and the
minimum an organisation must reach to hold the tier."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.models import Tier


class TierRequirement(Base):
    """ "Premier needs at least 2 of measure X". The measure is named by its registry key,
    so hub stores it without knowing which area offers it."""

    __tablename__ = "tier_requirement"
    __table_args__ = (
        sa.UniqueConstraint("tier_id", "measure_key", name="uq_tier_requirement_tier_measure"),
        sa.CheckConstraint("minimum > 0", name="minimum_is_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tier_id: Mapped[int] = mapped_column(sa.ForeignKey("tier.id", ondelete="CASCADE"), index=True)
    measure_key: Mapped[str] = mapped_column(sa.String(120))
    minimum: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tier: Mapped[Tier] = relationship(lazy="joined", innerjoin=True)
