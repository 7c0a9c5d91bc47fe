"""PowerPoint decks: a deck template is a `.pptx` whose text holds tokens such as
`{{dealer.name}}`, `{{dealer.phone}}`, `{{dealer.website}}`, `{{offer}}`, and a shape
whose text is `{{dealer.logo}}` marking where the logo goes. Pure functions over bytes
(python-pptx): list a deck's tokens, fill them (with the verification code on every
slide), draw each slide's simplified preview with Pillow, build the demo deck.
"""

from __future__ import annotations

import io
import re

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from campaigns.studio.preview import slide_images
from campaigns.studio.render import Brand, forbidden_found

__all__ = ["slide_images"]  # re-exported: studio-admin previews uploaded decks with it

TOKEN = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")
LOGO_TOKEN = "dealer.logo"  # noqa: S105  (a text token, not a secret)
KNOWN_TOKENS = {
    "dealer.name": "the dealer's name",
    "dealer.phone": "the dealer's phone number",
    "dealer.website": "the dealer's website",
    "dealer.address": "the dealer's address",
    "offer": "the offer",
    LOGO_TOKEN: "the dealer's logo",
}
PROFILE_TOKENS = {"dealer.phone": "phone", "dealer.website": "website", "dealer.address": "address"}
OFFER_LIMIT = 120


def _text_frames(prs):
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                yield slide, shape


def tokens_in(data: bytes) -> set[str]:
    """Every token the deck's text holds."""
    prs = Presentation(io.BytesIO(data))
    return {m for _s, shape in _text_frames(prs) for m in TOKEN.findall(shape.text_frame.text)}


def slide_count(data: bytes) -> int:
    return len(Presentation(io.BytesIO(data)).slides)


def needed_fields(data: bytes) -> list[str]:
    """The profile fields the deck prints (the logo included)."""
    found = tokens_in(data)
    needs = ["logo"] if LOGO_TOKEN in found else []
    return needs + [field for token, field in PROFILE_TOKENS.items() if token in found]


def check_offer(offer: str, forbidden) -> list[str]:
    problems = []
    if not offer:
        problems.append("Write the offer, or pick approved copy.")
    if len(offer) > OFFER_LIMIT:
        problems.append(f"Keep the offer to {OFFER_LIMIT} characters (it has {len(offer)}).")
    problems += [
        f"“{word}” is not allowed in the offer: the brand rules forbid it."
        for word in forbidden_found(offer, forbidden)
    ]
    return problems


def personalise(data: bytes, brand: Brand, offer: str, code: str = "") -> bytes:
    """The deck with every known token filled and the logo where its marker was (fitted
    to the marker's box, aspect ratio kept), and "Ref <code>" small in the bottom right
    corner of every slide when a code is given. Unknown tokens are left as they are."""
    prs = Presentation(io.BytesIO(data))
    values = {
        "dealer.name": brand.name,
        "dealer.phone": brand.phone,
        "dealer.website": brand.website,
        "dealer.address": brand.address,
        "offer": offer,
    }
    markers = []
    for slide, shape in list(_text_frames(prs)):
        if shape.text_frame.text.strip() == f"{{{{{LOGO_TOKEN}}}}}":
            markers.append((slide, shape))
            continue
        for paragraph in shape.text_frame.paragraphs:
            text = "".join(run.text for run in paragraph.runs)
            if "{{" not in text or not paragraph.runs:
                continue
            filled = TOKEN.sub(lambda m: values.get(m.group(1), m.group(0)), text)
            paragraph.runs[0].text = filled
            for run in paragraph.runs[1:]:
                run.text = ""
    png = brand.logo_png
    if brand.logo is not None and markers and not png:  # encoded once for every marker
        out = io.BytesIO()
        brand.logo.save(out, format="PNG")
        png = out.getvalue()
    for slide, shape in markers:
        if brand.logo is not None:
            _place_logo(slide, shape, brand.logo.size, png)
        shape._element.getparent().remove(shape._element)
    if code:
        _stamp(prs, code)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _stamp(prs, code: str) -> None:
    """The verification code, 9 pt grey, in the bottom right corner of every slide."""
    width, height = Inches(1.8), Inches(0.3)
    for slide in prs.slides:
        left, top = prs.slide_width - width - Inches(0.1), prs.slide_height - height - Inches(0.05)
        box = slide.shapes.add_textbox(left, top, width, height)
        box.name = "Verification code"
        paragraph = box.text_frame.paragraphs[0]
        paragraph.alignment = PP_ALIGN.RIGHT
        run = paragraph.add_run()
        run.text = f"Ref {code}"
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(88, 96, 92)


def _place_logo(slide, marker, size: tuple[int, int], png: bytes) -> None:
    """The logo (PNG bytes of `size` pixels) fitted to the marker's box, centred; python-pptx
    keeps one image part for every slide that shows it."""
    scale = min(marker.width / size[0], marker.height / size[1])
    width, height = int(size[0] * scale), int(size[1] * scale)
    left = marker.left + (marker.width - width) // 2
    top = marker.top + (marker.height - height) // 2
    slide.shapes.add_picture(io.BytesIO(png), Emu(left), Emu(top), Emu(width), Emu(height))


def _box(slide, left, top, width, height, text, size, bold=False, colour=(27, 31, 29)):
    shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = shape.text_frame
    frame.word_wrap = True
    run = frame.paragraphs[0].add_run()
    run.text = text
    run.font.size, run.font.bold = Pt(size), bold
    run.font.color.rgb = RGBColor(*colour)
    return shape


def demo_deck(repeat: int = 1) -> bytes:
    """The demo's deck template, built by code: three slides with every known token
    (`repeat` times over: the benchmark's 12-slide deck is repeat=4)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    for _ in range(repeat):
        _demo_slides(prs)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _demo_slides(prs) -> None:
    blank = prs.slide_layouts[6]
    title = prs.slides.add_slide(blank)
    _box(title, 0.8, 0.6, 4, 1.6, "{{dealer.logo}}", 14)
    _box(title, 0.8, 2.6, 11.5, 1.6, "Fieldcrest equipment at {{dealer.name}}", 44, bold=True)
    _box(title, 0.8, 4.4, 11.5, 1.0, "{{offer}}", 28, colour=(122, 59, 0))
    lineup = prs.slides.add_slide(blank)
    _box(lineup, 0.8, 0.6, 11.5, 1.0, "The spring line-up", 36, bold=True)
    _box(lineup, 0.8, 1.8, 11.5, 3.0, "Planters, tractors and precision kits, serviced by "
         "{{dealer.name}}'s own technicians.", 24)  # fmt: skip
    contact = prs.slides.add_slide(blank)
    _box(contact, 9.0, 0.5, 3.6, 1.4, "{{dealer.logo}}", 14)
    _box(contact, 0.8, 2.2, 11.5, 1.0, "Talk to us", 36, bold=True)
    _box(contact, 0.8, 3.4, 11.5, 0.8, "Call {{dealer.phone}}", 28)
    _box(contact, 0.8, 4.2, 11.5, 0.8, "{{dealer.website}}", 28)
    _box(contact, 0.8, 6.4, 11.5, 0.6, "Offers at participating Fieldcrest dealers; subject "
         "to credit approval. (2026.2)", 12, colour=(88, 96, 92))  # fmt: skip
