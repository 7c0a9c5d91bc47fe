"""What learning offers hub: measures of an organisation for tier requirements
("Staff certified in Technical", a specialisation held) and the qualifications other
areas may require of a person (a level's certification, a specialisation)."""

from __future__ import annotations

import sqlalchemy as sa

from hub import db
from hub.db import utcnow
from hub.models import Organization, Person
from hub.registry import Qualification, StandingMeasure
from learning.certifications.models import Certification
from learning.paths.models import LearningTrack, Level, Path
from learning.standing import specialisations
from learning.standing.holdings import counted_people, holdings
from learning.standing.models import Specialisation

TRACK_KEY = "learning:certified:{track}"
SPECIALISATION_KEY = "learning:specialisation:{id}"


def _track_measure(track: LearningTrack) -> StandingMeasure:
    def people(org: Organization):
        return counted_people(holdings([org.id]), track)

    return StandingMeasure(
        key=TRACK_KEY.format(track=track.value),
        label=f"Staff certified in {track.label}",
        value=lambda org: len(people(org)),
        drops=lambda org: sorted(people(org).values()),
        unit=f"{track.label} certification",
        units=f"{track.label} certifications",
    )


def _specialisation_measure(spec: Specialisation) -> StandingMeasure:
    def standing(org: Organization):
        return specialisations.evaluate(org.id, specs=[spec])[0]

    def drops(org: Organization):
        lapse = standing(org).lapse_on
        return [lapse] if lapse is not None else []

    return StandingMeasure(
        key=SPECIALISATION_KEY.format(id=spec.id),
        label=f"Specialisation held: {spec.name}",
        value=lambda org: int(standing(org).held),
        drops=drops,
        unit=f"{spec.name} specialisation",
        units=f"{spec.name} specialisations",
    )


def standing_measures() -> list[StandingMeasure]:
    """Per track, how many current people hold a valid certification of it; per
    specialisation, 1 while the organisation holds it."""
    found = [_track_measure(t) for t in LearningTrack]
    found += [_specialisation_measure(s) for s in specialisations.all_specialisations()]
    return found


class LearningQualifications:
    """Learning's QualificationSource: each level's certification and each specialisation
    (held by a person while their organisation holds it)."""

    def choices(self) -> list[Qualification]:
        levels = db.session.scalars(
            sa.select(Level).join(Path, Path.id == Level.path_id).order_by(Path.id, Level.rank)
        )
        found = [Qualification(f"learning:level:{lv.id}", lv.title) for lv in levels]
        found += [
            Qualification(SPECIALISATION_KEY.format(id=s.id), s.name)
            for s in specialisations.all_specialisations()
        ]
        return found

    def held_by(self, person: Person) -> set[str]:
        now = utcnow()
        levels = db.session.scalars(
            sa.select(Certification.level_id).where(
                Certification.person_id == person.id,
                Certification.revoked_at.is_(None),
                Certification.valid_until > now,
            )
        )
        held = {f"learning:level:{level_id}" for level_id in levels}
        held |= {
            SPECIALISATION_KEY.format(id=s.id)
            for s in specialisations.held_by(person.organization_id)
        }
        return held
