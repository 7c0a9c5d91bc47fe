"""The base artworks of the demo templates, drawn by Pillow (no picture is committed):
each is a function of the output size, so one design serves every size."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from PIL import Image, ImageDraw, ImageOps

from hub import uploads
from hub.fonts import font

SIZES = {
    "square": (1080, 1080),
    "landscape": (1200, 628),
    "a4": (2480, 3508),
    "letter": (2550, 3300),
}
SIZE_LABELS = {
    "square": "Square social post, 1080×1080",
    "landscape": "Landscape link image, 1200×628",
    "a4": "A4 print at 300 dpi, 2480×3508",
    "letter": "US Letter print at 300 dpi, 2550×3300",
}
SIZE_LABELS["letter"] = "US Letter print at 300 dpi, 2550×3300"


def _gradient(size, top, bottom) -> Image.Image:
    height = size[1]
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(height - 1, 1)
        column.putpixel(
            (0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    return column.resize(size)


def harvest(size) -> Image.Image:
    """A dawn sky over rows of a ploughed field."""
    width, height = size
    image = _gradient(size, (18, 52, 86), (236, 170, 90))
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.62)
    draw.ellipse(
        (width * 0.62, horizon - height * 0.16, width * 0.86, horizon + height * 0.08),
        fill=(255, 214, 120),
    )
    draw.rectangle((0, horizon, width, height), fill=(92, 66, 38))
    rows = 14
    for i in range(rows):
        x = width * i / (rows - 1)
        draw.line((width / 2, horizon, x * 2 - width / 2, height), fill=(120, 88, 50), width=6)
    return image


def service(size) -> Image.Image:
    """Deep blue with diagonal bands: a workshop's service offer."""
    width, height = size
    image = Image.new("RGB", size, (22, 40, 72))
    draw = ImageDraw.Draw(image)
    band = max(width, height) // 9
    for i in range(-12, 12):
        x = i * band * 2
        draw.polygon(
            [(x, height), (x + band, height), (x + band + height, 0), (x + height, 0)],
            fill=(30, 54, 94),
        )
    draw.rectangle((0, 0, width, height // 4), fill=(245, 245, 240))
    return image


def planter(size) -> Image.Image:
    """Fresh green rows under a pale sky: spring planting."""
    width, height = size
    image = _gradient(size, (222, 238, 246), (250, 252, 246))
    draw = ImageDraw.Draw(image)
    top = int(height * 0.55)
    draw.rectangle((0, top, width, height), fill=(24, 74, 42))
    for y in range(top, height, max(height // 30, 8)):
        draw.rectangle((0, y, width, y + max(height // 120, 2)), fill=(34, 94, 54))
    return image


ARTWORKS: dict[str, Callable[[tuple[int, int]], Image.Image]] = {
    "harvest": harvest,
    "service": service,
    "planter": planter,
}
# Where each artwork carries the OEM's mark, as fractions of the canvas (x, y, w, h): the
# demo templates lock that region, so no dealer content may cover it.
MARKS = {
    "harvest": (0.63, 0.05, 0.31, 0.11),
    "service": (0.68, 0.04, 0.29, 0.17),
    "planter": (0.08, 0.56, 0.5, 0.08),
}


def mark_box(key: str, size_key: str) -> list[int]:
    """The OEM mark's box in pixels on the artwork at this size."""
    width, height = SIZES[size_key]
    fx, fy, fw, fh = MARKS[key]
    return [round(fx * width), round(fy * height), round(fw * width), round(fh * height)]


def _mark(image: Image.Image, box) -> None:
    """The OEM's wordmark on a white plate."""
    x, y, w, h = box
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((x, y, x + w - 1, y + h - 1), radius=h // 6, fill=(250, 250, 246))
    size = h // 2
    face = font(size, True)
    while size > 8 and draw.textlength("FIELDCREST", font=face) > w * 0.86:
        size -= 2
        face = font(size, True)
    length = draw.textlength("FIELDCREST", font=face)
    draw.text(
        (x + (w - length) / 2, y + (h - size * 1.15) / 2), "FIELDCREST", font=face,
        fill=(20, 84, 50),
    )  # fmt: skip


# An artwork the program admin uploaded is named by its stored file's content digest:
# "upload-<32 hex>" (see authoring.py), stored as a PNG under UPLOAD_FOLDER.
UPLOADED = "upload-"
UPLOAD_FOLDER = "studio/artwork"


def uploaded(key: str, size) -> Image.Image:
    """An uploaded artwork scaled to cover the size and cropped to it (centred)."""
    digest = key.removeprefix(UPLOADED)
    with Image.open(uploads.open_stored(f"{UPLOAD_FOLDER}/{digest}.png")) as opened:
        return ImageOps.fit(opened.convert("RGB"), size, Image.Resampling.LANCZOS)


@cache
def _drawn(key: str, size_key: str) -> Image.Image:
    if key.startswith(UPLOADED):
        return uploaded(key, SIZES[size_key])
    image = ARTWORKS[key](SIZES[size_key])
    if key in MARKS:
        _mark(image, mark_box(key, size_key))
    return image


def base(key: str, size_key: str) -> Image.Image:
    """A fresh copy of an artwork at one of SIZES (drawn once per process)."""
    return _drawn(key, size_key).copy()
