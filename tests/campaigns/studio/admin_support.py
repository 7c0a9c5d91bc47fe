"""Helpers for the brand-kit tests: hostile files built in code, a deck with tokens."""

from __future__ import annotations

import io
import zipfile

from pptx import Presentation
from pptx.util import Inches

from campaigns.studio import deck


def pptx(texts=("Hello {{dealer.name}}", "{{offer}} {{dealer.fax}}")) -> bytes:
    """A small deck: one slide per text (title placeholder)."""
    prs = Presentation()
    for text in texts:
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        slide.shapes.title.text = text
        slide.shapes.add_textbox(
            Inches(1), Inches(2), Inches(3), Inches(1)
        ).text_frame.text = "{{dealer.logo}}"
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def traversal_pptx() -> bytes:
    """A real deck with one extra entry named ../../evil.txt."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(deck.demo_deck())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("../../evil.txt", b"pwned")
    return out.getvalue()


def bomb_pptx(megabytes: int = 40) -> bytes:
    """A deck with a part of `megabytes` zeros, deflated to a few dozen KB (written in
    1 MB chunks, so building it never holds it whole)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(deck.demo_deck())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        with dst.open("ppt/media/zeros.bin", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                part.write(chunk)
    return out.getvalue()


def zip_not_pptx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        dst.writestr("readme.txt", b"hello")
    return out.getvalue()
