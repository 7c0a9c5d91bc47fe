"""Who sees a field observation, and who may do what with it.

An observation is the filing organisation's market knowledge: OEM staff see every one;
a partner sees those of its own organisation and of the organisations beneath it (a
distributor its dealers'; hub.policy's channel tree) — so a dealer's observation reaches
its distributor(s) upline, never another dealer, not even a sibling. Anything else does
not exist for the viewer: 404 on pages, left out of lists and counts.
"""

from __future__ import annotations

import sqlalchemy as sa

from feedback.field.models import FieldObservation
from hub import db, policy
from hub.models import PARTNER_ROLES, Person, Role

FILERS_ONLY = "Market observations are filed by partner users."
CURATORS_ONLY = "Only product managers and program admins tag and link observations."


def visible_observations(viewer: Person) -> sa.Select:
    """SELECT of the observations the viewer may see (see the module)."""
    if not viewer.active:
        return sa.select(FieldObservation).where(sa.false())
    return policy.scope_by_organization(
        viewer, sa.select(FieldObservation), FieldObservation.organization_id
    )


def get_visible(viewer: Person, observation_id: int) -> FieldObservation | None:
    """The observation if the viewer may see it; None whether missing or out of scope."""
    return db.session.scalar(
        visible_observations(viewer).where(FieldObservation.id == observation_id)
    )


def can_file(viewer: Person) -> bool:
    """Partner users file what they see in their market."""
    return viewer.active and viewer.role in PARTNER_ROLES


def can_curate(viewer: Person) -> bool:
    """Product managers and program admins tag observations and link them to ideas."""
    return viewer.active and viewer.role in (Role.PRODUCT_MANAGER, Role.PROGRAM_ADMIN)
