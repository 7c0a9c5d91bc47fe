"""Field intelligence: what partner users see in the market — a competitor's product,
the price it sold for, where, a photo and notes — with the product managers' tags and
the ideas they link it to (feedback.field.access says who sees an observation)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.ideas.models import TAG_MAX, Idea
from hub.db import Base, utcnow
from hub.models import Organization, Person, ProductLine, StoredFile

COMPETITOR_MAX = 120
PRODUCT_MAX = 160
REGION_MAX = 80
NOTES_MAX = 3000
CURRENCIES = ("USD", "CAD", "MXN", "EUR", "GBP", "AUD")


class FieldObservation(Base):
    """One market observation filed by a partner user for their organisation."""

    __tablename__ = "field_observation"
    __table_args__ = (
        sa.CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
        sa.Index("ix_field_observation_org_created", "organization_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    product_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_line.id", ondelete="SET NULL"), index=True
    )
    competitor: Mapped[str] = mapped_column(sa.String(COMPETITOR_MAX))
    product: Mapped[str] = mapped_column(sa.String(PRODUCT_MAX))
    # The price seen, when one was: Decimal with its currency (both or neither).
    price: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    region: Mapped[str] = mapped_column(sa.String(REGION_MAX))
    observed_on: Mapped[date]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    photo_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
    author: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    product_line: Mapped[ProductLine | None] = relationship(lazy="selectin")
    photo: Mapped[StoredFile | None] = relationship(lazy="selectin")


class FieldObservationTag(Base):
    """A product manager's tag on an observation (lower-case, like idea tags)."""

    __tablename__ = "field_observation_tag"

    observation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("field_observation.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(TAG_MAX), primary_key=True, index=True)


class FieldObservationIdea(Base):
    """An observation a product manager linked to an idea."""

    __tablename__ = "field_observation_idea"

    observation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("field_observation.id", ondelete="CASCADE"), primary_key=True
    )
    idea_id: Mapped[int] = mapped_column(
        sa.ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)

    idea: Mapped[Idea] = relationship(lazy="joined", innerjoin=True)
