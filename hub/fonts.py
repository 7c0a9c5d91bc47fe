"""The one place fonts come from: DejaVu Sans from Debian's fonts-dejavu-core (it has
every character a name, a headline or "—" may hold); where that package is missing,
Pillow's bundled default face. No font is committed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (or its bold) at size pixels, cached per size."""
    face = DEJAVU / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if face.exists():
        return ImageFont.truetype(str(face), size)
    return ImageFont.load_default(size=size)
