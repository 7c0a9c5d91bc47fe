"""Specialisation rules: the program admin defines them; an organisation holds one while
enough of its current people hold qualifying certifications. Pages, the API, the tier
measures and the demo call these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub import audit, db, policy
from hub.errors import ValidationFailed
from hub.models import Person, ProductLine
from learning.paths.models import LearningTrack, Level
from learning.standing.holdings import Holding, counted_people, holdings
from learning.standing.models import Specialisation

MAX_PEOPLE = 1000


def all_specialisations() -> list[Specialisation]:
    return list(db.session.scalars(sa.select(Specialisation).order_by(Specialisation.name)))


def level_ranks() -> list[tuple[int, str]]:
    """The ranks levels have, with their names ("Professional"), lowest first."""
    names: dict[int, str] = {}
    for rank, name in db.session.execute(
        sa.select(Level.rank, Level.name).distinct().order_by(Level.rank, Level.name)
    ):
        names.setdefault(rank, name)
    return sorted(names.items()) or [(1, "Foundation")]


def can_configure(viewer: Person) -> bool:
    return policy.can_configure_program(viewer)


def _whole(value, field: str, low: int, high: int, problems: dict) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        problems[field] = ["Enter a whole number, like 2."]
        return 0
    if not low <= number <= high:
        problems[field] = [f"Enter a number from {low} to {high}."]
    return number


def create(
    actor: Person, name: str, product_line_id, track: str, min_rank, min_people
) -> Specialisation:
    """Define a specialisation; every problem comes back as a sentence on its field."""
    if not can_configure(actor):
        raise PermissionError("only the program admin defines specialisations")
    problems: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        problems["name"] = ["Enter a name, like “Installation Certified — Compact Tractors”."]
    elif len(name) > 160:
        problems["name"] = ["Keep the name to 160 characters or fewer."]
    elif db.session.scalar(
        sa.select(Specialisation.id).where(sa.func.lower(Specialisation.name) == name.lower())
    ):
        problems["name"] = [f"There is already a specialisation called “{name}”."]
    line = None
    if str(product_line_id or "").isdigit():
        line = db.session.get(ProductLine, int(product_line_id))
    if line is None:
        problems["product_line_id"] = ["Choose a product line."]
    if track not in {t.value for t in LearningTrack}:
        problems["track"] = ["Choose a track."]
    ranks = [r for r, _ in level_ranks()]
    rank = _whole(min_rank, "min_rank", 1, max(ranks), problems)
    people = _whole(min_people, "min_people", 1, MAX_PEOPLE, problems)
    if problems:
        raise ValidationFailed(problems)
    spec = Specialisation(
        name=name,
        product_line_id=line.id,
        track=LearningTrack(track),
        min_rank=rank,
        min_people=people,
    )
    db.session.add(spec)
    db.session.flush()
    audit.record(
        "learning.specialisation_created",
        spec,
        actor=actor,
        after={"name": name, "rule": spec.rule},
        summary=f"Specialisation {name} defined",
    )
    return spec


def delete(actor: Person, spec: Specialisation) -> None:
    if not can_configure(actor):
        raise PermissionError("only the program admin removes specialisations")
    audit.record(
        "learning.specialisation_deleted",
        spec,
        actor=actor,
        before={"name": spec.name, "rule": spec.rule},
        summary=f"Specialisation {spec.name} removed",
    )
    db.session.delete(spec)


@dataclass
class SpecialisationStanding:
    """An organisation against one specialisation now, and when it would lose it."""

    specialisation: Specialisation
    people: dict[int, datetime]  # who counts → until when

    @property
    def count(self) -> int:
        return len(self.people)

    @property
    def held(self) -> bool:
        return self.count >= self.specialisation.min_people

    @property
    def missing(self) -> int:
        return max(self.specialisation.min_people - self.count, 0)

    @property
    def lapse_on(self) -> datetime | None:
        """The day it stops being held if nobody renews or certifies (None when not held)."""
        if not self.held:
            return None
        dates = sorted(self.people.values())
        return dates[self.count - self.specialisation.min_people]


def evaluate(
    org_id: int, found: Sequence[Holding] | None = None, specs: list[Specialisation] | None = None
) -> list[SpecialisationStanding]:
    """The organisation against every specialisation (pass holdings already read to save
    the statement)."""
    found = holdings([org_id]) if found is None else found
    found = [h for h in found if h.organization_id == org_id]
    return [
        SpecialisationStanding(
            spec, counted_people(found, spec.track, spec.product_line_id, spec.min_rank)
        )
        for spec in (all_specialisations() if specs is None else specs)
    ]


def held_by(org_id: int) -> list[Specialisation]:
    return [s.specialisation for s in evaluate(org_id) if s.held]
