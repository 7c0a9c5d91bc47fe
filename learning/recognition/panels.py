"""Learning's section on hub's person page: a link to the person's learning record,
their badges and the kudos the viewer may read. Nothing for a viewer who sees only the
person's public profile (a partner looking at OEM staff)."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from hub import policy
from hub.models import Person
from hub.registry import Panel
from learning.recognition import badges, kudos


def person_section(viewer: Person, person: Person) -> list[Panel]:
    if policy.sees_public_profile_only(viewer, person):
        return []
    html = render_template(
        "learning/recognition/_person.html",
        person=person,
        badges=badges.badges_of(person.id),
        items=kudos.kudos_for(viewer, person.id, limit=5),
        may_give=kudos.may_give(viewer) and viewer.id != person.id,
    )
    return [Panel("Learning and recognition", Markup(html), order=40)]  # noqa: S704 — autoescaped
