"""The renderer's guardrails, checked by opening its outputs again with Pillow and pypdf:
size and mode, the logo's bounding box inside its zone whatever the logo's shape (found
by a logo of a unique colour), the plate behind a low-contrast logo, text that shrinks
or is refused, forbidden words, missing profile fields, the A4 PDF page."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from campaigns.demo.studio import TEMPLATES
from campaigns.studio import render
from campaigns.studio.artwork import SIZES
from hub.errors import ValidationFailed

SPECS = {spec["key"]: spec for spec in TEMPLATES}
MAGENTA = (255, 0, 255)


def _logo(width, height, *, transparent=False, colour=MAGENTA) -> Image.Image:
    """A solid logo of a colour no artwork uses (a ring on transparency when asked)."""
    if not transparent:
        return Image.new("RGBA", (width, height), (*colour, 255))
    logo = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    logo.paste((*colour, 255), (width // 4, height // 4, width * 3 // 4, height * 3 // 4))
    return logo


def _brand(logo) -> render.Brand:
    return render.Brand(
        "Test Dealer", logo, "#1f5c3a", "555 0100", "dealer.example", "1 Main St, Town"
    )


def _render(key, logo, values=None, forbidden=()):
    spec = SPECS[key]
    return render.render(
        spec["layout"], spec["artwork"], spec["size"], _brand(logo), values or {}, forbidden
    )


def _magenta_box(image: Image.Image):
    """The bounding box of the pure-magenta pixels."""
    r, g, b = image.convert("RGB").split()
    mask = ImageChops.multiply(
        r.point(lambda v: 255 if v > 250 else 0), g.point(lambda v: 255 if v < 5 else 0)
    )
    return ImageChops.multiply(mask, b.point(lambda v: 255 if v > 250 else 0)).getbbox()


@pytest.mark.parametrize("key", list(SPECS))
@pytest.mark.parametrize(
    "shape",
    [(60, 600, False), (1600, 90, False), (400, 400, False), (500, 300, True)],
    ids=["tall", "wide", "square", "transparent"],
)
def test_logo_stays_inside_its_zone_and_clear_space(key, shape):
    width, height, transparent = shape
    result = _render(key, _logo(width, height, transparent=transparent))
    image = result.image
    assert image.size == SIZES[SPECS[key]["size"]]
    assert image.mode == "RGB"
    zone = SPECS[key]["layout"]["logo"]
    x, y, w, h = zone["box"]
    clear = zone["clear"]
    box = _magenta_box(image)
    assert box is not None, "the logo is drawn"
    left, top, right, bottom = box
    assert left >= x + clear and top >= y + clear
    assert right <= x + w - clear and bottom <= y + h - clear
    # the aspect ratio is kept (within a pixel of rounding)
    placed_w, placed_h = result.logo_box[2], result.logo_box[3]
    assert abs(placed_w / placed_h - width / height) < 0.05 * (width / height) + 0.02


def test_sizes_of_each_output():
    assert _render("harvest-square", _logo(200, 100)).image.size == (1080, 1080)
    assert _render("service-landscape", _logo(200, 100)).image.size == (1200, 628)
    assert _render("planter-a4", _logo(200, 100)).image.size == (2480, 3508)


def test_png_and_jpeg_open_again():
    image = _render("service-landscape", _logo(300, 100)).image
    for fmt, kind in (("png", "PNG"), ("jpeg", "JPEG")):
        with Image.open(io.BytesIO(render.encode(image, fmt))) as opened:
            assert (opened.format, opened.size, opened.mode) == (kind, (1200, 628), "RGB")


@pytest.mark.parametrize("key", ["harvest-square", "planter-a4"])
def test_pdf_is_one_a4_page(key):
    image = _render(key, _logo(300, 100)).image
    reader = PdfReader(io.BytesIO(render.encode(image, "pdf")))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert round(float(box.width)) == 595 and round(float(box.height)) == 842  # A4 in points


def test_dark_logo_on_dark_artwork_gets_a_light_plate():
    dark = _render("harvest-square", _logo(300, 100, colour=(20, 30, 40)))
    assert dark.plate == "light"
    x, y, *_ = SPECS["harvest-square"]["layout"]["logo"]["box"]
    assert dark.image.getpixel((x + 8, y + 30)) == render.LIGHT_PLATE
    assert any("plate" in note for note in dark.notes)


def test_contrasting_logo_gets_no_plate():
    # the landscape template's logo sits on a light band: a dark logo stands out
    result = _render("service-landscape", _logo(300, 100, colour=(20, 30, 40)))
    assert result.plate == ""


def test_light_logo_on_light_band_gets_a_dark_plate():
    result = _render("service-landscape", _logo(300, 100, colour=(250, 250, 250)))
    assert result.plate == "dark"


def test_long_text_shrinks_within_its_range():
    short = _render("harvest-square", _logo(100, 100), {"headline": "Go"})
    long = _render("harvest-square", _logo(100, 100), {"headline": "Harvest-ready service " * 2})
    assert not any(n.startswith("Headline") for n in short.notes)
    assert any(n.startswith("Headline set at") for n in long.notes)


def test_text_that_cannot_fit_is_refused_with_a_sentence():
    with pytest.raises(ValidationFailed) as refused:
        _render("harvest-square", _logo(100, 100), {"headline": "Supercalifragilistic" * 3})
    assert refused.value.problems["headline"] == [
        "The headline does not fit its space even at the smallest size (40 px); shorten it."
    ]


def test_text_over_its_character_limit_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        _render("harvest-square", _logo(100, 100), {"headline": "word " * 20})
    assert "Keep the headline to 60 characters (it has 99)." in refused.value.problems["headline"]


def test_forbidden_words_are_refused_by_name_whole_words_only():
    with pytest.raises(ValidationFailed) as refused:
        _render("harvest-square", _logo(100, 100), {"offer": "FREE oil change"}, ["free"])
    assert refused.value.problems["offer"] == [
        "“free” is not allowed in the offer: the brand rules forbid it."
    ]
    # "freedom" is not "free"
    _render("harvest-square", _logo(100, 100), {"offer": "Freedom to plant"}, ["free"])


def test_a_needed_profile_field_missing_is_named():
    spec = SPECS["service-landscape"]
    brand = render.Brand("Test Dealer", None, "", "555 0100", "", "")
    with pytest.raises(ValidationFailed) as refused:
        render.render(spec["layout"], spec["artwork"], spec["size"], brand, {})
    assert refused.value.problems == {
        "profile": ["This template needs your logo, website, brand colour."]
    }


def test_the_disclaimer_is_always_drawn():
    spec = SPECS["harvest-square"]
    layout = {**spec["layout"], "disclaimer": {**spec["layout"]["disclaimer"], "colour": "#00ff00"}}
    image = render.render(layout, spec["artwork"], spec["size"], _brand(_logo(50, 50)), {}).image
    x, y, w, h = layout["disclaimer"]["box"]
    r, g, _ = image.crop((x, y, x + w, y + h)).split()
    greens = ImageChops.multiply(
        r.point(lambda v: 255 if v < 60 else 0), g.point(lambda v: 255 if v > 200 else 0)
    )
    assert greens.getbbox(), "the disclaimer's text is on the image"
