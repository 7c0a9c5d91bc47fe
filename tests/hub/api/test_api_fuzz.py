"""The API fuzzed from its own OpenAPI document: no 5xx, and every answer as documented.

Schemathesis reads GET /api/v1/openapi.json and calls every operation in it through the
WSGI app, on a committed database with the demo program (SQLite, or a PostgreSQL database
of its own when HUB_TEST_DATABASE_URL is set), built once for the module, with a real
bearer token: a program admin's (the whole channel) and a dealer marketer's (their dealer
alone: what they may not see or do must answer as documented too). Checks: no server
error, and the status code, content type and body of every answer as the document says.

The run is derandomized with a fixed seed and a few examples per operation, so the same
requests are made every time; it runs schemathesis' own engine (what `st run` runs), as
its pytest integration does not run under pytest 9.2.

Below it, the requests an earlier fuzzer run answered with a 500, one test each.
"""

from __future__ import annotations

import base64
import io
import os
from datetime import timedelta

import pytest
import schemathesis
import sqlalchemy as sa
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from campaigns.proposals.models import ActivityCategory
from hub import create_app, db
from hub.accounts import service as accounts
from hub.db import today
from hub.models import Person
from tests.conftest import app_settings, drop_postgres_database

OPENAPI = "/api/v1/openapi.json"
SEED = 20260301
# The standing run: schemathesis' examples and random requests (valid and invalid), a few
# per operation. HUB_FUZZ_DEEP=1 adds its coverage phase (every boundary and wrong type of
# every parameter, ~2,000 requests a caller) and more random ones: minutes, not seconds.
DEEP = os.environ.get("HUB_FUZZ_DEEP") == "1"
PHASES = ("examples", "fuzzing", "coverage") if DEEP else ("examples", "fuzzing")
MAX_EXAMPLES = 25 if DEEP else 10
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
CALLERS = {
    "program_admin": "admin@fieldcrest.example",
    "dealer_marketer": "marketing@prairie.example",
}
INT_MAX = 2**31 - 1  # the largest number a request may carry (an integer column on PostgreSQL)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, demo_database, instance_dir):
    """The demo program on a database of its own (a copy of the seeded demo: what the
    fuzzer sends is committed), and an API token for each caller."""
    url, dropped = demo_database.copy(tmp_path_factory.mktemp("api-fuzz"), "api_fuzz")
    app = create_app(app_settings(url, instance_dir))
    try:
        with app.app_context():
            tokens = {
                role: accounts.create_api_token(
                    db.session.scalar(sa.select(Person).where(Person.email == email)),
                    "schemathesis",
                ).secret
                for role, email in CALLERS.items()
            }
            db.session.commit()
        app.config["FUZZ_TOKENS"] = tokens
        yield app
    finally:
        app.extensions["hub.db"]["engine"].dispose()
        if dropped:
            drop_postgres_database(*dropped)


def client_of(app, role: str):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['FUZZ_TOKENS'][role]}"
    return client


def fuzz_config(token: str) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {token}"},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {
                phase: {"enabled": phase in PHASES}
                for phase in ("examples", "coverage", "fuzzing", "stateful")
            },
        }
    )


def run_schemathesis(app, token: str) -> list[str]:
    """What schemathesis found, one paragraph each (with a curl command to repeat it)."""
    schema = schemathesis.openapi.from_wsgi(OPENAPI, app, config=fuzz_config(token))
    found: dict[tuple, str] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    info = node.failure_info
                    if info is not None:
                        key = (event.recorder.label, node.name, info.failure.title)
                        found.setdefault(
                            key,
                            f"{key[0]} — {key[1]}: {key[2]}\n{info.failure.message}\n"
                            f"{info.code_sample}",
                        )
        elif isinstance(event, events.NonFatalError):
            found.setdefault((event.label, "error"), f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            found.setdefault(("fatal",), f"schemathesis stopped: {event.exception!r}")
    return list(found.values())


@pytest.mark.parametrize("role", sorted(CALLERS))
def test_schemathesis_finds_no_server_error_and_no_answer_unlike_the_document(fuzz_app, role):
    found = run_schemathesis(fuzz_app, fuzz_app.config["FUZZ_TOKENS"][role])

    assert not found, "\n\n".join(found)


# --- What the first fuzzer run found: each answered 500 -----------------------------------


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["detail"]
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/coop/accounts/116358332154435753398786588672",
        "/api/v1/campaigns/149517401204487677162815488",
        f"/api/v1/organizations/{INT_MAX + 1}",
        f"/api/v1/people/{2**63 - 1}",
    ],
)
def test_an_id_no_row_can_have_is_not_found(fuzz_app, path):
    body = assert_problem(client_of(fuzz_app, "program_admin").get(path), 404)

    assert body["title"] == "Not Found"


def test_an_id_no_row_can_have_is_not_found_before_anything_is_looked_up(fuzz_app):
    # The route's own check (the proposal, locked, then the role) never sees it.
    client = client_of(fuzz_app, "dealer_marketer")

    assert_problem(client.post("/api/v1/campaigns/149517401204487677162815488/submit"), 404)


def test_a_query_number_no_column_holds_is_a_bad_request(fuzz_app):
    client = client_of(fuzz_app, "program_admin")
    conversation_id = client.get("/api/v1/conversations?limit=1").get_json()["data"][0]["id"]

    response = client.get(
        f"/api/v1/conversations/{conversation_id}/messages",
        query_string={"after_seq": "1749677928830253043497828352"},
    )

    body = assert_problem(response, 400)
    assert body["detail"] == f"The query parameter 'after_seq' must be {INT_MAX} or less."


@pytest.mark.parametrize("parent_id", [INT_MAX + 1, str(2**70)])
def test_a_body_number_no_column_holds_is_unprocessable(fuzz_app, parent_id):
    # As a number, or as text (which the rules of the pages read as a number).
    response = client_of(fuzz_app, "program_admin").post(
        "/api/v1/organizations",
        json={"name": "Overflow Dealer", "kind": "dealer", "parent_id": parent_id},
    )

    body = assert_problem(response, 422)
    assert body["errors"] == [
        {"field": "parent_id", "detail": f"'parent_id' must be {INT_MAX} or less."}
    ]


def test_a_cursor_past_any_id_is_a_bad_request(fuzz_app):
    forged = base64.urlsafe_b64encode(f"id:{2**63}".encode()).decode().rstrip("=")

    response = client_of(fuzz_app, "program_admin").get(f"/api/v1/organizations?cursor={forged}")

    assert "cursor is not valid" in assert_problem(response, 400)["detail"]


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_json_field_of_the_wrong_type_is_unprocessable(fuzz_app, method):
    client = client_of(fuzz_app, "program_admin")
    org_id = client.get("/api/v1/organizations?kind=dealer&limit=1").get_json()["data"][0]["id"]
    url = "/api/v1/organizations" + (f"/{org_id}" if method == "patch" else "")
    sent = {"name": "Wrong Types", "kind": {}, "parent_id": 1, "tracks": [], "active": False}

    body = assert_problem(getattr(client, method)(url, json=sent), 422)

    assert body["errors"] == [{"field": "kind", "detail": "Send 'kind' as text."}]


def test_claim_lines_sent_as_undecodable_bytes_are_unprocessable(fuzz_app):
    client = client_of(fuzz_app, "dealer_marketer")
    mine = client.get("/api/v1/campaigns?limit=200").get_json()["data"]
    (proposal_id, *_) = [p["id"] for p in mine if p["status"] in {"approved", "running"}]

    response = client.post(
        f"/api/v1/campaigns/{proposal_id}/claim",
        data={"lines": (io.BytesIO(b"\xff\xfe\x80 not UTF-8"), "lines.json")},
        content_type="multipart/form-data",
    )

    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["lines"]
    assert "not as a file" in body["detail"]


# --- What this suite's schemathesis run found ----------------------------------------------


def test_submitting_a_draft_the_budget_does_not_allow_is_a_documented_422(fuzz_app):
    client = client_of(fuzz_app, "dealer_marketer")
    with fuzz_app.app_context():
        category_id = db.session.scalar(
            sa.select(ActivityCategory.id).where(ActivityCategory.name == "Print advertising")
        )
    start = today() + timedelta(days=10)
    draft = client.post(
        "/api/v1/campaigns",
        json={
            "title": "More than the budget allows",
            "category_id": category_id,
            "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=30)).isoformat(),
            "requested_amount": "3000.00",
            "lines": [{"description": "Farm-paper ads", "amount": "100.00"}],
        },
    )
    assert draft.status_code == 201, draft.get_json()

    response = client.post(f"/api/v1/campaigns/{draft.get_json()['id']}/submit")

    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == ["requested_amount"]
    submit = client.get(OPENAPI).get_json()["paths"]["/api/v1/campaigns/{proposal_id}/submit"]
    assert "422" in submit["post"]["responses"]
