"""Campaign kits: a campaign the OEM has prepared — an activity category with sensible
defaults (title, objective, audience, budget lines, expected results, when it starts and
how long it runs) and the studio templates that go with it. A dealer launches a published
kit into a submitted proposal by setting only the dates and the co-op amount."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.coop.models import Money
from campaigns.proposals.models import ActivityCategory
from campaigns.studio.models import StudioTemplate
from hub.db import Base, utcnow


class CampaignKit(Base):
    """A ready campaign a dealer can launch. `budget_lines` is a list of
    {"description", "amount"} with amounts as strings of two decimals (read as Decimal)."""

    __tablename__ = "campaign_kit"
    __table_args__ = (
        sa.CheckConstraint("lead_days >= 0", name="lead_days_not_negative"),
        sa.CheckConstraint("duration_days >= 1", name="duration_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_program.id"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_category.id"))
    name: Mapped[str] = mapped_column(sa.String(120))
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    title: Mapped[str] = mapped_column(sa.String(160))
    objective: Mapped[str] = mapped_column(sa.Text, default="")
    audience: Mapped[str] = mapped_column(sa.String(300), default="")
    budget_lines: Mapped[list] = mapped_column(sa.JSON, default=list)
    expected_leads: Mapped[int | None]
    expected_revenue: Mapped[Decimal | None] = mapped_column(Money)
    # The launch form's default dates: starts `lead_days` from today, runs `duration_days`.
    lead_days: Mapped[int] = mapped_column(default=0)
    duration_days: Mapped[int] = mapped_column(default=30)
    published: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[ActivityCategory] = relationship(lazy="joined", innerjoin=True)
    templates: Mapped[list[KitTemplate]] = relationship(
        order_by="KitTemplate.position", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<CampaignKit {self.id} {self.name!r}>"


class KitTemplate(Base):
    """A studio template that goes with a kit, personalised and attached at launch."""

    __tablename__ = "campaign_kit_template"

    kit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_kit.id", ondelete="CASCADE"), primary_key=True
    )
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("studio_template.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    template: Mapped[StudioTemplate] = relationship(lazy="joined", innerjoin=True)
