"""Bearer-token sign-in for the JSON API: the session cookie never speaks here."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, request

from hub.accounts import service as accounts
from hub.accounts.identity import SignedIn
from hub.api.problems import ApiProblem
from hub.extensions import login_manager
from hub.models import Person

PUBLIC_ATTR = "api_public"

AUTH_MISSING_DETAIL = (
    "Send an API token in the header 'Authorization: Bearer <token>'. "
    "Create a token on your settings page or with 'flask --app wsgi hub create-token EMAIL'."
)
AUTH_INVALID_DETAIL = (
    "This API token is not valid: it is unknown or revoked, or its owner's account is "
    "inactive. Create a new token on your settings page."
)


def public(view: Callable) -> Callable:
    """Mark an API view that answers without a token (e.g. the OpenAPI document)."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def is_public(view: Callable) -> bool:
    return bool(getattr(view, PUBLIC_ATTR, False))


def current_person() -> SignedIn:
    """The person whose token authenticated this API request (a SignedIn: one row, no ORM
    objects; `row_of` (hub.plain) gives the Person for the rules that change it)."""
    return g.api_person


def allow_only(may: Callable[[Person], bool], refusal: str) -> Callable[..., None]:
    """A route's `before` for a role that may never take this action: a 403 with `refusal`
    unless `may(caller)`, before the request's body is looked at."""

    def check(**_) -> None:
        if not may(current_person()):
            raise PermissionError(refusal)

    return check


def authenticate():
    """before_request of every API blueprint."""
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
    person = g.api_person = accounts.person_for_api_token(secret.strip())
    if person is None:
        raise ApiProblem(
            401,
            "Unauthorized",
            AUTH_INVALID_DETAIL,
            {"WWW-Authenticate": 'Bearer realm="Partner Hub", error="invalid_token"'},
        )
    # Shared code that asks flask_login (audit.record, the request log) sees the token's person.
    g._login_user = person
    return None
