"""The co-op API: an account's balance and ledger within the token's scope, and the
idempotent purchase import with its report and problem answers."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from campaigns.coop import ledger, providers
from campaigns.coop.models import LedgerEntry
from hub import db
from hub.accounts import service as accounts
from hub.db import today


@pytest.fixture
def program(channel):
    admin = channel.people["program_admin"]
    program = ledger.create_program(admin, "API Co-op", "USD")
    ledger.set_accrual_rate(admin, program, "0.02", effective_from=date(2020, 1, 1))
    return program


def headers(person) -> dict:
    return {"Authorization": "Bearer " + accounts.create_api_token(person, "test").secret}


def line(org, external_id="erp-1", amount="1000.00", **extra) -> dict:
    return {
        "external_id": external_id,
        "organization_id": org.id,
        "amount": amount,
        "currency": "USD",
        "purchased_on": today().isoformat(),
        **extra,
    }


def test_the_account_answers_balance_buckets_and_entries(client, channel, program):
    ledger.record_purchases(program, [line(channel.dealer), line(channel.dealer, "erp-2")])
    response = client.get(
        f"/api/v1/coop/accounts/{channel.dealer.id}",
        headers=headers(channel.people["dealer_marketer"]),
    )
    assert response.status_code == 200
    body = response.json
    assert body["balance"] == {
        "earned": "40.00",
        "held": "0.00",
        "reimbursed": "0.00",
        "expired": "0.00",
        "available": "40.00",
    }
    assert body["program"]["currency"] == "USD"
    assert [b["bucket"] for b in body["buckets"]] == [str(today().year)]
    assert [e["kind"] for e in body["data"]] == ["accrual", "accrual"]
    assert body["data"][0]["rate"] == "0.02000"


def test_entries_follow_the_cursor(client, channel, program):
    ledger.record_purchases(program, [line(channel.dealer, f"erp-{n}") for n in range(3)])
    auth = headers(channel.people["program_admin"])
    url = f"/api/v1/coop/accounts/{channel.dealer.id}"
    first = client.get(url + "?limit=2", headers=auth).json
    assert len(first["data"]) == 2 and first["next_cursor"]
    second = client.get(url + f"?limit=2&cursor={first['next_cursor']}", headers=auth).json
    assert len(second["data"]) == 1 and second["next_cursor"] is None
    ids = [e["id"] for e in first["data"] + second["data"]]
    assert ids == sorted(set(ids))


def test_an_account_outside_scope_is_a_404_problem(client, channel, program):
    ledger.record_purchases(program, [line(channel.other_dealer)])
    response = client.get(
        f"/api/v1/coop/accounts/{channel.other_dealer.id}",
        headers=headers(channel.people["distributor_admin"]),
    )
    assert response.status_code == 404
    assert response.content_type.startswith("application/problem+json")
    assert "outside what your account may see" in response.json["detail"]


def test_an_organisation_without_purchases_has_an_empty_account(client, channel, program):
    response = client.get(
        f"/api/v1/coop/accounts/{channel.sibling_dealer.id}",
        headers=headers(channel.people["distributor_admin"]),
    )
    assert response.status_code == 200
    assert response.json["balance"]["available"] == "0.00" and response.json["data"] == []


def test_the_import_reports_accepted_duplicates_conflicts_and_errors(client, channel, program):
    auth = headers(channel.people["program_admin"])
    first = client.post(
        "/api/v1/coop/purchases", json={"lines": [line(channel.dealer)]}, headers=auth
    )
    assert first.status_code == 200
    assert first.json["accepted"] == ["erp-1"] and first.json["accrued"] == "20.00"

    again = client.post(
        "/api/v1/coop/purchases",
        json={
            "lines": [
                line(channel.dealer),  # replay: duplicate
                line(channel.dealer, amount="999.00"),  # same id, new content: conflict
                line(channel.dealer, "erp-9", currency="EUR"),  # error
                line(channel.dealer, "erp-10"),  # accepted
            ]
        },
        headers=auth,
    )
    assert again.status_code == 200
    report = again.json
    assert report["duplicates"] == ["erp-1"]
    assert [c["external_id"] for c in report["conflicts"]] == ["erp-1"]
    assert "amount" in report["conflicts"][0]["detail"]
    assert [e["index"] for e in report["errors"]] == [2]
    assert "USD" in report["errors"][0]["detail"]
    assert report["accepted"] == ["erp-10"]
    account = providers.account_of(channel.dealer, program)
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LedgerEntry)
        .where(LedgerEntry.account_id == account.id)
    )
    assert count == 2


@pytest.mark.parametrize("body", [{}, {"lines": "all of them"}, {"lines": []}])
def test_a_malformed_batch_is_422_with_a_sentence(client, channel, program, body):
    response = client.post(
        "/api/v1/coop/purchases", json=body, headers=headers(channel.people["program_admin"])
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "lines"
    assert "Send the purchases" in response.json["detail"]


def test_a_body_that_is_not_json_is_415(client, channel, program):
    response = client.post(
        "/api/v1/coop/purchases", data="lines", headers=headers(channel.people["program_admin"])
    )
    assert response.status_code == 415


@pytest.mark.parametrize("role", ["channel_manager", "partner_admin", "dealer_marketer"])
def test_only_the_program_admin_imports(client, channel, program, role):
    response = client.post(
        "/api/v1/coop/purchases",
        json={"lines": [line(channel.dealer)]},
        headers=headers(channel.people[role]),
    )
    assert response.status_code == 403
    assert "program admin" in response.json["detail"]
    assert providers.account_of(channel.dealer, program) is None


def test_without_a_program_the_api_says_so(client, channel):
    response = client.get(
        f"/api/v1/coop/accounts/{channel.dealer.id}",
        headers=headers(channel.people["dealer_marketer"]),
    )
    assert response.status_code == 404
    assert "no active co-op program" in response.json["detail"]


def test_answers_match_the_documented_schemas(client, channel, program):
    from tests.hub.api.test_openapi import fetch_document, response_validator

    document = fetch_document(client)
    admin = headers(channel.people["program_admin"])
    imported = client.post(
        "/api/v1/coop/purchases",
        json={"lines": [line(channel.dealer), {"external_id": "x"}]},
        headers=admin,
    )
    response_validator(document, "/api/v1/coop/purchases", "post", "200").validate(imported.json)
    malformed = client.post("/api/v1/coop/purchases", json={"lines": 3}, headers=admin)
    response_validator(document, "/api/v1/coop/purchases", "post", "422").validate(malformed.json)
    path = "/api/v1/coop/accounts/{org_id}"
    account = client.get(f"/api/v1/coop/accounts/{channel.dealer.id}", headers=admin)
    response_validator(document, path, "get", "200").validate(account.json)
    missing = client.get("/api/v1/coop/accounts/999999", headers=admin)
    response_validator(document, path, "get", "404").validate(missing.json)
