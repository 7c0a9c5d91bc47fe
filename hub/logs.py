"""The hub's logging: the format of its lines, and the one line each request leaves.

Each request writes one line to `hub.request` — method, path, status, time taken, the
request id that error pages show, the person — so the line is on every page's path, and
its cost is every page's (docs/performance.md, "The fixed cost of a signed-in request").
`LineFormatter` writes the standard format, with the text of the time made once a second
rather than once a line (the same text: only the milliseconds change within a second).
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from flask import Flask, g, request

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

log = logging.getLogger("hub.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{6,40}$")


class LineFormatter(logging.Formatter):
    """`logging.Formatter(FORMAT)`, its default time text ("2026-12-07 10:04:41,123")
    made once per second of the clock and kept, with the record's milliseconds added."""

    def __init__(self, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self._second: tuple[int, str] = (-1, "")  # one tuple: threads read it whole

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        kept = self._second
        if kept[0] != second:
            text = time.strftime(self.default_time_format, self.converter(record.created))
            kept = self._second = (second, text)
        return self.default_msec_format % (kept[1], record.msecs)


def configure() -> None:
    """INFO and above to stderr in the hub's format, unless the process configured
    logging itself (a server's log config, the tests' capture)."""
    if not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(LineFormatter())
        logging.basicConfig(level=logging.INFO, handlers=[handler])


def request_lines(app: Flask) -> None:
    """One log line per request, carrying the request id that error pages show (an
    incoming X-Request-ID of the right shape, else a new one)."""

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(6)
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        rid = g.get("request_id", "-")
        response.headers["X-Request-ID"] = rid
        elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        user = getattr(g.get("_login_user"), "id", "-")
        log.info(
            "%s %s %s %.1fms rid=%s user=%s",
            request.method,
            request.path,
            response.status_code,
            elapsed,
            rid,
            user,
        )
        return response
