"""The program admin uploads a PowerPoint deck template in Chromium, sees the tokens it
holds (one the studio does not know, named), is refused publishing it, and opens a
template's preview with the sample dealer — axe content on each brand-kit page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.campaigns.studio.admin_support import pptx
from tests.e2e.conftest import check_axe, sign_in

pytestmark = pytest.mark.e2e

ADMIN = "admin@fieldcrest.example"


def test_the_admin_uploads_a_deck_and_reads_its_token_report(open_page, tmp_path):
    deck = tmp_path / "autumn.pptx"
    deck.write_bytes(pptx(("Autumn at {{dealer.name}}", "{{offer}} — call {{dealer.fax}}")))
    page = open_page()
    sign_in(page, ADMIN)
    page.goto("/campaigns/studio/manage")
    expect(page.get_by_role("heading", name="Brand kit", level=1)).to_be_visible()
    check_axe(page, label="brand kit")
    page.get_by_role("link", name="Upload a deck").click()
    expect(page.get_by_label("Deck (.pptx)")).to_be_visible()  # the new page, not the last
    check_axe(page, label="deck upload form")
    page.get_by_label("Name dealers see").fill("Autumn deck")
    page.get_by_label("Deck (.pptx)").set_input_files(str(deck))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Autumn deck", level=1)).to_be_visible()
    report = page.get_by_role("region", name="Tokens found")
    expect(report.get_by_text("{{dealer.name}}")).to_be_visible()
    expect(report.get_by_text("unknown: the studio would leave it as typed")).to_be_visible()
    slides = page.get_by_role("region", name="Slides")
    expect(slides.get_by_role("listitem")).to_have_count(2)
    check_axe(page, label="deck report")
    page.get_by_role("button", name="Publish to dealers").click()
    expect(
        page.get_by_text("holds tokens the studio does not fill ({{dealer.fax}})")
    ).to_be_visible()

    page.goto("/campaigns/studio/manage")
    page.get_by_role("link", name="Preview Spring planting — A4 flyer").click()
    image = page.get_by_role("img", name="Spring planting — A4 flyer filled with the sample dealer")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0
    check_axe(page, label="template preview")
