"""Context cards: what the person handling a conversation should know about the partner."""

from __future__ import annotations

import sqlalchemy as sa

from hub import db
from hub.conversations.models import Conversation
from hub.models import Organization, Person, TerritoryAssignment
from hub.registry import registry


def organization_facts(organization: Organization, viewer: Person) -> list[tuple[str, str]]:
    """The core's facts for a context card: kind, tier, region, staff, channel managers."""
    staff = db.session.scalar(
        sa.select(sa.func.count()).where(
            Person.organization_id == organization.id, Person.active.is_(True)
        )
    )
    managers = db.session.scalars(
        sa.select(Person.name)
        .join(TerritoryAssignment, TerritoryAssignment.channel_manager_id == Person.id)
        .where(TerritoryAssignment.organization_id == organization.id)
        .order_by(Person.name)
    ).all()
    return [
        ("Organisation", f"{organization.name} ({organization.kind.label.lower()})"),
        ("Tier", organization.tier.name if organization.tier else "No tier"),
        ("Region", organization.region or "—"),
        ("Staff", f"{staff} active"),
        ("Channel manager", ", ".join(managers) or "None assigned"),
    ]


def context_card(conversation: Conversation, viewer: Person) -> list[tuple[str, str]]:
    """What the person handling a conversation should know about the partner, gathered
    from every context provider (the core's, then each feature's: campaigns, co-op…)."""
    facts: list[tuple[str, str]] = []
    for provider in registry().context:
        facts.extend(provider(conversation.organization, viewer))
    return facts
