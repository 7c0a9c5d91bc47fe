"""Reading the channel directory: the lists, counts and facts the pages show.

Everything a viewer reads about partners goes through hub.policy, so it holds exactly
what they may see. Each function runs one query (dashboard_facts a few), whatever the
size of the channel.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased, lazyload
from sqlalchemy.sql import Select

from hub import db, policy
from hub.api.schemas import iso_utc_text
from hub.models import (
    Organization,
    OrganizationTrack,
    OrgKind,
    Person,
    ProductLine,
    ProductLineManager,
    Role,
    TerritoryAssignment,
    Tier,
    initials_of,
)

# How many organisations of a channel manager's territory the dashboard lists.
TERRITORY_PREVIEW = 8


# --- Organisations ---------------------------------------------------------------


@dataclass(frozen=True)
class ListedTier:
    name: str


@dataclass(frozen=True)
class ListedParent:
    name: str
    path: str


@dataclass(frozen=True)
class ListedOrganization:
    """One organisation as the directory lists it: the columns it shows, read as rows
    rather than loaded as objects (docs/performance.md, "Core selects")."""

    id: int
    name: str
    kind: OrgKind
    region: str
    tier: ListedTier | None
    parent: ListedParent | None

    @classmethod
    def of(cls, row) -> ListedOrganization:
        return cls(
            row.id,
            row.name,
            row.kind,
            row.region,
            ListedTier(row.tier_name) if row.tier_name is not None else None,
            ListedParent(row.parent_name, row.parent_path) if row.parent_name is not None else None,
        )


_PARENT = aliased(Organization, name="parent")
# What a ListedOrganization shows of the organisation, before its parent's columns.
_LISTED_COLUMNS = (
    Organization.id,
    Organization.name,
    Organization.kind,
    Organization.region,
    Tier.name.label("tier_name"),
)


@dataclass(frozen=True)
class Search:
    """A list page's two statements (its count and its rows, with "limit" and "offset"
    parameters) and the parameters both take."""

    count: Select
    rows: Select
    params: dict


@functools.cache
def _search_statements(partner: bool, text: bool, kind: bool, tier: bool) -> tuple[Select, Select]:
    """The directory's statements for one combination of filters, built once."""
    stmt = (
        sa.select(
            *_LISTED_COLUMNS,
            _PARENT.name.label("parent_name"),
            _PARENT.path.label("parent_path"),
        )
        .outerjoin(Tier, Tier.id == Organization.tier_id)
        .outerjoin(_PARENT, _PARENT.id == Organization.parent_id)
    )
    if partner:
        stmt = stmt.where(policy.PARTNER_ORGANIZATION_SCOPE)
    if text:
        like = sa.bindparam("like")
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Organization.name).like(like),
                sa.func.lower(Organization.region).like(like),
            )
        )
    if kind:
        stmt = stmt.where(Organization.kind == sa.bindparam("kind"))
    if tier:
        stmt = stmt.where(Organization.tier_id == sa.bindparam("tier_id"))
    count = sa.select(sa.func.count()).select_from(stmt.subquery())
    rows = (
        stmt.order_by(Organization.name, Organization.id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
    )
    return db.prepared(count), db.prepared(rows)


def organization_search(viewer: Person, *, q: str = "", kind: str = "", tier: str = "") -> Search:
    """The organisations the viewer may see, filtered by text (name or region), kind and
    tier id, ordered by name: the columns the directory shows (rows for
    ListedOrganization.of), for the caller to paginate."""
    params: dict = {}
    if partner := not viewer.is_oem:
        params["scope_path"] = policy.scope_pattern(viewer)
    if q:
        params["like"] = f"%{q.lower()}%"
    if kind := kind if kind in {k.value for k in OrgKind} else "":
        params["kind"] = OrgKind(kind)
    if tier := tier if tier.isdigit() else "":
        params["tier_id"] = int(tier)
    count, rows = _search_statements(partner, bool(q), bool(kind), bool(tier))
    return Search(count, rows, params)


# The statements below are built once, with parameters: the dashboard and the directory
# run them on every request (docs/performance.md, "prebuilt statements").
_ACTIVE_STAFF = db.prepared(
    sa.select(Person.organization_id, sa.func.count())
    .where(
        Person.organization_id.in_(sa.bindparam("org_ids", expanding=True)),
        Person.active.is_(True),
    )
    .group_by(Person.organization_id)
)


def active_staff_counts(org_ids: list[int]) -> dict[int, int]:
    """How many active people each organisation has (organisations with none are left out)."""
    if not org_ids:
        return {}
    return dict(db.read(_ACTIVE_STAFF, {"org_ids": list(org_ids)}).all())


track_list = db.per_database(
    "track_list",
    """The tracks of the rows grouped, as one text ("dealer_var,service_partner", in no set
    order; no track's value holds a comma): group_concat on SQLite, string_agg on
    PostgreSQL. Null when there are none.""",
    lambda column: sa.func.group_concat(column, sa.literal_column("','")),
    lambda column: sa.func.string_agg(column, sa.literal_column("','")),
    sa.String(),
)

# The API's answer for an organisation (hub.directory.schemas.Organization) as one row:
# its fields by their names, in their order, as the answer holds them — the kind as its
# text, the tier by name, the tracks as one text (Organization.of_rows splits and sorts
# them), the time as iso_utc writes it — so a list page is one statement, and its rows
# become answers without the ORM.
API_ORGANIZATION = (
    Organization.id,
    Organization.name,
    sa.type_coerce(Organization.kind, sa.String()).label("kind"),
    Organization.parent_id,
    Tier.name.label("tier"),
    sa.select(track_list(OrganizationTrack.track))
    .where(OrganizationTrack.organization_id == Organization.id)
    .scalar_subquery()
    .label("tracks"),
    Organization.region,
    Organization.erp_account_number,
    Organization.domain,
    Organization.contact_email,
    Organization.phone,
    Organization.website,
    Organization.address,
    Organization.active,
    iso_utc_text(Organization.created_at).label("created_at"),
)


def ancestors(viewer: Person, org: Organization) -> list[Organization]:
    """The organisations above org that the viewer may see, root first."""
    ids = [int(part) for part in org.path.strip("/").split("/") if part][:-1]
    if not ids:
        return []
    found = {
        o.id: o
        for o in db.session.scalars(
            policy.visible_organizations(viewer).where(Organization.id.in_(ids))
        )
    }
    return [found[i] for i in ids if i in found]


def children(viewer: Person, org: Organization) -> list[Organization]:
    """The organisations directly beneath org that the viewer may see, by name."""
    return list(
        db.session.scalars(
            policy.visible_organizations(viewer)
            .where(Organization.parent_id == org.id)
            .order_by(Organization.name)
        )
    )


def staff(viewer: Person, org: Organization) -> list[Person]:
    """The people of org the viewer may see: active ones first, then by name."""
    return list(
        db.session.scalars(
            policy.visible_people(viewer)
            .where(Person.organization_id == org.id)
            .order_by(Person.active.desc(), Person.name)
        )
    )


def _channel_managers_statement(active_only: bool) -> Select:
    stmt = (
        sa.select(Person)
        .join(TerritoryAssignment, TerritoryAssignment.channel_manager_id == Person.id)
        .where(TerritoryAssignment.organization_id == sa.bindparam("org_id"))
        .order_by(Person.name)
        # Their organisation is the OEM, which the pages listing them don't show.
        .options(lazyload(Person.organization))
    )
    return stmt.where(Person.active.is_(True)) if active_only else stmt


_CHANNEL_MANAGERS = {flag: _channel_managers_statement(flag) for flag in (False, True)}


def channel_managers(org_id: int, *, active_only: bool = False) -> list[Person]:
    """The OEM channel managers whose territory covers the organisation, by name."""
    return list(db.session.scalars(_CHANNEL_MANAGERS[active_only], {"org_id": org_id}))


@dataclass(frozen=True, slots=True)
class Contact:
    """An active channel manager as a partner's dashboard shows them: the contact card."""

    id: int
    name: str
    title: str | None
    email: str
    phone: str | None

    @property
    def initials(self) -> str:
        return initials_of(self.name)


# channel_managers(active_only=True)'s people as rows, in its order: on every partner's
# dashboard, where objects cost more than the card they fill.
_CONTACTS = db.prepared(
    sa.select(Person.id, Person.name, Person.title, Person.email, Person.phone)
    .join(TerritoryAssignment, TerritoryAssignment.channel_manager_id == Person.id)
    .where(TerritoryAssignment.organization_id == sa.bindparam("org_id"), Person.active.is_(True))
    .order_by(Person.name)
)


def contacts(org_id: int) -> list[Contact]:
    """The organisation's active channel managers, by name, for its dashboard."""
    return [Contact(*row) for row in db.read(_CONTACTS, {"org_id": org_id})]


def parent_choices() -> list[tuple[int, str, OrgKind]]:
    """(id, name, kind) of every organisation others may sit beneath, in tree order."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Organization.id, Organization.name, Organization.kind)
            .where(Organization.kind != OrgKind.DEALER)
            .order_by(Organization.path)
        )
    ]


# --- Product lines ---------------------------------------------------------------


def product_lines() -> list[ProductLine]:
    """Every product line of the OEM, by name (everyone signed in sees them all)."""
    return list(db.session.scalars(sa.select(ProductLine).order_by(ProductLine.name)))


def product_lines_managed_by(person_id: int) -> list[ProductLine]:
    """The product lines a product manager looks after, by name."""
    return list(
        db.session.scalars(
            sa.select(ProductLine)
            .join(ProductLineManager)
            .where(ProductLineManager.person_id == person_id)
            .order_by(ProductLine.name)
        )
    )


# --- The dashboard's facts ---------------------------------------------------------


_STAFF_SUMMARY = db.prepared(
    sa.select(Person.active, Person.password_hash.is_(None), sa.func.count())
    .where(Person.organization_id == sa.bindparam("org_id"))
    .group_by(Person.active, Person.password_hash.is_(None))
)


def staff_summary(org_id: int) -> dict[str, int]:
    """How many of the organisation's people are active, invited (no password yet) or off."""
    rows = db.read(_STAFF_SUMMARY, {"org_id": org_id}).all()
    summary = {"active": 0, "invited": 0, "inactive": 0}
    for active, no_password, count in rows:
        key = "inactive" if not active else ("invited" if no_password else "active")
        summary[key] += count
    return summary


def _downstream_statement(partner: bool) -> Select:
    stmt = (
        sa.select(Organization.kind, sa.func.count())
        .where(Organization.id != sa.bindparam("own_id"))
        .group_by(Organization.kind)
    )
    return stmt.where(policy.PARTNER_ORGANIZATION_SCOPE) if partner else stmt


_DOWNSTREAM = {partner: db.prepared(_downstream_statement(partner)) for partner in (False, True)}


def downstream_counts(viewer: Person) -> dict[str, int]:
    """How many organisations of each kind sit in the viewer's scope, their own left out."""
    params = {"own_id": viewer.organization_id}
    if not viewer.is_oem:
        params["scope_path"] = policy.scope_pattern(viewer)
    rows = db.read(_DOWNSTREAM[not viewer.is_oem], params).all()
    return {OrgKind(kind).label: count for kind, count in rows}


_TERRITORY = db.prepared(
    sa.select(
        *_LISTED_COLUMNS,
        sa.null().label("parent_name"),
        sa.null().label("parent_path"),
    )
    .join(TerritoryAssignment, TerritoryAssignment.organization_id == Organization.id)
    .outerjoin(Tier, Tier.id == Organization.tier_id)
    .where(TerritoryAssignment.channel_manager_id == sa.bindparam("manager_id"))
    .order_by(Organization.name)
    .limit(sa.bindparam("limit", type_=sa.Integer))
)
_TERRITORY_SIZE = db.prepared(
    sa.select(sa.func.count())
    .select_from(TerritoryAssignment)
    .where(TerritoryAssignment.channel_manager_id == sa.bindparam("manager_id"))
)


def territory(channel_manager: Person, limit: int = TERRITORY_PREVIEW) -> list[ListedOrganization]:
    """The first organisations (by name) of a channel manager's territory, as the
    dashboard lists them (rows: id, name, kind, region, tier; no parent)."""
    params = {"manager_id": channel_manager.id, "limit": limit}
    return [ListedOrganization.of(row) for row in db.read(_TERRITORY, params)]


def territory_seen_by(viewer: Person, channel_manager: Person) -> list[Organization]:
    """The organisations of a channel manager's territory that the viewer may see, by name
    (a dealer sees its own; OEM staff the whole territory)."""
    return list(
        db.session.scalars(
            policy.visible_organizations(viewer)
            .join(TerritoryAssignment, TerritoryAssignment.organization_id == Organization.id)
            .where(TerritoryAssignment.channel_manager_id == channel_manager.id)
            .order_by(Organization.name)
        )
    )


def territory_size(channel_manager: Person) -> int:
    return db.read(_TERRITORY_SIZE, {"manager_id": channel_manager.id}).scalar_one()


def dashboard_facts(person: Person) -> dict:
    """What the dashboard shows a person about their place in the channel, by role."""
    facts: dict = {}
    if not person.is_oem:
        facts["channel_managers"] = contacts(person.organization_id)
        facts["team_size"] = active_staff_counts([person.organization_id]).get(
            person.organization_id, 0
        )
    if person.role == Role.PARTNER_ADMIN:
        facts["staff"] = staff_summary(person.organization_id)
    if person.organization.kind != OrgKind.DEALER:
        facts["downstream"] = downstream_counts(person)
    if person.role == Role.CHANNEL_MANAGER:
        facts["territory"] = territory(person)
        facts["territory_count"] = territory_size(person)
    if person.role == Role.PRODUCT_MANAGER:
        facts["product_lines"] = product_lines_managed_by(person.id)
    return facts
