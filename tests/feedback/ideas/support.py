"""Helpers for the ideas tests: an idea posted by a channel's person, a PNG."""

from __future__ import annotations

import io

from PIL import Image

from feedback.ideas import service as ideas


def png_bytes(color=(30, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return out.getvalue()


def post(
    person,
    line,
    title="Quick-attach mower deck",
    problem="Swapping decks takes two people.",
    **more,
):
    return ideas.post_idea(
        person,
        {"product_line_id": line.id, "title": title, "problem": problem, **more},
    )
