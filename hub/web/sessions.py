"""Flask's signed-cookie sessions, with the signing serializer built once.

Flask builds a new `URLSafeTimedSerializer` (its keys, salt, JSON serializer and signer
settings) each time it opens and each time it saves a session cookie — on every request.
Nothing of it depends on the request: it is kept here for the app's secret key and key
fallbacks, and built again only when either changes (a key rotated in the config).
Signing and checking a cookie are unchanged: the same serializer does them.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class KeptSerializerSessions(SecureCookieSessionInterface):
    """SecureCookieSessionInterface with `get_signing_serializer` built once per key set."""

    def __init__(self) -> None:
        self._kept: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]
