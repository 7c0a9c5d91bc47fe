"""/api/v1/consultations: the ones open for me, one with its comments, my signal (changed,
refused after the close), my comment — problem JSON for each refusal, answers matching the
OpenAPI document."""

from __future__ import annotations

import pytest

from feedback.consultations import service
from hub import db
from hub.accounts import service as accounts
from hub.models import Tier
from tests.feedback.consultations.support import close, open_one
from tests.hub.api.test_openapi import fetch_document, response_validator

BASE = "/api/v1/consultations"


@pytest.fixture
def auth(channel):
    tokens: dict[int, str] = {}

    def headers(who) -> dict:
        person = channel.people[who]
        if person.id not in tokens:
            tokens[person.id] = accounts.create_api_token(person, "api tests").secret
        return {"Authorization": f"Bearer {tokens[person.id]}"}

    return headers


def test_list_read_signal_and_comment(client, auth, channel):
    c = open_one(channel.people["program_admin"])
    listed = client.get(BASE, headers=auth("dealer_marketer"))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json["data"]] == [c.id]
    assert listed.json["data"][0]["rule"]["current"] == c.rule_current
    document = fetch_document(client)
    response_validator(document, BASE, "get", "200").validate(listed.json)

    url = f"{BASE}/{c.id}"
    signalled = client.post(
        f"{url}/signal", json={"signal": "agree"}, headers=auth("dealer_marketer")
    )
    assert signalled.status_code == 200 and signalled.json["my_signal"] == "agree"
    changed = client.post(
        f"{url}/signal", json={"signal": "concerned"}, headers=auth("dealer_marketer")
    )
    assert changed.json["my_signal"] == "concerned"
    response_validator(document, f"{BASE}/{{consultation_id}}/signal", "post", "200").validate(
        changed.json
    )
    bad = client.post(f"{url}/signal", json={"signal": "maybe"}, headers=auth("dealer_marketer"))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"

    empty = client.post(f"{url}/comments", json={"body": " "}, headers=auth("dealer_marketer"))
    assert empty.status_code == 422 and "Write your comment" in empty.json["detail"]
    sent = client.post(
        f"{url}/comments", json={"body": "<b>Hm</b>"}, headers=auth("dealer_marketer")
    )
    assert sent.status_code == 201 and sent.json["body"] == "<b>Hm</b>"

    other = client.get(url, headers=auth("other_marketer")).json
    assert other["comments"] == [] and other["my_signal"] is None  # not their organisation's
    admin = client.get(url, headers=auth("program_admin")).json
    assert [cm["body"] for cm in admin["comments"]] == ["<b>Hm</b>"]

    oem = client.post(f"{url}/signal", json={"signal": "agree"}, headers=auth("channel_manager"))
    assert oem.status_code == 403


def test_after_the_close_signals_are_a_conflict_and_closed_ones_are_listed_on_request(
    client, auth, channel
):
    c = open_one(channel.people["program_admin"])
    close(c)
    refused = client.post(
        f"{BASE}/{c.id}/signal", json={"signal": "agree"}, headers=auth("dealer_marketer")
    )
    assert refused.status_code == 409 and refused.json["detail"] == service.CLOSED
    assert client.get(BASE, headers=auth("dealer_marketer")).json["data"] == []
    closed = client.get(f"{BASE}?state=closed", headers=auth("dealer_marketer")).json["data"]
    assert [row["id"] for row in closed] == [c.id]


def test_a_consultation_for_another_audience_is_not_found(client, auth, channel):
    tier = Tier(name="Elite", rank=5)
    db.session.add(tier)
    db.session.flush()
    c = open_one(channel.people["program_admin"], tiers=[tier.id])
    missing = client.get(f"{BASE}/{c.id}", headers=auth("dealer_marketer"))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert (
        client.post(
            f"{BASE}/{c.id}/signal", json={"signal": "agree"}, headers=auth("dealer_marketer")
        ).status_code
        == 404
    )
