"""Prairie's marketer uploads an odd-shaped logo, opens the co-branding studio in
Chromium, personalises a template, sees the preview follow the text, is stopped by a
forbidden word, downloads a PNG that opens with Pillow and a deck that opens with
python-pptx — with axe content on each studio page, on a desktop and a 375 px phone.
(Launching a kit and the claim that offers its assets as proof: test_kits.py.)"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from pptx import Presentation

from tests.e2e.conftest import check_axe, sign_in

pytestmark = pytest.mark.e2e

MARKETER = "marketing@prairie.example"
PHONE = {"width": 375, "height": 812}


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def tall_transparent_logo() -> bytes:
    """An odd-shaped logo: four times taller than wide, on a transparent background."""
    logo = Image.new("RGBA", (120, 480), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.ellipse((10, 10, 110, 200), fill=(190, 40, 40, 255))
    draw.rectangle((40, 200, 80, 470), fill=(30, 30, 120, 255))
    out = io.BytesIO()
    logo.save(out, format="PNG")
    return out.getvalue()


def test_the_marketer_personalises_a_template_and_downloads_it(open_page):
    page = open_page()
    sign_in(page, MARKETER)
    page.goto("/campaigns/studio/profile")  # first, the dealer's own (odd-shaped) logo
    page.get_by_label("Logo").set_input_files(
        {"name": "tall-logo.png", "mimeType": "image/png", "buffer": tall_transparent_logo()}
    )
    page.get_by_role("button", name="Save brand profile").click()
    expect(page.get_by_text("Brand profile saved.")).to_be_visible()
    page.goto("/campaigns/studio")
    expect(page.get_by_role("heading", name="Co-branding studio", level=1)).to_be_visible()
    check_axe(page, label="studio")
    page.get_by_role("link", name="Harvest season — social post").click()
    expect(page.get_by_role("heading", name="Harvest season — social post")).to_be_visible()
    check_axe(page, label="personalise page")

    preview = page.get_by_role("img", name=re.compile("Preview of"))
    before = preview.get_attribute("src")
    page.get_by_label("Headline").fill("Plant early with Prairie")
    expect(preview).to_have_attribute("src", re.compile(r"headline=Plant\+early\+with\+Prairie"))
    assert preview.get_attribute("src") != before
    expect(preview).to_have_js_property("complete", True)
    assert preview.evaluate("img => img.naturalWidth") == 900

    page.get_by_label("Offer").fill("Free oil with every service")
    expect(page.get_by_text("“free” is not allowed in the offer").first).to_be_visible()
    page.locator("summary", has_text="Approved offers").click()
    page.get_by_role("button", name="Save $500 on a precision upgrade kit").click()
    expect(page.get_by_label("Offer")).to_have_value("Save $500 on a precision upgrade kit")
    expect(page.get_by_role("img", name=re.compile("Preview of"))).to_have_attribute(
        "src", re.compile(r"offer=Save")
    )
    check_axe(page, label="personalise page with a preview")

    code = re.search(r"verification code ([0-9A-Z]{4}-[0-9A-Z]{4})", page.inner_text("#preview"))
    assert code, "the preview names the code it prints"
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PNG", exact=True).click()
    assert code[1] in download_info.value.suggested_filename
    data = download_info.value.path().read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("PNG", (1080, 1080))
    page.goto(f"/campaigns/studio/assets/{code[1]}")  # the code looked up
    expect(page.get_by_role("heading", name=f"Studio asset {code[1]}")).to_be_visible()
    check_axe(page, label="asset look-up")

    page.goto("/campaigns/studio")
    page.get_by_role("link", name="Dealer introduction deck").click()
    expect(page.get_by_label("Offer")).to_be_visible()
    check_axe(page, label="deck page")
    page.get_by_label("Offer").fill("Save $500 on a precision upgrade kit")
    page.get_by_role("button", name="Check").click()
    slides = page.get_by_role("img", name=re.compile(r"Preview of slide \d+ of 3"))
    expect(slides).to_have_count(3)
    for n in range(3):  # every slide shown as an image before download
        slides.nth(n).scroll_into_view_if_needed()
        expect(slides.nth(n)).to_have_js_property("complete", True)
        assert slides.nth(n).evaluate("img => img.naturalWidth") == 960
    check_axe(page, label="deck page with slide previews")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PowerPoint (.pptx)").click()
    deck = Presentation(io.BytesIO(download_info.value.path().read_bytes()))
    text = " ".join(s.text_frame.text for sl in deck.slides for s in sl.shapes if s.has_text_frame)
    assert "Prairie Ag Dealers" in text and "{{" not in text


def test_the_studio_pages_fit_a_phone(open_page):
    page = open_page(viewport=PHONE)
    sign_in(page, MARKETER)
    for path in ("/campaigns/studio", "/campaigns/studio/profile"):
        page.goto(path)
        fits(page)
    page.goto("/campaigns/studio")
    page.get_by_role("link", name="Spring planting — A4 flyer").click()
    expect(page.get_by_role("img", name=re.compile("Preview of"))).to_be_visible()
    fits(page)
    check_axe(page, label="personalise page on a phone")
