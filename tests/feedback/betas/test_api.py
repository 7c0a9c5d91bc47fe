"""/api/v1/beta-programs: the programs open to you, one program with what you lack,
applying, signing the NDA and filing a report — every refusal a problem JSON with a
sentence, the answers as the OpenAPI document says."""

from __future__ import annotations

import pytest

from feedback.betas import service as betas
from feedback.betas.access import application_of
from hub.accounts import service as accounts
from hub.models import Tier
from tests.feedback.betas.support import accept, make_program
from tests.hub.api.test_openapi import fetch_document, response_validator

BASE = "/api/v1/beta-programs"


@pytest.fixture
def auth(channel):
    tokens: dict[int, str] = {}

    def headers(who) -> dict:
        person = channel.people[who]
        if person.id not in tokens:
            tokens[person.id] = accounts.create_api_token(person, "api tests").secret
        return {"Authorization": f"Bearer {tokens[person.id]}"}

    return headers


def test_apply_sign_and_report_through_the_api(client, auth, channel, line):
    pm = channel.people["product_manager"]
    program = make_program(pm, line)
    document = fetch_document(client)

    listed = client.get(BASE, headers=auth("dealer_marketer"))
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json["data"]] == [program.id]
    response_validator(document, BASE, "get", "200").validate(listed.json)

    applied = client.post(
        f"{BASE}/{program.id}/applications",
        json={"motivation": "Grapple customers every week."},
        headers=auth("dealer_marketer"),
    )
    assert applied.status_code == 201 and applied.json["status"] == "applied"
    response_validator(document, f"{BASE}/{{program_id}}/applications", "post", "201").validate(
        applied.json
    )
    again = client.post(
        f"{BASE}/{program.id}/applications",
        json={"motivation": "Again"},
        headers=auth("dealer_marketer"),
    )
    assert again.status_code == 409 and again.mimetype == "application/problem+json"

    report = {
        "kind": "issue",
        "severity": "high",
        "title": "Sticks",
        "details": "Cold.",
        "steps": "Press.",
    }
    not_in = client.post(
        f"{BASE}/{program.id}/reports", json=report, headers=auth("dealer_marketer")
    )
    assert not_in.status_code == 404  # applied, not accepted: no space yet

    betas.decide(
        pm,
        program,
        application_of(channel.people["dealer_marketer"], program),
        "accepted",
        link="x",
        path="/x",
    )
    before_nda = client.post(
        f"{BASE}/{program.id}/reports", json=report, headers=auth("dealer_marketer")
    )
    assert before_nda.status_code == 409
    assert "Sign the NDA" in before_nda.json["detail"]

    signed = client.post(f"{BASE}/{program.id}/nda", headers=auth("dealer_marketer"))
    assert signed.status_code == 200 and signed.json["version"] == 1
    filed = client.post(
        f"{BASE}/{program.id}/reports", json=report, headers=auth("dealer_marketer")
    )
    assert filed.status_code == 201 and filed.json["severity"] == "high"
    response_validator(document, f"{BASE}/{{program_id}}/reports", "post", "201").validate(
        filed.json
    )

    detail = client.get(f"{BASE}/{program.id}", headers=auth("dealer_marketer"))
    assert detail.json["nda_signed"] and detail.json["application"]["status"] == "accepted"
    response_validator(document, f"{BASE}/{{program_id}}", "get", "200").validate(detail.json)


def test_an_ineligible_caller_reads_what_they_lack_and_is_refused(
    client, auth, channel, line, session
):
    elite = Tier(name="Elite", rank=9)
    session.add(elite)
    session.flush()
    program = make_program(channel.people["product_manager"], line, tier_ids=[str(elite.id)])
    assert client.get(BASE, headers=auth("dealer_marketer")).json["data"] == []
    detail = client.get(f"{BASE}/{program.id}", headers=auth("dealer_marketer")).json
    assert not detail["eligible"]
    assert detail["lacks"] == ["This program is for Elite partners; Test Dealer is Premier."]
    refused = client.post(
        f"{BASE}/{program.id}/applications",
        json={"motivation": "Please"},
        headers=auth("dealer_marketer"),
    )
    assert refused.status_code == 422
    assert "Elite partners" in refused.json["detail"]


def test_bad_report_input_is_a_problem_with_a_sentence(client, auth, channel, line):
    pm = channel.people["product_manager"]
    program = make_program(pm, line)
    accept(pm, program, channel.people["dealer_marketer"])
    betas.sign(channel.people["dealer_marketer"], program)
    response = client.post(
        f"{BASE}/{program.id}/reports",
        json={"kind": "issue", "title": "", "details": "x"},
        headers=auth("dealer_marketer"),
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert {"title", "severity", "steps"} <= fields
    unknown = client.post(
        f"{BASE}/{program.id}/reports",
        json={"kind": "rant", "title": "x", "details": "x", "extra": 1},
        headers=auth("dealer_marketer"),
    )
    assert unknown.status_code == 422


def test_a_draft_is_a_404_for_partners_and_other_partners_see_no_space(client, auth, channel, line):
    pm = channel.people["product_manager"]
    draft = make_program(pm, line, publish=False)
    assert client.get(f"{BASE}/{draft.id}", headers=auth("dealer_marketer")).status_code == 404
    assert client.get(f"{BASE}/{draft.id}", headers=auth("product_manager")).status_code == 200
    program = make_program(pm, line)
    accept(pm, program, channel.people["dealer_marketer"])
    outsider = client.post(f"{BASE}/{program.id}/nda", headers=auth("other_marketer"))
    assert outsider.status_code == 404
