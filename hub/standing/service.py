"""Tier requirements and where an organisation stands against them.

The program admin sets, per tier, minimums on measures that feature areas offer through
the registry (`standing_measures`). `evaluate` reads each measure of an organisation
once, says which tiers' requirements it meets and what it lacks, and — from the dates
on which each value drops — when it would stop meeting them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from hub import audit, db, policy
from hub.dates import format_date
from hub.errors import ValidationFailed
from hub.models import Organization, Person, Role, Tier
from hub.registry import StandingMeasure, registry
from hub.standing.models import TierRequirement

MAX_MINIMUM = 10_000
_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def words(n: int) -> str:
    """Small counts as words ("two"), larger ones as digits."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def measures() -> list[StandingMeasure]:
    """Every measure the areas offer now, by label."""
    return sorted(registry().measures().values(), key=lambda m: m.label)


def requirements() -> list[TierRequirement]:
    """Every tier requirement, lowest tier first."""
    return list(
        db.session.scalars(
            sa.select(TierRequirement)
            .join(Tier, Tier.id == TierRequirement.tier_id)
            .order_by(Tier.rank, Tier.id, TierRequirement.id)
        )
    )


def requirements_by_tier() -> dict[int, list[TierRequirement]]:
    found: dict[int, list[TierRequirement]] = {}
    for req in requirements():
        found.setdefault(req.tier_id, []).append(req)
    return found


def label_of(key: str) -> str:
    """A measure's label, or a sentence saying its area no longer offers it."""
    measure = registry().measures().get(key)
    return measure.label if measure else f"{key} (no longer offered)"


def _check(actor: Person) -> None:
    if not policy.can_configure_program(actor):
        raise PermissionError("only the program admin sets tier requirements")


def set_requirement(actor: Person, tier: Tier, measure_key: str, minimum) -> TierRequirement:
    """Require at least `minimum` of a measure for a tier (changing the minimum when the
    tier asks for that measure already). Audited."""
    _check(actor)
    problems: dict[str, list[str]] = {}
    measure = registry().measures().get(measure_key or "")
    if measure is None:
        problems["measure_key"] = ["Choose one of the measures offered."]
    try:
        minimum = int(str(minimum).strip())
    except ValueError:
        minimum = 0
        problems["minimum"] = ["Enter the minimum as a whole number, like 2."]
    if "minimum" not in problems and not 1 <= minimum <= MAX_MINIMUM:
        problems["minimum"] = [f"Enter a minimum from 1 to {MAX_MINIMUM}."]
    if problems:
        raise ValidationFailed(problems)
    req = db.session.scalar(
        sa.select(TierRequirement).where(
            TierRequirement.tier_id == tier.id, TierRequirement.measure_key == measure.key
        )
    )
    before = {"minimum": req.minimum} if req else None
    if req is None:
        req = TierRequirement(tier_id=tier.id, measure_key=measure.key, minimum=minimum)
        db.session.add(req)
    req.minimum = minimum
    db.session.flush()
    audit.record(
        "tier.requirement_set",
        req,
        actor=actor,
        before=before,
        after={"tier": tier.name, "measure": measure.key, "minimum": minimum},
        summary=f"{tier.name} requires at least {minimum}: {measure.label}",
    )
    return req


def remove_requirement(actor: Person, req: TierRequirement) -> None:
    _check(actor)
    audit.record(
        "tier.requirement_removed",
        req,
        actor=actor,
        before={"tier": req.tier.name, "measure": req.measure_key, "minimum": req.minimum},
        summary=f"{req.tier.name} no longer requires: {label_of(req.measure_key)}",
    )
    db.session.delete(req)


def find_requirement(req_id: int) -> TierRequirement | None:
    return db.session.get(TierRequirement, req_id)


def lapse_date(value: int, minimum: int, drops: list[datetime]) -> datetime | None:
    """When a value that meets its minimum first falls below it, given the dates on which
    it drops by one (None: it does not meet it now, or nothing counted expires in time)."""
    if value < minimum:
        return None
    spare = value - minimum
    ordered = sorted(drops)
    return ordered[spare] if spare < len(ordered) else None


@dataclass
class RequirementStanding:
    label: str
    minimum: int
    value: int
    lapse_on: datetime | None
    units: str

    @property
    def met(self) -> bool:
        return self.value >= self.minimum

    @property
    def missing(self) -> int:
        return max(self.minimum - self.value, 0)


@dataclass
class TierStanding:
    tier: Tier
    current: bool  # the organisation's own tier
    rows: list[RequirementStanding] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return all(r.met for r in self.rows)

    @property
    def first_lapse(self) -> RequirementStanding | None:
        """The requirement that stops being met first, when all are met now."""
        if not self.met:
            return None
        dated = [r for r in self.rows if r.lapse_on is not None]
        return min(dated, key=lambda r: r.lapse_on) if dated else None

    def lapse_sentence(self, viewer=None) -> str:
        """ "Premier criteria lapse on 1 Mar 2027, when one of your two Technical
        certifications expires." — empty when nothing lapses."""
        row = self.first_lapse
        if row is None:
            return ""
        when = format_date(row.lapse_on, viewer)
        if row.value == row.minimum:
            what = f"one of your {words(row.value)} {row.units} expires"
        else:
            what = f"{words(row.value - row.minimum + 1)} of your {words(row.value)} {row.units} have expired"
        return f"{self.tier.name} criteria lapse on {when}, when {what}."


def can_view(viewer: Person) -> bool:
    """Who reads an organisation's standing (within their scope): OEM staff and partner
    admins."""
    return viewer.is_oem or viewer.role == Role.PARTNER_ADMIN


def _standing(
    org: Organization, tier: Tier, reqs: list[TierRequirement], offered: dict, values: dict
) -> TierStanding:
    """The tier's requirements for org; `values` keeps each measure's (value, drops) read
    once for all tiers."""
    standing = TierStanding(tier=tier, current=tier.id == org.tier_id)
    for req in reqs:
        measure = offered.get(req.measure_key)
        if measure is None:
            standing.rows.append(
                RequirementStanding(label_of(req.measure_key), req.minimum, 0, None, "items")
            )
            continue
        if measure.key not in values:
            values[measure.key] = (measure.value(org), measure.drops(org))
        value, drops = values[measure.key]
        lapse = lapse_date(value, req.minimum, drops)
        standing.rows.append(
            RequirementStanding(measure.label, req.minimum, value, lapse, measure.units)
        )
    return standing


def current_tier_standing(org: Organization) -> TierStanding | None:
    """The organisation's own tier against its requirements (None when it has no tier or
    the tier has none) — the organisation page's card; the measures are read only then."""
    if org.tier_id is None:
        return None
    reqs = list(
        db.session.scalars(
            sa.select(TierRequirement)
            .where(TierRequirement.tier_id == org.tier_id)
            .order_by(TierRequirement.id)
        )
    )
    if not reqs:
        return None
    return _standing(org, org.tier, reqs, registry().measures(), {})


def evaluate(org: Organization) -> list[TierStanding]:
    """Every tier that has requirements (and the organisation's own tier), lowest first:
    each requirement's value for the organisation, met or lacking, and its lapse date."""
    by_tier = requirements_by_tier()
    offered = registry().measures() if by_tier else {}
    values: dict[str, tuple[int, list[datetime]]] = {}
    return [
        _standing(org, tier, by_tier.get(tier.id, []), offered, values)
        for tier in db.session.scalars(sa.select(Tier).order_by(Tier.rank, Tier.id))
        if by_tier.get(tier.id) or tier.id == org.tier_id
    ]
