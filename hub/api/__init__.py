"""The plumbing every JSON API shares, in one place.

- `api_blueprint(...)`: bearer tokens only, RFC 9457 problem JSON, writes rolled back on
  error, no CSRF (hub.api.blueprint, .auth, .problems);
- `@operation(...)`: one declaration per operation — pydantic models that SpecTree
  validates the request with, serialises the answer with and documents (.operations);
- cursor pagination as a `Page` (.pagination), the shared shapes (.schemas);
- the OpenAPI 3.1 document at /api/v1/openapi.json (.openapi).

A feature package builds its API from these and registers its blueprint from its own
init_app; hub never imports a feature.
"""

from __future__ import annotations

from flask import Flask, jsonify

from hub.api import openapi
from hub.api.auth import (
    AUTH_INVALID_DETAIL,
    AUTH_MISSING_DETAIL,
    allow_only,
    current_person,
    is_public,
    public,
)
from hub.api.blueprint import API_PREFIX, api_blueprint
from hub.api.operations import context, operation
from hub.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    LimitQuery,
    PageQuery,
    decode_cursor,
    encode_cursor,
    page_of,
    paginate,
    paginate_where,
)
from hub.api.problems import NOT_FOUND_DETAIL, ApiProblem, bad_request, field_errors, sentence
from hub.api.schemas import Input, NamedRef, Output, Page, Query, iso_utc

__all__ = [
    "API_PREFIX",
    "AUTH_INVALID_DETAIL",
    "AUTH_MISSING_DETAIL",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "NOT_FOUND_DETAIL",
    "ApiProblem",
    "Input",
    "LimitQuery",
    "NamedRef",
    "Output",
    "Page",
    "PageQuery",
    "Query",
    "allow_only",
    "api_blueprint",
    "bad_request",
    "context",
    "current_person",
    "decode_cursor",
    "encode_cursor",
    "field_errors",
    "init_app",
    "is_public",
    "iso_utc",
    "openapi",
    "openapi_document",
    "operation",
    "page_of",
    "paginate",
    "paginate_where",
    "public",
    "sentence",
]


def openapi_document():
    """The view of /api/v1/openapi.json (the core API's blueprint routes it)."""
    return jsonify(openapi.build_document())


def init_app(app: Flask) -> None:
    openapi.init_app(app)
