"""The OpenAPI 3.1 description of the JSON API, assembled from the routes themselves.

Each API view describes its operation next to its code with `@operation({...})`; the
document walks app.url_map, so every path and method comes from a real route and a
route without a description is simply missing (tests/hub/test_openapi.py fails on it).
Feature packages add their own routes the same way, and register their schemas (and,
rarely, hand-written path entries) on the app from their init_app:

    openapi.register_schema("Campaign", {...}, app=app)
    openapi.document("/api/v1/campaigns/export", "get", {...}, app=app)

The registry lives in app.extensions["hub.openapi"], so hub never imports a feature.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app

from hub.api.tools import API_PREFIX, DEFAULT_LIMIT, MAX_LIMIT, is_public

OPENAPI_VERSION = "3.1.0"
SPEC_ATTR = "openapi_operations"
IGNORED_METHODS = {"HEAD", "OPTIONS"}

_RULE_ARGUMENT = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)
_CONVERTER_SCHEMAS = {
    "int": {"type": "integer", "minimum": 0},
    "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"},
}


@dataclass
class OpenApiRegistry:
    """What the API routes can't say about themselves: schemas, tags, hand-written entries."""

    schemas: dict[str, dict] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    paths: dict[tuple[str, str], dict] = field(default_factory=dict)


def init_app(app: Flask) -> OpenApiRegistry:
    if "hub.openapi" not in app.extensions:
        app.extensions["hub.openapi"] = OpenApiRegistry()
    return app.extensions["hub.openapi"]


def registry(app: Flask | None = None) -> OpenApiRegistry:
    """The app's OpenAPI registry (created on first use)."""
    return init_app(app or current_app)


def register_schema(name: str, schema: dict, *, app: Flask | None = None) -> None:
    """Add a named schema under components/schemas (refer to it with ref(name))."""
    schemas = registry(app).schemas
    if name in schemas and schemas[name] != schema:
        raise ValueError(f"an OpenAPI schema named {name!r} is registered already")
    schemas[name] = schema


def register_tag(name: str, description: str, *, app: Flask | None = None) -> None:
    """Describe a tag (operations are tagged with their blueprint's name unless they say otherwise)."""
    registry(app).tags[name] = description


def document(path: str, method: str, spec: dict, *, app: Flask | None = None) -> None:
    """Describe an operation by hand, e.g. for a route added without @operation.

    path is the OpenAPI form ("/api/v1/things/{thing_id}"); it must match a real route,
    which the OpenAPI test checks.
    """
    registry(app).paths[(path, method.lower())] = spec


def operation(spec: dict, *, method: str | None = None) -> Callable:
    """Decorator: describe the operation a view serves (for one method, or all of its methods).

    Path parameters, operationId, tags, security and the 401 answer are filled in from
    the route; the spec gives summary, parameters, requestBody and responses.
    """

    def wrap(view: Callable) -> Callable:
        specs = dict(getattr(view, SPEC_ATTR, {}))
        specs[(method or "*").lower()] = spec
        setattr(view, SPEC_ATTR, specs)
        return view

    return wrap


# --- Helpers for writing specs ----------------------------------------------------


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def page_of(item_schema: str) -> dict:
    """The schema of a page of items: {"data": [...], "next_cursor": "…" | null}."""
    return {
        "type": "object",
        "required": ["data", "next_cursor"],
        "properties": {
            "data": {"type": "array", "items": ref(item_schema)},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as ?cursor= for the next page; null on the last page.",
            },
        },
    }


def json_body(schema: dict, description: str = "") -> dict:
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return body


def query(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


PAGINATION_PARAMETERS = [
    query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        f"How many items per page (1 to {MAX_LIMIT}, default {DEFAULT_LIMIT}).",
    ),
    query("cursor", {"type": "string"}, "The next_cursor of the previous page, as given."),
]

_PROBLEM_RESPONSES = {
    "400": ("BadRequest", "The request is malformed (bad JSON, a bad query parameter or cursor)."),
    "401": ("Unauthorized", "No valid API token was sent."),
    "403": ("Forbidden", "Your role may not do this to an object you can see."),
    "404": ("NotFound", "The id is unknown or outside what your account may see."),
    "409": ("Conflict", "The input clashes with what exists."),
    "415": ("UnsupportedMediaType", "The body was not sent as application/json."),
    "413": ("ContentTooLarge", "The upload is larger than the limits allow."),
    "422": ("ValidationFailed", "Some fields need attention; see errors."),
    "429": ("TooManyRequests", "Too many requests in a short time; wait as Retry-After says."),
}


def problems(*statuses: int) -> dict:
    """Response references for the problem answers an operation can give."""
    return {
        str(s): {"$ref": f"#/components/responses/{_PROBLEM_RESPONSES[str(s)][0]}"}
        for s in statuses
    }


# --- The document -------------------------------------------------------------------


CORE_SCHEMAS: dict[str, dict] = {
    "Problem": {
        "type": "object",
        "description": "An RFC 9457 problem: every error of the API is answered with one.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference", "examples": ["about:blank"]},
            "title": {"type": "string", "examples": ["Not Found"]},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {
                "type": "string",
                "description": "A sentence saying what went wrong and what to do.",
            },
            "instance": {"type": "string", "description": "The path that was requested."},
            "request_id": {
                "type": "string",
                "description": "Quote it to support; the server log carries it too.",
            },
            "errors": {
                "type": "array",
                "description": "For 409 and 422: one entry per problem, by field.",
                "items": ref("FieldError"),
            },
        },
    },
    "FieldError": {
        "type": "object",
        "required": ["field", "detail"],
        "properties": {
            "field": {
                "type": ["string", "null"],
                "description": "The body field concerned; null when it is about the whole request.",
            },
            "detail": {"type": "string"},
        },
    },
}


def _problem_response(description: str, headers: dict | None = None) -> dict:
    response = {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }
    if headers:
        response["headers"] = headers
    return response


def _components(reg: OpenApiRegistry) -> dict:
    responses = {name: _problem_response(text) for name, text in _PROBLEM_RESPONSES.values()}
    responses["Unauthorized"]["headers"] = {
        "WWW-Authenticate": {
            "description": 'The challenge, e.g. Bearer realm="Partner Hub".',
            "schema": {"type": "string"},
        }
    }
    return {
        "schemas": {**CORE_SCHEMAS, **reg.schemas},
        "responses": responses,
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token from the settings page or `flask --app wsgi hub create-token EMAIL`.",
            }
        },
    }


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: /things/<int:thing_id> -> /things/{thing_id}."""
    return _RULE_ARGUMENT.sub(lambda m: "{" + m.group("name") + "}", rule)


def _path_parameters(rule: str) -> list[dict]:
    return [
        {
            "name": m.group("name"),
            "in": "path",
            "required": True,
            "schema": dict(_CONVERTER_SCHEMAS.get(m.group("converter") or "", {"type": "string"})),
        }
        for m in _RULE_ARGUMENT.finditer(rule)
    ]


def api_rules(app: Flask) -> list:
    """Every URL rule of the JSON API, whatever blueprint holds it."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule == API_PREFIX
        or rule.rule.startswith(API_PREFIX + "/")
        or rule.endpoint.startswith("api.")
    ]


def _operation_for(rule, method: str, view: Callable) -> dict | None:
    specs = getattr(view, SPEC_ATTR, None) or {}
    spec = specs.get(method.lower(), specs.get("*"))
    if spec is None:
        return None
    op = copy.deepcopy(spec)
    methods = sorted(rule.methods - IGNORED_METHODS)
    op.setdefault(
        "operationId", rule.endpoint + ("" if len(methods) == 1 else f"_{method.lower()}")
    )
    op.setdefault("tags", [rule.endpoint.rsplit(".", 1)[0]])
    given = {(p.get("name"), p.get("in")) for p in op.get("parameters", []) if "name" in p}
    path_params = [p for p in _path_parameters(rule.rule) if (p["name"], "path") not in given]
    if path_params or op.get("parameters"):
        op["parameters"] = path_params + op.get("parameters", [])
    responses = op.setdefault("responses", {})
    if is_public(view):
        op["security"] = []
    else:
        responses.setdefault("401", {"$ref": "#/components/responses/Unauthorized"})
    return op


def build_document(app: Flask | None = None) -> dict:
    """The OpenAPI 3.1 document of every route under /api/v1."""
    app = app or current_app
    reg = registry(app)
    paths: dict[str, dict] = {}
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - IGNORED_METHODS):
            op = _operation_for(rule, method, view)
            if op is not None:
                paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = op
    for (path, method), spec in reg.paths.items():
        paths.setdefault(path, {})[method] = copy.deepcopy(spec)
    used_tags = sorted(
        {tag for ops in paths.values() for op in ops.values() for tag in op.get("tags", [])}
    )
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Partner Hub API",
            "version": "1",
            "summary": "The channel directory, people and product lines of a Partner Hub program.",
            "description": (
                "Authenticate with `Authorization: Bearer <token>`. Lists are cursor-paginated "
                "(`?limit=`, `?cursor=`); every error is an RFC 9457 problem. Objects outside "
                "your scope answer 404. See docs/api.md."
            ),
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "security": [{"bearerAuth": []}],
        "tags": [
            {"name": t, **({"description": reg.tags[t]} if t in reg.tags else {})}
            for t in used_tags
        ],
        "paths": paths,
        "components": _components(reg),
    }


def undocumented(app: Flask | None = None) -> list[tuple[str, str]]:
    """(path, method) of API routes that have no description yet."""
    app = app or current_app
    documented = build_document(app)["paths"]
    missing = []
    for rule in api_rules(app):
        for method in rule.methods - IGNORED_METHODS:
            if method.lower() not in documented.get(openapi_path(rule.rule), {}):
                missing.append((openapi_path(rule.rule), method.lower()))
    return sorted(missing)
