"""Module content: Markdown rendered without letting any HTML of its own through."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with tables; `html: False` escapes every tag written in the source (a
# <script> shows as text), and markdown-it refuses javascript:, vbscript: and data: links.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> Markup:
    """The module's Markdown as safe HTML to place in a page."""
    return Markup(_MARKDOWN.render(text or ""))  # noqa: S704 — raw HTML is escaped above
