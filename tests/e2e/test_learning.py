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
    # Measure the page the link opened, not the one it leaves (or none, mid-way).
    expect(page.get_by_role("heading", name="Tractors technical", level=1)).to_be_visible()
    fits(page)
    check_axe(page, label="path page at 375 px")
    page.get_by_role("link", name="Hydraulic diagnostics").click()
    expect(page.get_by_role("heading", name="Hydraulic diagnostics", level=1)).to_be_visible()
    fits(page)
    check_axe(page, label="module page at 375 px")


REVIEWER = "pm.parts@fieldcrest.example"  # Grace Liu, product manager: reviews evidence
PARTS_INSTALL = "Installation & Service Foundation — Parts & Service"


def _checklist_pdf() -> bytes:
    import io

    from PIL import Image, ImageDraw

    sheet = Image.new("RGB", (620, 877), "white")
    ImageDraw.Draw(sheet).text((40, 40), "PDI checklist, signed", fill="black")
    out = io.BytesIO()
    sheet.save(out, format="PDF")
    return out.getvalue()


def test_the_technician_sends_evidence_the_reviewer_signs_it_off_and_he_is_certified(
    open_page,
):
    # Jorge's Parts evidence came back: the reviewer asked for the signed checklist.
    tech = open_page()
    sign_in(tech, TECH)
    tech.goto("/learning/")
    tech.get_by_role("link", name="Parts & Service installation & service").first.click()
    tech.get_by_role("link", name="Practical assessment").first.click()
    expect(tech.get_by_role("heading", name="Practical assessment", level=1)).to_be_visible()
    expect(tech.get_by_text("the signed PDI checklist is missing")).to_be_visible()
    check_axe(tech, label="practical assessment page")
    tech.get_by_label("Photos and reports").set_input_files(
        {"name": "PDI checklist.pdf", "mimeType": "application/pdf", "buffer": _checklist_pdf()}
    )
    tech.get_by_label("Note for the reviewer").fill("Signed checklist attached.")
    tech.get_by_role("button", name="Send again").click()
    expect(tech.get_by_text("Your evidence is submitted.")).to_be_visible()
    expect(tech.get_by_text("Waiting for review", exact=True)).to_be_visible()

    # Grace reviews it from her queue (oldest first) on a phone, and signs it off.
    reviewer = open_page(viewport=PHONE)
    sign_in(reviewer, REVIEWER)
    reviewer.goto("/learning/")
    reviewer.get_by_role("link", name="Evidence to review").click()
    expect(reviewer.get_by_role("heading", name="Practical evidence to review")).to_be_visible()
    check_axe(reviewer, label="reviewer queue at 375 px")
    fits(reviewer)
    row = reviewer.get_by_role("row").filter(has_text="Parts & Service")
    row.get_by_role("link", name="Jorge Alvarez").click()
    expect(reviewer.get_by_role("link", name="PDF: PDI checklist.pdf")).to_be_visible()
    expect(reviewer.get_by_text("Evidence, round 2")).to_be_visible()
    check_axe(reviewer, label="submission page at 375 px")
    fits(reviewer)
    reviewer.get_by_role("button", name="Sign off").click()
    expect(
        reviewer.get_by_text(f"Jorge Alvarez is now certified: {PARTS_INSTALL}.")
    ).to_be_visible()

    # The certification is in Jorge's wallet.
    tech.goto("/learning/certifications")
    expect(tech.get_by_role("link", name=PARTS_INSTALL).first).to_be_visible()
