"""The dashboard's learning panel: a partner person's next step and what expires soon."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from hub.models import Person
from hub.registry import Panel
from learning.paths import progress


def learning_panel(person: Person) -> list[Panel]:
    """Partner people: the next module of each path under way and the certifications
    that expire within 90 days (an invitation to start when nothing is under way).
    OEM staff: nothing (the program's learning is on the Learning pages)."""
    if person.is_oem:
        return []
    board = progress.dashboard(person)
    html = Markup(render_template("learning/paths/_panel.html", **board))  # noqa: S704 — autoescaped
    return [Panel("Your learning", html, order=45)]
