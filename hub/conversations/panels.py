"""The conversations' dashboard panels: a product manager's conversations waiting on them,
and a partner's “Ask a product expert” per product line."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from hub.conversations import routing
from hub.conversations.handoff import waiting_on, waiting_on_count
from hub.db import utcnow
from hub.models import Person, Role
from hub.registry import Panel

WAITING_SHOWN = 10  # conversations the product manager's dashboard lists


def _render(template: str, **context) -> Markup:
    """A panel's body from one of our autoescaping templates, safe to embed."""
    return Markup(render_template(template, **context))  # noqa: S704 — autoescaped template


def waiting_panel(person: Person) -> list[Panel]:
    """The product manager's dashboard: the conversations handed to them or waiting on
    them (hub.conversations.handoff.waiting_on), oldest first."""
    if person.role != Role.PRODUCT_MANAGER:
        return []
    items = waiting_on(person, WAITING_SHOWN)
    total = len(items) if len(items) < WAITING_SHOWN else waiting_on_count(person)
    html = _render("hub/conversations/_waiting_panel.html", items=items, total=total, now=utcnow())
    return [Panel("Conversations waiting on you", html, order=5)]


def ask_expert_panel(person: Person) -> list[Panel]:
    """A partner's dashboard: each product line with its product managers and “Ask a
    product expert”, one click from the question form."""
    if person.is_oem:
        return []
    lines = routing.expert_lines()
    if not lines:
        return []
    html = _render("hub/conversations/_ask_panel.html", lines=lines)
    return [Panel("Ask a product expert", html, order=40)]
