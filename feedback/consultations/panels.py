"""The dashboard panel of open consultations a partner user is asked in (hub's panels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from feedback.consultations import service
from feedback.consultations.access import audience_includes, can_take_part
from feedback.consultations.models import Consultation, Outcome
from hub import db
from hub.db import today
from hub.models import Person
from hub.registry import Panel


@dataclass(frozen=True)
class ListedConsultation:
    """A consultation as the panel lists it, with what `access.audience_includes` and
    `service.is_open` read (read-only, no ORM object)."""

    id: int
    title: str
    opens_on: date
    closes_on: date
    outcome: Outcome | None
    audience_tier_ids: list
    audience_regions: list


# The consultations whose comment period is open today, newest first, built once: rows
# of the columns the panel reads. Whom each asks is `audience_includes`', checked in
# Python as `visible_consultations` does; `service.is_open` decides. (Every page of a
# partner asked for all the consultations ever opened, as objects, to show the open
# ones.) tests/feedback/consultations/test_consultations.py checks that it lists what
# visible_consultations and is_open give.
_OPEN_TODAY = db.prepared(
    sa.select(
        Consultation.id,
        Consultation.title,
        Consultation.opens_on,
        Consultation.closes_on,
        Consultation.outcome,
        Consultation.audience_tier_ids,
        Consultation.audience_regions,
    )
    .where(
        Consultation.opens_on <= sa.bindparam("today"),
        Consultation.closes_on >= sa.bindparam("today"),
        Consultation.outcome.is_(None),
    )
    .order_by(Consultation.opens_on.desc(), Consultation.id.desc())
)


def open_consultations(person: Person) -> list[ListedConsultation]:
    """The consultations open for comment that ask the person's organisation, newest first."""
    rows = db.read(_OPEN_TODAY, {"today": today()})
    found = [ListedConsultation(**row._mapping) for row in rows]
    return [c for c in found if audience_includes(c, person.organization) and service.is_open(c)]


def consultation_panel(person: Person) -> list[Panel]:
    """'Program changes open for comment' with a link to each, for partners asked in one."""
    if not can_take_part(person):
        return []
    open_ones = open_consultations(person)
    if not open_ones:
        return []
    mine = service.signals_of(person, open_ones)
    html = render_template(
        "feedback/consultations/_panel.html", consultations=open_ones, signals=mine
    )
    # The HTML comes from an autoescaping Jinja template: safe to embed in the dashboard.
    return [Panel("Program changes open for comment", Markup(html), order=35)]  # noqa: S704
