"""Flask's signed-cookie sessions, with the signing serializer built once and each cookie's
signature checked once per process.

Flask builds a new `URLSafeTimedSerializer` (its keys, salt, JSON serializer and signer
settings) each time it opens and each time it saves a session cookie — on every request.
Nothing of it depends on the request: it is kept here for the app's secret key and key
fallbacks, and built again only when either changes (a key rotated in the config).

A signed-in person's browser sends the same cookie with every request until the session
changes; Flask checks its signature (two HMACs), decodes and un-tags its JSON each time.
What a cookie decodes to is fixed by its bytes and the keys: here the answer is kept
per cookie value (`_Checked`), and a cookie seen again is only checked for its age — the
timestamp signed into it against `PERMANENT_SESSION_LIFETIME`, as itsdangerous does. Kept
only for a cookie of plain values (strings, numbers, booleans), each request getting a
dict of its own; a cookie with a list or a dict in it (flashed messages) is decoded anew.
The kept answers are forgotten with the keys (a key rotated); at most `_Checked.SIZE`.

This keeps no one's data for anyone else: the key is the whole signed cookie, which only
its holder sends, and a cookie whose signature fails is never kept.
"""

from __future__ import annotations

import contextlib
import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

_PLAIN = (str, int, float, bool, type(None))


class _Checked:
    """Cookie value → (its decoded data, the time it was signed), for cookies that passed."""

    SIZE = 4096

    def __init__(self) -> None:
        self.kept: dict[str, tuple[dict, int]] = {}

    def get(self, value: str, max_age: int) -> dict | None:
        """The data of a cookie checked before, when it is still within max_age."""
        found = self.kept.get(value)
        if found is None:
            return None
        data, signed_at = found
        if not 0 <= int(time.time()) - signed_at <= max_age:
            return None  # expired (or from the future): checked again, and refused
        return data

    def keep(self, value: str, data: dict, signed_at: int) -> None:
        if not all(isinstance(v, _PLAIN) for v in data.values()):
            return
        kept = self.kept
        if len(kept) >= self.SIZE:
            # The oldest; another thread may have removed it (or changed the dict) first.
            with contextlib.suppress(KeyError, StopIteration, RuntimeError):
                del kept[next(iter(kept))]
        kept[value] = (data, signed_at)


class KeptSerializerSessions(SecureCookieSessionInterface):
    """SecureCookieSessionInterface with `get_signing_serializer` built once per key set,
    and each cookie's signature checked once (module docstring)."""

    def __init__(self) -> None:
        self._kept: tuple[tuple, URLSafeTimedSerializer | None, _Checked] | None = None

    def _for_keys(self, app: Flask) -> tuple[tuple, URLSafeTimedSerializer | None, _Checked]:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app), _Checked())
        return kept

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return self._for_keys(app)[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        _keys, serializer, checked = self._for_keys(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        data = checked.get(value, max_age)
        if data is None:
            try:
                data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            checked.keep(value, data, int(signed.timestamp()))
        return self.session_class(data)  # a dict of its own
