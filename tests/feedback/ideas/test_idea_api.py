"""/api/v1/ideas: list with filters and search, post, read, vote once, comment, and the
PM's status change — each refusal a problem JSON with a sentence."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from feedback.ideas import service as ideas
from feedback.ideas.models import IdeaNotice
from hub import db
from hub.accounts import service as accounts
from tests.feedback.ideas.support import post
from tests.hub.api.test_openapi import fetch_document, response_validator

BASE = "/api/v1/ideas"


@pytest.fixture
def auth(channel):
    tokens: dict[int, str] = {}

    def headers(who) -> dict:
        person = channel.people[who]
        if person.id not in tokens:
            tokens[person.id] = accounts.create_api_token(person, "api tests").secret
        return {"Authorization": f"Bearer {tokens[person.id]}"}

    return headers


def test_post_vote_comment_and_change_status(client, auth, channel, line):
    created = client.post(
        BASE,
        json={
            "product_line_id": line.id,
            "title": "Fold-away loader step",
            "problem": "Short operators.",
        },
        headers=auth("dealer_marketer"),
    )
    assert created.status_code == 201, created.json
    idea_id = created.json["id"]
    assert created.headers["Location"] == f"{BASE}/{idea_id}"
    document = fetch_document(client)
    response_validator(document, "/api/v1/ideas", "post", "201").validate(created.json)

    voted = client.post(f"{BASE}/{idea_id}/vote", headers=auth("other_marketer"))
    assert voted.status_code == 200 and voted.json["vote_count"] == 1 and voted.json["voted"]
    twice = client.post(f"{BASE}/{idea_id}/vote", headers=auth("other_marketer"))
    assert twice.status_code == 409
    assert twice.mimetype == "application/problem+json"
    assert "already voted" in twice.json["detail"]

    comment = client.post(
        f"{BASE}/{idea_id}/comments", json={"body": "<b>Same</b>"}, headers=auth("other_marketer")
    )
    assert comment.status_code == 201 and comment.json["body"] == "<b>Same</b>"

    refused = client.post(
        f"{BASE}/{idea_id}/status",
        json={"status": "planned", "message": "x"},
        headers=auth("dealer_marketer"),
    )
    assert refused.status_code == 403
    changed = client.post(
        f"{BASE}/{idea_id}/status",
        json={"status": "planned", "message": "In the 2027 plan."},
        headers=auth("product_manager"),
    )
    assert changed.status_code == 200 and changed.json["status"] == "planned"
    assert changed.json["history"][0]["notified_count"] == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdeaNotice)) == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"product_line_id": 1, "title": "", "problem": ""}, "title"),
        ({"title": "No line given here", "problem": "x"}, "product_line_id"),
        ({"product_line_id": 1, "title": "Long " * 100, "problem": "x"}, "title"),
        ({"product_line_id": 1, "title": "Unknown field", "problem": "x", "votes": 3}, "votes"),
    ],
)
def test_bad_input_is_a_problem_with_a_sentence(client, auth, line, body, field):
    if "product_line_id" in body:
        body = {**body, "product_line_id": line.id}
    response = client.post(BASE, json=body, headers=auth("dealer_marketer"))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in {e["field"] for e in response.json["errors"]}


def test_list_filters_and_search(client, auth, channel, line):
    marketer = channel.people["dealer_marketer"]
    deck = post(marketer, line, "Quick-attach mower deck")
    step = post(marketer, line, "Fold-away loader step")
    ideas.change_status(
        channel.people["product_manager"], step, "planned", "Soon.", link="l", path="p"
    )
    listed = client.get(f"{BASE}?status=planned", headers=auth("other_marketer"))
    assert [i["id"] for i in listed.json["data"]] == [step.id]
    found = client.get(f"{BASE}?q=mowing", headers=auth("other_marketer"))
    assert [i["id"] for i in found.json["data"]] == [deck.id]
    assert client.get(f"{BASE}?status=nope", headers=auth("other_marketer")).status_code == 400
    missing = client.get(f"{BASE}/999999", headers=auth("other_marketer"))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
