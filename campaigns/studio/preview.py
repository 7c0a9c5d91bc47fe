"""Slide previews drawn with Pillow from a deck's shapes — python-pptx has no renderer,
and LibreOffice is not part of the stack. A preview is honest, not exact: each slide at
its aspect ratio with its solid fills, pictures and text boxes (their text wrapped at the
run's size and colour); tables, charts and effects show as an outlined box.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, UnidentifiedImageError
from pptx import Presentation
from pptx.enum.dml import MSO_FILL
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.enum.text import PP_ALIGN

from hub.fonts import font

EMU_PER_POINT = 12700
DEFAULT_PT = 18
INK = (27, 31, 29)
MAX_PICTURE_PIXELS = 40_000_000  # a picture larger than this shows as a box


def slide_images(data: bytes, width: int = 960) -> list[Image.Image]:
    """Every slide of the deck as an RGB image `width` pixels wide."""
    prs = Presentation(io.BytesIO(data))
    scale = width / prs.slide_width
    height = max(1, round(prs.slide_height * scale))
    return [_slide(slide, width, height, scale) for slide in prs.slides]


def _slide(slide, width, height, scale) -> Image.Image:
    image = Image.new("RGB", (width, height), _background(slide))
    draw = ImageDraw.Draw(image)
    for shape in slide.shapes:
        _shape(image, draw, shape, scale)
    return image


def _background(slide):
    try:
        fill = slide.background.fill
        if fill.type == MSO_FILL.SOLID:
            return tuple(fill.fore_color.rgb)
    except (AttributeError, TypeError, ValueError):
        pass
    return (255, 255, 255)


def _box(shape, scale):
    left, top = round((shape.left or 0) * scale), round((shape.top or 0) * scale)
    return (
        left,
        top,
        max(1, round((shape.width or 0) * scale)),
        max(1, round((shape.height or 0) * scale)),
    )


def _shape(image, draw, shape, scale) -> None:
    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for child in shape.shapes:
            _shape(image, draw, child, scale)
        return
    x, y, w, h = _box(shape, scale)
    fill = _solid_fill(shape)
    if fill is not None:
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=fill)
    if shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
        _picture(image, draw, shape, (x, y, w, h))
    elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        _text(draw, shape.text_frame, (x, y, w, h), scale)
    elif getattr(shape, "has_table", False) or getattr(shape, "has_chart", False):
        draw.rectangle((x, y, x + w - 1, y + h - 1), outline=(150, 150, 150), width=2)


def _solid_fill(shape):
    try:
        fill = shape.fill
        if fill.type == MSO_FILL.SOLID:
            return tuple(fill.fore_color.rgb)
    except (AttributeError, TypeError, ValueError, NotImplementedError):
        pass
    return None


def _picture(image, draw, shape, box) -> None:
    x, y, w, h = box
    try:
        with Image.open(io.BytesIO(shape.image.blob)) as picture:
            if picture.width * picture.height > MAX_PICTURE_PIXELS:
                raise ValueError("too large to preview")
            picture.draft("RGB", (w, h))
            shown = picture.convert("RGBA").resize((w, h), Image.Resampling.BILINEAR)
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        draw.rectangle((x, y, x + w - 1, y + h - 1), outline=(150, 150, 150), width=2)
        return
    image.paste(shown, (x, y), shown)


def _run_style(paragraph):
    """The size (points), boldness and colour of the paragraph's first run."""
    size, bold, colour = DEFAULT_PT, False, INK
    for run in paragraph.runs:
        if run.font.size is not None:
            size = run.font.size / EMU_PER_POINT
        bold = bool(run.font.bold)
        try:
            if run.font.color and run.font.color.type is not None and run.font.color.rgb:
                colour = tuple(run.font.color.rgb)
        except (AttributeError, TypeError, ValueError):
            pass
        break
    return size, bold, colour


def _text(draw, frame, box, scale) -> None:
    x, y, w, _h = box
    top = y + max(1, round(0.05 * 914400 * scale))  # the default 0.05" inset
    inset = max(1, round(0.1 * 914400 * scale))  # the default 0.1" inset
    room = max(1, w - 2 * inset)
    for paragraph in frame.paragraphs:
        text = "".join(run.text for run in paragraph.runs)
        points, bold, colour = _run_style(paragraph)
        px = max(6, round(points * EMU_PER_POINT * scale))
        face = font(px, bold)
        for line in _wrap(draw, text, face, room) or [""]:
            left = x + inset
            length = draw.textlength(line, font=face)
            if paragraph.alignment == PP_ALIGN.CENTER:
                left = x + (w - length) / 2
            elif paragraph.alignment == PP_ALIGN.RIGHT:
                left = x + w - inset - length
            draw.text((left, top), line, font=face, fill=colour)
            top += round(px * 1.2)


def _wrap(draw, text: str, face, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        attempt = f"{line} {word}".strip()
        if line and draw.textlength(attempt, font=face) > width:
            lines.append(line)
            line = word
        else:
            line = attempt
    if line:
        lines.append(line)
    return lines
