"""What marks each output, checked on the outputs opened again: the verification code's
plate in its corner, the tracking URL's QR code (read back module by module against the
URL's own QR matrix), Letter beside A4 (pixel size and PDF page size), locked regions
(refused when covered, left as the OEM drew them), and the slide previews of a deck."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
import segno
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from campaigns.demo.studio import TEMPLATES, prairie_logo
from campaigns.studio import assets, deck, render
from campaigns.studio.artwork import base
from hub.errors import ValidationFailed

SPECS = {spec["key"]: spec for spec in TEMPLATES}
URL = "https://prairie-ag.example/?utm_source=partnerhub&utm_medium=print&utm_campaign=x&dealer=3"


def _brand() -> render.Brand:
    logo = Image.open(io.BytesIO(prairie_logo())).convert("RGBA")
    return render.Brand("Prairie", logo, "#1f5c3a", "555 0100", "prairie.example", "1 Main St")


def _render(key, stamp=None, layout=None):
    spec = SPECS[key]
    return render.render(
        layout or spec["layout"], spec["artwork"], spec["size"], _brand(), {}, (), stamp
    )


def test_the_code_is_the_same_for_the_same_inputs_and_organisation():
    code = assets.code_for("a" * 64, 7)
    assert code == assets.code_for("a" * 64, 7)
    assert code != assets.code_for("a" * 64, 8) and code != assets.code_for("b" * 64, 7)
    assert len(code) == 9 and code[4] == "-"
    assert set(code.replace("-", "")) <= set(assets.ALPHABET)
    assert assets.normal_code(code.lower().replace("-", " ")) == code


@pytest.mark.parametrize("key", list(SPECS))
def test_the_code_is_printed_small_on_a_plate_in_the_corner(key):
    plain = _render(key).image
    stamped = _render(key, render.Stamp("7KQ2-M9XA")).image
    size = render.ref_size(stamped.size)
    width, height = stamped.size
    corner = (width - 12 * size, height - 3 * size, width, height)
    before, after = plain.crop(corner), stamped.crop(corner)
    assert before.tobytes() != after.tobytes()
    colours = {c for _n, c in after.getcolors(1 << 20)}
    assert render.LIGHT_PLATE in colours and render.DARK_PLATE in colours  # plate and ink
    # small: the rest of the image is untouched by the stamp
    rest = (0, 0, width, height - 3 * size)
    assert plain.crop(rest).tobytes() == stamped.crop(rest).tobytes()


def _qr_modules(image: Image.Image, box, url) -> list[list[bool]]:
    """The QR code read back from the image: each module's centre pixel dark or not."""
    x, y, w, h = box
    qr = segno.make(url, error="m")
    modules = qr.symbol_size(border=2)[0]
    scale = min(w, h) // modules
    left, top = x + (w - modules * scale) // 2, y + (h - modules * scale) // 2
    grey = image.convert("L")
    return [
        [
            grey.getpixel(
                (left + (col + 2) * scale + scale // 2, top + (row + 2) * scale + scale // 2)
            )
            < 128
            for col in range(modules - 4)
        ]
        for row in range(modules - 4)
    ]


@pytest.mark.parametrize("key", ["planter-a4", "planter-letter"])
def test_a_call_to_action_carries_the_tracking_url_as_a_qr_code(key):
    layout = SPECS[key]["layout"]
    image = _render(key, render.Stamp("7KQ2-M9XA", URL)).image
    expected = [[bool(v) for v in row] for row in segno.make(URL, error="m").matrix]
    assert _qr_modules(image, layout["cta"]["box"], URL) == expected
    # no call to action, no QR code: the box keeps the artwork's pixels
    without = _render(key, render.Stamp("7KQ2-M9XA")).image
    x, y, w, h = layout["cta"]["box"]
    assert (
        without.crop((x, y, x + w, y + h)).tobytes()
        == base("planter", SPECS[key]["size"]).crop((x, y, x + w, y + h)).tobytes()
    )


def test_the_tracking_url_has_the_campaign_parameters():
    url = assets.tracking_url(
        "prairie.example/spring?ref=1&utm_source=old", "print", "proposal-9", 4
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "prairie.example", "/spring")
    assert parse_qs(parts.query) == {
        "ref": ["1"],
        "utm_source": ["partnerhub"],
        "utm_medium": ["print"],
        "utm_campaign": ["proposal-9"],
        "dealer": ["4"],
    }
    assert assets.medium_of(SPECS["harvest-square"]["layout"], "square") == "social"
    assert assets.medium_of(SPECS["planter-a4"]["layout"], "a4") == "print"


def test_a_template_with_a_call_to_action_needs_the_website():
    assert "website" in render.needed_fields(SPECS["planter-a4"]["layout"])
    assert "website" not in render.needed_fields(SPECS["harvest-square"]["layout"])


def test_letter_is_2550_by_3300_and_its_pdf_page_is_letter():
    image = _render("planter-letter").image
    assert (image.size, image.mode) == ((2550, 3300), "RGB")
    with Image.open(io.BytesIO(render.encode(image, "png"))) as opened:
        assert (opened.format, opened.size) == ("PNG", (2550, 3300))
    letter = PdfReader(io.BytesIO(render.encode(image, "pdf-letter"))).pages
    assert len(letter) == 1
    assert (round(float(letter[0].mediabox.width)), round(float(letter[0].mediabox.height))) == (
        612,
        792,
    )  # 8.5 × 11 in
    a4 = PdfReader(io.BytesIO(render.encode(image, "pdf"))).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)


@pytest.mark.parametrize("fmt, points", [("pdf", (595, 842)), ("pdf-letter", (612, 792))])
def test_a_social_image_is_placed_on_either_paper(fmt, points):
    pdf = PdfReader(io.BytesIO(render.encode(_render("harvest-square").image, fmt)))
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == points


@pytest.mark.parametrize("key", list(SPECS))
def test_locked_regions_keep_the_artwork_pixels(key):
    spec = SPECS[key]
    image = _render(key, render.Stamp("7KQ2-M9XA", URL)).image
    artwork = base(spec["artwork"], spec["size"])
    assert spec["layout"]["locked"], "every demo template locks the OEM's mark"
    for x, y, w, h in spec["layout"]["locked"]:
        assert (
            image.crop((x, y, x + w, y + h)).tobytes()
            == artwork.crop((x, y, x + w, y + h)).tobytes()
        )


def test_a_layout_whose_logo_zone_covers_a_locked_region_is_refused_with_a_sentence():
    layout = {**SPECS["harvest-square"]["layout"]}
    layout["locked"] = [[400, 100, 200, 100]]  # across the logo zone's right edge
    problems = render.layout_problems(layout, "square")
    assert problems == [
        "The logo zone covers locked region 1 (400, 100, 200, 100); "
        "move it so no dealer content can be drawn there."
    ]
    with pytest.raises(ValidationFailed) as refused:
        _render("harvest-square", layout=layout)
    assert refused.value.problems == {"template": problems}


def test_a_text_box_over_a_locked_region_or_off_the_canvas_is_refused():
    layout = {**SPECS["service-landscape"]["layout"]}
    layout["locked"] = [[40, 200, 100, 100]]
    layout["slots"] = [
        *layout["slots"],
        {**layout["slots"][0], "key": "x", "box": [1100, 600, 200, 50]},
    ]
    problems = render.layout_problems(layout, "landscape")
    assert "The headline box covers locked region 1 (40, 200, 100, 100); " in problems[0]
    assert "The headline box goes past the edge of the 1200×628 canvas." in problems


def _deck() -> tuple[bytes, bytes]:
    template = deck.demo_deck()
    return template, deck.personalise(template, _brand(), "Save $500", "7KQ2-M9XA")


def test_every_slide_carries_the_code():
    _template, made = _deck()
    prs = Presentation(io.BytesIO(made))
    for slide in prs.slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert "Ref 7KQ2-M9XA" in texts


def test_slide_previews_one_per_slide_at_the_slides_aspect_ratio():
    template, made = _deck()
    images = deck.slide_images(made, 640)
    assert len(images) == len(Presentation(io.BytesIO(template)).slides) == 3
    for image in images:
        assert (image.size, image.mode) == ((640, 360), "RGB")  # 13.333 × 7.5 in
    # the logo's picture is drawn where its marker was: its green appears there
    prs = Presentation(io.BytesIO(template))
    marker = next(s for s in prs.slides[0].shapes if s.text_frame.text == "{{dealer.logo}}")
    scale = 640 / prs.slide_width
    area = images[0].crop(
        (
            round(marker.left * scale),
            round(marker.top * scale),
            round((marker.left + marker.width) * scale),
            round((marker.top + marker.height) * scale),
        )
    )
    assert any(c == (31, 92, 58) for _n, c in area.getcolors(1 << 16))
    # the text is drawn: the title's dark ink appears on the first slide, not on a blank one
    assert any(max(c) < 60 for _n, c in images[0].getcolors(1 << 16))
    blank = deck.slide_images(_blank_deck(), 320)[0]
    assert blank.getcolors() == [(320 * 180, (255, 255, 255))]


def _blank_deck() -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = 12192000, 6858000
    prs.slides.add_slide(prs.slide_layouts[6])
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def test_a_twelve_slide_deck_for_the_benchmark():
    data = deck.demo_deck(repeat=4)
    assert deck.slide_count(data) == 12
