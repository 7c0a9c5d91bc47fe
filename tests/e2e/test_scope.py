"""Visibility follows the channel tree in the browser too: outside your scope is a 404."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

GPD_DEALERS = [
    "Prairie Ag Dealers",
    "Hillside Tractor",
    "Sandhills Farm Equipment",
    "Red River Implement",
    "Flint Hills Machinery",
    "Platte Valley Equipment",
]


def directory_names(page) -> list[str]:
    """The organisation names listed in the directory's results table."""
    return page.locator("#results tbody th[scope=row] a").all_inner_texts()


def test_dealer_gets_404_for_another_distributors_dealer(page, demo):
    sign_in(page, "marketing@prairie.example")

    response = page.goto(f"/organizations/{demo.org('Harbor Equipment')}")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We can't find that page")
    expect(page.get_by_text("Harbor Equipment")).to_have_count(0)


def test_dealer_opens_its_own_organisation(page, demo):
    sign_in(page, "marketing@prairie.example")

    response = page.goto(f"/organizations/{demo.org('Prairie Ag Dealers')}")

    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Prairie Ag Dealers")
    staff = page.get_by_role("table", name="Staff of Prairie Ag Dealers")
    expect(staff.get_by_role("link", name="Kelsey Novak")).to_be_visible()


def test_dealer_directory_lists_only_itself(page):
    sign_in(page, "marketing@prairie.example")

    page.goto("/organizations")

    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert directory_names(page) == ["Prairie Ag Dealers"]


def test_distributor_admin_sees_its_dealers_but_not_another_distributors(page, demo):
    sign_in(page, "admin@gpd.example")

    page.goto("/organizations")

    expect(page.locator("#results tbody tr")).to_have_count(1 + len(GPD_DEALERS))
    names = directory_names(page)
    assert sorted(names) == sorted(["Great Plains Distribution", *GPD_DEALERS])
    assert "Harbor Equipment" not in names
    assert "Coastal Supply" not in names
    assert "Fieldcrest Equipment Co." not in names

    assert page.goto(f"/organizations/{demo.org('Hillside Tractor')}").status == 200
    assert page.goto(f"/organizations/{demo.org('Harbor Equipment')}").status == 404


def test_directory_search_narrows_the_results_live(page):
    sign_in(page, "admin@gpd.example")
    page.goto("/organizations")
    expect(page.locator("#results tbody tr")).to_have_count(1 + len(GPD_DEALERS))
    # A full page load would drop this marker; an htmx swap keeps it.
    page.evaluate("() => { window.__e2eSamePage = true; }")

    page.locator("input#q").press_sequentially("hill")

    expect(page.locator("#results tbody tr")).to_have_count(3)
    assert sorted(directory_names(page)) == [
        "Flint Hills Machinery",
        "Hillside Tractor",
        "Sandhills Farm Equipment",
    ]
    expect(page).to_have_url(re.compile(r"[?&]q=hill"))
    assert page.evaluate("() => window.__e2eSamePage === true"), "the search reloaded the page"
    expect(page.locator("input#q")).to_be_focused()

    page.locator("input#q").fill("Hillside")

    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert directory_names(page) == ["Hillside Tractor"]


def test_directory_search_does_not_find_organisations_outside_scope(page):
    sign_in(page, "admin@gpd.example")
    page.goto("/organizations")

    page.locator("input#q").fill("Harbor")

    expect(page.locator("#results")).to_contain_text("No organisation matches “Harbor”")
    expect(page.locator("#results tbody tr")).to_have_count(0)


def test_directory_search_works_without_javascript_as_a_plain_link(page):
    sign_in(page, "admin@gpd.example")

    page.goto("/organizations?q=prairie")

    assert directory_names(page) == ["Prairie Ag Dealers"]
    expect(page.locator("input#q")).to_have_value("prairie")
