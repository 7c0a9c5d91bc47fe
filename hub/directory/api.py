"""The core JSON API at /api/v1: the caller, the channel directory, people, product lines.

Every list and lookup goes through hub.policy, so a token sees exactly what its person
sees on the pages; writes call the same hub.directory rules the pages call. Each route
is declared once with `@operation` (hub.api): its models in hub.directory.schemas
validate the request, shape the answer and make the OpenAPI document at
/api/v1/openapi.json.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import Flask, abort, request, url_for

from hub import db, policy
from hub.api import (
    Page,
    PageQuery,
    api_blueprint,
    context,
    current_person,
    encode_cursor,
    openapi,
    operation,
    page_of,
    paginate,
)
from hub.api import openapi_document as _openapi_document
from hub.directory import queries
from hub.directory import service as directory
from hub.directory.schemas import (
    OpenApiDocument,
    Organization,
    OrganizationCreate,
    OrganizationQuery,
    OrganizationUpdate,
    PeopleQuery,
    Person,
    ProductLine,
)
from hub.models import Organization as OrganizationRow
from hub.models import OrgKind, Role, Tier
from hub.models import Person as PersonRow
from hub.models import ProductLine as ProductLineRow

bp = api_blueprint("api", __name__)
LOCATION = {"Location": {"description": "Its URL.", "schema": {"type": "string"}}}


@bp.get("/openapi.json")
@operation(
    "This API's OpenAPI 3.1 document",
    description="Public: no token needed.",
    responses={200: (OpenApiDocument, "The OpenAPI document.")},
    public=True,
)
def openapi_document():
    return _openapi_document()


@bp.get("/me")
@operation("The person the token belongs to", responses={200: (Person, "The caller.")})
def me():
    return Person.of(current_person())


@bp.get("/organizations")
@operation(
    "Organisations you can see",
    description=(
        "OEM staff see the whole channel, a distributor itself and the organisations "
        "beneath it, a dealer only itself. Ordered by id."
    ),
    query=OrganizationQuery,
    responses={200: (Page[Organization], "One page of organisations.")},
)
def list_organizations():
    args: OrganizationQuery = context().query
    caller = current_person()
    params: dict = {"limit": args.limit + 1}
    if partner := not caller.is_oem:
        params["scope_path"] = policy.scope_pattern(caller)
    if args.kind:
        params["kind"] = OrgKind(args.kind)
    if tier := (args.tier or "").strip():
        params["tier"] = tier
    if args.parent_id is not None:
        params["parent_id"] = args.parent_id
    if q := (args.q or "").strip():
        params["name_pattern"] = "%" + db.like_literal(q.lower(), "/") + "%"
    if args.after is not None:
        params["after"] = args.after
    stmt = _list_statement(
        partner, *(key in params for key in ("kind", "tier", "parent_id", "name_pattern", "after"))
    )
    rows = db.read_tuples(stmt, params)  # plain tuples: a page of fifty, on every call
    more = len(rows) > args.limit
    rows = rows[: args.limit]
    return page_of(
        Organization,
        Organization.of_rows(_LISTED_NAMES, rows),
        encode_cursor(rows[-1][0]) if more else None,  # the id, API_ORGANIZATION's first
    )


# The names of queries.API_ORGANIZATION's columns (the answer's fields), in their order.
_LISTED_NAMES = tuple(sa.select(*queries.API_ORGANIZATION).selected_columns.keys())


@functools.cache
def _list_statement(
    partner: bool, kind: bool, tier: bool, parent: bool, name: bool, after: bool
) -> sa.Select:
    """The organisation list's statement for one combination of filters, built once: one
    row per organisation as the answer holds it (queries.API_ORGANIZATION), in id order.
    Its parameters are "limit" (one more than the page, so next_cursor is null exactly on
    the last page) and, as filtered, "scope_path" (policy.PARTNER_ORGANIZATION_SCOPE),
    "kind", "tier", "parent_id", "name_pattern" (a LIKE pattern of the lower-case name,
    escaped with "/") and "after" (the cursor's id)."""
    stmt = sa.select(*queries.API_ORGANIZATION).outerjoin(Tier, Tier.id == OrganizationRow.tier_id)
    if partner:
        stmt = stmt.where(policy.PARTNER_ORGANIZATION_SCOPE)
    if kind:
        stmt = stmt.where(OrganizationRow.kind == sa.bindparam("kind"))
    if tier:
        stmt = stmt.where(Tier.name == sa.bindparam("tier"))
    if parent:
        stmt = stmt.where(OrganizationRow.parent_id == sa.bindparam("parent_id"))
    if name:
        stmt = stmt.where(
            sa.func.lower(OrganizationRow.name).like(sa.bindparam("name_pattern"), escape="/")
        )
    if after:
        stmt = stmt.where(OrganizationRow.id > sa.bindparam("after"))
    return db.prepared(
        stmt.order_by(OrganizationRow.id).limit(sa.bindparam("limit", type_=sa.Integer))
    )


@bp.post("/organizations")
@operation(
    "Add an organisation to the channel (program admin)",
    json=OrganizationCreate,
    responses={201: (Organization, "The new organisation.")},
    response_headers={201: LOCATION},
    problems=(403, 409),
)
def create_organization():
    org = directory.create_organization(current_person(), request.get_json())
    location = url_for("api.get_organization", org_id=org.id)
    return Organization.of(org), 201, {"Location": location}


@bp.get("/organizations/<int:org_id>")
@operation("One organisation", responses={200: (Organization, "The organisation.")})
def get_organization(org_id: int):
    return Organization.of(policy.get_organization_or_404(current_person(), org_id))


@bp.patch("/organizations/<int:org_id>")
@operation(
    "Change an organisation",
    description=(
        "The program admin may change every field; changing parent_id moves the "
        "organisation with everything beneath it. A partner admin may change only the "
        "contact details (contact_email, phone, website, address) of their own "
        "organisation. Only the fields sent change."
    ),
    json=OrganizationUpdate,
    responses={200: (Organization, "The organisation as changed.")},
    problems=(403, 409),
)
def update_organization(org_id: int):
    person = current_person()
    org = policy.get_organization_or_404(person, org_id)
    directory.edit_organization(person, org, request.get_json())
    db.session.flush()
    return Organization.of(org)


@bp.get("/people")
@operation(
    "People you can see",
    description="The people of the organisations you can see and, for a partner, the OEM "
    "staff who serve it (every product manager, the channel managers covering it). "
    "Ordered by id.",
    query=PeopleQuery,
    responses={200: (Page[Person], "One page of people.")},
)
def list_people():
    args: PeopleQuery = context().query
    stmt = policy.visible_people(current_person())
    if args.organization_id is not None:
        stmt = stmt.where(PersonRow.organization_id == args.organization_id)
    if args.role:
        stmt = stmt.where(PersonRow.role == Role(args.role))
    q = (args.q or "").strip().lower()
    if q:
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(PersonRow.name).contains(q, autoescape=True),
                PersonRow.email.contains(q, autoescape=True),
            )
        )
    return paginate(stmt, PersonRow.id, Person.of, args)


@bp.get("/people/<int:person_id>")
@operation("One person", responses={200: (Person, "The person.")})
def get_person(person_id: int):
    return Person.of(policy.get_person_or_404(current_person(), person_id))


@bp.get("/product-lines")
@operation(
    "The OEM's product lines",
    description="Every signed-in person sees every product line. Ordered by id.",
    query=PageQuery,
    responses={200: (Page[ProductLine], "One page of product lines.")},
)
def list_product_lines():
    return paginate(sa.select(ProductLineRow), ProductLineRow.id, ProductLine.of, context().query)


@bp.get("/product-lines/<int:product_line_id>")
@operation("One product line", responses={200: (ProductLine, "The product line.")})
def get_product_line(product_line_id: int):
    line = db.session.get(ProductLineRow, product_line_id)
    if line is None:
        abort(404)
    return ProductLine.of(line)


def init_app(app: Flask) -> None:
    """Register the core API; features add their API blueprints after it."""
    openapi.init_app(app)
    openapi.register_tag(
        "api", "The caller, the channel directory, people and product lines.", app=app
    )
    app.register_blueprint(bp)
