"""The signed-in person as a request reads them: one prepared row made into plain objects.

Every signed-in request needs who is asking — the role, the organisation and its path for
the access policy, the name and the organisation for the layout — and loading that as ORM
objects (the person, their organisation and its tier, three entities into the identity
map) was half the fixed cost of a signed-in page (docs/performance.md, "Figures, session
12"). `SignedIn` carries the same columns as plain values, read by one prepared statement.

What it is not:

- **Not a row to change.** Setting an attribute raises; the rules that change a person
  (profile, password, two-factor) take `row_of(person)` (hub.plain), the ORM `Person`.
- **Not an ORM object.** SQLAlchemy refuses it (no instance state), so code that puts the
  signed-in person into a relationship or a comparison in SQL passes `row_of(...)` or
  the id — the refusal is loud, never a silent wrong row.
- Anything else a `Person` has (a secret, a relationship) is read from the ORM row,
  loaded from the session's identity map on first use: slower, never different.
"""

from __future__ import annotations

from datetime import datetime

from hub.models import (
    Organization,
    OrganizationFacts,
    OrgKind,
    Person,
    PersonFacts,
    Role,
    Tier,
)
from hub.plain import PlainRow

# The columns a SignedIn is made of (the person's, then the organisation's, then the
# tier's): its values come in this order and are named by the columns' keys.
# `has_password` rather than the hash: a secret is never carried around a request it is
# not needed in.
PERSON_COLUMNS = (
    Person.id, Person.organization_id, Person.email, Person.name, Person.title, Person.phone,
    Person.role, Person.active, Person.totp_enabled, Person.timezone, Person.created_at,
    Person.last_login_at, Person.password_hash.is_not(None).label("has_password"),
)  # fmt: skip
ORGANIZATION_COLUMNS = (
    Organization.id, Organization.name, Organization.kind, Organization.parent_id,
    Organization.path, Organization.tier_id, Organization.region, Organization.active,
    Organization.logo_path,
)  # fmt: skip
TIER_COLUMNS = (Tier.id, Tier.name, Tier.rank)
COLUMNS = (*PERSON_COLUMNS, *ORGANIZATION_COLUMNS, *TIER_COLUMNS)


class TierRow(PlainRow):
    """A tier as plain values (hub.plain)."""

    _fields = tuple(column.key for column in TIER_COLUMNS)
    __slots__ = _fields
    _model = Tier
    audit_type = "Tier"


class OrganizationRow(OrganizationFacts, PlainRow):
    """An organisation and its tier as plain values (hub.plain): the signed-in person's, or
    one a page shows."""

    _fields = (*(column.key for column in ORGANIZATION_COLUMNS), "tier")
    __slots__ = _fields
    _model = Organization
    audit_type = "Organization"
    id: int
    name: str
    kind: OrgKind
    parent_id: int | None
    path: str
    tier_id: int | None
    region: str
    active: bool
    logo_path: str | None
    tier: TierRow | None


class SignedIn(PersonFacts, PlainRow):
    """The signed-in person (see the module's docstring); answers Flask-Login as `Person`."""

    _fields = (*(column.key for column in PERSON_COLUMNS), "login_token", "organization")
    __slots__ = _fields
    _model = Person
    audit_type = "Person"
    id: int
    organization_id: int
    email: str
    name: str
    title: str
    phone: str
    role: Role
    active: bool
    totp_enabled: bool
    timezone: str
    created_at: datetime
    last_login_at: datetime | None
    has_password: bool
    login_token: str | None
    organization: OrganizationRow

    @property
    def is_active(self) -> bool:
        return self.active and self.has_password


_ORG_AT = len(PERSON_COLUMNS)


def with_organization(stmt, organization_id):
    """`stmt` joined to the organisation `organization_id` names and outer-joined to its
    tier: the FROM that ORGANIZATION_COLUMNS and TIER_COLUMNS (and `organization_from`)
    read — the signed-in person's, or a proposal's (campaigns.proposals.shown)."""
    return stmt.join(Organization, Organization.id == organization_id).outerjoin(
        Tier, Tier.id == Organization.tier_id
    )


def organization_from(row, at: int) -> OrganizationRow:
    """An OrganizationRow from a row holding ORGANIZATION_COLUMNS then TIER_COLUMNS (the
    tier outer-joined) from position `at` — the signed-in person's organisation, or the
    one a page shows (a proposal's: campaigns.proposals.shown)."""
    tier_at = at + len(ORGANIZATION_COLUMNS)
    tier_end = tier_at + len(TIER_COLUMNS)
    tier = TierRow(*row[tier_at:tier_end]) if row[tier_at] is not None else None
    return OrganizationRow(*row[at:tier_at], tier)


def signed_in_from(row, login_token: str | None) -> SignedIn:
    """A SignedIn from a row that starts with COLUMNS (the person joined to their
    organisation, the tier outer-joined)."""
    return SignedIn(*row[:_ORG_AT], login_token, organization_from(row, _ORG_AT))
