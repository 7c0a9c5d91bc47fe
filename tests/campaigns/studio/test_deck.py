"""Decks read back with python-pptx: no known token left, the logo where its marker was,
the slide count of the template; and the deck page refuses a forbidden offer."""

from __future__ import annotations

import io

from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from campaigns.demo import studio as studio_demo
from campaigns.studio import deck
from campaigns.studio.profiles import save_profile
from campaigns.studio.render import Brand


def _markers(data: bytes):
    prs = Presentation(io.BytesIO(data))
    return [
        (i, s.left, s.top, s.width, s.height)
        for i, slide in enumerate(prs.slides)
        for s in slide.shapes
        if s.has_text_frame and s.text_frame.text == "{{dealer.logo}}"
    ]


def test_a_personalised_deck_has_no_token_left_and_the_logo_in_its_place():
    template = deck.demo_deck()
    assert deck.tokens_in(template) == set(deck.KNOWN_TOKENS) - {"dealer.address"}
    markers = _markers(template)
    tall_logo = Image.new("RGBA", (100, 400), (255, 0, 255, 255))
    brand = Brand("Test Dealer", tall_logo, "#1f5c3a", "555 0100", "dealer.example", "")
    data = deck.personalise(template, brand, "Save $500 today")
    prs = Presentation(io.BytesIO(data))
    assert len(prs.slides) == len(Presentation(io.BytesIO(template)).slides) == 3
    text = " ".join(s.text_frame.text for sl in prs.slides for s in sl.shapes if s.has_text_frame)
    assert "{{" not in text
    assert "Fieldcrest equipment at Test Dealer" in text and "Call 555 0100" in text
    assert "Save $500 today" in text and "dealer.example" in text
    for slide_index, left, top, width, height in markers:
        pictures = [
            s for s in prs.slides[slide_index].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE
        ]
        assert len(pictures) == 1
        pic = pictures[0]
        assert left <= pic.left and pic.left + pic.width <= left + width + 1
        assert top <= pic.top and pic.top + pic.height <= top + height + 1
        assert abs(pic.width / pic.height - 0.25) < 0.01  # the tall logo's aspect ratio


def test_unknown_tokens_are_left_as_they_are():
    data = deck.personalise(deck.demo_deck(), Brand("X", None, "", "1", "w", ""), "o")
    assert deck.tokens_in(data) == set()


def test_forbidden_and_long_offers_are_refused():
    assert deck.check_offer("Free planter", ["free"]) == [
        "“free” is not allowed in the offer: the brand rules forbid it."
    ]
    assert deck.check_offer("x" * 121, []) == ["Keep the offer to 120 characters (it has 121)."]


def test_the_deck_page_and_download(app, client, login_as, channel, tmp_path):
    app.config["STORAGE_DIR"] = str(tmp_path)
    studio_demo.install()
    login_as("dealer_marketer")
    page = client.get("/campaigns/studio/decks/dealer-intro?offer=Free+oil")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "This deck needs your logo, phone number, website." in html
    assert "“free” is not allowed in the offer" in html and 'value="Free oil"' in html
    save_profile(
        channel.people["dealer_marketer"],
        channel.dealer,
        {"phone": "555 0100", "website": "dealer.example"},
        (studio_demo.prairie_logo(), "logo.png", "image/png"),
    )
    ok = client.get("/campaigns/studio/decks/dealer-intro?offer=Save+%24500")
    assert ok.status_code == 200 and "Download PowerPoint" in ok.get_data(as_text=True)
    download = client.get("/campaigns/studio/decks/dealer-intro.pptx?offer=Save+%24500")
    assert download.status_code == 200
    prs = Presentation(io.BytesIO(download.data))
    assert len(prs.slides) == 3
