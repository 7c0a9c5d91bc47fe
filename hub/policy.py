"""The access policy: who may see and do what, given the channel tree and their role.

Every query that returns partner data passes through here. Visibility follows the
tree: OEM staff see the whole program; a partner sees its own organisation and the
organisations beneath it (a distributor its dealers, a dealer only itself). Anything
outside that scope does not exist for the viewer: lookups answer 404, never 403.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import abort
from sqlalchemy.sql import ColumnElement, Select

from hub import db
from hub.models import (
    OEM_ROLES,
    PARTNER_ROLES,
    AuditEvent,
    Organization,
    OrgKind,
    Person,
    Role,
    TerritoryAssignment,
)


def organization_scope(viewer: Person) -> ColumnElement[bool]:
    """A WHERE clause on Organization limiting rows to what the viewer may see."""
    if viewer.is_oem:
        return sa.true()
    return Organization.path.startswith(viewer.organization.path, autoescape=True)


# organization_scope for a partner as a clause with a parameter, for the statements the
# hottest pages build once (docs/performance.md): bind "scope_path" to scope_pattern(viewer).
PARTNER_ORGANIZATION_SCOPE = Organization.path.like(sa.bindparam("scope_path"), escape="/")


def scope_pattern(viewer: Person) -> str:
    """The LIKE pattern of PARTNER_ORGANIZATION_SCOPE for this partner: the paths starting
    with their organisation's, as `startswith(path, autoescape=True)` writes it."""
    return db.like_literal(viewer.organization.path, "/") + "%"


def visible_organization_ids(viewer: Person) -> Select:
    """A sub-select of the organisation ids the viewer may see, to filter other tables."""
    return sa.select(Organization.id).where(organization_scope(viewer))


def scope_by_organization(viewer: Person, stmt: Select, org_id_column) -> Select:
    """Limit any statement whose rows belong to an organisation (via org_id_column)."""
    if viewer.is_oem:
        return stmt
    return stmt.where(org_id_column.in_(visible_organization_ids(viewer)))


def visible_organizations(viewer: Person) -> Select:
    """SELECT of the organisations the viewer may see."""
    return sa.select(Organization).where(organization_scope(viewer))


def serving_staff(viewer: Person) -> ColumnElement[bool]:
    """A WHERE clause on Person: the OEM staff who serve a partner viewer, whose public
    profile (name, title, contact, what they cover) the partner sees.

    - every active product manager: they look after the product lines every partner sees
      and take the chats handed to them from any partner;
    - the active channel managers whose territory covers the viewer's organisation, an
      organisation above it (the one a conversation goes to when nobody covers the
      viewer's own) or one the viewer sees beneath it.

    Program admins and channel managers of other branches stay out of sight, as does
    everyone of another partner.
    """
    chain = [int(part) for part in viewer.organization.path.strip("/").split("/") if part]
    served = sa.select(Organization.id).where(
        sa.or_(Organization.id.in_(chain), organization_scope(viewer))
    )
    covering = sa.select(TerritoryAssignment.channel_manager_id).where(
        TerritoryAssignment.organization_id.in_(served)
    )
    return sa.and_(
        Person.active.is_(True),
        sa.or_(
            Person.role == Role.PRODUCT_MANAGER,
            sa.and_(Person.role == Role.CHANNEL_MANAGER, Person.id.in_(covering)),
        ),
    )


def people_scope(viewer: Person) -> ColumnElement[bool]:
    """A WHERE clause on Person limiting rows to the people the viewer may see: OEM staff
    see everyone; a partner the people of organisations in its scope and the OEM staff
    who serve it (serving_staff)."""
    if viewer.is_oem:
        return sa.true()
    return sa.or_(
        Person.organization_id.in_(visible_organization_ids(viewer)), serving_staff(viewer)
    )


def visible_people(viewer: Person) -> Select:
    """SELECT of the people the viewer may see (see people_scope)."""
    return sa.select(Person).where(people_scope(viewer))


def can_see_person(viewer: Person, person: Person) -> bool:
    if viewer.is_oem or can_see_organization(viewer, person.organization):
        return True
    visible = sa.select(Person.id).where(Person.id == person.id, serving_staff(viewer))
    return db.session.scalar(sa.select(visible.exists()))


def sees_public_profile_only(viewer: Person, person: Person) -> bool:
    """Whether the viewer sees only the person's public profile (a partner looking at the
    OEM staff who serve it): no status, no sign-in facts, nothing to manage."""
    return not viewer.is_oem and not can_see_organization(viewer, person.organization)


def can_see_organization(viewer: Person, org: Organization) -> bool:
    return viewer.is_oem or org.path.startswith(viewer.organization.path)


# A check of what the viewer may do to an organisation, like can_edit_organization.
OrganizationCheck = Callable[[Person, Organization], bool]


def get_organization_or_404(
    viewer: Person, org_id: int, *, may: OrganizationCheck | None = None
) -> Organization:
    """The organisation if the viewer may see it; otherwise a 404, whether or not it exists.
    With `may`, a 403 when the viewer sees it but may not do that to it."""
    org = db.session.get(Organization, org_id)
    if org is None or not can_see_organization(viewer, org):
        abort(404)
    if may is not None and not may(viewer, org):
        abort(403)
    return org


def get_person_or_404(
    viewer: Person, person_id: int, *, may: OrganizationCheck | None = None
) -> Person:
    """The person if the viewer may see them (their organisation is in scope, or they are
    OEM staff who serve the viewer); otherwise a 404. With `may`, a 403 when the viewer
    may not do that to the person's organisation."""
    person = db.session.get(Person, person_id)
    if person is None or not can_see_person(viewer, person):
        abort(404)
    if may is not None and not may(viewer, person.organization):
        abort(403)
    return person


# --- What people may do ---------------------------------------------------------


def is_program_admin(viewer: Person) -> bool:
    return viewer.role == Role.PROGRAM_ADMIN


def can_edit_organization(viewer: Person, org: Organization) -> bool:
    """Program admins edit any organisation; a partner admin edits its own contact details."""
    if is_program_admin(viewer):
        return True
    return viewer.role == Role.PARTNER_ADMIN and viewer.organization_id == org.id


def can_restructure_organization(viewer: Person) -> bool:
    """Only program admins create organisations and change kind, parent or tier."""
    return is_program_admin(viewer)


def can_manage_staff(viewer: Person, org: Organization) -> bool:
    """Program admins manage anyone's staff; a partner admin manages its own organisation's."""
    if is_program_admin(viewer):
        return True
    return viewer.role == Role.PARTNER_ADMIN and viewer.organization_id == org.id


def assignable_roles(viewer: Person, org: Organization) -> tuple[Role, ...]:
    """The roles the viewer may give someone in org: partner roles at partners, OEM roles at the OEM."""
    if not can_manage_staff(viewer, org):
        return ()
    if org.kind == OrgKind.OEM:
        return OEM_ROLES if is_program_admin(viewer) else ()
    return PARTNER_ROLES


def can_view_audit(viewer: Person) -> bool:
    return viewer.role in (Role.PROGRAM_ADMIN, Role.PARTNER_ADMIN)


# Which audit events a viewer may read, as clauses a statement built once can take
# (audit_scope says which, and its parameters): None for all of them.
AUDIT_SCOPES: dict[str, ColumnElement[bool] | None] = {
    "all": None,
    "organization": AuditEvent.organization_id == sa.bindparam("audit_organization_id"),
    "none": sa.false(),
}


def audit_scope(viewer: Person) -> tuple[str, dict]:
    """The key of AUDIT_SCOPES for the viewer, and the parameters its clause takes: all
    events for program admins, their own organisation's for partner admins, none else."""
    if is_program_admin(viewer):
        return "all", {}
    if viewer.role == Role.PARTNER_ADMIN:
        return "organization", {"audit_organization_id": viewer.organization_id}
    return "none", {}


def audit_events(viewer: Person) -> Select:
    """SELECT of the audit events the viewer may read (audit_scope)."""
    scope, params = audit_scope(viewer)
    clause = AUDIT_SCOPES[scope]
    stmt = sa.select(AuditEvent)
    return stmt if clause is None else stmt.where(clause).params(params)


def can_configure_program(viewer: Person) -> bool:
    """Tiers, 2FA rules, product lines and the development outbox are the program admin's."""
    return is_program_admin(viewer)
