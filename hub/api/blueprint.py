"""The blueprint factory every JSON API shares."""

from __future__ import annotations

from flask import Blueprint

from hub.api.auth import authenticate
from hub.api.problems import register_handlers
from hub.extensions import csrf

API_PREFIX = "/api/v1"


def api_blueprint(name: str, import_name: str, url_prefix: str = API_PREFIX) -> Blueprint:
    """A blueprint for JSON routes: bearer tokens only, problem JSON errors, exempt from CSRF.

    CSRF protection is not needed because the session cookie is never accepted here:
    a browser cannot make a cross-site request carry someone's bearer token. Its errors
    (and SpecTree's validation, which raises them) stay inside it: HTML pages never see
    problem JSON.
    """
    bp = Blueprint(name, import_name, url_prefix=url_prefix)
    bp.before_request(authenticate)
    bp.after_request(_no_store)
    register_handlers(bp)
    csrf.exempt(bp)
    return bp


def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response
