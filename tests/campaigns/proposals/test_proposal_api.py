"""/api/v1/campaigns: scope per role, every step of the loop, idempotent money moves, and
a sentence for every kind of bad input — with the ledger saying exactly what happened."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
import sqlalchemy as sa
from PIL import Image

from campaigns.coop import ledger, providers
from campaigns.coop.models import Hold, LedgerEntry
from campaigns.proposals import service as proposals
from campaigns.proposals.models import ApiIdempotencyKey, Claim, ClaimLine, Proposal, ProposalStatus
from hub import db
from hub.accounts import service as accounts
from hub.errors import InsufficientFunds
from hub.models import StoredFile
from tests.campaigns.proposals.proposal_support import (
    approved,
    category,
    claim_lines,
    fields,
    funded_program,
    later,
    png_bytes,
)
from tests.hub.api.test_openapi import fetch_document, response_validator

S = ProposalStatus
BASE = "/api/v1/campaigns"


@pytest.fixture
def program(channel):
    return funded_program(channel)


@pytest.fixture
def auth(channel):
    """auth("dealer_marketer") → headers with a bearer token of that person (or a Person)."""
    tokens: dict[int, str] = {}

    def headers(who, **extra) -> dict:
        person = channel.people[who] if isinstance(who, str) else who
        if person.id not in tokens:
            tokens[person.id] = accounts.create_api_token(person, "api tests").secret
        return {"Authorization": f"Bearer {tokens[person.id]}", **extra}

    return headers


def pdf_bytes() -> bytes:
    """A real one-page PDF (drawn by Pillow)."""
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (255, 255, 255)).save(out, format="PDF")
    return out.getvalue()


def claim_form(lines: list[dict], files: dict[str, tuple[bytes, str]], note: str = "") -> dict:
    """A multipart claim: `lines` as JSON and each file as a part named as proofs say."""
    form = {"lines": json.dumps(lines)}
    if note:
        form["note"] = note
    for part, (data, filename) in files.items():
        form[part] = (io.BytesIO(data), filename)
    return form


def print_claim() -> tuple[list[dict], dict]:
    """Two cost lines of a print campaign: 2,000 with an invoice (PDF) and a tear sheet
    (PNG), 1,000 with its invoice (PDF)."""
    lines = [
        {
            "description": "Farm-paper ads, 4 weeks",
            "amount": "2000.00",
            "proofs": [
                {"kind": "invoice", "file": "invoice1"},
                {"kind": "tear_sheet", "file": "tearsheet"},
            ],
        },
        {
            "description": "Radio spots",
            "amount": "1000.00",
            "proofs": [{"kind": "invoice", "file": "invoice2"}],
        },
    ]
    files = {
        "invoice1": (pdf_bytes(), "invoice-ads.pdf"),
        "tearsheet": (png_bytes(), "tear-sheet.png"),
        "invoice2": (pdf_bytes() + b"\n% radio\n", "invoice-radio.pdf"),
    }
    return lines, files


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def post_claim(client, auth, proposal_id, lines, files, who="dealer_marketer", key=None, **kw):
    headers = auth(who, **({"Idempotency-Key": key} if key else {}))
    return client.post(
        f"{BASE}/{proposal_id}/claim",
        data=claim_form(lines, files, **kw),
        headers=headers,
        content_type="multipart/form-data",
    )


def submitted(channel, program, who="dealer_marketer", **overrides) -> Proposal:
    person = channel.people[who]
    proposal = proposals.create(person, program, fields(program, **overrides))
    proposals.submit(person, proposal)
    return proposal


# --- The whole loop ------------------------------------------------------------------------


def test_the_whole_loop_through_the_api(client, channel, program, auth):
    created = client.post(BASE, json=fields(program), headers=auth("dealer_marketer"))
    assert created.status_code == 201, created.json
    body = created.json
    proposal_id = body["id"]
    assert created.headers["Location"].endswith(f"{BASE}/{proposal_id}")
    assert body["status"] == "draft" and body["actions"] == ["update", "submit"]
    assert body["lines"] == [
        {"description": "Farm-paper ads, 4 weeks", "amount": "4000.00"},
        {"description": "Radio spots", "amount": "2000.00"},
    ]
    assert body["budget_total"] == "6000.00" and body["currency"] == "USD"

    sent = client.post(f"{BASE}/{proposal_id}/submit", headers=auth("dealer_marketer"))
    assert sent.status_code == 200, sent.json
    assert sent.json["status"] == "submitted"
    assert sent.json["waiting_on"]["party"] == "oem"
    assert sent.json["waiting_on"]["label"] == "Waiting on a channel manager to approve"

    ok = client.post(
        f"{BASE}/{proposal_id}/approve",
        json={"note": "Good plan"},
        headers=auth("channel_manager", **{"Idempotency-Key": "approve-1"}),
    )
    assert ok.status_code == 200, ok.json
    assert ok.json["status"] == "running" and ok.json["max_reimbursement"] == "3000.00"
    assert ok.json["claim_deadline"] is not None
    assert "Good plan" in [e["body"] for e in ok.json["thread"]]

    lines, files = print_claim()
    claimed = post_claim(client, auth, proposal_id, lines, files, key="claim-1")
    assert claimed.status_code == 200, claimed.json
    claim = claimed.json["claim"]
    assert claimed.json["status"] == "claim_submitted" and claim["total"] == "3000.00"
    proofs = [
        (p["kind"], p["file"]["content_type"]) for line in claim["lines"] for p in line["proofs"]
    ]
    assert proofs == [
        ("invoice", "application/pdf"),
        ("tear_sheet", "image/png"),
        ("invoice", "application/pdf"),
    ]
    radio = claim["lines"][1]["id"]

    reviewed = client.post(
        f"{BASE}/{proposal_id}/claim/review",
        json={
            "decision": "pay",
            "lines": [{"id": radio, "approved_cost": "500.00", "reason_code": "missing_proof"}],
        },
        headers=auth("channel_manager", **{"Idempotency-Key": "review-1"}),
    )
    assert reviewed.status_code == 200, reviewed.json
    # eligible 2,500 × 50% = 1,250 paid; 1,750 of the 3,000 hold released.
    assert reviewed.json["status"] == "paid" and reviewed.json["reimbursed_amount"] == "1250.00"
    decided = reviewed.json["claim"]["lines"]
    assert [(line["approved_cost"], line["reason_code"]) for line in decided] == [
        ("2000.00", None),
        ("500.00", "missing_proof"),
    ]
    assert decided[1]["reason"] == "Proof missing or unreadable"

    balance = ledger.balance(providers.account_of(channel.dealer, program))
    assert (balance.held, balance.reimbursed, balance.available) == (
        Decimal("0.00"),
        Decimal("1250.00"),
        Decimal("8750.00"),
    )
    assert ledger.verify_ledger(program) == []

    proposal = db.session.get(Proposal, proposal_id)
    db.session.refresh(proposal)
    proposals.report_results(
        channel.people["dealer_marketer"],
        proposal,
        {"result_leads": "52", "result_opportunities": "11", "result_revenue": "180000.00"},
    )
    db.session.commit()
    read = client.get(f"{BASE}/{proposal_id}", headers=auth("dealer_marketer"))
    assert read.json["results"]["roi"] == "144.0"
    assert read.json["results"]["peer_medians"] == {
        "peers": 0,
        "leads": None,
        "opportunities": None,
        "revenue": None,
        "roi": None,
    }
    assert read.json["waiting_on"]["label"].startswith("Waiting on a channel manager to close")


def test_answers_match_the_openapi_document(client, channel, program, auth):
    document = fetch_document(client)
    proposal = approved(channel, program)
    marketer = channel.people["dealer_marketer"]
    proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))
    db.session.commit()
    one = client.get(f"{BASE}/{proposal.id}", headers=auth("channel_manager"))
    response_validator(document, f"{BASE}/{{proposal_id}}", "get", "200").validate(one.json)
    page = client.get(BASE, headers=auth("channel_manager"))
    response_validator(document, BASE, "get", "200").validate(page.json)
    bad = client.post(BASE, json={"title": ""}, headers=auth("dealer_marketer"))
    response_validator(document, BASE, "post", "422").validate(bad.json)


# --- Scope and roles ---------------------------------------------------------------------------


@pytest.fixture
def spread(channel, program):
    """A draft and a submitted proposal of the dealer, one submitted by its sibling dealer
    (same distributor) and one by the dealer of the other distributor."""
    sibling = channel.people["sibling_marketer"] = _marketer_of(channel, channel.sibling_dealer)
    marketer = channel.people["dealer_marketer"]
    draft = proposals.create(marketer, program, fields(program, title="Draft"))
    db.session.flush()
    return {
        "draft": draft.id,
        "mine": submitted(channel, program).id,
        "sibling": submitted(channel, program, who="sibling_marketer").id if sibling else None,
        "other": submitted(channel, program, who="other_marketer").id,
    }


def _marketer_of(channel, org):
    from hub.models import Person, Role

    person = Person(
        email=f"marketer-{org.id}@sibling.example",
        name="Sibling Marketer",
        role=Role.DEALER_MARKETER,
        organization=org,
        password_hash="x",
    )
    db.session.add(person)
    db.session.flush()
    return person


SEES = {
    "dealer_marketer": {"draft", "mine"},
    "partner_staff": {"draft", "mine"},
    "partner_admin": {"draft", "mine"},
    "distributor_admin": {"mine", "sibling"},
    "other_marketer": {"other"},
    "channel_manager": {"mine", "sibling", "other"},
    "product_manager": {"mine", "sibling", "other"},
    "program_admin": {"mine", "sibling", "other"},
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_each_role_lists_and_reads_exactly_its_scope(client, auth, spread, who):
    listed = client.get(BASE, headers=auth(who))
    assert listed.status_code == 200
    names = {v: k for k, v in spread.items()}
    assert {names[item["id"]] for item in listed.json["data"]} == SEES[who]
    for name, proposal_id in spread.items():
        read = client.get(f"{BASE}/{proposal_id}", headers=auth(who))
        expected = 200 if name in SEES[who] else 404
        assert read.status_code == expected, (who, name, read.json)
        if expected == 404:
            assert read.content_type.startswith("application/problem+json")


# Who may do what to the dealer's proposal; other_marketer is the dealer of another branch.
ACTIONS = {
    "create": {
        "dealer_marketer": 201,
        "partner_admin": 201,
        "distributor_admin": 201,
        "other_marketer": 201,
        "partner_staff": 403,
        "channel_manager": 403,
        "product_manager": 403,
        "program_admin": 403,
    },
    "submit": {  # a draft: only its own organisation sees it
        "dealer_marketer": 200,
        "partner_admin": 200,
        "partner_staff": 403,
        "distributor_admin": 404,
        "other_marketer": 404,
        "channel_manager": 404,
        "product_manager": 404,
        "program_admin": 404,
    },
    "approve": {
        "channel_manager": 200,
        "program_admin": 200,
        "product_manager": 403,
        "distributor_admin": 403,
        "dealer_marketer": 403,
        "partner_staff": 403,
        "partner_admin": 403,
        "other_marketer": 404,
    },
    "decline": {
        "channel_manager": 200,
        "program_admin": 200,
        "product_manager": 403,
        "distributor_admin": 403,
        "dealer_marketer": 403,
        "partner_staff": 403,
        "other_marketer": 404,
    },
    "claim": {
        "dealer_marketer": 200,
        "partner_admin": 200,
        "partner_staff": 403,
        "distributor_admin": 403,
        "channel_manager": 403,
        "product_manager": 403,
        "program_admin": 403,
        "other_marketer": 404,
    },
    "review": {
        "channel_manager": 200,
        "program_admin": 200,
        "product_manager": 403,
        "distributor_admin": 403,
        "dealer_marketer": 403,
        "partner_staff": 403,
        "other_marketer": 404,
    },
}


def _prepare(action, client, auth, channel, program, who):
    """Make what the action needs; return the request to send."""
    marketer = channel.people["dealer_marketer"]
    if action == "create":
        return lambda: client.post(BASE, json=fields(program), headers=auth(who))
    if action == "submit":
        draft = proposals.create(marketer, program, fields(program))
        db.session.commit()
        return lambda: client.post(f"{BASE}/{draft.id}/submit", headers=auth(who))
    if action in ("approve", "decline"):
        proposal = submitted(channel, program)
        db.session.commit()
        body = {"reason": "Outside the plan"} if action == "decline" else None
        return lambda: client.post(f"{BASE}/{proposal.id}/{action}", json=body, headers=auth(who))
    if action == "claim":
        proposal = approved(channel, program)
        db.session.commit()
        lines, files = print_claim()
        return lambda: post_claim(client, auth, proposal.id, lines, files, who=who)
    proposal = approved(channel, program)
    proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))
    db.session.commit()
    return lambda: client.post(
        f"{BASE}/{proposal.id}/claim/review", json={"decision": "pay"}, headers=auth(who)
    )


@pytest.mark.parametrize(
    ("action", "who"), [(a, w) for a, roles in ACTIONS.items() for w in sorted(roles)]
)
def test_each_role_may_take_exactly_its_actions(client, auth, channel, program, action, who):
    send = _prepare(action, client, auth, channel, program, who)
    entries = count(LedgerEntry)
    response = send()
    expected = ACTIONS[action][who]
    assert response.status_code == expected, (action, who, response.json)
    if expected >= 400:
        assert response.content_type.startswith("application/problem+json")
        assert response.json["detail"].endswith(".")
        assert count(LedgerEntry) == entries  # nothing moved


def test_wrong_state_is_a_409_with_a_sentence(client, auth, channel, program):
    proposal = approved(channel, program)
    db.session.commit()
    again = client.post(f"{BASE}/{proposal.id}/approve", headers=auth("program_admin"))
    assert again.status_code == 409
    assert "only a submitted proposal can be approved" in again.json["detail"]
    edit = client.patch(
        f"{BASE}/{proposal.id}", json={"title": "x"}, headers=auth("dealer_marketer")
    )
    assert edit.status_code == 409 and "can only be edited" in edit.json["detail"]
    review = client.post(
        f"{BASE}/{proposal.id}/claim/review",
        json={"decision": "pay"},
        headers=auth("channel_manager"),
    )
    assert review.status_code == 409 and "no claim waiting" in review.json["detail"]


def test_waiting_on_me_and_status_filters_follow_the_cursor(client, auth, channel, program):
    ids = [submitted(channel, program, title=f"Show {n}").id for n in range(3)]
    draft = proposals.create(channel.people["dealer_marketer"], program, fields(program))
    db.session.commit()

    def walk(url, who):
        seen, cursor = [], None
        while True:
            page = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=auth(who))
            assert page.status_code == 200, page.json
            assert len(page.json["data"]) <= 1
            seen += [item["id"] for item in page.json["data"]]
            cursor = page.json["next_cursor"]
            if cursor is None:
                return seen

    assert walk(f"{BASE}?waiting_on=me&limit=1", "channel_manager") == ids
    assert walk(f"{BASE}?waiting_on=me&limit=1", "dealer_marketer") == [draft.id]
    assert walk(f"{BASE}?waiting_on=me&limit=1", "product_manager") == []
    assert walk(f"{BASE}?status=draft&limit=1", "dealer_marketer") == [draft.id]
    assert walk(f"{BASE}?status=submitted&limit=1", "dealer_marketer") == ids
    bad = client.get(f"{BASE}?waiting_on=you", headers=auth("dealer_marketer"))
    assert bad.status_code == 400 and "waiting_on" in bad.json["detail"]


def test_patch_changes_some_fields_and_put_replaces_the_draft(client, auth, channel, program):
    draft = proposals.create(channel.people["dealer_marketer"], program, fields(program))
    db.session.commit()
    url = f"{BASE}/{draft.id}"
    patched = client.patch(
        url, json={"title": "Spring open house + KRVN"}, headers=auth("dealer_marketer")
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["title"] == "Spring open house + KRVN"
    assert patched.json["requested_amount"] == "3000.00" and len(patched.json["lines"]) == 2
    assert patched.json["thread"][-1]["body"] == "Edited title"
    partial = client.put(url, json={"title": "Only a title"}, headers=auth("dealer_marketer"))
    assert partial.status_code == 422
    assert {e["field"] for e in partial.json["errors"]} >= {"category_id", "starts_on"}
    whole = client.put(
        url,
        json=fields(program, lines=[{"description": "Booth", "amount": "8000.00"}]),
        headers=auth("dealer_marketer"),
    )
    assert whole.status_code == 200 and whole.json["lines"] == [
        {"description": "Booth", "amount": "8000.00"}
    ]


def test_decline_and_request_changes_need_their_sentence(client, auth, channel, program):
    proposal = submitted(channel, program)
    db.session.commit()
    url = f"{BASE}/{proposal.id}"
    empty = client.post(
        f"{url}/request-changes", json={"note": " "}, headers=auth("channel_manager")
    )
    assert empty.status_code == 422 and empty.json["errors"][0]["field"] == "note"
    asked = client.post(
        f"{url}/request-changes",
        json={"note": "Name the radio station"},
        headers=auth("channel_manager"),
    )
    assert asked.status_code == 200 and asked.json["status"] == "changes_requested"
    assert asked.json["waiting_on"]["party"] == "partner"
    client.post(f"{url}/submit", headers=auth("dealer_marketer"))
    no_reason = client.post(f"{url}/decline", json={}, headers=auth("channel_manager"))
    assert no_reason.status_code == 422 and no_reason.json["errors"][0]["field"] == "reason"
    declined = client.post(
        f"{url}/decline",
        json={"reason": "Outside the territory"},
        headers=auth("channel_manager", **{"Idempotency-Key": "decline-1"}),
    )
    assert (
        declined.status_code == 200 and declined.json["decline_reason"] == "Outside the territory"
    )
    replay = client.post(
        f"{url}/decline",
        json={"reason": "Outside the territory"},
        headers=auth("channel_manager", **{"Idempotency-Key": "decline-1"}),
    )
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == declined.json


# --- Idempotency -----------------------------------------------------------------------------


def test_an_approval_replayed_holds_once(client, auth, channel, program):
    proposal = submitted(channel, program)
    other = submitted(channel, program, title="Second")
    db.session.commit()
    headers = auth("channel_manager", **{"Idempotency-Key": "0d6f5c3e-approve"})
    first = client.post(f"{BASE}/{proposal.id}/approve", json={"note": "Go"}, headers=headers)
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    entries, holds = count(LedgerEntry), count(Hold)

    again = client.post(f"{BASE}/{proposal.id}/approve", json={"note": "Go"}, headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert (count(LedgerEntry), count(Hold)) == (entries, holds)

    other_note = client.post(f"{BASE}/{proposal.id}/approve", json={"note": "No"}, headers=headers)
    assert other_note.status_code == 409
    assert other_note.json["errors"][0]["field"] == "Idempotency-Key"
    assert "already used for another request" in other_note.json["detail"]
    elsewhere = client.post(f"{BASE}/{other.id}/approve", json={"note": "Go"}, headers=headers)
    assert elsewhere.status_code == 409
    db.session.expire_all()
    assert db.session.get(Proposal, other.id).status == S.SUBMITTED
    assert (count(LedgerEntry), count(Hold)) == (entries, holds)
    # Keys are per person: the program admin's "same" key is a key of its own.
    admin = client.post(
        f"{BASE}/{other.id}/approve",
        headers=auth("program_admin", **{"Idempotency-Key": "0d6f5c3e-approve"}),
    )
    assert admin.status_code == 200
    bad = client.post(
        f"{BASE}/{other.id}/approve", headers=auth("program_admin", **{"Idempotency-Key": "a b"})
    )
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json["detail"]


def test_a_claim_replayed_stores_nothing_twice_and_its_payment_pays_once(
    client, auth, channel, program
):
    proposal = approved(channel, program)
    db.session.commit()
    lines, files = print_claim()
    first = post_claim(client, auth, proposal.id, lines, files, key="claim-abc")
    assert first.status_code == 200, first.json
    stored = (count(Claim), count(ClaimLine), count(StoredFile), count(LedgerEntry))

    again = post_claim(client, auth, proposal.id, lines, files, key="claim-abc")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert (count(Claim), count(ClaimLine), count(StoredFile), count(LedgerEntry)) == stored

    changed = [dict(lines[0], amount="1900.00"), lines[1]]
    clash = post_claim(client, auth, proposal.id, changed, files, key="claim-abc")
    assert clash.status_code == 409 and "already used" in clash.json["detail"]
    without_key = post_claim(client, auth, proposal.id, lines, files)
    assert without_key.status_code == 409 and "already submitted" in without_key.json["detail"]
    assert (count(Claim), count(ClaimLine), count(StoredFile), count(LedgerEntry)) == stored

    review = {"decision": "pay"}
    key = {"Idempotency-Key": "pay-abc"}
    paid = client.post(
        f"{BASE}/{proposal.id}/claim/review", json=review, headers=auth("channel_manager", **key)
    )
    assert paid.status_code == 200 and paid.json["reimbursed_amount"] == "1500.00"
    entries = count(LedgerEntry)
    replay = client.post(
        f"{BASE}/{proposal.id}/claim/review", json=review, headers=auth("channel_manager", **key)
    )
    assert replay.status_code == 200 and replay.json == paid.json
    assert count(LedgerEntry) == entries
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiIdempotencyKey)) == 2
    assert ledger.verify_ledger(program) == []


# --- Bad input: a sentence for each, nothing half-written ------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "sentence"),
    [
        ({"requested_amount": "-5"}, "requested_amount", "must be more than zero"),
        ({"requested_amount": "99999999999"}, "requested_amount", "check it for a typo"),
        ({"requested_amount": 3000.5}, "requested_amount", "never travels as a JSON number"),
        ({"currency": "EUR"}, "currency", "This program pays in USD"),
        ({"ends_on": "2001-01-01"}, "ends_on", "before it starts"),
        ({"starts_on": "soon"}, "starts_on", "as a date, e.g. 2027-04-15"),
        (
            {"lines": [{"description": "Ads", "amount": "-10"}]},
            "lines",
            "amount of budget line 1 must be more than zero",
        ),
        ({"lines": [{"description": "Ads", "amount": 10}]}, "lines", "as text"),
        ({"budget": "1"}, "budget", "Unknown field 'budget'"),
    ],
)
def test_bad_proposal_input_gets_a_sentence_per_field(
    client, auth, program, overrides, field, sentence
):
    before = count(Proposal)
    response = client.post(BASE, json=fields(program, **overrides), headers=auth("dealer_marketer"))
    assert response.status_code == 422, response.json
    details = [e["detail"] for e in response.json["errors"] if e["field"] == field]
    assert any(sentence in d for d in details), response.json["errors"]
    assert count(Proposal) == before


def test_submitting_more_than_is_available_is_refused_with_the_figure(
    client, auth, channel, program
):
    greedy = proposals.create(
        channel.people["dealer_marketer"],
        program,
        fields(
            program, requested_amount="11000.00", lines=[{"description": "x", "amount": "30000"}]
        ),
    )
    db.session.commit()
    response = client.post(f"{BASE}/{greedy.id}/submit", headers=auth("dealer_marketer"))
    assert response.status_code == 422
    assert "USD 10,000.00 of co-op available" in response.json["detail"]


def test_an_approval_the_account_can_no_longer_cover_is_a_409_and_holds_nothing(
    client, auth, channel, program
):
    first = submitted(channel, program, requested_amount="3000.00")
    second = submitted(channel, program, requested_amount="3000.00")
    # Both fit when submitted; then other approvals take most of the money.
    for _ in range(2):
        approved(channel, program)
    db.session.commit()
    assert (
        client.post(f"{BASE}/{first.id}/approve", headers=auth("channel_manager")).status_code
        == 200
    )
    entries = count(LedgerEntry)
    refused = client.post(f"{BASE}/{second.id}/approve", headers=auth("channel_manager"))
    assert refused.status_code == 409
    assert "USD 1,000.00 is available" in refused.json["detail"]
    assert "request changes to lower the amount" in refused.json["detail"]
    db.session.expire_all()
    assert db.session.get(Proposal, second.id).status == S.SUBMITTED
    assert count(LedgerEntry) == entries
    # The API knows the refusal by its type, not by the name of a field in it.
    account = providers.account_of(second.organization, program)
    with pytest.raises(InsufficientFunds):
        ledger.place_hold(
            account, Decimal("3000.00"), reference="typed-check", idempotency_key="typed-check"
        )


def test_bad_claims_get_a_sentence_and_store_nothing(client, auth, channel, program):
    proposal = approved(channel, program)
    db.session.commit()
    before = (count(Claim), count(ClaimLine), count(StoredFile))
    lines, files = print_claim()

    above = [dict(lines[0], amount="6500.00"), lines[1]]
    response = post_claim(client, auth, proposal.id, above, files)
    assert response.status_code == 422
    assert "claim at most USD 6,000.00 of costs" in response.json["detail"]

    fake = dict(files, invoice2=(png_bytes(), "invoice-radio.pdf"))
    response = post_claim(client, auth, proposal.id, lines, fake)
    assert response.status_code == 422, response.json
    (error,) = response.json["errors"]
    assert error["field"] == "invoice2" and "is not what it says" in error["detail"]

    missing = [lines[0], dict(lines[1], proofs=[{"kind": "invoice", "file": "nope"}])]
    response = post_claim(client, auth, proposal.id, missing, files)
    assert response.status_code == 422
    assert "no file was sent in a part named “nope”" in response.json["detail"]
    assert "No cost line refers to the file part(s) invoice2" in response.json["detail"]

    only_invoices = [dict(line, proofs=[{"kind": "invoice", "file": "invoice1"}]) for line in lines]
    response = post_claim(client, auth, proposal.id, only_invoices, {"invoice1": files["invoice1"]})
    assert response.status_code == 422 and "tear sheet" in response.json["detail"]

    wrong_kind = [dict(lines[0], proofs=[{"kind": "selfie", "file": "tearsheet"}])]
    response = post_claim(client, auth, proposal.id, wrong_kind, {"tearsheet": files["tearsheet"]})
    assert (
        response.status_code == 422 and "“selfie” is not a kind of proof" in response.json["detail"]
    )

    as_json = client.post(
        f"{BASE}/{proposal.id}/claim", json={"lines": lines}, headers=auth("dealer_marketer")
    )
    assert as_json.status_code == 415 and "multipart/form-data" in as_json.json["detail"]
    assert (count(Claim), count(ClaimLine), count(StoredFile)) == before

    ok = post_claim(client, auth, proposal.id, lines, files)
    assert ok.status_code == 200
    duplicate = post_claim(client, auth, proposal.id, lines, files)
    assert duplicate.status_code == 409
    assert "A claim for this campaign was already submitted" in duplicate.json["detail"]


def test_review_input_is_checked_per_line(client, auth, channel, program):
    proposal = approved(channel, program)
    marketer = channel.people["dealer_marketer"]
    claim = proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))
    db.session.commit()
    url = f"{BASE}/{proposal.id}/claim/review"
    first, second = (line.id for line in claim.lines)
    cases = [
        ({"decision": "maybe"}, "decision", 'Say "pay"'),
        ({"decision": "pay", "lines": [{"id": 999999}]}, "lines", "is not the id of a line"),
        (
            {"decision": "pay", "lines": [{"id": first}, {"id": first}]},
            "lines",
            "decided twice",
        ),
        (
            {"decision": "pay", "lines": [{"id": second, "approved_cost": "1.00"}]},
            "lines",
            "choose a reason",
        ),
        (
            {"decision": "pay", "lines": [{"id": second, "approved_cost": "5000.00"}]},
            "lines",
            "accept at most the 1,000.00 claimed",
        ),
        ({"decision": "return"}, "note", "Say what the dealer should fix"),
    ]
    for body, field, sentence in cases:
        response = client.post(url, json=body, headers=auth("channel_manager"))
        assert response.status_code == 422, (body, response.json)
        assert any(
            e["field"] == field and sentence in e["detail"] for e in response.json["errors"]
        ), (body, response.json)
    returned = client.post(
        url,
        json={
            "decision": "return",
            "lines": [{"id": second, "approved_cost": "0.00", "reason_code": "missing_proof"}],
        },
        headers=auth("channel_manager"),
    )
    assert returned.status_code == 200 and returned.json["status"] == "running"
    assert returned.json["claim"]["status"] == "returned"
    assert returned.json["actions"] == []  # the channel manager has nothing left to do
    assert ledger.balance(providers.account_of(channel.dealer, program)).held == Decimal("3000.00")
    # Sent again, the claim shows no figures of the review that returned it.
    db.session.expire_all()
    proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))
    db.session.commit()
    again = client.get(f"{BASE}/{proposal.id}", headers=auth("channel_manager")).json["claim"]
    assert (again["status"], again["eligible_cost"], again["decision_note"]) == (
        "submitted",
        None,
        "",
    )


def test_approving_over_an_open_suggestion_is_a_409_with_a_sentence(client, auth, channel, program):
    proposal = submitted(channel, program)
    proposals.suggest(channel.people["channel_manager"], proposal, "requested_amount", "2500.00")
    db.session.commit()
    entries = count(LedgerEntry)
    refused = client.post(f"{BASE}/{proposal.id}/approve", headers=auth("channel_manager"))
    assert refused.status_code == 409
    assert refused.content_type.startswith("application/problem+json")
    assert "Withdraw the suggestion, or wait until the dealer" in refused.json["detail"]
    assert count(LedgerEntry) == entries  # nothing held
    shown = client.get(f"{BASE}/{proposal.id}", headers=auth("dealer_marketer")).json
    assert shown["status"] == "submitted" and len(shown["suggestions"]) == 1


def test_a_claim_before_the_start_is_a_409_unless_the_category_allows_it(
    client, auth, channel, program
):
    early = approved(channel, program, title="Starts later", **later(10))
    start = early.starts_on
    db.session.commit()
    lines, files = print_claim()
    stored = (count(Claim), count(StoredFile))
    refused = post_claim(client, auth, early.id, lines, files)
    assert refused.status_code == 409
    assert refused.content_type.startswith("application/problem+json")
    assert refused.json["detail"] == (
        f"This campaign starts on {start.day} {start:%B %Y}; claims open once it has started."
    )
    assert (count(Claim), count(StoredFile)) == stored  # nothing kept
    category(program).allows_precampaign_costs = True
    db.session.commit()
    allowed = post_claim(client, auth, early.id, lines, files)
    assert allowed.status_code == 200, allowed.json
    assert allowed.json["status"] == "claim_submitted"
