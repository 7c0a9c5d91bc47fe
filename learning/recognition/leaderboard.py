"""Leaderboards within fair groups: partner people of organisations of the same tier in
the same region, ranked on learning (valid certifications held, modules completed) —
never on sign-ins. People who opted out are not listed. A partner sees the names of
people in its own scope only; others in its group show without name or organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub import db, policy
from hub.db import utcnow
from hub.models import Organization, Person, Tier
from learning.certifications.models import Certification
from learning.paths.models import ModuleProgress
from learning.recognition.kudos import opted_out_ids

CERTIFICATION_POINTS = 10
MODULE_POINTS = 1


@dataclass(frozen=True)
class Group:
    tier: Tier
    region: str

    @property
    def label(self) -> str:
        return f"{self.tier.name} partners in {self.region}"


@dataclass
class Entry:
    rank: int
    person_id: int
    name: str | None  # None: not in the viewer's scope, shown without a name
    organization: str | None
    certifications: int
    modules: int
    is_viewer: bool = False

    @property
    def score(self) -> int:
        return self.certifications * CERTIFICATION_POINTS + self.modules * MODULE_POINTS


def groups() -> list[Group]:
    """Every (tier, region) pair partner organisations have, lowest tier first."""
    rows = db.session.execute(
        sa.select(Tier, Organization.region)
        .join(Organization, Organization.tier_id == Tier.id)
        .where(Organization.parent_id.is_not(None), Organization.region != "")
        .distinct()
        .order_by(Tier.rank, Organization.region)
    )
    return [Group(tier, region) for tier, region in rows]


def group_of(org: Organization) -> Group | None:
    if org.tier is None or not org.region or org.parent_id is None:
        return None
    return Group(org.tier, org.region)


def find_group(tier_id: int | None, region: str) -> Group | None:
    return next((g for g in groups() if g.tier.id == tier_id and g.region == region), None)


def board(
    viewer: Person, group: Group, now: datetime | None = None, limit: int = 20
) -> list[Entry]:
    """The group's top learners (and the viewer's own line if they are in it, lower down)."""
    now = now or utcnow()
    members = (
        sa.select(Person.id)
        .join(Organization, Organization.id == Person.organization_id)
        .where(
            Organization.tier_id == group.tier.id,
            Organization.region == group.region,
            Organization.parent_id.is_not(None),
            Person.active.is_(True),
            Person.id.not_in(opted_out_ids()),
        )
    )
    certs = dict(
        db.session.execute(
            sa.select(Certification.person_id, sa.func.count(Certification.id))
            .where(
                Certification.person_id.in_(members),
                Certification.revoked_at.is_(None),
                Certification.valid_until > now,
            )
            .group_by(Certification.person_id)
        )
        .tuples()
        .all()
    )
    modules = dict(
        db.session.execute(
            sa.select(ModuleProgress.person_id, sa.func.count())
            .where(ModuleProgress.person_id.in_(members), ModuleProgress.completed_at.is_not(None))
            .group_by(ModuleProgress.person_id)
        )
        .tuples()
        .all()
    )
    ids = set(certs) | set(modules)
    if not ids:
        return []
    people = db.session.scalars(sa.select(Person).where(Person.id.in_(ids))).all()
    ranked = sorted(
        people,
        key=lambda p: (
            -(certs.get(p.id, 0) * CERTIFICATION_POINTS + modules.get(p.id, 0) * MODULE_POINTS),
            p.name,
        ),
    )
    entries = []
    rank, last = 0, None
    for place, person in enumerate(ranked, 1):
        score = (
            certs.get(person.id, 0) * CERTIFICATION_POINTS
            + modules.get(person.id, 0) * MODULE_POINTS
        )
        if score != last:  # equal points share a rank (1, 1, 3)
            rank, last = place, score
        if place > limit and person.id != viewer.id:
            continue
        seen = policy.can_see_organization(viewer, person.organization)
        entries.append(
            Entry(
                rank=rank,
                person_id=person.id,
                name=person.name if seen else None,
                organization=person.organization.name if seen else None,
                certifications=certs.get(person.id, 0),
                modules=modules.get(person.id, 0),
                is_viewer=person.id == viewer.id,
            )
        )
    return entries
