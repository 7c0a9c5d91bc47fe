"""The notifications page in Chromium, at desktop and phone width: who, what and when on
each row, unread rows marked (and said), actions in one place, Mark read and Mark all read
working, no serious accessibility problem, nothing wider than the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, check_axe, sign_in

pytestmark = pytest.mark.e2e

MARKETER = "marketing@prairie.example"  # two notifications, one from Ruth Kowalski (GPD)
ADMIN = "admin@gpd.example"  # one, read and unread in the test below


def fits_the_screen(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_each_row_says_who_what_when_and_whether_unread(open_page, size):
    page = open_page(viewport={"desktop": DESKTOP, "phone": PHONE}[size])
    sign_in(page, MARKETER)
    page.goto("/notifications")
    rows = page.locator(".notelist__item")
    row = rows.filter(has_text="updated your organisation's contact details")
    expect(row.locator(".notelist__meta")).to_contain_text("Ruth Kowalski")
    expect(row.locator("time")).to_have_attribute("title", re.compile(r"\d{4}"))  # exact
    expect(row.locator("time")).to_have_text(re.compile(r"ago$|^just now$"))  # relative
    check_axe(page, label=f"/notifications at {size} width")
    fits_the_screen(page)


def test_mark_read_and_mark_all_read(page):
    sign_in(page, ADMIN)
    page.goto("/notifications")
    summary = page.locator(".pagehead .muted")
    unread = int(re.match(r"(\d+) unread", summary.inner_text()).group(1))
    assert unread >= 1, "the demo gives the program admin unread notifications"
    expect(page.locator(".notelist__item--unread")).to_have_count(unread)
    row = page.locator(".notelist__item--unread").first
    expect(row.get_by_text("Unread:")).to_be_attached()  # said to screen readers
    row.get_by_role("button", name="Mark read").click()
    if unread > 1:
        expect(summary).to_have_text(re.compile(rf"^{unread - 1} unread"))
        expect(page.locator(".notelist__item--unread")).to_have_count(unread - 1)
        page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("All read")).to_be_visible()
    expect(page.locator(".notelist__item--unread")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark all read")).to_have_count(0)
    check_axe(page, label="/notifications, all read")
