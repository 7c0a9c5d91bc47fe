"""The OpenAPI 3.1 document of the JSON API, made from the same declarations that
validate and serialise it.

SpecTree turns each `@operation` (hub.api.operations) into paths, parameters, request
bodies and response schemas from its pydantic models; this module walks app.url_map so
that every path comes from a real route (a route without a declaration is missing, and
tests/hub/api/test_openapi.py fails on it), then adds what is the same everywhere: path
parameters, the problem answers, bearer security, tags and operation ids. Feature
packages describe their tags from their init_app, and rarely a route by hand:

    openapi.register_tag("coop", "Co-op accounts and the ERP purchase import.", app=app)
    openapi.document("/api/v1/things/export", "get", {...}, app=app)

The registry lives in app.extensions["hub.api.openapi"], so hub never imports a feature.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from hub.api.auth import is_public
from hub.api.blueprint import API_PREFIX
from hub.api.operations import OperationDoc, component_name, operation_doc, spec
from hub.api.schemas import Problem

OPENAPI_VERSION = "3.1.0"
_READING = threading.Lock()  # one document is made at a time (SpecTree's models are shared)
IGNORED_METHODS = {"HEAD", "OPTIONS"}
REF_PREFIX = "#/components/schemas/"

_RULE_ARGUMENT = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)
_CONVERTER_SCHEMAS = {
    "int": {"type": "integer", "format": "int32", "minimum": 0},
    "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"},
}

PROBLEM_RESPONSES = {
    400: ("BadRequest", "The request is malformed (bad JSON, a bad query parameter or cursor)."),
    401: ("Unauthorized", "No valid API token was sent."),
    403: ("Forbidden", "Your role may not do this to an object you can see."),
    404: ("NotFound", "The id is unknown or outside what your account may see."),
    409: ("Conflict", "The input clashes with what exists."),
    413: ("ContentTooLarge", "The upload is larger than the limits allow."),
    415: ("UnsupportedMediaType", "The body was not sent as application/json."),
    422: ("ValidationFailed", "Some fields need attention; see errors."),
    429: ("TooManyRequests", "Too many requests in a short time; wait as Retry-After says."),
}


@dataclass
class OpenApiRegistry:
    """What the declarations can't say: tag descriptions, hand-written entries, schemas."""

    schemas: dict[str, dict] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    paths: dict[tuple[str, str], dict] = field(default_factory=dict)


def init_app(app: Flask) -> OpenApiRegistry:
    if "hub.api.openapi" not in app.extensions:
        app.extensions["hub.api.openapi"] = OpenApiRegistry()
    return app.extensions["hub.api.openapi"]


def registry(app: Flask | None = None) -> OpenApiRegistry:
    """The app's OpenAPI registry (created on first use)."""
    return init_app(app or current_app)


def register_tag(name: str, description: str, *, app: Flask | None = None) -> None:
    """Describe a tag (operations are tagged with their blueprint's name unless they say otherwise)."""
    registry(app).tags[name] = description


def register_schema(name: str, schema: dict, *, app: Flask | None = None) -> None:
    """A named schema for a hand-written entry (declared operations bring their own)."""
    schemas = registry(app).schemas
    if name in schemas and schemas[name] != schema:
        raise ValueError(f"an OpenAPI schema named {name!r} is registered already")
    schemas[name] = schema


def document(path: str, method: str, entry: dict, *, app: Flask | None = None) -> None:
    """Describe an operation by hand, for a route whose answer no model describes (a file
    download). path is the OpenAPI form ("/api/v1/things/{thing_id}") of a real route."""
    registry(app).paths[(path, method.lower())] = entry


def ref(name: str) -> dict:
    return {"$ref": REF_PREFIX + name}


def problems(*statuses: int) -> dict:
    """Response references for the problem answers an operation can give."""
    return {str(s): {"$ref": f"#/components/responses/{PROBLEM_RESPONSES[s][0]}"} for s in statuses}


# --- Routes ------------------------------------------------------------------------------


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


def _parameter(param: dict) -> dict:
    schema = dict(param["schema"])
    description = schema.pop("description", "") or param.get("description", "")
    out = {"name": param["name"], "in": param["in"], "required": param["required"]}
    out["schema"] = schema
    if description:
        out["description"] = description
    return out


def _operation(rule, method: str, view: Callable, doc: OperationDoc, generated: dict) -> dict:
    methods = sorted(rule.methods - IGNORED_METHODS)
    op: dict[str, Any] = {"summary": doc.summary}
    if doc.description:
        op["description"] = doc.description
    op["operationId"] = rule.endpoint + ("" if len(methods) == 1 else f"_{method.lower()}")
    op["tags"] = doc.tags or [rule.endpoint.rsplit(".", 1)[0]]
    parameters = _path_parameters(rule.rule) + [
        _parameter(p) for p in generated.get("parameters", []) if p["in"] != "path"
    ]
    if parameters:
        op["parameters"] = parameters
    body = generated.get("requestBody")
    if body:
        body = copy.deepcopy(body)
        body["required"] = not doc.body_optional
        op["requestBody"] = body
    responses: dict[str, Any] = {}
    for status, response in generated.get("responses", {}).items():
        if status.startswith(("4", "5")):
            continue
        response = copy.deepcopy(response)
        headers = doc.response_headers.get(int(status))
        if headers:
            response["headers"] = copy.deepcopy(headers)
        responses[status] = response
    for status, (model, description) in doc.streamed.items():
        responses[str(status)] = {
            "description": description,
            "content": {"application/json": {"schema": ref(component_name(model))}},
        }
    statuses = set(doc.problems)
    parameter_places = {p["in"] for p in parameters if p["in"] != "path"}
    if parameter_places:
        statuses.add(400)
    if body and "application/json" in body.get("content", {}):
        statuses |= {400, 415, 422}
    if "multipart/form-data" in (body or {}).get("content", {}):
        statuses |= {400, 422}
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if is_public(view):
        op["security"] = []
    else:
        statuses.add(401)
    responses.update(problems(*sorted(statuses)))
    op["responses"] = responses
    return op


# --- Schemas -------------------------------------------------------------------------------


def _strip_titles(node: Any) -> Any:
    """Without pydantic's titles ("Next Cursor": the names say it) and null defaults."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "title" and isinstance(value, str):
                continue
            if key == "default" and value is None:
                continue  # an optional field is absent or null: nothing to say
            if key in {"properties", "$defs", "patternProperties"} and isinstance(value, dict):
                out[key] = {name: _strip_titles(sub) for name, sub in value.items()}
            else:
                out[key] = _strip_titles(value)
        return out
    if isinstance(node, list):
        return [_strip_titles(item) for item in node]
    return node


def _sized_integers(node: Any) -> Any:
    """Every integer of node as "format": "int32": what a request's numbers may be (a larger
    one is refused, hub.api.operations), so clients and fuzzers know the range."""
    if isinstance(node, dict):
        out = {key: _sized_integers(value) for key, value in node.items()}
        kind = node.get("type")
        if (kind == "integer" or (isinstance(kind, list) and "integer" in kind)) and (
            "format" not in node
        ):
            out["format"] = "int32"
        return out
    if isinstance(node, list):
        return [_sized_integers(item) for item in node]
    return node


def _request_side(paths: dict) -> dict:
    """paths with the integers of their parameters and request bodies sized (answers are
    left as they are: an id the database makes may be larger, e.g. a ledger entry's)."""
    out = copy.deepcopy(paths)
    for operations in out.values():
        for op in operations.values():
            if "parameters" in op:
                op["parameters"] = _sized_integers(op["parameters"])
            if "requestBody" in op:
                op["requestBody"] = _sized_integers(op["requestBody"])
    return out


def _request_schemas(paths: dict, schemas: dict) -> set[str]:
    """The named schemas a request's parameters or body refer to, directly or not."""
    wanted: set[str] = set()
    for operations in paths.values():
        for op in operations.values():
            _refs([op.get("parameters", []), op.get("requestBody", {})], wanted)
    seen: set[str] = set()
    while wanted - seen:
        name = (wanted - seen).pop()
        seen.add(name)
        wanted |= _refs(schemas.get(name, {}), set())
    return seen


def _refs(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        target = node.get("$ref")
        if isinstance(target, str) and target.startswith(REF_PREFIX):
            found.add(target[len(REF_PREFIX) :])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for item in node:
            _refs(item, found)
    return found


def _used_schemas(paths: dict, schemas: dict) -> dict:
    """Only the schemas the document refers to (declarations of other apps stay out)."""
    wanted = _refs(paths, set()) | {"Problem"}
    seen: set[str] = set()
    while wanted - seen:
        name = (wanted - seen).pop()
        seen.add(name)
        wanted |= _refs(schemas.get(name, {}), set())
    return {name: schemas[name] for name in sorted(seen) if name in schemas}


def _problem_schemas() -> dict:
    schema = Problem.model_json_schema(ref_template=REF_PREFIX + "{model}", mode="serialization")
    defs = schema.pop("$defs", {})
    schema["required"] = ["type", "title", "status", "detail"]
    return {"Problem": schema, **defs}


def _components(reg: OpenApiRegistry, paths: dict, schemas: dict) -> dict:
    responses = {}
    for name, text in PROBLEM_RESPONSES.values():
        responses[name] = {
            "description": text,
            "content": {"application/problem+json": {"schema": ref("Problem")}},
        }
    responses["Unauthorized"]["headers"] = {
        "WWW-Authenticate": {
            "description": 'The challenge, e.g. Bearer realm="Partner Hub".',
            "schema": {"type": "string"},
        }
    }
    responses["TooManyRequests"]["headers"] = {
        "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
    }
    all_schemas = {**schemas, **_problem_schemas(), **reg.schemas}
    requested = _request_schemas(paths, all_schemas)
    return {
        "schemas": {
            name: _sized_integers(schema) if name in requested else schema
            for name, schema in _strip_titles(_used_schemas(paths, all_schemas)).items()
        },
        "responses": responses,
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token from the settings page or `flask --app wsgi hub create-token EMAIL`.",
            }
        },
    }


# --- The document -------------------------------------------------------------------------


def build_document(app: Flask | None = None) -> dict:
    """The OpenAPI 3.1 document of every route under /api/v1."""
    app = app or current_app
    reg = registry(app)
    with _READING:
        kept = spec.models
        # SpecTree's own reading of the declarations; it lifts nested $defs out of its
        # models as it goes, so it reads a copy and the next document finds them again.
        spec.models = copy.deepcopy(kept)
        try:
            with app.app_context():
                generated = spec._generate_spec()
        finally:
            spec.models = kept
    paths: dict[str, dict] = {}
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        doc = operation_doc(view)
        if doc is None:
            continue
        path = openapi_path(rule.rule)
        for method in sorted(rule.methods - IGNORED_METHODS):
            made = generated["paths"].get(path, {}).get(method.lower())
            if made is not None:
                paths.setdefault(path, {})[method.lower()] = _operation(
                    rule, method, view, doc, made
                )
    for (path, method), entry in reg.paths.items():
        paths.setdefault(path, {})[method] = copy.deepcopy(entry)
    paths = _request_side(_strip_titles(paths))
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
        "components": _components(reg, paths, generated["components"]["schemas"]),
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


__all__ = ["component_name"]
