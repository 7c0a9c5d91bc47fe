"""The OpenAPI document is valid 3.1, describes every API route and nothing else, and
what the API answers matches the schemas it documents."""

from __future__ import annotations

import re

import pytest
from flask import jsonify
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from hub.accounts import service as accounts
from hub.api import API_PREFIX, Output, api_blueprint, openapi
from hub.api import operation as declare
from hub.models import ProductLine

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def fetch_document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def documented_operations(document: dict) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in document["paths"].items() for method in item}


def routed_operations(app) -> set[tuple[str, str]]:
    """(path, method) of every route under /api/v1 or of the api blueprint, OpenAPI style."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not (rule.endpoint.startswith("api.") or rule.rule.startswith(API_PREFIX + "/")):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        found |= {(path, method) for method in rule.methods - IGNORED_METHODS}
    return found


def assert_same_operations(app, document):
    routes, documented = routed_operations(app), documented_operations(document)
    assert not routes - documented, (
        f"API routes missing from the OpenAPI document: {sorted(routes - documented)}"
    )
    assert not documented - routes, (
        f"documented operations with no route: {sorted(documented - routes)}"
    )


def test_document_is_public_and_valid_openapi_3_1(client):
    document = fetch_document(client)
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_document_describes_every_api_route_and_nothing_else(app, client):
    assert_same_operations(app, fetch_document(client))


def test_problem_schema_and_bearer_security_are_declared(client):
    document = fetch_document(client)
    components = document["components"]
    assert {"type", "title", "status", "detail"} <= set(
        components["schemas"]["Problem"]["properties"]
    )
    assert components["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": components["securitySchemes"]["bearerAuth"]["description"],
    }
    for path, item in document["paths"].items():
        for method, op in item.items():
            if path == "/api/v1/openapi.json":
                assert op["security"] == []
            else:
                assert "401" in op["responses"], (path, method)
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    assert response == {"$ref": response["$ref"]}, (path, method, status)
                    name = response["$ref"].rsplit("/", 1)[-1]
                    content = components["responses"][name]["content"]
                    assert "application/problem+json" in content


@pytest.mark.fresh_app  # adds a route to its app
def test_routes_of_another_blueprint_are_documented_and_checked_too(app, client):
    """A feature package's API blueprint: declared with @operation, or by hand with document()."""
    extra = api_blueprint("extra_api", __name__, url_prefix=f"{API_PREFIX}/extra")

    class Widget(Output):
        id: int

    @extra.get("/widgets/<int:widget_id>")
    @declare("One widget", responses={200: (Widget, "A widget.")})
    def widget(widget_id: int):
        return Widget(id=widget_id)

    @extra.post("/widgets")
    def create_widget():
        return jsonify({}), 201

    app.register_blueprint(extra)

    document = fetch_document(client)
    operation = document["paths"]["/api/v1/extra/widgets/{widget_id}"]["get"]
    assert operation["parameters"][0] == {
        "name": "widget_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "format": "int32", "minimum": 0},
    }
    assert operation.get("security", document["security"]) == [{"bearerAuth": []}]
    assert "401" in operation["responses"]
    # The undescribed POST is caught...
    assert openapi.undocumented(app) == [("/api/v1/extra/widgets", "post")]
    with pytest.raises(AssertionError, match="missing from the OpenAPI document"):
        assert_same_operations(app, document)
    # ...until it is described, here by hand.
    openapi.document(
        "/api/v1/extra/widgets",
        "post",
        {"summary": "Add a widget", "responses": {"201": {"description": "Added."}}},
        app=app,
    )
    document = fetch_document(client)
    validate(document)
    assert_same_operations(app, document)
    # And the blueprint answers like the core API: no token, no entry.
    assert client.get("/api/v1/extra/widgets/1").status_code == 401


# --- What the API answers matches what it documents ------------------------------------


@pytest.fixture
def token(session, channel):
    line = ProductLine(name="Hay tools", slug="hay-tools")
    line.managers.append(channel.people["product_manager"])
    session.add(line)
    secret = accounts.create_api_token(channel.people["program_admin"], "schema check").secret
    session.commit()
    return secret


def response_validator(document: dict, path: str, method: str, status: str) -> Draft202012Validator:
    response = document["paths"][path][method]["responses"][status]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    media = (
        "application/json"
        if "application/json" in response["content"]
        else "application/problem+json"
    )
    # The document is the root, so its "#/components/..." references resolve.
    return Draft202012Validator({**document, **response["content"][media]["schema"]})


def test_answers_match_the_documented_schemas(client, channel, token):
    document = fetch_document(client)
    auth = {"Authorization": f"Bearer {token}"}
    line_id = client.get("/api/v1/product-lines", headers=auth).json["data"][0]["id"]
    cases = [
        ("/api/v1/me", "/api/v1/me", "200"),
        ("/api/v1/organizations", "/api/v1/organizations?limit=2", "200"),
        ("/api/v1/organizations/{org_id}", f"/api/v1/organizations/{channel.dealer.id}", "200"),
        ("/api/v1/organizations/{org_id}", "/api/v1/organizations/999999", "404"),
        ("/api/v1/organizations", "/api/v1/organizations?limit=0", "400"),
        ("/api/v1/people", "/api/v1/people", "200"),
        (
            "/api/v1/people/{person_id}",
            f"/api/v1/people/{channel.people['dealer_marketer'].id}",
            "200",
        ),
        ("/api/v1/product-lines", "/api/v1/product-lines", "200"),
        ("/api/v1/product-lines/{product_line_id}", f"/api/v1/product-lines/{line_id}", "200"),
    ]
    for documented_path, url, status in cases:
        response = client.get(url, headers=auth)
        assert str(response.status_code) == status, (url, response.json)
        response_validator(document, documented_path, "get", status).validate(response.json)
    response = client.get("/api/v1/me")
    response_validator(document, "/api/v1/me", "get", "401").validate(response.json)


def test_validation_problem_matches_the_documented_schema(client, channel, token):
    document = fetch_document(client)
    response = client.post(
        "/api/v1/organizations",
        json={"name": "", "kind": "dealer", "parent_id": channel.distributor.id},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    response_validator(document, "/api/v1/organizations", "post", "422").validate(response.json)
    assert response.json["errors"] == [
        {"field": "name", "detail": "Enter the organisation's name."}
    ]


def test_validation_stays_inside_the_api_and_pages_keep_their_html(client, token):
    """SpecTree's checks answer problem JSON on API routes only; pages are untouched."""
    auth = {"Authorization": f"Bearer {token}"}
    bad_query = client.get("/api/v1/people?role=king", headers=auth)
    assert bad_query.status_code == 400
    assert bad_query.mimetype == "application/problem+json"
    assert bad_query.json["detail"].startswith("The query parameter 'role' must be one of")
    page = client.get("/no-such-page?limit=0")
    assert page.status_code == 404
    assert page.mimetype == "text/html"


def test_no_two_api_models_share_a_name(app):
    """The document names each schema by its model's class name: two models of one name
    (an idea's comment and a consultation's) would silently describe one with the other."""
    from hub.api.schemas import Input, Output

    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    seen: dict[str, str] = {}
    clashes = []
    for model in {*every(Input), *every(Output)}:
        where = f"{model.__module__}.{model.__qualname__}"
        if model.__name__ in seen and seen[model.__name__] != where:
            clashes.append(f"{model.__name__}: {seen[model.__name__]} and {where}")
        seen.setdefault(model.__name__, where)
    assert not clashes, "API models with the same name: " + "; ".join(sorted(clashes))
