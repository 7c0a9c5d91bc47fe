"""Plumbing every JSON API blueprint shares: bearer-token sign-in, problem JSON errors,
JSON bodies and cursor pagination.

A feature package builds its API with `api_blueprint(...)` and gets the same rules as
the core API: no session cookie, no CSRF, RFC 9457 errors, writes rolled back on error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, current_app, g, request
from werkzeug.exceptions import HTTPException

from hub import db
from hub.accounts import service as accounts
from hub.errors import Conflict, ValidationFailed
from hub.extensions import csrf, login_manager
from hub.models import Person
from hub.web.errors import problem

API_PREFIX = "/api/v1"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
PUBLIC_ATTR = "api_public"
_CURSOR_PREFIX = "id:"

NOT_FOUND_DETAIL = "Nothing here: the id is unknown, or it is outside what your account may see."
AUTH_MISSING_DETAIL = (
    "Send an API token in the header 'Authorization: Bearer <token>'. "
    "Create a token on your settings page or with 'flask --app wsgi hub create-token EMAIL'."
)
AUTH_INVALID_DETAIL = (
    "This API token is not valid: it is unknown or revoked, or its owner's account is "
    "inactive. Create a new token on your settings page."
)


class ApiProblem(Exception):
    """An API error with its own status and sentence (answered as problem JSON)."""

    def __init__(self, status: int, title: str, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.headers = headers or {}


def api_blueprint(name: str, import_name: str, url_prefix: str = API_PREFIX) -> Blueprint:
    """A blueprint for JSON routes: bearer tokens only, problem JSON errors, exempt from CSRF.

    CSRF protection is not needed because the session cookie is never accepted here:
    a browser cannot make a cross-site request carry someone's bearer token.
    """
    bp = Blueprint(name, import_name, url_prefix=url_prefix)
    bp.before_request(_authenticate)
    bp.after_request(_no_store)
    bp.register_error_handler(ApiProblem, _api_problem)
    bp.register_error_handler(Conflict, _conflict)
    bp.register_error_handler(ValidationFailed, _validation_failed)
    bp.register_error_handler(PermissionError, _forbidden)
    bp.register_error_handler(HTTPException, _http_error)
    csrf.exempt(bp)
    return bp


def public(view: Callable) -> Callable:
    """Mark an API view that answers without a token (e.g. the OpenAPI document)."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def is_public(view: Callable) -> bool:
    return bool(getattr(view, PUBLIC_ATTR, False))


def current_person() -> Person:
    """The person whose token authenticated this API request."""
    return g.api_person


# --- Authentication -------------------------------------------------------------


def _authenticate():
    # The cookie's person never speaks here: current_user is the token's person or nobody.
    g._login_user = login_manager.anonymous_user()
    g.api_person = None
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and is_public(view):
        return None
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem(
            401,
            "Unauthorized",
            AUTH_MISSING_DETAIL,
            {"WWW-Authenticate": 'Bearer realm="Partner Hub"'},
        )
    person = accounts.person_for_api_token(secret.strip())
    if person is None:
        raise ApiProblem(
            401,
            "Unauthorized",
            AUTH_INVALID_DETAIL,
            {"WWW-Authenticate": 'Bearer realm="Partner Hub", error="invalid_token"'},
        )
    g.api_person = person
    # Shared code that asks flask_login (audit.record, the request log) sees the token's person.
    g._login_user = person
    return None


def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# --- Errors ---------------------------------------------------------------------


def _api_problem(exc: ApiProblem):
    db.rollback_request()
    response = problem(exc.status, exc.title, exc.detail)
    response.headers.update(exc.headers)
    return response


def field_errors(exc: ValidationFailed) -> list[dict]:
    """ValidationFailed.problems as [{"field": name or None, "detail": sentence}]."""
    return [
        {"field": field or None, "detail": sentence}
        for field, sentences in exc.problems.items()
        for sentence in sentences
    ]


def _validation_failed(exc: ValidationFailed):
    db.rollback_request()
    errors = field_errors(exc)
    return problem(422, "Unprocessable Content", _summary(errors), errors=errors)


def _conflict(exc: Conflict):
    db.rollback_request()
    errors = field_errors(exc)
    return problem(409, "Conflict", _summary(errors), errors=errors)


def _summary(errors: list[dict]) -> str:
    return " ".join(sentence(e["detail"]) for e in errors) or "The request can't be accepted."


def _forbidden(exc: PermissionError):
    db.rollback_request()
    return problem(403, "Forbidden", sentence(str(exc)) or "Your account may not do this.")


def _http_error(exc: HTTPException):
    db.rollback_request()
    code = exc.code or 500
    detail = NOT_FOUND_DETAIL if code == 404 else (exc.description or exc.name)
    response = problem(code, exc.name, detail)
    if code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def sentence(text: str) -> str:
    """text as a sentence: capital first letter, closing full stop."""
    text = (text or "").strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


# --- Request bodies and query strings -------------------------------------------


def json_body() -> dict:
    """The request's JSON object, or a 415/400 problem that says what to send instead."""
    if not request.is_json:
        raise ApiProblem(
            415,
            "Unsupported Media Type",
            "Send the request body as JSON with the header 'Content-Type: application/json'.",
        )
    try:
        data = json.loads(request.get_data(cache=True) or b"")
    except json.JSONDecodeError as exc:
        raise ApiProblem(
            400,
            "Bad Request",
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
        ) from exc
    except ValueError as exc:
        raise ApiProblem(400, "Bad Request", "The request body is not valid UTF-8 JSON.") from exc
    if not isinstance(data, dict):
        raise ApiProblem(
            400, "Bad Request", 'The request body must be a JSON object, like {"name": "…"}.'
        )
    return data


def bad_request(detail: str) -> ApiProblem:
    return ApiProblem(400, "Bad Request", detail)


def int_query_arg(name: str) -> int | None:
    """An optional whole-number query parameter; anything else is a 400 problem."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"The query parameter '{name}' must be a whole number.") from None


def choice_query_arg(name: str, choices: list[str]) -> str | None:
    """An optional query parameter that must be one of choices."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise bad_request(f"The query parameter '{name}' must be one of: {', '.join(choices)}.")
    return raw


# --- Cursor pagination ----------------------------------------------------------


def encode_cursor(last_id: int) -> str:
    """An opaque cursor that continues after last_id."""
    raw = f"{_CURSOR_PREFIX}{last_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor continues after; ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("not a cursor") from exc
    if not raw.startswith(_CURSOR_PREFIX) or not raw[len(_CURSOR_PREFIX) :].isdigit():
        raise ValueError("not a cursor")
    return int(raw[len(_CURSOR_PREFIX) :])


def page_limit() -> int:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise bad_request(
            f"The query parameter 'limit' must be a whole number from 1 to {MAX_LIMIT}."
        )
    return int(raw)


def page_after() -> int | None:
    raw = request.args.get("cursor")
    if raw is None or raw == "":
        return None
    try:
        return decode_cursor(raw)
    except ValueError:
        raise bad_request(
            "The cursor is not valid. Pass the next_cursor of the previous page exactly as "
            "it was given, or leave it out to start from the beginning."
        ) from None


def paginate(stmt: sa.Select, id_column, serialize: Callable) -> dict:
    """One page of stmt in id order (keyset: WHERE id > cursor), as {"data", "next_cursor"}.

    One row more than the limit is read, so next_cursor is null exactly on the last page.
    """
    limit, after = page_limit(), page_after()
    if after is not None:
        stmt = stmt.where(id_column > after)
    stmt = stmt.order_by(None).order_by(id_column).limit(limit + 1)
    rows = list(db.session.scalars(stmt).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], id_column.key)) if more else None
    return {"data": [serialize(row) for row in rows], "next_cursor": next_cursor}


def iso_utc(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with a Z, e.g. 2026-03-01T09:30:00Z."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"
