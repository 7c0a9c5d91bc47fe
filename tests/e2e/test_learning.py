"""Prairie's technician works through a module in Chromium: reads it, passes its quiz,
earns the level's certification, and its public verification page says it is valid —
with axe content on every learning page on the way, on a desktop and a 375 px phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learning.demo import E2E_MODULE
from learning.demo.content import DIAGNOSTICS_QUIZ
from tests.e2e.conftest import check_axe, sign_in

pytestmark = pytest.mark.e2e

TECH = "tech@prairie.example"  # Jorge Alvarez: Technical Foundation held, Professional part-way
PHONE = {"width": 375, "height": 812}
RIGHT = {
    prompt: [text for text, right in choices if right]
    for prompt, _m, choices, _e in DIAGNOSTICS_QUIZ
}


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def test_the_technician_completes_a_module_passes_its_quiz_and_is_certified(open_page):
    page = open_page()
    sign_in(page, TECH)
    page.get_by_role("navigation").get_by_role("link", name="Learning").first.click()
    expect(page.get_by_role("heading", name="Learning", level=1)).to_be_visible()
    check_axe(page, label="learning dashboard")

    page.get_by_role("region", name="Next step").get_by_role("link", name=E2E_MODULE).click()
    expect(page.get_by_role("heading", name=E2E_MODULE)).to_be_visible()
    check_axe(page, label="module page")
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_text(f"“{E2E_MODULE}” is marked complete.")).to_be_visible()

    page.get_by_role("button", name="Start the quiz").click()
    expect(page).to_have_url(re.compile(r"/learning/attempts/\d+$"))
    check_axe(page, label="quiz page")
    for fieldset in page.locator("fieldset").all():
        legend = fieldset.locator("legend").inner_text()
        prompt = next(p for p in RIGHT if p in legend)
        for text in RIGHT[prompt]:
            fieldset.get_by_label(text, exact=True).check()
    page.get_by_role("button", name="Submit answers").click()

    expect(page.get_by_role("heading", name=re.compile(r"^You passed: 100%"))).to_be_visible()
    expect(page.get_by_text("you are certified: Technical Professional — Tractors")).to_be_visible()
    check_axe(page, label="quiz feedback")

    page.goto("/learning/certifications")
    check_axe(page, label="certificate wallet")
    page.get_by_role("link", name="Technical Professional — Tractors").first.click()
    expect(page.get_by_role("heading", name="Technical Professional — Tractors")).to_be_visible()
    check_axe(page, label="certification page")
    verify_url = page.get_by_role("link", name="Public verification page").get_attribute("href")

    # Anyone, signed in or not, on a phone: the verification page says it is valid.
    phone = open_page(viewport=PHONE)
    phone.goto(verify_url)
    expect(phone.get_by_text("Valid", exact=True)).to_be_visible()
    expect(phone.get_by_text("Jorge Alvarez")).to_be_visible()
    check_axe(phone, label="verification page at 375 px")
    fits(phone)


def test_the_learning_pages_fit_a_phone(open_page):
    page = open_page(viewport=PHONE)
    sign_in(page, TECH)
    page.goto("/learning/")
    fits(page)
    check_axe(page, label="learning dashboard at 375 px")
    page.get_by_role("link", name="Tractors technical").first.click()
    fits(page)
    check_axe(page, label="path page at 375 px")
    page.get_by_role("link", name="Hydraulic diagnostics").click()
    fits(page)
    check_axe(page, label="module page at 375 px")
