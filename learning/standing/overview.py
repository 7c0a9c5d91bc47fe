"""An organisation's standing, as its page and the API show it: tier requirements met
or lacking with the projected lapse (hub.standing, fed by learning's measures), its
specialisations, and the certification coverage of it and the organisations beneath it
that the viewer may see (a distributor's dealers)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from hub import db, policy
from hub.models import Organization, Person, Role
from hub.standing import service as tier_rules
from hub.standing.service import TierStanding
from learning.paths.models import LearningTrack, Level
from learning.standing import specialisations
from learning.standing.holdings import Holding, coverage, holdings
from learning.standing.specialisations import SpecialisationStanding


def can_view(viewer: Person, org: Organization) -> bool:
    """OEM staff see every organisation's standing; a partner admin its own and those
    beneath it (the organisation must be in scope already: policy.get_organization_or_404)."""
    return viewer.is_oem or viewer.role == Role.PARTNER_ADMIN


def get_organization_or_404(viewer: Person, org_id: int) -> Organization:
    """404 outside the viewer's scope; 403 for a role that may not read standing."""
    return policy.get_organization_or_404(viewer, org_id, may=can_view)


@dataclass
class CoverageRow:
    organization: Organization
    counts: dict[LearningTrack, int]

    def count(self, track: LearningTrack) -> int:
        return self.counts.get(track, 0)


@dataclass
class OrganizationStanding:
    organization: Organization
    tiers: list[TierStanding]
    specialisations: list[SpecialisationStanding]
    counted: list[Holding]  # the organisation's own valid certifications, soonest expiry first
    coverage: list[CoverageRow] = field(default_factory=list)  # itself, then those beneath
    tracks: tuple[LearningTrack, ...] = tuple(LearningTrack)

    @property
    def coverage_top(self) -> int:
        """The largest count in the coverage table (at least 1), the scale of its meters."""
        return max([n for row in self.coverage for n in row.counts.values()] or [0]) or 1

    @property
    def current_tier(self) -> TierStanding | None:
        return next((t for t in self.tiers if t.current), None)


def beneath(viewer: Person, org: Organization) -> list[Organization]:
    """The organisations beneath org the viewer may see (a distributor's dealers), by name."""
    stmt = (
        policy.visible_organizations(viewer)
        .where(
            Organization.path.startswith(org.path, autoescape=True),
            Organization.id != org.id,
            Organization.active.is_(True),
        )
        .order_by(Organization.name)
    )
    return list(db.session.scalars(stmt))


def organization_standing(viewer: Person, org: Organization) -> OrganizationStanding:
    """Everything the standing page shows, read once: one holdings statement for the
    organisation and those beneath it."""
    below = beneath(viewer, org)
    found = holdings([org.id, *(o.id for o in below)])
    table = coverage(found)
    own = [h for h in found if h.organization_id == org.id]
    return OrganizationStanding(
        organization=org,
        tiers=tier_rules.evaluate(org),
        specialisations=specialisations.evaluate(org.id, own),
        counted=own,
        coverage=[CoverageRow(o, table.get(o.id, {})) for o in [org, *below]],
    )


def organizations_for_index(viewer: Person, limit: int = 200) -> list[Organization]:
    """The partner organisations an OEM viewer can open the standing of, by name."""
    stmt = (
        policy.visible_organizations(viewer)
        .where(Organization.parent_id.is_not(None), Organization.active.is_(True))
        .order_by(Organization.name)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def level_titles(level_ids: set[int]) -> dict[int, str]:
    if not level_ids:
        return {}
    levels = db.session.scalars(sa.select(Level).where(Level.id.in_(level_ids)))
    return {lv.id: lv.title for lv in levels}
