"""Prairie's technician renews a certification in Chromium: from the certification page
to the recertification module, passes its quiz, and the page shows the renewed chain —
with axe on the certification page and on the public verification page at 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learning.demo.content import TRACTOR_TECHNICAL
from tests.e2e.conftest import check_axe, sign_in

pytestmark = pytest.mark.e2e

TECH = "tech@prairie.example"  # Jorge Alvarez: Technical Foundation expiring, refresher read
TITLE = "Technical Foundation — Tractors"
# The refresher's quiz asks the first question of each Foundation module's quiz.
RIGHT = {
    prompt: [text for text, right in choices if right]
    for spec in TRACTOR_TECHNICAL["levels"][0]
    for prompt, _m, choices, _e in spec["questions"][:1]
}


def test_the_technician_renews_through_the_recertification_module(open_page):
    page = open_page()
    sign_in(page, TECH)
    page.goto("/learning/certifications")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    renewal = page.get_by_role("region", name="Renewal")
    expect(renewal.get_by_text("Done:")).to_be_visible()  # the refresher is read
    check_axe(page, label="certification page, renewal under way")

    renewal.get_by_role("link", name="Start the recertification").click()
    expect(page.get_by_text("recertification module: passing its quiz renews")).to_be_visible()
    page.get_by_role("button", name="Start the quiz").click()
    expect(page).to_have_url(re.compile(r"/learning/attempts/\d+$"))
    for fieldset in page.locator("fieldset").all():
        legend = fieldset.locator("legend").inner_text()
        prompt = next(p for p in RIGHT if p in legend)
        for text in RIGHT[prompt]:
            fieldset.get_by_label(text, exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text(f"your {TITLE} certification is renewed")).to_be_visible()

    page.goto("/learning/certifications")
    page.get_by_role("link", name=TITLE).first.click()  # the newest first: the renewal
    history = page.get_by_role("region", name="History")
    expect(history.get_by_role("listitem")).to_have_count(2)
    expect(history.get_by_text("Starts later")).to_be_visible()
    check_axe(page, label="certification page with its chain")
    verify_url = page.get_by_role("link", name="Public verification page").get_attribute("href")

    phone = open_page(viewport={"width": 375, "height": 812})
    phone.goto(verify_url)
    expect(phone.get_by_text("Starts later", exact=True)).to_be_visible()
    expect(phone.get_by_role("heading", name="History")).to_be_visible()
    check_axe(phone, label="verification page of a renewal at 375 px")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
