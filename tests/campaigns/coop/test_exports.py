"""Ledger exports: CSV a spreadsheet can't be tricked by (negative amounts stay numbers),
JSON, streamed, filtered by period or dates and organisation, scoped by the access policy,
audited — on the pages and in the API."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from campaigns.coop import exports, ledger
from hub.accounts import service as accounts
from hub.errors import ValidationFailed
from hub.models import AuditEvent
from tests.campaigns import make_program, purchase
from tests.hub.api.test_openapi import fetch_document, response_validator

D = Decimal
TODAY = date(2026, 11, 22)


# --- Formula injection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-1+2", "'-1+2"),
        ("-", "'-"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-250.00", "-250.00"),
        ("-5", "-5"),
        ("250.00", "250.00"),
        ("0.02000", "0.02000"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-250, "-250"),
        ("-1e5", "'-1e5"),
        ("-.5", "'-.5"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_get_an_apostrophe(value, cell):
    assert exports.neutralise(value) == cell


# --- A ledger to export -----------------------------------------------------------------------


@pytest.fixture
def ledger_setup(channel, make_org, session):
    """Purchases in 2025 and 2026 for three dealers (one with a formula for a name), a hold
    with a formula-like reference and a negative adjustment with one for a reason."""
    admin = channel.people["program_admin"]
    program = make_program(admin)
    tricky = make_org("dealer", parent=channel.distributor, name="=cmd|' /C calc'!A0")
    report = ledger.record_purchases(
        program,
        [
            purchase(channel.dealer, "20000.00", date(2025, 6, 1), "-SKU+1"),  # 400.00
            purchase(channel.dealer, "20000.00", date(2026, 3, 1), "P-2"),  # 400.00
            purchase(channel.sibling_dealer, "1000.00", date(2026, 4, 1), "P-3"),  # 20.00
            purchase(channel.other_dealer, "3000.00", date(2026, 5, 1), "P-4"),  # 60.00
            purchase(tricky, "500.00", date(2026, 5, 2), "P-5"),  # 10.00
        ],
        admin,
        today=TODAY,
    )
    assert report.clean
    account = ledger.get_or_create_account(channel.dealer, program)
    ledger.place_hold(account, "50.00", "@SUM(1+1)", "hold-1", admin, on=date(2026, 6, 1))
    ledger.adjust(
        account, "-250.00", "2026", '=HYPERLINK("http://x.example","ok")', admin,
        on=date(2026, 6, 2),
    )  # fmt: skip
    return program


def download(client, query: str):
    response = client.get(f"/campaigns/coop/export?download=1&{query}")
    return response


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_export_reads_back_with_exact_cells(client, login_as, channel, ledger_setup):
    login_as("program_admin")
    response = download(client, "format=csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="coop-ledger-')
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(exports.COLUMNS)
    rows = csv_rows_from(text)
    assert len(rows) == int(response.headers["X-Entry-Count"]) == 7
    assert [r["kind"] for r in rows] == [
        "accrual",
        "accrual",
        "accrual",
        "accrual",
        "accrual",
        "hold",
        "adjustment",
    ]
    first = rows[0]
    assert first == {
        "entry_id": first["entry_id"],
        "recorded_at": first["recorded_at"],
        "effective_on": "2025-06-01",
        "organization_id": str(channel.dealer.id),
        "organization": "Test Dealer",
        "kind": "accrual",
        "amount": "400.00",
        "currency": "USD",
        "bucket": "2025",
        "bucket_expires_on": "2026-12-31",
        "hold_id": "",
        "hold_reference": "",
        "rate": "0.02000",
        "purchase_external_id": "'-SKU+1",
        "reason": "Purchase -SKU+1: USD 20,000.00 at 2.000%",
        "actor": first["actor"],
    }
    assert first["recorded_at"].endswith("Z")
    adjustment = rows[-1]
    assert adjustment["amount"] == "-250.00"  # a number, not text
    assert adjustment["reason"] == '\'=HYPERLINK("http://x.example","ok")'
    assert rows[-2]["hold_reference"] == "'@SUM(1+1)"
    assert rows[4]["organization"] == "'=cmd|' /C calc'!A0"
    # Every cell a spreadsheet would evaluate is neutralised.
    for row in rows:
        for name, cell in row.items():
            if cell.startswith(exports.FORMULA_STARTS):
                assert name == "amount" and cell == "-250.00", (name, cell)


def csv_rows_from(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_json_export_has_the_same_entries_with_money_as_strings(client, login_as, ledger_setup):
    login_as("program_admin")
    csv_export = csv_rows(download(client, "format=csv"))
    response = download(client, "format=json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = json.loads(response.get_data(as_text=True))
    assert body["count"] == len(body["entries"]) == 7
    assert body["filters"] == {"organization_id": None, "period": None, "from": None, "to": None}
    assert body["program"]["currency"] == "USD"
    assert body["entries"][-1]["amount"] == "-250.00"
    assert body["entries"][-1]["reason"] == '=HYPERLINK("http://x.example","ok")'  # JSON is data
    assert [e["entry_id"] for e in body["entries"]] == [int(r["entry_id"]) for r in csv_export]
    assert body["last_entry_id"] == body["entries"][-1]["entry_id"]


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        ("period=2025", ["accrual"]),
        ("period=2026", ["accrual"] * 4 + ["hold", "adjustment"]),
        ("period=2026-q2", ["accrual"] * 3 + ["hold", "adjustment"]),
        ("from=2026-05-01&to=2026-06-01", ["accrual", "accrual", "hold"]),
        ("from=2026-06-02", ["adjustment"]),
        ("to=2025-12-31", ["accrual"]),
    ],
)
def test_filters_by_period_or_dates(client, login_as, ledger_setup, query, kinds):
    login_as("program_admin")
    response = download(client, f"format=csv&{query}")
    assert response.status_code == 200
    assert [r["kind"] for r in csv_rows(response)] == kinds


def test_filters_by_organisation(client, login_as, channel, ledger_setup):
    login_as("channel_manager")
    rows = csv_rows(download(client, f"format=csv&organization_id={channel.other_dealer.id}"))
    assert {r["organization"] for r in rows} == {"Other Dealer"}


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ("period=2026&from=2026-01-01", "Choose a period or a date range, not both."),
        ("from=01/02/2026", "“01/02/2026” is not a date; write it like 2026-03-31."),
        (
            "from=2026-05-01&to=2026-04-01",
            "The range ends (2026-04-01) before it starts (2026-05-01); swap the dates.",
        ),
        ("period=2026-Q5", "is not a period; write a year (2026) or a quarter (2026-Q2)."),
        ("format=xlsx", "Not a valid choice"),
    ],
)
def test_bad_filters_get_a_sentence_and_no_export(
    client, login_as, session, ledger_setup, query, sentence
):
    login_as("program_admin")
    response = download(client, query)
    assert response.status_code == 422
    assert sentence in response.get_data(as_text=True).replace("&#34;", '"')
    assert (
        session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "coop.ledger_exported")
        )
        == 0
    )


# --- Scope and audit ------------------------------------------------------------------------


def test_a_dealer_exports_only_its_own_account(client, login_as, channel, ledger_setup):
    login_as("dealer_marketer")
    rows = csv_rows(download(client, "format=csv"))
    assert {r["organization"] for r in rows} == {"Test Dealer"} and len(rows) == 4
    assert download(client, f"organization_id={channel.sibling_dealer.id}").status_code == 404
    assert download(client, f"organization_id={channel.other_dealer.id}").status_code == 404
    assert download(client, "organization_id=999999").status_code == 404
    assert download(client, "organization_id=x").status_code == 404


def test_a_distributor_exports_its_dealers_but_not_another_branch(
    client, login_as, channel, ledger_setup
):
    login_as("distributor_admin")
    rows = csv_rows(download(client, "format=csv"))
    assert {r["organization"] for r in rows} == {
        "Test Dealer",
        "Sibling Dealer",
        "'=cmd|' /C calc'!A0",
    }
    page = client.get("/campaigns/coop/export").get_data(as_text=True)
    assert "Sibling Dealer" in page and "Other Dealer" not in page
    assert download(client, f"organization_id={channel.other_dealer.id}").status_code == 404


@pytest.mark.parametrize("role", ["product_manager", "partner_staff"])
def test_roles_without_co_op_duties_do_not_export(client, login_as, ledger_setup, role):
    login_as(role)
    assert client.get("/campaigns/coop/export").status_code == 403
    assert download(client, "format=csv").status_code == 403


def test_every_export_is_audited_with_what_it_covered(
    client, login_as, session, channel, ledger_setup
):
    login_as("partner_admin")
    download(client, f"format=json&organization_id={channel.dealer.id}&period=2026").close()
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "coop.ledger_exported")
    ).one()
    assert event.actor_id == channel.people["partner_admin"].id
    assert event.organization_id == channel.dealer.id  # the partner admin sees it in its log
    assert event.after == {
        "format": "json",
        "entries": 3,
        "organization_id": channel.dealer.id,
        "period": "2026",
        "from": "2026-01-01",
        "to": "2026-12-31",
    }
    assert event.summary == "Co-op ledger exported as JSON: 3 entries of Test Dealer, 2026"


# --- Streaming --------------------------------------------------------------------------------


def test_a_large_ledger_streams_in_batches_in_id_order(client, login_as, channel, session):
    admin = channel.people["program_admin"]
    program = make_program(admin)
    lines = [
        purchase(channel.dealer, "100.00", date(2026, 1, 1 + n % 28), f"BULK-{n}")
        for n in range(exports.BATCH + 150)
    ]
    assert ledger.record_purchases(program, lines, admin, today=TODAY).clean
    login_as("program_admin")
    response = download(client, "format=csv")
    chunks = list(response.response)
    assert len(chunks) >= 3  # header, a full batch, the rest
    rows = csv_rows_from("".join(c.decode() if isinstance(c, bytes) else c for c in chunks))
    ids = [int(r["entry_id"]) for r in rows]
    assert len(ids) == exports.BATCH + 150 and ids == sorted(ids)
    body = json.loads(download(client, "format=json").get_data(as_text=True))
    assert [e["entry_id"] for e in body["entries"]] == ids


def test_entries_written_after_the_export_began_wait_for_the_next(channel, ledger_setup):
    admin = channel.people["program_admin"]
    export = exports.begin_export(admin, ledger_setup, exports.make_filter(ledger_setup), "json")
    ledger.record_purchases(
        ledger_setup, [purchase(channel.dealer, "100.00", date(2026, 7, 1), "LATE")], admin,
        today=TODAY,
    )  # fmt: skip
    body = json.loads("".join(export.stream()))
    assert body["count"] == len(body["entries"]) == 7
    assert "LATE" not in {e["purchase_external_id"] for e in body["entries"]}


def test_the_service_refuses_what_the_pages_refuse(channel, ledger_setup):
    with pytest.raises(PermissionError):
        exports.begin_export(
            channel.people["product_manager"], ledger_setup, exports.make_filter(ledger_setup)
        )
    with pytest.raises(LookupError):
        exports.begin_export(
            channel.people["dealer_marketer"],
            ledger_setup,
            exports.make_filter(ledger_setup, channel.other_dealer),
        )
    with pytest.raises(ValidationFailed):
        exports.begin_export(
            channel.people["program_admin"], ledger_setup, exports.make_filter(ledger_setup), "xml"
        )


# --- API ------------------------------------------------------------------------------------------


def bearer(person) -> dict:
    return {"Authorization": "Bearer " + accounts.create_api_token(person, "finance").secret}


def test_the_api_export_matches_its_documented_schema(client, channel, session, ledger_setup):
    auth = bearer(channel.people["program_admin"])
    session.commit()
    document = fetch_document(client)
    response = client.get("/api/v1/coop/ledger/export?period=2026", headers=auth)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = json.loads(response.get_data(as_text=True))
    response_validator(document, "/api/v1/coop/ledger/export", "get", "200").validate(body)
    assert body["count"] == 6 and body["filters"]["period"] == "2026"
    assert body["entries"][-1]["amount"] == "-250.00"

    bad = client.get("/api/v1/coop/ledger/export?from=2026-13-01", headers=auth)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    response_validator(document, "/api/v1/coop/ledger/export", "get", "422").validate(bad.json)
    assert bad.json["errors"] == [
        {"field": "from", "detail": "“2026-13-01” is not a date; write it like 2026-03-31."}
    ]
    assert (
        client.get("/api/v1/coop/ledger/export?organization_id=abc", headers=auth).status_code
        == 400
    )


def test_the_api_export_is_scoped_like_the_pages(client, channel, session, ledger_setup):
    marketer = bearer(channel.people["dealer_marketer"])
    manager = bearer(channel.people["product_manager"])
    session.commit()
    body = json.loads(
        client.get("/api/v1/coop/ledger/export", headers=marketer).get_data(as_text=True)
    )
    assert {e["organization"] for e in body["entries"]} == {"Test Dealer"}
    other = f"/api/v1/coop/ledger/export?organization_id={channel.other_dealer.id}"
    assert client.get(other, headers=marketer).status_code == 404
    assert client.get("/api/v1/coop/ledger/export", headers=manager).status_code == 403
    assert client.get("/api/v1/coop/ledger/export").status_code == 401
