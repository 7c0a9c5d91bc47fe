"""The dashboard card "Launch a campaign kit": the program's published kits, each one
click from its launch form, for whoever may launch one."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from campaigns.coop.program import current_program
from campaigns.kits import service
from hub.models import Person
from hub.registry import Panel

SHOWN = 4


def kit_panel(person: Person) -> list[Panel]:
    if not service.may_launch(person):
        return []
    program = current_program()
    kits = service.kits(program)
    if not kits:
        return []
    html = Markup(  # noqa: S704 — autoescaped template
        render_template(
            "campaigns/kits/_panel.html",
            kits=kits[:SHOWN],
            more=len(kits) > SHOWN,
            coop_program=program,
            most_to_ask=service.most_to_ask,
            share=service.share,
        )
    )
    return [Panel("Launch a campaign kit", html, order=12)]
