"""Who sees which consultations and who may do what with them.

- OEM staff see every consultation. The program admin opens them and publishes the
  response; the program admin and channel managers see the summary by tier and region —
  a channel manager for the organisations in their territories only.
- A partner user sees the consultations whose audience includes their organisation (every
  partner, or its tier and/or region) once the comment period has begun; any other is a
  404. They signal and comment while the period is open.
- Comments follow the channel tree (hub.policy): a partner reads those written by people
  of organisations in its scope (its own, and those beneath it); the OEM reads all.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement

from feedback.consultations.models import Consultation, ConsultationComment
from hub import db, policy
from hub.db import today
from hub.models import PARTNER_ROLES, Organization, Person, Role, TerritoryAssignment

ADMINS_ONLY = "Only the program admin opens consultations and publishes their responses."
PARTNERS_ONLY = "Signals and comments come from the partner users asked."
SUMMARY_ONLY = "The summary is for the program admin and the channel managers."


def is_partner(viewer: Person) -> bool:
    return viewer.role in PARTNER_ROLES


def audience_includes(consultation: Consultation, org: Organization) -> bool:
    """Whether org is among those asked: every partner (no tiers, no regions chosen), or an
    organisation with one of the chosen tiers and one of the chosen regions."""
    if org.is_oem:
        return False
    tiers, regions = consultation.audience_tier_ids or [], consultation.audience_regions or []
    if tiers and org.tier_id not in tiers:
        return False
    return not (regions and org.region not in regions)


def visible_consultations(viewer: Person) -> list[Consultation]:
    """The consultations the viewer may see, newest period first. The audience is checked
    in Python: consultations are few (a handful a year), and JSON list membership reads
    differently on each database."""
    if not viewer.active:
        return []
    stmt = sa.select(Consultation).order_by(Consultation.opens_on.desc(), Consultation.id.desc())
    if viewer.is_oem:
        return list(db.session.scalars(stmt))
    rows = db.session.scalars(stmt.where(Consultation.opens_on <= today()))
    return [c for c in rows if audience_includes(c, viewer.organization)]


def get_visible(viewer: Person, consultation_id: int) -> Consultation | None:
    """The consultation if the viewer may see it; None whether missing or out of scope."""
    if not viewer.active:
        return None
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or viewer.is_oem:
        return consultation
    if consultation.opens_on > today() or not audience_includes(consultation, viewer.organization):
        return None
    return consultation


def can_open(viewer: Person) -> bool:
    return viewer.active and policy.is_program_admin(viewer)


def can_take_part(viewer: Person) -> bool:
    """Partner users signal and comment (in the consultations they are asked in)."""
    return viewer.active and is_partner(viewer)


def can_see_summary(viewer: Person) -> bool:
    return viewer.active and viewer.role in (Role.PROGRAM_ADMIN, Role.CHANNEL_MANAGER)


def summary_scope(viewer: Person) -> ColumnElement[bool]:
    """A WHERE clause on Organization: whose signals and comments the viewer's summary
    counts — the whole program for the program admin, a channel manager's territories
    (each with the organisations beneath it), nothing for anyone else."""
    if policy.is_program_admin(viewer):
        return sa.true()
    if viewer.role != Role.CHANNEL_MANAGER:
        return sa.false()
    paths = list(
        db.session.scalars(
            sa.select(Organization.path)
            .join(TerritoryAssignment, TerritoryAssignment.organization_id == Organization.id)
            .where(TerritoryAssignment.channel_manager_id == viewer.id)
        )
    )
    if not paths:
        return sa.false()
    return sa.or_(*(Organization.path.startswith(p, autoescape=True) for p in paths))


def visible_comments(viewer: Person, consultation: Consultation) -> sa.Select:
    """SELECT of the consultation's comments the viewer may read (hub.policy's scope)."""
    stmt = sa.select(ConsultationComment).where(
        ConsultationComment.consultation_id == consultation.id
    )
    return policy.scope_by_organization(viewer, stmt, ConsultationComment.organization_id)


def shown_name(viewer: Person, person: Person) -> str:
    if viewer.is_oem or person.id == viewer.id or policy.can_see_person(viewer, person):
        return f"{person.name}, {person.organization.name}"
    return "A partner"
