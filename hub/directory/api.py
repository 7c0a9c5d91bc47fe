"""The core JSON API at /api/v1: the caller, the channel directory, people, product lines.

Every list and lookup goes through hub.policy, so a token sees exactly what its person
sees on the pages; writes call the same hub.directory rules the pages call. The shared
plumbing (tokens, problem JSON, pagination) is in hub.apitools; the OpenAPI document at
/api/v1/openapi.json is assembled by hub.openapi from the @operation specs below.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, abort, jsonify, request, url_for
from sqlalchemy.orm import selectinload

from hub import db, policy
from hub.api import openapi
from hub.api.openapi import (
    PAGINATION_PARAMETERS,
    json_response,
    operation,
    page_of,
    problems,
    query,
    ref,
)
from hub.api.tools import (
    api_blueprint,
    choice_query_arg,
    current_person,
    int_query_arg,
    iso_utc,
    json_body,
    paginate,
    public,
)
from hub.directory import service as directory
from hub.models import Organization, OrgKind, Person, ProductLine, Role, Tier, Track

bp = api_blueprint("api", __name__)


# --- Representations ------------------------------------------------------------------


def organization_json(org: Organization) -> dict:
    fields = directory.organization_snapshot(org)
    del fields["path"]  # internal: the API speaks of parent_id
    return {"id": org.id, **fields, "created_at": iso_utc(org.created_at)}


def person_json(person: Person) -> dict:
    """A person as others may see them: never a password hash or a two-factor secret."""
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "title": person.title,
        "role": person.role.value,
        "organization_id": person.organization_id,
        "active": person.active,
    }


def product_line_json(line: ProductLine) -> dict:
    return {
        "id": line.id,
        "name": line.name,
        "slug": line.slug,
        "description": line.description,
        "managers": [{"id": p.id, "name": p.name, "email": p.email} for p in line.managers],
    }


# --- Routes ------------------------------------------------------------------------------


@bp.get("/openapi.json")
@public
@operation(
    {
        "summary": "This API's OpenAPI 3.1 document",
        "description": "Public: no token needed.",
        "responses": {"200": json_response("The OpenAPI document.", {"type": "object"})},
    }
)
def openapi_document():
    return jsonify(openapi.build_document())


@bp.get("/me")
@operation(
    {
        "summary": "The person the token belongs to",
        "responses": {"200": json_response("The caller.", ref("Person"))},
    }
)
def me():
    return jsonify(person_json(current_person()))


@bp.get("/organizations")
@operation(
    {
        "summary": "Organisations you can see",
        "description": (
            "OEM staff see the whole channel, a distributor itself and the organisations "
            "beneath it, a dealer only itself. Ordered by id."
        ),
        "parameters": [
            query(
                "kind", {"type": "string", "enum": [k.value for k in OrgKind]}, "Only this kind."
            ),
            query("tier", {"type": "string"}, "Only organisations in the tier with this name."),
            query(
                "parent_id", {"type": "integer"}, "Only organisations directly beneath this one."
            ),
            query("q", {"type": "string"}, "Name contains this text (any case)."),
            *PAGINATION_PARAMETERS,
        ],
        "responses": {
            "200": json_response("One page of organisations.", page_of("Organization")),
            **problems(400),
        },
    }
)
def list_organizations():
    stmt = policy.visible_organizations(current_person()).options(
        selectinload(Organization.track_rows)
    )
    kind = choice_query_arg("kind", [k.value for k in OrgKind])
    if kind:
        stmt = stmt.where(Organization.kind == OrgKind(kind))
    tier = request.args.get("tier", "").strip()
    if tier:
        stmt = stmt.where(Organization.tier_id.in_(sa.select(Tier.id).where(Tier.name == tier)))
    parent_id = int_query_arg("parent_id")
    if parent_id is not None:
        stmt = stmt.where(Organization.parent_id == parent_id)
    q = request.args.get("q", "").strip()
    if q:
        stmt = stmt.where(sa.func.lower(Organization.name).contains(q.lower(), autoescape=True))
    return jsonify(paginate(stmt, Organization.id, organization_json))


@bp.post("/organizations")
@operation(
    {
        "summary": "Add an organisation to the channel (program admin)",
        "requestBody": openapi.json_body(ref("OrganizationCreate")),
        "responses": {
            "201": json_response(
                "The new organisation.",
                ref("Organization"),
                headers={"Location": {"description": "Its URL.", "schema": {"type": "string"}}},
            ),
            **problems(400, 403, 409, 415, 422),
        },
    }
)
def create_organization():
    org = directory.create_organization(current_person(), json_body())
    response = jsonify(organization_json(org))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_organization", org_id=org.id)
    return response


@bp.get("/organizations/<int:org_id>")
@operation(
    {
        "summary": "One organisation",
        "responses": {
            "200": json_response("The organisation.", ref("Organization")),
            **problems(404),
        },
    }
)
def get_organization(org_id: int):
    return jsonify(organization_json(policy.get_organization_or_404(current_person(), org_id)))


@bp.patch("/organizations/<int:org_id>")
@operation(
    {
        "summary": "Change an organisation",
        "description": (
            "The program admin may change every field; changing parent_id moves the "
            "organisation with everything beneath it. A partner admin may change only the "
            "contact details (contact_email, phone, website, address) of their own "
            "organisation. Only the fields sent change."
        ),
        "requestBody": openapi.json_body(ref("OrganizationUpdate")),
        "responses": {
            "200": json_response("The organisation as changed.", ref("Organization")),
            **problems(400, 403, 404, 409, 415, 422),
        },
    }
)
def update_organization(org_id: int):
    person = current_person()
    org = policy.get_organization_or_404(person, org_id)
    data = json_body()
    if policy.can_restructure_organization(person):
        directory.update_organization(person, org, data)
    else:
        directory.update_contact_details(person, org, data)
    db.session.flush()
    return jsonify(organization_json(org))


@bp.get("/people")
@operation(
    {
        "summary": "People you can see",
        "description": "The people of the organisations you can see. Ordered by id.",
        "parameters": [
            query("organization_id", {"type": "integer"}, "Only people of this organisation."),
            query("role", {"type": "string", "enum": [r.value for r in Role]}, "Only this role."),
            query("q", {"type": "string"}, "Name or e-mail contains this text (any case)."),
            *PAGINATION_PARAMETERS,
        ],
        "responses": {
            "200": json_response("One page of people.", page_of("Person")),
            **problems(400),
        },
    }
)
def list_people():
    stmt = policy.visible_people(current_person())
    organization_id = int_query_arg("organization_id")
    if organization_id is not None:
        stmt = stmt.where(Person.organization_id == organization_id)
    role = choice_query_arg("role", [r.value for r in Role])
    if role:
        stmt = stmt.where(Person.role == Role(role))
    q = request.args.get("q", "").strip().lower()
    if q:
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Person.name).contains(q, autoescape=True),
                Person.email.contains(q, autoescape=True),
            )
        )
    return jsonify(paginate(stmt, Person.id, person_json))


@bp.get("/people/<int:person_id>")
@operation(
    {
        "summary": "One person",
        "responses": {"200": json_response("The person.", ref("Person")), **problems(404)},
    }
)
def get_person(person_id: int):
    return jsonify(person_json(policy.get_person_or_404(current_person(), person_id)))


@bp.get("/product-lines")
@operation(
    {
        "summary": "The OEM's product lines",
        "description": "Every signed-in person sees every product line. Ordered by id.",
        "parameters": PAGINATION_PARAMETERS,
        "responses": {
            "200": json_response("One page of product lines.", page_of("ProductLine")),
            **problems(400),
        },
    }
)
def list_product_lines():
    return jsonify(paginate(sa.select(ProductLine), ProductLine.id, product_line_json))


@bp.get("/product-lines/<int:product_line_id>")
@operation(
    {
        "summary": "One product line",
        "responses": {
            "200": json_response("The product line.", ref("ProductLine")),
            **problems(404),
        },
    }
)
def get_product_line(product_line_id: int):
    line = db.session.get(ProductLine, product_line_id)
    if line is None:
        abort(404)
    return jsonify(product_line_json(line))


# --- Schemas ---------------------------------------------------------------------------


def _text(max_length: int, description: str = "") -> dict:
    schema: dict = {"type": "string", "maxLength": max_length}
    if description:
        schema["description"] = description
    return schema


_ORGANIZATION_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 160},
    "parent_id": {"type": "integer", "description": "The organisation it sits beneath."},
    "tier": {"type": ["string", "null"], "description": "The tier's name, or null."},
    "tracks": {"type": "array", "items": {"type": "string", "enum": [t.value for t in Track]}},
    "region": _text(80),
    "domain": _text(120, "The web domain alone, e.g. dealer.example."),
    "contact_email": _text(200),
    "phone": _text(40),
    "website": _text(200, "http(s) address; https:// is added when no scheme is given."),
    "address": _text(500),
    "active": {"type": "boolean"},
}

SCHEMAS = {
    "Organization": {
        "type": "object",
        "required": ["id", "name", "kind", "parent_id", "tier", "tracks", "active", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": [k.value for k in OrgKind]},
            "parent_id": {"type": ["integer", "null"], "description": "null for the OEM."},
            "tier": {"type": ["string", "null"]},
            "tracks": _ORGANIZATION_FIELDS["tracks"],
            "region": {"type": "string"},
            "domain": {"type": "string"},
            "contact_email": {"type": "string"},
            "phone": {"type": "string"},
            "website": {"type": "string"},
            "address": {"type": "string"},
            "active": {"type": "boolean"},
            "created_at": {
                "type": "string",
                "format": "date-time",
                "examples": ["2026-03-01T09:30:00Z"],
            },
        },
    },
    "OrganizationCreate": {
        "type": "object",
        "required": ["name", "kind", "parent_id"],
        "additionalProperties": False,
        "description": (
            "A dealer sits beneath a distributor, master distributor or the OEM; a distributor "
            "beneath a master distributor or the OEM; a master distributor beneath the OEM."
        ),
        "properties": {
            **_ORGANIZATION_FIELDS,
            "kind": {"type": "string", "enum": [k.value for k in OrgKind if k != OrgKind.OEM]},
        },
    },
    "OrganizationUpdate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **_ORGANIZATION_FIELDS,
            "kind": {"type": "string", "enum": [k.value for k in OrgKind]},
        },
    },
    "Person": {
        "type": "object",
        "required": ["id", "name", "email", "title", "role", "organization_id", "active"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "title": {"type": "string"},
            "role": {"type": "string", "enum": [r.value for r in Role]},
            "organization_id": {"type": "integer"},
            "active": {"type": "boolean"},
        },
    },
    "ProductLineManager": {
        "type": "object",
        "required": ["id", "name", "email"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "email": {"type": "string", "format": "email"},
        },
    },
    "ProductLine": {
        "type": "object",
        "required": ["id", "name", "slug", "description", "managers"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "slug": {"type": "string"},
            "description": {"type": "string"},
            "managers": {"type": "array", "items": ref("ProductLineManager")},
        },
    },
}


def init_app(app: Flask) -> None:
    """Register the core API and its schemas; features add their API blueprints after it."""
    openapi.init_app(app)
    for name, schema in SCHEMAS.items():
        openapi.register_schema(name, schema, app=app)
    openapi.register_tag(
        "api", "The caller, the channel directory, people and product lines.", app=app
    )
    app.register_blueprint(bp)
