"""The program admin imports ERP purchases from a CSV file in the browser: upload, preview,
confirm, the import running chunk by chunk with a progress bar, the report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, check_axe, sign_in

pytestmark = pytest.mark.e2e

ADMIN = "admin@fieldcrest.example"


def purchases_csv(tmp_path, hillside: int) -> str:
    """2,500 good lines for Hillside Tractor (three chunks of 1,000) and two bad ones."""
    lines = ["external_id,organization_id,amount,currency,purchased_on,product_line_id"]
    lines += [
        f"E2E-IMPORT-{n},{hillside},100.00,USD,2026-10-{1 + n % 28:02d}," for n in range(2500)
    ]
    lines.insert(3, f"E2E-BAD-1,{hillside},12.345,USD,2026-10-01,")  # line 4
    lines.append("E2E-BAD-2,999999,10.00,USD,2026-10-01,")  # line 2503
    path = tmp_path / "erp-october.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_the_program_admin_imports_a_csv_file_with_preview_progress_and_report(
    page, open_page, demo, tmp_path
):
    hillside = demo.org("Hillside Tractor")
    sign_in(page, ADMIN)
    page.goto("/campaigns/coop")
    page.get_by_role("link", name="Import purchases").click()
    expect(page.get_by_role("heading", name="Import purchases", level=1)).to_be_visible()
    check_axe(page, label="import upload page")

    page.get_by_label("CSV file of purchase lines").set_input_files(
        purchases_csv(tmp_path, hillside)
    )
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="Preview of erp-october.csv")).to_be_visible()
    expect(
        page.get_by_text("Nothing has been written yet. 2,502 purchase lines read.")
    ).to_be_visible()
    sample = page.get_by_role("table").first
    expect(sample.get_by_role("row").nth(1)).to_contain_text("Hillside Tractor")
    problems = page.locator(
        "section", has=page.get_by_role("heading", name=re.compile("Problems found"))
    )
    expect(problems).to_contain_text("E2E-BAD-1: The amount 12.345 has fractions of a cent")
    expect(problems).to_contain_text("2503")
    check_axe(page, label="import preview")

    chunk_answers = []
    page.on(
        "response",
        lambda r: chunk_answers.append(r.status) if r.url.endswith("/next") else None,
    )
    page.get_by_role("button", name="Import 2,500 new lines").click()

    progress = page.locator("#import-progress progress")
    expect(progress).to_be_visible()
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible(timeout=30_000)
    expect(progress).to_have_attribute("value", "2502")
    expect(progress).to_have_attribute("max", "2502")
    assert chunk_answers == [200, 200, 200]  # three chunks, one request each, in turn
    report = page.locator("#import-progress")
    expect(report).to_contain_text("2,500 accepted, 0 duplicates skipped, 0 conflicts, 2 errors")
    expect(report).to_contain_text("E2E-BAD-2: there is no organisation with id 999999.")
    check_axe(page, label="import report")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0] == "line,external_id,outcome,detail"
    assert "4,E2E-BAD-1,error," in text and "2,E2E-IMPORT-0,accepted," in text

    # The same report on a phone.
    phone = open_page(viewport=PHONE)
    sign_in(phone, ADMIN)
    phone.goto(page.url)
    expect(phone.get_by_role("heading", name="Import finished")).to_be_visible()
    check_axe(phone, label="import report on a phone")
