"""The template form's strings ↔ a layout: `parse` turns the admin's fields (SLOT_ROWS
slot rows) into the layout render.py draws, with one sentence per problem keyed by the
field — boxes inside the canvas, font size ranges, colours, a default text that fits its
box, no slot or logo zone over a locked region; `form_values` shows a saved template."""

from __future__ import annotations

import re

from PIL import Image, ImageDraw

from campaigns.studio import render as draw
from campaigns.studio.artwork import ARTWORKS, SIZES, UPLOADED
from campaigns.studio.models import StudioTemplate

SLOT_ROWS = 5
MODES = {
    "editable": "Editable by the dealer",
    "locked": "Locked (the default text)",
    "phone": "Dealer's phone",
    "website": "Dealer's website",
    "address": "Dealer's address",
}
ALIGNS = ("left", "center", "right")
COPY_KINDS = ("", "headline", "offer")
SLOT_FIELDS = (
    "label",
    "box",
    "min",
    "max",
    "colour",
    "chars",
    "default",
    "mode",
    "align",
    "bold",
    "copy",
)
FIELDS = (
    "name",
    "description",
    "size",
    "artwork",
    "logo_box",
    "logo_align",
    "logo_clear",
    "brand_bar",
    "locked",
    "disclaimer_text",
    "disclaimer_version",
    "disclaimer_box",
    "disclaimer_size",
    "disclaimer_colour",
)
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _box_text(box) -> str:
    return ", ".join(str(n) for n in box) if box else ""


def form_values(template: StudioTemplate | None) -> dict:
    """A template (or a new one's defaults) as the form shows it."""
    if template is None:
        return {
            "size": "square",
            "artwork": "harvest",
            "logo_align": "left",
            "logo_clear": "20",
            "disclaimer_size": "17",
            "disclaimer_colour": "#ffffff",
            "disclaimer_version": "1",
            "slots": [{"mode": "editable", "align": "left", "colour": "#ffffff"}],
        }
    layout = template.layout
    logo = layout.get("logo") or {}
    disclaimer = layout.get("disclaimer", {})
    values = {
        "name": template.name,
        "description": template.description,
        "size": template.size,
        "artwork": template.artwork,
        "logo_box": _box_text(logo.get("box")),
        "logo_align": logo.get("align", "center"),
        "logo_clear": str(logo.get("clear", 0)),
        "brand_bar": _box_text(layout.get("brand_bar")),
        "locked": "\n".join(_box_text(box) for box in draw.locked_regions(layout)),
        "disclaimer_text": disclaimer.get("text", ""),
        "disclaimer_version": disclaimer.get("version", ""),
        "disclaimer_box": _box_text(disclaimer.get("box")),
        "disclaimer_size": str(disclaimer.get("size", "")),
        "disclaimer_colour": disclaimer.get("colour", "#ffffff"),
    }
    values["slots"] = [
        {
            "label": s.get("label", s["key"]),
            "box": _box_text(s["box"]),
            "min": str(s["min_size"]),
            "max": str(s["max_size"]),
            "colour": s.get("colour", "#ffffff"),
            "chars": str(s.get("max_chars") or ""),
            "default": s.get("default", ""),
            "mode": s.get("profile") or ("editable" if s.get("editable") else "locked"),
            "align": s.get("align", "left"),
            "bold": "1" if s.get("bold") else "",
            "copy": s.get("copy") or "",
        }
        for s in layout.get("slots", [])
    ]
    return values


def _int(text, lo: int, hi: int) -> int | None:
    text = str(text or "").strip()
    if not re.fullmatch(r"\d{1,5}", text):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def _box(text, canvas) -> tuple[list[int] | None, str | None]:
    """[x, y, width, height] inside the canvas, or a sentence."""
    parts = [p for p in re.split(r"[,\s]+", str(text or "").strip()) if p]
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return None, "Give the box as four whole numbers: x, y, width, height (in pixels)."
    x, y, w, h = (int(p) for p in parts)
    if w < 1 or h < 1:
        return None, "Give the box a width and a height above 0."
    if x + w > canvas[0] or y + h > canvas[1]:
        return None, f"Keep the box inside the {canvas[0]}×{canvas[1]} canvas."
    return [x, y, w, h], None


def _overlaps(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _key(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40] or "slot"


def _parse_slot(i: int, row: dict, canvas, problems: dict) -> dict | None:
    if not any(str(row.get(f) or "").strip() for f in ("label", "box", "default")):
        return None
    say = lambda field, sentence: problems.setdefault(f"slot-{i}-{field}", []).append(sentence)  # noqa: E731
    label = " ".join(str(row.get("label") or "").split())
    if not label or len(label) > 40:
        say("label", f"Give text slot {i + 1} a label of at most 40 characters.")
    box, problem = _box(row.get("box"), canvas)
    if problem:
        say("box", problem)
    low, high = _int(row.get("min"), 8, 400), _int(row.get("max"), 8, 400)
    if low is None:
        say("min", "Give the smallest font size as a whole number from 8 to 400.")
    if high is None:
        say("max", "Give the largest font size as a whole number from 8 to 400.")
    elif low is not None and low > high:
        say("max", "The largest font size must not be below the smallest.")
    colour = str(row.get("colour") or "").strip()
    if not _COLOUR.match(colour):
        say("colour", "Give the colour as # and six hex digits, e.g. #ffffff.")
    chars = str(row.get("chars") or "").strip()
    max_chars = _int(chars, 1, 500) if chars else None
    if chars and max_chars is None:
        say("chars", "Give the most characters as a whole number from 1 to 500, or leave it empty.")
    mode = row.get("mode") if row.get("mode") in MODES else None
    if mode is None:
        say("mode", "Choose who fills the slot.")
    default = " ".join(str(row.get("default") or "").split())
    if mode in ("editable", "locked") and not default:
        say("default", "Write the default text (a locked slot always shows it).")
    if max_chars and len(default) > max_chars:
        say("default", f"Keep the default text within the slot's {max_chars} characters.")
    slot = {
        "key": _key(label),
        "label": label,
        "box": box,
        "min_size": low,
        "max_size": high,
        "colour": colour,
        "max_chars": max_chars,
        "default": default,
        "editable": mode == "editable",
        "align": row.get("align") if row.get("align") in ALIGNS else "left",
        "bold": bool(row.get("bold")),
        "copy": row.get("copy") or None,
    }
    if mode in ("phone", "website", "address"):
        slot.update(editable=False, profile=mode)
    if (
        box
        and low
        and default
        and mode in ("editable", "locked")
        and f"slot-{i}-default" not in problems
    ):
        probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
        if draw.fit_text(probe, default, slot) is None:
            say("default", "The default text does not fit its box even at the smallest size.")
    return slot


def parse(values: dict, uploaded_artwork: str | None = None) -> tuple[dict, dict]:
    """The template's fields (name, description, size, artwork, layout) and the problems."""
    problems: dict[str, list[str]] = {}
    say = lambda field, sentence: problems.setdefault(field, []).append(sentence)  # noqa: E731
    name = " ".join(str(values.get("name") or "").split())
    if not name or len(name) > 160:
        say("name", "Give the template a name of at most 160 characters.")
    description = " ".join(str(values.get("description") or "").split())
    if len(description) > 500:
        say("description", "Keep the description to 500 characters.")
    size = values.get("size")
    if size not in SIZES:
        say("size", "Choose an output size.")
        size = "square"
    canvas = SIZES[size]
    artwork = uploaded_artwork or str(values.get("artwork") or "")
    if artwork not in ARTWORKS and not re.fullmatch(rf"{UPLOADED}[0-9a-f]{{32}}", artwork):
        say("artwork", "Choose an artwork, or upload a PNG or JPEG.")
    layout: dict = {}
    if str(values.get("logo_box") or "").strip():
        box, problem = _box(values.get("logo_box"), canvas)
        clear = _int(values.get("logo_clear") or "0", 0, 500)
        if problem:
            say("logo_box", problem)
        if clear is None:
            say("logo_clear", "Give the clear space as a whole number of pixels from 0 to 500.")
        elif box and (2 * clear >= box[2] or 2 * clear >= box[3]):
            say(
                "logo_clear",
                "Leave room for the logo: twice the clear space must be less than the box's width and height.",
            )
        align = values.get("logo_align") if values.get("logo_align") in ALIGNS else "center"
        layout["logo"] = {"box": box, "align": align, "clear": clear or 0}
    slots = []
    for i, row in enumerate(values.get("slots", [])[:SLOT_ROWS]):
        if (slot := _parse_slot(i, row, canvas, problems)) is not None:
            if slot["key"] in {s["key"] for _j, s in slots}:
                say(
                    f"slot-{i}-label",
                    f"Two text slots are labelled “{slot['label']}”; give each its own label.",
                )
            slots.append((i, slot))
    layout["slots"] = [slot for _i, slot in slots]
    if str(values.get("brand_bar") or "").strip():
        box, problem = _box(values.get("brand_bar"), canvas)
        if problem:
            say("brand_bar", problem)
        layout["brand_bar"] = box
    locked = []
    for number, line in enumerate(str(values.get("locked") or "").splitlines(), start=1):
        if line.strip():
            box, problem = _box(line, canvas)
            if problem:
                say("locked", f"Locked region on line {number}: {problem}")
            else:
                locked.append({"box": box})
    layout["locked"] = locked
    placed = [("logo_box", "The logo zone", (layout.get("logo") or {}).get("box"))]
    placed += [(f"slot-{i}-box", f"Text slot “{s['label']}”", s["box"]) for i, s in slots]
    for field, what, box in placed:
        if box and any(_overlaps(box, region["box"]) for region in locked):
            say(field, f"{what} overlaps a locked region; move it or the region.")
    text = " ".join(str(values.get("disclaimer_text") or "").split())
    version = " ".join(str(values.get("disclaimer_version") or "").split())
    if not text or len(text) > 400:
        say(
            "disclaimer_text",
            "Write the disclaimer (at most 400 characters): every output carries it.",
        )
    if not version or len(version) > 20:
        say(
            "disclaimer_version",
            "Give the disclaimer's version (at most 20 characters), e.g. 2026.2.",
        )
    dbox, problem = _box(values.get("disclaimer_box"), canvas)
    if problem:
        say("disclaimer_box", problem)
    dsize = _int(values.get("disclaimer_size"), 8, 200)
    if dsize is None:
        say("disclaimer_size", "Give the disclaimer's font size as a whole number from 8 to 200.")
    dcolour = str(values.get("disclaimer_colour") or "").strip()
    if not _COLOUR.match(dcolour):
        say("disclaimer_colour", "Give the colour as # and six hex digits, e.g. #ffffff.")
    layout["disclaimer"] = {
        "text": text,
        "version": version,
        "box": dbox,
        "size": dsize,
        "colour": dcolour,
    }
    fields = {
        "name": name,
        "description": description,
        "size": size,
        "artwork": artwork,
        "layout": layout,
    }
    return fields, problems
