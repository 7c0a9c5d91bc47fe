"""The shapes of the core API: organisations, people and product lines.

Organisation bodies are checked by hub.directory.service, the rules the pages use too,
which answer every field's problem at once with its own sentence; their models give the
document their shape and hand the body on as sent (see hub.api.schemas.loose).
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from hub.api import Output, PageQuery, iso_utc
from hub.api.schemas import Email, UtcTime, loose, one_of, trusted
from hub.directory import service as directory
from hub.models import Organization as OrganizationRow
from hub.models import OrgKind, Role, Track
from hub.models import Person as PersonRow
from hub.models import ProductLine as ProductLineRow

KIND = one_of(OrgKind)
PARTNER_KIND = one_of(k for k in OrgKind if k != OrgKind.OEM)
ROLE = one_of(Role)
TRACK = one_of(Track)


class Organization(Output):
    id: int
    name: str
    kind: KIND
    parent_id: int | None = Field(description="null for the OEM.")
    tier: str | None
    tracks: list[TRACK]
    region: str
    erp_account_number: str | None = Field(
        description="The partner's account number in the OEM's ERP (purchase files may use it)."
    )
    domain: str
    contact_email: str
    phone: str
    website: str
    address: str
    active: bool
    created_at: UtcTime

    @classmethod
    def of(cls, org: OrganizationRow, tracks: list | None = None) -> Organization:
        fields = directory.organization_snapshot(org, tracks)
        del fields["path"]  # internal: the API speaks of parent_id
        return cls(id=org.id, **fields, created_at=iso_utc(org.created_at))

    @classmethod
    def of_rows(cls, names, rows) -> list[Organization]:
        """The organisations of a list, from rows of queries.API_ORGANIZATION (`names`: its
        labels, the fields' names): the same fields as `of`, built without validation
        (hub.api.trusted) — the columns' types are the fields' (none of the text columns
        is nullable), and tests/hub/api/test_trusted_pages.py validates the answers
        against this model."""
        names = tuple(names)
        values_of_each = []
        for row in rows:
            values = dict(zip(names, row, strict=True))
            tracks = values["tracks"]
            values["tracks"] = sorted(tracks.split(",")) if tracks else []
            values_of_each.append(values)
        return trusted(cls, values_of_each)


def _text(max_length: int, description: str = "") -> dict:
    schema: dict = {"type": "string", "maxLength": max_length}
    if description:
        schema["description"] = description
    return schema


_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 160},
    "parent_id": {"type": "integer", "description": "The organisation it sits beneath."},
    "tier": {"type": ["string", "null"], "description": "The tier's name, or null."},
    "tracks": {"type": "array", "items": {"type": "string", "enum": [t.value for t in Track]}},
    "region": _text(80),
    "erp_account_number": {
        "type": ["string", "null"],
        "maxLength": 40,
        "description": "The partner's account number in the OEM's ERP; unique; null or empty "
        "for none.",
    },
    "domain": _text(120, "The web domain alone, e.g. dealer.example."),
    "contact_email": _text(200),
    "phone": _text(40),
    "website": _text(200, "http(s) address; https:// is added when no scheme is given."),
    "address": _text(500),
    "active": {"type": "boolean"},
}


class _OrganizationBody(Output):
    # Unknown fields reach the rules, which name them (with every other problem).
    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": False})

    name: loose(_FIELDS["name"]) = None
    parent_id: loose(_FIELDS["parent_id"]) = None
    tier: loose(_FIELDS["tier"]) = None
    tracks: loose(_FIELDS["tracks"]) = None
    region: loose(_FIELDS["region"]) = None
    erp_account_number: loose(_FIELDS["erp_account_number"]) = None
    domain: loose(_FIELDS["domain"]) = None
    contact_email: loose(_FIELDS["contact_email"]) = None
    phone: loose(_FIELDS["phone"]) = None
    website: loose(_FIELDS["website"]) = None
    address: loose(_FIELDS["address"]) = None
    active: loose(_FIELDS["active"]) = None


class OrganizationCreate(_OrganizationBody):
    """A dealer sits beneath a distributor, master distributor or the OEM; a distributor
    beneath a master distributor or the OEM; a master distributor beneath the OEM."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "additionalProperties": False,
            "required": ["name", "kind", "parent_id"],
        },
    )

    kind: loose({"type": "string", "enum": [k.value for k in OrgKind if k != OrgKind.OEM]}) = None


class OrganizationUpdate(_OrganizationBody):
    """Only the fields sent change."""

    kind: loose({"type": "string", "enum": [k.value for k in OrgKind]}) = None


class OrganizationQuery(PageQuery):
    kind: KIND | None = Field(None, description="Only this kind.")
    tier: str | None = Field(None, description="Only organisations in the tier with this name.")
    parent_id: int | None = Field(None, description="Only organisations directly beneath this one.")
    q: str | None = Field(None, description="Name contains this text (any case).")


class Person(Output):
    """A person as others may see them: never a password hash or a two-factor secret."""

    id: int
    name: str
    email: Email
    title: str
    role: ROLE
    organization_id: int
    active: bool

    @classmethod
    def of(cls, person: PersonRow) -> Person:
        return cls(
            id=person.id,
            name=person.name,
            email=person.email,
            title=person.title,
            role=person.role.value,
            organization_id=person.organization_id,
            active=person.active,
        )


class PeopleQuery(PageQuery):
    organization_id: int | None = Field(None, description="Only people of this organisation.")
    role: ROLE | None = Field(None, description="Only this role.")
    q: str | None = Field(None, description="Name or e-mail contains this text (any case).")


class ProductLineManager(Output):
    id: int
    name: str
    email: Email


class ProductLine(Output):
    id: int
    name: str
    slug: str
    description: str
    managers: list[ProductLineManager]

    @classmethod
    def of(cls, line: ProductLineRow) -> ProductLine:
        return cls(
            id=line.id,
            name=line.name,
            slug=line.slug,
            description=line.description,
            managers=[
                ProductLineManager(id=p.id, name=p.name, email=p.email) for p in line.managers
            ],
        )


class OpenApiDocument(Output):
    """The OpenAPI document (an object; see the OpenAPI 3.1 specification)."""

    model_config = ConfigDict(extra="allow")
