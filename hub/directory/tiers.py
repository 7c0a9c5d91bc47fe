"""Partner tiers: names and count are the program admin's to configure."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from hub import audit, db, policy
from hub.errors import ValidationFailed
from hub.models import Organization, Person, Tier
from hub.registry import ProgramRule


def _check(actor: Person) -> None:
    if not policy.can_configure_program(actor):
        raise PermissionError("only the program admin configures tiers")


def _check_name(name: str, tier_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": ["Enter a name for the tier."]})
    if len(name) > 60:
        raise ValidationFailed({"name": ["Keep the tier name under 60 characters."]})
    clash = db.session.scalar(sa.select(Tier.id).where(sa.func.lower(Tier.name) == name.lower()))
    if clash is not None and clash != tier_id:
        raise ValidationFailed({"name": [f"There is already a tier called “{name}”."]})
    return name


def ordered() -> list[Tier]:
    """Every tier, lowest first."""
    return list(db.session.scalars(sa.select(Tier).order_by(Tier.rank, Tier.id)))


@dataclass(frozen=True)
class TierChoice:
    id: int
    name: str


# Built once: the directory's tier filter lists them on every request.
_CHOICES = db.prepared(sa.select(Tier.id, Tier.name).order_by(Tier.rank, Tier.id))


def choices() -> list[TierChoice]:
    """Every tier's id and name, lowest first (rows: a filter's options, not objects)."""
    return [TierChoice(tier_id, name) for tier_id, name in db.read(_CHOICES)]


def holder_counts() -> list[tuple[Tier, int]]:
    """Every tier, lowest first, with how many organisations hold it."""
    return [
        (tier, count)
        for tier, count in db.session.execute(
            sa.select(Tier, sa.func.count(Organization.id))
            .outerjoin(Organization, Organization.tier_id == Tier.id)
            .group_by(Tier.id)
            .order_by(Tier.rank, Tier.id)
        )
    ]


# Built once, names and counts only: the program admin's dashboard draws it on every visit.
_CHART = db.prepared(
    sa.select(Tier.name, sa.func.count(Organization.id))
    .outerjoin(Organization, Organization.tier_id == Tier.id)
    .group_by(Tier.id, Tier.name)
    .order_by(Tier.rank, Tier.id)
)


def chart() -> list[dict]:
    """The tiers as bars: label, holder count, and share of the biggest tier (0 to 1)."""
    rows = db.read(_CHART).all()
    top = max([count for _, count in rows] or [0]) or 1
    return [{"label": name, "count": count, "share": count / top} for name, count in rows]


def create_tier(actor: Person, name: str, description: str = "") -> Tier:
    """Add a tier above the existing ones."""
    _check(actor)
    name = _check_name(name)
    top = db.session.scalar(sa.select(sa.func.max(Tier.rank))) or 0
    tier = Tier(name=name, rank=top + 1, description=description.strip()[:300])
    db.session.add(tier)
    db.session.flush()
    audit.record(
        "tier.created",
        tier,
        actor=actor,
        after=audit.snapshot(tier, ["name", "rank", "description"]),
        summary=f"Tier {name} added",
    )
    return tier


def update_tier(actor: Person, tier: Tier, name: str, description: str) -> None:
    _check(actor)
    before = audit.snapshot(tier, ["name", "description"])
    tier.name, tier.description = _check_name(name, tier.id), (description or "").strip()[:300]
    audit.record(
        "tier.updated",
        tier,
        actor=actor,
        before=before,
        after=audit.snapshot(tier, ["name", "description"]),
        summary=f"Tier {tier.name} changed",
    )


def delete_tier(actor: Person, tier: Tier) -> None:
    """Remove a tier no organisation holds (move them to another tier first)."""
    _check(actor)
    holders = db.session.scalar(sa.select(sa.func.count()).where(Organization.tier_id == tier.id))
    if holders:
        raise ValidationFailed(
            f"{holders} organisation{'s hold' if holders != 1 else ' holds'} the tier “{tier.name}”; "
            "move them to another tier first."
        )
    audit.record(
        "tier.deleted",
        tier,
        actor=actor,
        before=audit.snapshot(tier, ["name", "rank"]),
        summary=f"Tier {tier.name} removed",
    )
    db.session.delete(tier)


def move_tier(actor: Person, tier: Tier, step: int) -> None:
    """Swap a tier with its neighbour (step -1: lower, +1: higher)."""
    _check(actor)
    tiers = ordered()
    index = tiers.index(tier)
    other_index = index + step
    if not 0 <= other_index < len(tiers):
        return
    other = tiers[other_index]
    tier.rank, other.rank = other.rank, tier.rank
    if tier.rank == other.rank:
        tier.rank += step
    audit.record(
        "tier.reordered",
        tier,
        actor=actor,
        summary=f"Tier {tier.name} moved {'up' if step > 0 else 'down'}",
    )


def find(tier_id: int) -> Tier | None:
    return db.session.get(Tier, tier_id)


def rule_summaries() -> list[ProgramRule]:
    """The tiers' criteria as program rules (hub.registry.program_rules): one per tier, its
    description as it stands, so a consultation about tier criteria shows today's wording.
    No page explains tiers on their own yet, so these carry no link."""
    return [
        ProgramRule(
            key=f"hub:tier:{tier.id}",
            label=f"{tier.name} tier criteria",
            current=tier.description or "No criteria written down yet.",
        )
        for tier in ordered()
    ]
