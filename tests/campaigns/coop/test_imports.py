"""CSV upload of ERP purchase lines: bad files refused with a sentence, a preview that
writes nothing, an import in all-or-nothing chunks, a report with line numbers, replays
that change nothing, and the pages that drive it."""

from __future__ import annotations

import csv
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from campaigns.coop import exports, imports, ledger
from campaigns.coop.models import CoopAccount, LedgerEntry, PurchaseLine
from hub import db
from hub.demo.channel import set_path
from hub.errors import ValidationFailed
from hub.models import AuditEvent, Organization, OrgKind, Person, Role
from tests.campaigns import assert_sound, entry_count, make_program, purchase, tier
from tests.conftest import committed_app, csrf_token, post_form

D = Decimal
TODAY = date(2026, 11, 22)
HEADER = "external_id,organization_id,amount,currency,purchased_on,product_line_id,note\n"


@pytest.fixture
def program(admin, channel):
    """A yearly program (Premier 2%) where OLD-1 and OLD-2 were imported before."""
    program = make_program(admin)
    report = ledger.record_purchases(
        program,
        [
            purchase(channel.dealer, "100.00", date(2026, 1, 5), "OLD-1"),
            purchase(channel.dealer, "100.00", date(2026, 1, 5), "OLD-2"),
        ],
        admin,
        today=TODAY,
    )
    assert report.clean
    return program


def mixed_file(c) -> bytes:
    """Every outcome once, with a blank line and an extra column (line numbers in comments)."""
    d, s, o = c.dealer.id, c.sibling_dealer.id, c.oem.id
    return (
        HEADER
        + f"A-1,{d},1000.00,USD,2026-03-01,,first\n"  # 2 accepted: 20.00
        + f"A-2,{d},2500.00,USD,2026-03-02,,\n"  # 3 accepted: 50.00
        + f"OLD-1,{d},100.00,USD,2026-01-05,,\n"  # 4 duplicate of an earlier import
        + f"OLD-2,{d},999.00,USD,2026-01-05,,\n"  # 5 conflict with an earlier import
        + f"B-1,{d},12.345,USD,2026-03-03,,\n"  # 6 error: fractions of a cent
        + "B-2,999999,10.00,USD,2026-03-03,,\n"  # 7 error: no such organisation
        + f"B-3,{d},10.00,EUR,2026-03-03,,\n"  # 8 error: currency
        + "\n"  # 9 blank
        + f"A-1,{d},1000.00,USD,2026-03-01,,again\n"  # 10 duplicate of line 2
        + f"A-2,{d},2600.00,USD,2026-03-02,,\n"  # 11 conflict with line 3
        + f'C-1,{s},"1,250.00",USD,2026-04-01,,\n'  # 12 error: not a number
        + f"C-2,{s},300.00,USD,2026-04-01,,x,extra\n"  # 13 error: too many values
        + f"=1+2,{s},50.00,USD,2026-04-02,,\n"  # 14 accepted (1.00); a formula-looking id
        + f"C-3,{o},10.00,USD,2026-04-02,,\n"  # 15 error: the OEM
    ).encode()


EXPECTED = {
    2: "accepted",
    3: "accepted",
    4: "duplicate",
    5: "conflict",
    6: "error",
    7: "error",
    8: "error",
    10: "duplicate",
    11: "conflict",
    12: "error",
    13: "error",
    14: "accepted",
    15: "error",
}


def purchase_lines() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PurchaseLine))


def run(program, admin, data: bytes, chunk_rows: int = 3, name: str = "erp.csv"):
    upload = imports.store_upload(data, name, admin)
    imports.start_import(upload, program, admin, TODAY, chunk_rows=chunk_rows)
    state = imports.run_next_chunk(upload, admin, TODAY)
    while state.status != "finished":
        state = imports.run_next_chunk(upload, admin, TODAY)
    return state


def report_of(state) -> list[list[str]]:
    text = "".join(exports.csv_line(c) for c in imports.report_rows(state))
    return list(csv.reader(io.StringIO(text)))


# --- Bad files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        (b"", "The file is empty. Export the purchase lines from the ERP again."),
        (b"  \n\n", "The file is empty."),
        (
            b"PK\x03\x04\x14\x00\x06\x00xl/workbook.xml",
            "This is an Excel workbook (or another zip file), not a CSV file. In Excel choose "
            "File → Save As → “CSV UTF-8 (Comma delimited)” and upload that file.",
        ),
        (b"%PDF-1.7\n", "This is a PDF, not a CSV file. Export the purchase lines as CSV."),
        (
            "external_id,amount\n".encode("utf-16"),
            "This file is saved as UTF-16 (“Unicode text”). Save it as “CSV UTF-8” instead "
            "and upload it again.",
        ),
        (
            (HEADER + "X-1,6,10.00,USD,2026-01-02,,Société\n").encode("cp1252"),
            "The file is not UTF-8 text: line 2 has a byte (0xE9) UTF-8 does not use — it "
            "was probably saved in a Windows or Excel encoding. Save it as “CSV UTF-8” (or "
            "export it from the ERP as UTF-8) and upload it again.",
        ),
        (b"\x00\x01\x02binary", "This is not a text file, so it can't be CSV."),
        (
            b"external_id,organization_id,amount,purchased_on\nX,6,1.00,2026-01-01\n",
            "The file has no column “currency”. The first line must name these columns: "
            "external_id, organization_id (or erp_account_number), amount, currency, "
            "purchased_on (and optionally product_line_id).",
        ),
        (
            b"X-1,6,10.00,USD,2026-01-02\n",
            "The first line must name the columns (external_id, organization_id (or "
            "erp_account_number), amount, "
            "currency, purchased_on, and optionally product_line_id); it reads "
            "“X-1,6,10.00,USD,2026-01-02”. Add that line of column names.",
        ),
        (
            HEADER.encode() + b'X-1,6,10.00,USD,2026-01-02,,"open quote\n',
            "Line 2 can't be read as CSV (unexpected end of data). Check it for a quote (\") "
            "that is not closed, or a value with a delimiter that is not in quotes.",
        ),
        (HEADER.encode(), "The file has column names but no purchase lines."),
        (
            b"external_id,amount,Amount,organization_id,currency,purchased_on\n",
            "The column “amount” appears twice in the first line; keep one.",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "xlsx",
        "pdf",
        "utf16",
        "cp1252",
        "binary",
        "missing-column",
        "no-header",
        "open-quote",
        "header-only",
        "twice",
    ],
)
def test_a_bad_file_is_refused_with_a_sentence_and_nothing_is_kept(session, admin, data, sentence):
    before = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(ValidationFailed) as caught:
        imports.store_upload(data, "bad.csv", admin)
    assert sentence in caught.value.problems["file"][0]
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_a_huge_file_is_refused_before_it_is_read(admin):
    data = HEADER.encode() + b"x" * imports.MAX_BYTES
    with pytest.raises(ValidationFailed) as caught:
        imports.store_upload(data, "huge.csv", admin)
    assert caught.value.problems["file"] == [
        "The file is 32.0 MB; one upload takes at most 32 MB (and 200,000 lines). Split it "
        "into smaller files — lines imported twice are recognised and skipped, so overlaps "
        "are safe."
    ]


def test_a_file_with_too_many_lines_is_refused(admin):
    data = HEADER.encode() + b"X,1,1.00,USD,2026-01-01,,\n" * (imports.MAX_ROWS + 1)
    with pytest.raises(ValidationFailed) as caught:
        imports.store_upload(data, "long.csv", admin)
    assert caught.value.problems["file"] == [
        "The file has more than 200,000 purchase lines; split it into smaller files — lines "
        "imported twice are recognised and skipped."
    ]


def test_only_the_program_admin_uploads(channel):
    with pytest.raises(PermissionError):
        imports.store_upload(HEADER.encode(), "x.csv", channel.people["channel_manager"])


# --- Reading: delimiters, BOM, line numbers --------------------------------------------------


def test_excel_style_files_are_read_semicolons_bom_crlf_and_extra_columns(admin, channel, program):
    d = channel.dealer.id
    data = (
        "\ufeffExternal ID;Organization_ID;AMOUNT;Currency;Purchased On;Region\r\n"
        f"S-1;{d};100.00;USD;2026-02-01;North\r\n"
        "\r\n"
        f'S-2;{d};"200.00";USD;2026-02-02;"South;\r\nEast"\r\n'
        f"S-3;{d};300.00;USD;2026-02-03;West\r\n"
    ).encode()
    upload = imports.store_upload(data, "export.csv", admin)
    text, layout = imports.read_upload(upload)
    assert layout.delimiter == ";" and layout.rows == 3 and layout.ignored == ("Region",)
    assert [(r.line, r.external_id) for r in imports.rows(text, layout)] == [
        (2, "S-1"),
        (4, "S-2"),  # line 3 is blank; S-2's last value runs onto line 5
        (6, "S-3"),
    ]
    state = run(program, admin, data, chunk_rows=2)
    assert (state.accepted, state.accrued) == (3, D("12.00"))


# --- Preview ------------------------------------------------------------------------------


def test_the_preview_forecasts_every_line_and_writes_nothing(session, admin, channel, program):
    entries, lines = entry_count(), purchase_lines()
    upload = imports.store_upload(mixed_file(channel), "erp.csv", admin)
    preview = imports.preview(upload, program, TODAY)

    assert (preview.rows, preview.new, preview.duplicates) == (13, 3, 2)
    assert preview.ignored == ("note",)
    assert preview.accrued == D("71.00")
    assert [line for line, _ in preview.conflicts] == [5, 11]
    assert dict(preview.errors) == {
        6: "B-1: The amount 12.345 has fractions of a cent; use at most two decimals.",
        7: "B-2: there is no organisation with id 999999.",
        8: f"B-3: the line is in EUR, but {program.name} pays co-op in USD; send it in that "
        "currency.",
        12: "C-1: The amount “1,250.00” is not a number; write digits with a decimal point, "
        "e.g. 1250.00.",
        13: "C-2: the line has 8 values but the first line names 7 columns; put a value with a "
        "comma (such as 1,250.00) in quotes, or write it without the thousands separator.",
        15: "C-3: Test OEM is the OEM, which earns no co-op; use the buying partner's id.",
    }
    assert dict(preview.conflicts)[11] == (
        "A-2 is also on line 3 with other details (amount 2500.00 → 2600.00); only line 3 is "
        "imported. Give each purchase line its own external_id."
    )
    assert [(r.line, r.organization, r.accrual, r.outcome) for r in preview.sample[:4]] == [
        (2, "Test Dealer", D("20.00"), "new"),
        (3, "Test Dealer", D("50.00"), "new"),
        (4, "Test Dealer", None, "duplicate"),
        (5, "Test Dealer", None, "conflict"),
    ]
    assert (entry_count(), purchase_lines()) == (entries, lines)


# --- The import ---------------------------------------------------------------------------


def test_the_import_runs_in_chunks_and_reports_every_line(session, admin, channel, program):
    upload = imports.store_upload(mixed_file(channel), "erp.csv", admin)
    forecast = imports.preview(upload, program, TODAY)
    state = imports.start_import(upload, program, admin, TODAY, chunk_rows=3)
    assert (state.status, state.rows, state.rows_done, state.plan["chunks"]) == (
        "running",
        13,
        0,
        5,
    )
    state = imports.run_next_chunk(upload, admin, TODAY)
    assert (state.rows_done, state.percent, state.accepted) == (3, 23, 2)
    while state.status == "running":
        state = imports.run_next_chunk(upload, admin, TODAY)
    assert state.status == "finished" and state.rows_done == 13
    assert (state.accepted, state.duplicates) == (3, 2)
    assert [line for line, _ in state.conflicts] == [5, 11]
    assert [line for line, _ in state.errors] == [6, 7, 8, 12, 13, 15]
    assert state.accrued == D("71.00")
    assert "OLD-2 was imported on" in dict(state.conflicts)[5]
    # Running again after the end changes nothing.
    assert imports.run_next_chunk(upload, admin, TODAY).rows_done == 13

    report = report_of(state)
    assert report[0] == ["line", "external_id", "outcome", "detail"]
    assert {int(r[0]): r[2] for r in report[1:]} == EXPECTED
    assert report[8] == ["10", "A-1", "duplicate", "The same as line 2; skipped."]
    assert report[3] == [
        "4",
        "OLD-1",
        "duplicate",
        "Imported before with the same details; skipped.",
    ]
    assert report[12] == ["14", "'=1+2", "accepted", ""]  # never a formula in a spreadsheet
    # The forecast said the same of every line.
    kinds = {"new": "accepted"}
    predicted = {line: kinds.get(o, o) for line, o in _forecast_kinds(forecast).items()}
    assert predicted == EXPECTED

    account = ledger.get_or_create_account(channel.dealer, program)
    assert ledger.balance(account).earned == D("74.00")  # 4.00 before + 70.00
    assert_sound()


def _forecast_kinds(preview) -> dict[int, str]:
    kinds = {line: "conflict" for line, _ in preview.conflicts}
    kinds |= {line: "error" for line, _ in preview.errors}
    # Lines not listed as problems: the mixed file's new lines and duplicates.
    for line in EXPECTED:
        kinds.setdefault(line, "duplicate" if line in (4, 10) else "new")
    return kinds


def test_each_chunk_is_audited_and_so_is_the_import(session, admin, channel, program):
    state = run(program, admin, mixed_file(channel))
    events = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "StoredFile", AuditEvent.object_id == str(state.upload.id))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == [
        "coop.import_uploaded",
        "coop.import_started",
        *["coop.import_chunk"] * 5,
        "coop.import_finished",
    ]
    assert all(e.actor_id == admin.id for e in events)
    assert events[-1].after == {
        "rows": 13,
        "accepted": 3,
        "duplicates": 2,
        "conflicts": 2,
        "errors": 6,
        "accrued": "71.00",
    }
    assert events[2].summary == (
        "erp.csv, lines 2–4: 2 accepted, 1 duplicate(s), 0 conflict(s), 0 error(s)"
    )


def test_replaying_the_same_file_changes_nothing(session, admin, channel, program):
    data = mixed_file(channel)
    run(program, admin, data)
    entries, lines = entry_count(), purchase_lines()
    balances = {a.id: ledger.balance(a) for a in session.scalars(sa.select(CoopAccount))}

    again = run(program, admin, data, chunk_rows=5)

    assert again.accepted == 0 and again.accrued == D("0.00")
    assert again.duplicates == 5  # the three imported lines and both earlier duplicates
    assert (entry_count(), purchase_lines()) == (entries, lines)
    assert {a.id: ledger.balance(a) for a in session.scalars(sa.select(CoopAccount))} == balances
    assert_sound()


def test_a_chunk_and_its_progress_commit_or_roll_back_together(session, admin, channel, program):
    upload = imports.store_upload(mixed_file(channel), "erp.csv", admin)
    imports.start_import(upload, program, admin, TODAY, chunk_rows=3)
    entries = entry_count()

    attempt = session.begin_nested()
    state = imports.run_next_chunk(upload, admin, TODAY)
    assert state.rows_done == 3 and entry_count() == entries + 2
    attempt.rollback()  # the request failed after the chunk ran: nothing of it stays

    assert imports.import_state(upload).rows_done == 0 and entry_count() == entries
    state = imports.run_next_chunk(upload, admin, TODAY)  # run again: the same outcome
    assert (state.rows_done, state.accepted, state.duplicates) == (3, 2, 1)


def test_a_closed_program_stops_the_import_between_chunks(session, admin, channel, program):
    upload = imports.store_upload(mixed_file(channel), "erp.csv", admin)
    imports.start_import(upload, program, admin, TODAY, chunk_rows=3)
    imports.run_next_chunk(upload, admin, TODAY)
    program.active = False
    with pytest.raises(ValidationFailed, match="is closed; it accepts no new purchases"):
        imports.run_next_chunk(upload, admin, TODAY)
    assert imports.import_state(upload).rows_done == 3


def test_starting_twice_starts_once(session, admin, channel, program):
    upload = imports.store_upload(mixed_file(channel), "erp.csv", admin)
    first = imports.start_import(upload, program, admin, TODAY)
    again = imports.start_import(upload, program, admin, TODAY)
    assert first.started.id == again.started.id
    assert first.plan["chunks"] == 1 and first.plan["repeats"] == [
        [10, 2, None],
        [11, 3, again.plan["repeats"][1][2]],
    ]


# --- Two runners at once ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_app(tmp_path_factory):
    """An app on its own, really committed database (threads need real commits)."""
    yield from committed_app(tmp_path_factory.mktemp("coop-imports"), "coop_imports")


def test_two_runners_never_run_the_same_chunk(real_app):
    with real_app.app_context():
        oem = Organization(name="Import OEM", kind=OrgKind.OEM)
        db.session.add(oem)
        db.session.flush()
        set_path(oem)
        dealer = Organization(
            name="Import Dealer", kind=OrgKind.DEALER, parent=oem, tier=tier("Premier")
        )
        admin = Person(
            email="imports@oem.example", name="Admin", role=Role.PROGRAM_ADMIN, organization=oem
        )
        db.session.add_all([dealer, admin])
        db.session.flush()
        set_path(dealer)
        program = make_program(admin)
        data = HEADER + "".join(
            f"R-{n},{dealer.id},100.00,USD,2026-02-{n:02d},,\n" for n in range(1, 9)
        )
        upload = imports.store_upload(data.encode(), "race.csv", admin)
        imports.start_import(upload, program, admin, TODAY, chunk_rows=1)
        db.session.commit()
        upload_id, admin_id, account_org = upload.id, admin.id, dealer.id

    start = threading.Barrier(8)

    def runner(_i):
        with real_app.app_context():
            start.wait()
            upload = imports.get_upload_or_404(upload_id)
            state = imports.run_next_chunk(upload, db.session.get(Person, admin_id), TODAY)
            db.session.commit()
            return state.rows_done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sorted(f.result(timeout=120) for f in [pool.submit(runner, i) for i in range(8)])
    assert done == [1, 2, 3, 4, 5, 6, 7, 8]

    with real_app.app_context():
        state = imports.import_state(imports.get_upload_or_404(upload_id))
        assert [c["chunk"] for c in state.chunks] == list(range(8))
        assert (state.status, state.accepted, state.duplicates) == ("finished", 8, 0)
        entries = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LedgerEntry)
            .join(CoopAccount, CoopAccount.id == LedgerEntry.account_id)
            .where(CoopAccount.organization_id == account_org)
        )
        assert entries == 8
        assert ledger.verify_ledger() == []


# --- The pages ------------------------------------------------------------------------------


def test_the_program_admin_uploads_previews_confirms_and_gets_the_report(
    client, login_as, session, admin, channel, program
):
    login_as("program_admin")
    page = client.get("/campaigns/coop/imports")
    assert page.status_code == 200 and "Upload and preview" in page.get_data(as_text=True)

    response = post_form(
        client,
        "/campaigns/coop/imports",
        {"file": (io.BytesIO(mixed_file(channel)), "erp.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    job = response.headers["Location"]
    html = client.get(job).get_data(as_text=True)
    assert "Preview of erp.csv" in html and "Nothing has been written yet" in html
    assert "Import 3 new lines" in html
    assert "B-2: there is no organisation with id 999999." in html
    assert "USD 71.00" in html  # the co-op to accrue

    upload_id = int(job.rsplit("/", 1)[1])
    response = post_form(client, f"{job}/start", token_page=job)
    assert response.status_code == 303
    html = client.get(job).get_data(as_text=True)
    assert "Importing" in html and 'hx-trigger="load, submit"' in html
    assert "0 of 13 lines done (0%)" in html

    token = csrf_token(client, job)
    fragment = client.post(
        f"{job}/next", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section class="card" id="import-progress"')
    assert "13 of 13 lines done (100%)" in body  # one chunk of 1,000 lines
    assert "Import finished" in body and "Download the report (CSV)" in body

    report = client.get(f"/campaigns/coop/imports/{upload_id}/report.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True))))
    assert {int(r[0]): r[2] for r in rows[1:]} == EXPECTED
    assert "erp-report.csv" in report.headers["Content-Disposition"]
    recent = client.get("/campaigns/coop/imports").get_data(as_text=True)
    assert "finished: 3 accepted, 2 duplicates, 2 conflicts, 6 errors" in recent


def test_a_bad_upload_is_answered_with_its_sentence(client, login_as, program):
    login_as("program_admin")
    response = post_form(
        client,
        "/campaigns/coop/imports",
        {"file": (io.BytesIO(b"PK\x03\x04zip"), "purchases.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "This is an Excel workbook" in response.get_data(as_text=True)
    response = post_form(client, "/campaigns/coop/imports", {})
    assert response.status_code == 422
    assert "Choose the CSV file to upload." in response.get_data(as_text=True)


def test_an_upload_over_the_limit_gets_a_sentence_not_a_bare_413(client, login_as, program):
    login_as("program_admin")
    token = csrf_token(client, "/campaigns/coop/imports")
    big = io.BytesIO(b"x" * (imports.MAX_BYTES + 2 * 1024 * 1024))
    # Encoded in memory: the test client would spool a body this large to a temporary file
    # that nobody closes when the server refuses to read it.
    body, length, boundary = stream_encode_multipart(
        {"csrf_token": token, "file": FileStorage(big, "huge.csv")}, use_tempfile=False
    )
    response = client.post(
        "/campaigns/coop/imports",
        input_stream=body,
        content_length=length,
        content_type=f'multipart/form-data; boundary="{boundary}"',
    )
    assert response.status_code == 413
    assert "one upload takes at most 32 MB" in response.get_data(as_text=True)


def test_without_javascript_each_continue_runs_one_chunk(client, login_as, admin, channel, program):
    login_as("program_admin")
    upload = imports.store_upload(mixed_file(channel), "erp.csv", admin)
    imports.start_import(upload, program, admin, TODAY, chunk_rows=5)
    job = f"/campaigns/coop/imports/{upload.id}"
    response = post_form(client, f"{job}/next", token_page=job)
    assert response.status_code == 303 and response.headers["Location"].endswith(job)
    assert "5 of 13 lines done (38%)" in client.get(job).get_data(as_text=True)


def test_someone_elses_stored_file_is_not_an_import(client, login_as, session, admin):
    from hub.models import StoredFile

    other = StoredFile(
        path="chat/abc.png", content_type="image/png", size=1, filename="a.png", sha256="0" * 64
    )
    session.add(other)
    session.flush()
    login_as("program_admin")
    make_program(admin)
    assert client.get(f"/campaigns/coop/imports/{other.id}").status_code == 404


def test_a_file_gone_from_storage_gets_a_sentence_not_an_error(
    client, login_as, admin, channel, program
):
    from hub.uploads import open_stored

    upload = imports.store_upload(mixed_file(channel), "erp.csv", admin)
    imports.start_import(upload, program, admin, TODAY, chunk_rows=5)
    open_stored(upload.path).unlink()
    with pytest.raises(ValidationFailed) as caught:
        imports.run_next_chunk(upload, admin, TODAY)
    assert caught.value.problems["file"][0].startswith(
        "The uploaded file erp.csv is no longer in the storage directory (HUB_STORAGE_DIR must "
        "be shared by every server process). Upload it again"
    )
    login_as("program_admin")
    job = f"/campaigns/coop/imports/{upload.id}"
    response = post_form(client, f"{job}/next", token_page=job)
    assert response.status_code == 303
    assert "is no longer in the storage directory" in client.get(job).get_data(as_text=True)


def test_lines_may_name_the_partner_by_its_erp_account_number(session, admin, channel, program):
    channel.dealer.erp_account_number = "C-10442"
    db.session.flush()
    data = (
        b"external_id;erp_account_number;amount;currency;purchased_on\n"
        b"E-1;C-10442;1000.00;USD;2026-03-01\n"
        b"E-2;C-99999;1000.00;USD;2026-03-01\n"
    )
    upload = imports.store_upload(data, "erp.csv", admin)
    preview = imports.preview(upload, program, TODAY)
    assert preview.new == 1 and preview.accrued == D("20.00")
    assert preview.errors == [
        (3, "E-2: no organisation has the ERP account number “C-99999”; check it, or set it "
            "on the organisation's page, or give the organization_id.")
    ]  # fmt: skip
    assert preview.sample[0].organization == "Test Dealer"
    imports.start_import(upload, program, admin, TODAY)
    state = imports.run_next_chunk(upload, admin, TODAY)
    assert state.accepted == 1 and [line for line, _ in state.errors] == [3]
    line = session.scalars(sa.select(PurchaseLine).where(PurchaseLine.external_id == "E-1")).one()
    assert line.organization_id == channel.dealer.id
    assert_sound()


def test_the_template_downloads_and_a_file_with_nothing_new_offers_no_import(
    client, login_as, session, channel, program
):
    channel.dealer.erp_account_number = "C-10442"
    db.session.commit()
    login_as("program_admin")
    assert "Download a template CSV file" in client.get("/campaigns/coop/imports").get_data(
        as_text=True
    )
    template = client.get("/campaigns/coop/imports/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert template.get_data(as_text=True).startswith("external_id,erp_account_number,")

    def upload(data: bytes) -> str:
        response = post_form(
            client,
            "/campaigns/coop/imports",
            {"file": (io.BytesIO(data), "template.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303
        return response.headers["Location"]

    job = upload(template.get_data())
    html = client.get(job).get_data(as_text=True)
    assert "Import 1 new line" in html  # the template's example line, for Test Dealer
    post_form(client, f"{job}/start", token_page=job)
    post_form(client, f"{job}/next", token_page=job)

    again = client.get(upload(template.get_data())).get_data(as_text=True)
    assert "No line of this file is new" in again
    assert "coop_import_start" not in again and "/start" not in again
    assert "Import anyway" not in again and "Upload another file" in again


def test_a_finished_import_leaves_the_planner_statistics(session, admin, channel, program):
    """SQLite's planner has statistics for the co-op tables once an import ends: without
    them, the overview's page of partners read the program's expiring buckets once per
    partner (docs/performance.md, "Session 13")."""
    from tests.hub.test_database_statistics import forget_statistics, statistics_tables

    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL's autovacuum keeps them (tests/hub/test_database_statistics.py)")
    forget_statistics()
    state = run(program, admin, mixed_file(channel))
    assert state.status == "finished"
    assert {"coop_purchase_line", "coop_ledger_entry", "coop_bucket"} <= statistics_tables()
