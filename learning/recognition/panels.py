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


def _html(viewer: Person, person: Person, *, record_link: bool) -> Markup:
    html = render_template(
        "learning/recognition/_person.html",
        person=person,
        record_link=record_link,
        badges=badges.badges_of(person.id),
        items=kudos.kudos_for(viewer, person.id, limit=5),
        may_give=kudos.may_give(viewer) and viewer.id != person.id,
    )
    return Markup(html)  # noqa: S704 — autoescaped


def person_section(viewer: Person, person: Person) -> list[Panel]:
    if policy.sees_public_profile_only(viewer, person):
        return []
    return [Panel("Learning and recognition", _html(viewer, person, record_link=True), order=40)]


def record_section(viewer: Person, person: Person) -> Markup:
    """Badges and kudos on the person's learning record (paths' page, which has checked
    that the viewer may see the person's record)."""
    return _html(viewer, person, record_link=False)
