"""Relative URLs built once per process.

A page builds dozens of links (`url_for` in templates: the navigation, a link per row),
each ~4–5 µs of Werkzeug's rule building; the dashboards build about seventy. The URL for
an endpoint and its values, inside a request and without `_external`, `_scheme`,
`_anchor` or `_method`, is the same string for everyone (the script root, the rule, the
values) — so it is kept the first time it is built and looked up after that. Nothing
personal is in it: the values are the caller's own, part of the key.

Only the plain case is kept: values of type `int` or `str` (a `True` would build
"True" where 1 builds "1", and the two are equal as keys), an absolute endpoint name,
no URL-defaults functions registered. Anything else is built by Flask as before. The
store is cleared when it reaches `MAX_URLS` entries, so a process serving many ids does
not grow without bound.
"""

from __future__ import annotations

from flask import Flask
from flask.globals import _cv_request

MAX_URLS = 50_000
MAX_SYNC = 1_000
_PLAIN = (int, str)


class HubFlask(Flask):
    """Flask with `url_for` kept per endpoint and values (above), and `ensure_sync` kept
    per function."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._built_urls: dict[tuple, str] = {}
        self._url_defaults: bool | None = None  # any url_defaults functions? (known at first use)
        self._synced: dict = {}

    def ensure_sync(self, func):
        """Flask's answer for func, kept: Flask asks it of every hook, context processor
        and view it calls (some forty times a request), each time inspecting whether the
        function is a coroutine function, which a function never stops or starts being.
        Flask documents this method as the one to override. Cleared at `MAX_SYNC`
        functions (a closure made per call is a new function each time)."""
        try:
            return self._synced[func]
        except KeyError:
            synced = super().ensure_sync(func)
        except TypeError:  # an unhashable callable: asked afresh
            return super().ensure_sync(func)
        if len(self._synced) >= MAX_SYNC:
            self._synced.clear()
        self._synced[func] = synced
        return synced

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values,
    ) -> str:
        req_ctx = _cv_request.get(None)
        if (
            req_ctx is None
            or req_ctx.url_adapter is None
            or _anchor is not None
            or _method is not None
            or _scheme is not None
            or _external
            or endpoint[:1] == "."
            or self._has_url_defaults()
        ):
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        for value in values.values():
            if type(value) not in _PLAIN:
                return super().url_for(endpoint, **values)
        key = (req_ctx.url_adapter.script_name, endpoint, *values.items())
        try:
            return self._built_urls[key]
        except KeyError:
            pass
        url = super().url_for(endpoint, **values)
        if len(self._built_urls) >= MAX_URLS:
            self._built_urls.clear()
        self._built_urls[key] = url
        return url

    def _has_url_defaults(self) -> bool:
        if self._url_defaults is None:
            self._url_defaults = any(self.url_default_functions.values())
        return self._url_defaults
