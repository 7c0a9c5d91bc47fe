"""The dashboard panel of open consultations a partner user is asked in (hub's panels)."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from feedback.consultations import service
from feedback.consultations.access import can_take_part, visible_consultations
from hub.models import Person
from hub.registry import Panel


def consultation_panel(person: Person) -> list[Panel]:
    """'Program changes open for comment' with a link to each, for partners asked in one."""
    if not can_take_part(person):
        return []
    open_ones = [c for c in visible_consultations(person) if service.is_open(c)]
    if not open_ones:
        return []
    mine = service.signals_of(person, open_ones)
    html = render_template(
        "feedback/consultations/_panel.html", consultations=open_ones, signals=mine
    )
    # The HTML comes from an autoescaping Jinja template: safe to embed in the dashboard.
    return [Panel("Program changes open for comment", Markup(html), order=35)]  # noqa: S704
