"""The OEM's co-op overview in the browser: partners filtered and sorted in place (htmx),
accessible on a desktop and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, check_axe, sign_in

pytestmark = pytest.mark.e2e


def test_the_program_admin_filters_and_sorts_the_partner_accounts(page, open_page, demo):
    sign_in(page, "admin@fieldcrest.example")
    page.goto("/campaigns/coop")
    expect(page.get_by_role("heading", name="Partner accounts")).to_be_visible()
    expect(page.get_by_role("heading", name="Program-wide")).to_be_visible()
    check_axe(page, label="co-op overview")

    page.get_by_label("Search by name").fill("prairie")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Prairie Ag Dealers")
    expect(table).not_to_contain_text("Harbor Equipment")
    expect(page.get_by_role("heading", name="These partners")).to_be_visible()
    assert "q=prairie" in page.url  # the filtered list has its own address

    page.get_by_label("Search by name").fill("")
    page.get_by_label("Sort by").select_option("utilisation")
    expect(page.get_by_role("heading", name="Program-wide")).to_be_visible()
    expect(table.get_by_role("row").last).to_contain_text("Prairie Ag Dealers")  # most used
    check_axe(page, label="co-op overview, sorted")

    phone = open_page(viewport=PHONE)
    sign_in(phone, "channel@fieldcrest.example")
    phone.goto("/campaigns/coop?sort=available")
    expect(phone.get_by_role("heading", name="Partner accounts")).to_be_visible()
    check_axe(phone, label="co-op overview on a phone")
