"""Rendering with the OEM's guardrails: pure functions from a template's layout, the
dealer's brand and the slot values to a Pillow image, and from an image to PNG, JPEG or
an A4 PDF. Nothing here reads the database or the request.

Guardrails: the logo fits its zone keeping its aspect ratio and the zone's clear space,
on a light or dark plate when its contrast with the artwork is too low; text shrinks
within its size range and is refused with a sentence when it still overflows; forbidden
words are refused by name; the disclaimer is always drawn.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import segno
from PIL import Image, ImageDraw, ImageStat

from campaigns.studio.artwork import SIZES, base
from hub.errors import ValidationFailed
from hub.fonts import font

A4_300DPI = (2480, 3508)
LETTER_300DPI = (2550, 3300)
PAPERS = {"pdf": A4_300DPI, "pdf-letter": LETTER_300DPI}
PDF_MARGIN = 118  # 1 cm at 300 dpi
MIN_CONTRAST = 3.0  # WCAG's ratio for large graphics
LIGHT_PLATE = (255, 255, 255)
DARK_PLATE = (27, 31, 29)
PROFILE_FIELDS = {
    "phone": "phone number",
    "website": "website",
    "address": "address",
    "brand_colour": "brand colour",
    "logo": "logo",
}


@dataclass(frozen=True)
class Brand:
    """What a render takes from the dealer's profile (a logo as an RGBA image)."""

    name: str
    logo: Image.Image | None = None
    brand_colour: str = ""
    phone: str = ""
    website: str = ""
    address: str = ""
    logo_png: bytes = b""  # the logo's stored PNG, when it came from the profile


@dataclass(frozen=True)
class Stamp:
    """What marks an output as ours: its verification code (printed small in a corner)
    and, for a template with a call to action, the tracking URL (drawn as a QR code)."""

    code: str
    url: str = ""


@dataclass
class Rendered:
    """The image and what the guardrails did, in sentences to show beside the preview."""

    image: Image.Image
    notes: list[str] = field(default_factory=list)
    logo_box: tuple[int, int, int, int] | None = None
    plate: str = ""


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour."""

    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def needed_fields(layout: dict) -> list[str]:
    """The profile fields a template prints (its slots fed by the profile, the logo)."""
    needs = ["logo"] if layout.get("logo") else []
    needs += [s["profile"] for s in layout.get("slots", []) if s.get("profile")]
    if layout.get("brand_bar"):
        needs.append("brand_colour")
    if layout.get("cta") and "website" not in needs:
        needs.append("website")
    return needs


def missing_fields(layout: dict, brand: Brand) -> list[str]:
    """The needed profile fields the brand lacks, by their key."""
    return [key for key in needed_fields(layout) if not getattr(brand, key)]


def editable_slots(layout: dict) -> list[dict]:
    return [s for s in layout.get("slots", []) if s.get("editable") and not s.get("profile")]


def slot_text(slot: dict, values: dict, brand: Brand) -> str:
    if slot.get("profile"):
        return getattr(brand, slot["profile"]) or ""
    if slot.get("editable") and slot["key"] in values:
        return " ".join(str(values[slot["key"]]).split())
    return slot.get("default", "")


def forbidden_found(text: str, words) -> list[str]:
    """The forbidden words (or phrases) the text holds, matched whole in any case."""
    return [
        w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, flags=re.IGNORECASE)
    ]


def _wrap(draw, text: str, size: int, bold: bool, width: int) -> list[str] | None:
    """The text's lines at size within width, or None when one word alone is too wide."""
    face = font(size, bold)
    lines, line = [], ""
    for word in text.split():
        attempt = f"{line} {word}".strip()
        if draw.textlength(attempt, font=face) <= width:
            line = attempt
            continue
        if not line or draw.textlength(word, font=face) > width:
            return None
        lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def fit_text(draw, text: str, slot: dict) -> tuple[int, list[str]] | None:
    """The largest size in the slot's range at which the text fits its box, and its lines."""
    _, _, width, height = slot["box"]
    bold = slot.get("bold", False)
    for size in range(slot["max_size"], slot["min_size"] - 1, -2):
        lines = _wrap(draw, text, size, bold, width)
        if lines is not None and len(lines) * round(size * 1.2) <= height:
            return size, lines
    return None


def _draw_lines(draw, lines, size, slot, fill) -> None:
    x, y, width, _ = slot["box"]
    face = font(size, slot.get("bold", False))
    for line in lines:
        left = x
        if slot.get("align") == "center":
            left = x + (width - draw.textlength(line, font=face)) / 2
        elif slot.get("align") == "right":
            left = x + width - draw.textlength(line, font=face)
        draw.text((left, y), line, font=face, fill=fill)
        y += round(size * 1.2)


def check(layout: dict, values: dict, brand: Brand, forbidden) -> dict[str, list[str]]:
    """Every problem with the slot values, in sentences per slot key (empty: none)."""
    problems: dict[str, list[str]] = {}
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    for slot in layout.get("slots", []):
        text, label = slot_text(slot, values, brand), slot.get("label", slot["key"]).lower()
        found = []
        if slot.get("editable") and not slot.get("profile"):
            if not text:
                found.append(f"Write the {label}, or pick approved copy.")
            limit = slot.get("max_chars")
            if limit and len(text) > limit:
                found.append(f"Keep the {label} to {limit} characters (it has {len(text)}).")
            for word in forbidden_found(text, forbidden):
                found.append(f"“{word}” is not allowed in the {label}: the brand rules forbid it.")
        if text and not found and fit_text(probe, text, slot) is None:
            found.append(
                f"The {label} does not fit its space even at the smallest size "
                f"({slot['min_size']} px); shorten it."
            )
        if found:
            problems[slot["key"]] = found
    return problems


def place_logo(logo: Image.Image, zone: dict) -> tuple[int, int, int, int]:
    """Where the logo goes: inside the zone less its clear space, its aspect ratio kept,
    aligned as the zone says (vertically centred). (left, top, width, height)"""
    x, y, w, h = zone["box"]
    clear = zone.get("clear", 0)
    inner_w, inner_h = w - 2 * clear, h - 2 * clear
    scale = min(inner_w / logo.width, inner_h / logo.height)
    lw, lh = max(1, int(logo.width * scale)), max(1, int(logo.height * scale))
    left = x + clear
    if zone.get("align", "center") == "center":
        left += (inner_w - lw) // 2
    elif zone.get("align") == "right":
        left += inner_w - lw
    return left, y + clear + (inner_h - lh) // 2, lw, lh


def logo_colour(logo: Image.Image):
    """The mean colour of the logo's visible pixels (alpha over half)."""
    mask = logo.getchannel("A").point(lambda a: 255 if a > 128 else 0)
    if not mask.getbbox():
        return (0, 0, 0)
    return tuple(ImageStat.Stat(logo.convert("RGB"), mask).mean)


def _overlap(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def dealer_boxes(layout: dict) -> list[tuple[str, list[int]]]:
    """Every box a dealer's content is drawn in, with its name for a sentence."""
    boxes = []
    if zone := layout.get("logo"):
        boxes.append(("The logo zone", zone["box"]))
    for slot in layout.get("slots", []):
        boxes.append((f"The {slot.get('label', slot['key']).lower()} box", slot["box"]))
    if bar := layout.get("brand_bar"):
        boxes.append(("The brand colour bar", bar))
    if cta := layout.get("cta"):
        boxes.append(("The call-to-action box", cta["box"]))
    return boxes


def locked_regions(layout: dict) -> list[list[int]]:
    """The layout's locked regions as boxes [x, y, w, h] — written as plain boxes (the
    demo's) or as {"box": [...]} (the brand kit's form), both meaning the same."""
    return [r["box"] if isinstance(r, dict) else r for r in layout.get("locked", [])]


def layout_problems(layout: dict, size: str) -> list[str]:
    """Why a layout may not be published or rendered, in sentences (empty: none): a box
    of dealer content that covers a locked region of the OEM's artwork, or leaves the
    canvas."""
    width, height = SIZES[size]
    problems = []
    for name, box in dealer_boxes(layout):
        x, y, w, h = box
        if x < 0 or y < 0 or x + w > width or y + h > height:
            problems.append(f"{name} goes past the edge of the {width}×{height} canvas.")
        for number, region in enumerate(locked_regions(layout), start=1):
            if _overlap(box, region):
                problems.append(
                    f"{name} covers locked region {number} ({', '.join(map(str, region))}); "
                    "move it so no dealer content can be drawn there."
                )
    return problems


def render(
    layout: dict,
    artwork: str,
    size: str,
    brand: Brand,
    values: dict,
    forbidden=(),
    stamp: Stamp | None = None,
):
    """The personalised image (RGB) and notes, or ValidationFailed with a sentence per
    problem; a needed profile field missing is a problem of the key "profile", a layout
    covering a locked region one of the key "template". With a stamp, its code is
    printed small in a corner and, where the layout has a call to action, its URL drawn
    there as a QR code."""
    if problems := layout_problems(layout, size):
        raise ValidationFailed({"template": problems})
    if missing := missing_fields(layout, brand):
        names = ", ".join(PROFILE_FIELDS[m] for m in missing)
        raise ValidationFailed({"profile": [f"This template needs your {names}."]})
    if problems := check(layout, values, brand, forbidden):
        raise ValidationFailed(problems)
    image = base(artwork, size).convert("RGB")
    assert image.size == SIZES[size]
    draw = ImageDraw.Draw(image)
    result = Rendered(image)
    if bar := layout.get("brand_bar"):
        bx, by, bw, bh = bar
        draw.rectangle((bx, by, bx + bw - 1, by + bh - 1), fill=_hex(brand.brand_colour))
    if zone := layout.get("logo"):
        _paste_logo(image, draw, brand.logo, zone, result)
    for slot in layout.get("slots", []):
        text = slot_text(slot, values, brand)
        if not text:
            continue
        fitted = fit_text(draw, text, slot)
        size_px, lines = fitted
        if size_px < slot["max_size"] and slot.get("editable"):
            label = slot.get("label", slot["key"])
            result.notes.append(f"{label} set at {size_px} px (of up to {slot['max_size']}).")
        _draw_lines(draw, lines, size_px, slot, _hex(slot.get("colour", "#ffffff")))
    if stamp is not None and stamp.url and (cta := layout.get("cta")):
        _draw_qr(image, stamp.url, cta["box"])
    if locked := locked_regions(layout):
        _restore(image, base(artwork, size), locked)
    disclaimer = layout["disclaimer"]
    dslot = {**disclaimer, "min_size": disclaimer["size"], "max_size": disclaimer["size"]}
    text = f"{disclaimer['text']} ({disclaimer['version']})"
    fitted = fit_text(draw, text, dslot) or (disclaimer["size"], [text])
    _draw_lines(draw, fitted[1], fitted[0], dslot, _hex(disclaimer.get("colour", "#ffffff")))
    if stamp is not None:
        _draw_code(image, draw, stamp.code, layout.get("ref"))
    return result


def _restore(image, artwork, regions) -> None:
    """The locked regions as the OEM drew them, whatever was drawn before."""
    for x, y, w, h in regions:
        image.paste(artwork.crop((x, y, x + w, y + h)), (x, y))


def ref_size(image_size) -> int:
    """The verification code's font size: small, but legible at the output's scale."""
    return max(12, min(image_size) // 60)


def _draw_code(image, draw, code: str, where: dict | None) -> None:
    """ "Ref XXXX-XXXX" on a small light plate, in the layout's `ref` corner (default the
    bottom right)."""
    size = ref_size(image.size)
    face = font(size)
    text = f"Ref {code}"
    pad = max(2, size // 4)
    width = round(draw.textlength(text, font=face)) + 2 * pad
    height = round(size * 1.2) + pad
    corner = (where or {}).get("corner", "bottom-right")
    left = pad if corner.endswith("left") else image.width - width - pad
    top = pad if corner.startswith("top") else image.height - height - pad
    draw.rectangle((left, top, left + width, top + height), fill=LIGHT_PLATE)
    draw.text((left + pad, top + pad // 2), text, font=face, fill=DARK_PLATE)


def _draw_qr(image, url: str, box) -> None:
    """The URL as a QR code (dark on a white quiet zone), as large as fits the box, centred."""
    x, y, w, h = box
    qr = segno.make(url, error="m")
    modules = qr.symbol_size(border=2)[0]
    scale = max(1, min(w, h) // modules)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=2, dark="#1b1f1d", light="#ffffff")
    out.seek(0)
    with Image.open(out) as picture:
        code = picture.convert("RGB")
    image.paste(code, (x + (w - code.width) // 2, y + (h - code.height) // 2))


def _paste_logo(image, draw, logo, zone, result: Rendered) -> None:
    left, top, width, height = place_logo(logo, zone)
    x, y, w, h = zone["box"]
    behind = ImageStat.Stat(image.crop((x, y, x + w, y + h))).mean
    mark = logo_colour(logo)
    if contrast(mark, behind) < MIN_CONTRAST:
        light = luminance(mark) < 0.18
        result.plate = "light" if light else "dark"
        draw.rounded_rectangle(
            (x, y, x + w - 1, y + h - 1), radius=min(w, h) // 12,
            fill=LIGHT_PLATE if light else DARK_PLATE,
        )  # fmt: skip
        result.notes.append(
            f"Your logo sits on a {result.plate} plate: its contrast with the artwork was too low."
        )
    scaled = logo.resize((width, height), Image.Resampling.LANCZOS)
    image.paste(scaled, (left, top), scaled)
    result.logo_box = (left, top, width, height)


def encode(image: Image.Image, fmt: str) -> bytes:
    """PNG, JPEG, or a one-page PDF at 300 dpi on A4 ("pdf") or Letter ("pdf-letter"):
    full bleed when the image is that paper's size, else fitted inside a 1 cm margin."""
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, format="PNG", optimize=False, compress_level=6)
    elif fmt == "jpeg":
        image.convert("RGB").save(out, format="JPEG", quality=90)
    elif fmt in PAPERS:
        paper = PAPERS[fmt]
        if image.size == paper:  # a print template at its own paper size: full bleed
            page = image.convert("RGB")
        else:
            page = Image.new("RGB", paper, "white")
            room = (paper[0] - 2 * PDF_MARGIN, paper[1] - 2 * PDF_MARGIN)
            scale = min(1.0, room[0] / image.width, room[1] / image.height)
            fitted = image.resize((int(image.width * scale), int(image.height * scale)))
            page.paste(fitted, ((paper[0] - fitted.width) // 2, PDF_MARGIN))
        page.save(out, format="PDF", resolution=300)
    elif fmt == "preview":
        small = image.copy()
        small.thumbnail((900, 900))
        small.save(out, format="PNG")
    else:
        raise ValueError(fmt)
    return out.getvalue()


CONTENT_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "pdf": "application/pdf",
    "pdf-letter": "application/pdf",
    "preview": "image/png",
}
SUFFIXES = {"png": ".png", "jpeg": ".jpg", "pdf": ".pdf", "pdf-letter": ".pdf", "preview": ".png"}
