"""The reference row of `python -m bench.floor`: what every page pays before its own work.

An empty route behind the sign-in, on a second app of the same settings and database,
against the bare Flask route answering the same empty body: the difference is the fixed
cost of a signed-in request (the session cookie, the person and the program's settings,
the 2FA gate, the CSRF and security hooks, the transaction, the log line). Page − floor −
this = the page's own code beyond its floor (docs/performance.md, session 10).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from flask import Response

REFERENCE_PATH = "/_bench/signed-in"


def reference_app(app):
    """A second app of the same settings and database (a route cannot be added to one that
    has served) with an empty route behind the sign-in, for `signed_in_reference`."""
    from flask_login import login_required

    from bench.seed_large import bench_app

    reference = bench_app(app.config["DATABASE_URL"], app.secret_key, Path(app.instance_path))

    @login_required
    def empty():
        return Response(b"", content_type="text/html; charset=utf-8")

    reference.add_url_rule(REFERENCE_PATH, "bench_signed_in", empty)
    return reference


def signed_in_reference(
    reference, persona, bare_ms, *, requests: int, warmup: int, rounds: int = 6
) -> dict:
    """What every page pays before its own work: the empty route of `reference_app` —
    the session cookie, the person and the program's settings loaded, the 2FA gate, the
    CSRF and security hooks, the transaction, the log line — against the bare Flask route
    answering the same empty body (`bare_ms(n)`: CPU ms per request of n). Page − floor − this = the page's own code (its
    statements through SQLAlchemy, its rows, its views) beyond the floor."""
    client = reference.test_client(use_cookies=False)
    headers = {"Cookie": f"session={persona.cookie}"}
    for _ in range(warmup):
        response = client.get(REFERENCE_PATH, headers=headers)
        assert response.status_code == 200, response.status_code
    each = max(1, requests // rounds)
    figures: dict[str, list[float]] = {"page": [], "a": []}
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(each):
            client.get(REFERENCE_PATH, headers=headers).close()
        figures["page"].append((time.process_time() - started) * 1000 / each)
        figures["a"].append(bare_ms(each))
    reference.extensions["hub.db"]["engine"].dispose()
    signed_in, bare = (statistics.median(figures[k]) for k in ("page", "a"))
    return {
        "key": "signed-in-empty",
        "label": "signed-in empty route (reference)",
        "reference": True,
        "signed_in_ms": round(signed_in, 3),
        "bare_ms": round(bare, 3),
        "fixed_ms": round(signed_in - bare, 3),
        "fixed_min_ms": round(min(figures["page"]) - min(figures["a"]), 3),
        "rounds": {k: [round(v, 3) for v in vs] for k, vs in figures.items()},
    }
