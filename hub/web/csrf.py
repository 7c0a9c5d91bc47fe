"""The CSRF token a page carries, signed once per session secret rather than per page.

Flask-WTF keeps a random secret in the session cookie and puts a signed, time-stamped
copy of it in every page (the forms, the htmx header): signing it — JSON, zlib, HMAC —
was fixed work of every page. The signed copy of one secret is reused here for a few
minutes: keyed by the app's signing key and the secret itself, which only the holder of
that session cookie has, so a token is only ever handed to the session it belongs to;
the hub's tokens do not expire (WTF_CSRF_TIME_LIMIT is None) and any signed copy of the
secret validates, so a reused one is as good as a fresh one.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf

FIELD = "csrf_token"  # where Flask-WTF keeps the secret (session) and the signed copy (g)
REUSE_SECONDS = 600
MAX_KEPT = 10_000

_signed: dict[tuple, tuple[str, float]] = {}


def _key():
    raw = session.get(FIELD)
    if not isinstance(raw, str):
        return None
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    return (secret, raw)


def _reusable(key) -> str | None:
    found = _signed.get(key)
    if found is None or time.monotonic() - found[1] > _reuse_seconds():
        return None
    return found[0]


def _reuse_seconds() -> float:
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT")
    return REUSE_SECONDS if limit is None else min(REUSE_SECONDS, limit / 4)


def csrf_token() -> str:
    """The page's signed CSRF token (the templates' `csrf_token()`)."""
    if FIELD not in g and (key := _key()) is not None:
        token = _reusable(key)
        if token is None:
            token = generate_csrf()  # signs session[FIELD], the secret of `key`
            if len(_signed) >= MAX_KEPT:
                _signed.clear()
            _signed[key] = (token, time.monotonic())
        setattr(g, FIELD, token)
    return generate_csrf()


def _reuse_for_forms() -> None:
    """Before a page's view builds its forms (which ask Flask-WTF directly): the signed
    copy, when there is one to reuse."""
    if FIELD in g or request.path.startswith("/api/") or (key := _key()) is None:
        return
    if (token := _reusable(key)) is not None:
        setattr(g, FIELD, token)


def protect_writes(app: Flask, csrf: CSRFProtect) -> None:
    """Flask-WTF's check of every form post and API write, as its own hook makes it, but
    asking the method first: its hook looks up the view's exemptions before it sees a GET
    (about 15 µs of every page). Registered where Flask-WTF's own would be (it is turned
    off by WTF_CSRF_CHECK_DEFAULT), so it still runs after the upload limit."""

    @app.before_request
    def _protect():
        config = app.config
        if request.method in config["WTF_CSRF_METHODS"] and config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.before_request(_reuse_for_forms)
