"""The shapes of the learning API's organisation standing."""

from __future__ import annotations

from pydantic import Field

from hub.api import NamedRef, Output, iso_utc
from hub.api.schemas import UtcTime
from learning.paths.models import LearningTrack
from learning.standing.overview import OrganizationStanding


class Requirement(Output):
    measure: str = Field(description="What is measured, e.g. “Staff certified in Technical”.")
    minimum: int
    value: int = Field(description="The organisation's value today.")
    met: bool
    missing: int = Field(description="How many more are needed (0 when met).")
    lapses_on: UtcTime | None = Field(
        description="When it stops being met if nothing counted is renewed (null: not met "
        "now, or nothing counted expires)."
    )


class TierStanding(Output):
    tier: NamedRef
    current: bool = Field(description="The organisation's own tier.")
    met: bool = Field(description="Every requirement met today.")
    lapse: str = Field(description="When the criteria lapse, as a sentence (empty: no lapse).")
    requirements: list[Requirement]


class SpecialisationStanding(Output):
    specialisation: NamedRef
    rule: str
    people: int = Field(description="Current people who count for it.")
    needed: int
    held: bool
    lapses_on: UtcTime | None = Field(description="When it stops being held unless renewed.")


class Coverage(Output):
    organization: NamedRef
    certified: dict[str, int] = Field(
        description="Track → people holding a valid certification of it ("
        + ", ".join(t.value for t in LearningTrack)
        + ")."
    )


class Standing(Output):
    organization: NamedRef
    tiers: list[TierStanding]
    specialisations: list[SpecialisationStanding]
    coverage: list[Coverage] = Field(
        description="The organisation, then those beneath it in your scope (a distributor's dealers)."
    )

    @classmethod
    def of(cls, view: OrganizationStanding, viewer) -> Standing:
        return cls(
            organization=NamedRef.of(view.organization),
            tiers=[
                TierStanding(
                    tier=NamedRef.of(t.tier),
                    current=t.current,
                    met=t.met,
                    lapse=t.lapse_sentence(viewer),
                    requirements=[
                        Requirement(
                            measure=r.label,
                            minimum=r.minimum,
                            value=r.value,
                            met=r.met,
                            missing=r.missing,
                            lapses_on=iso_utc(r.lapse_on),
                        )
                        for r in t.rows
                    ],
                )
                for t in view.tiers
            ],
            specialisations=[
                SpecialisationStanding(
                    specialisation=NamedRef.of(s.specialisation),
                    rule=s.specialisation.rule,
                    people=s.count,
                    needed=s.specialisation.min_people,
                    held=s.held,
                    lapses_on=iso_utc(s.lapse_on),
                )
                for s in view.specialisations
            ],
            coverage=[
                Coverage(
                    organization=NamedRef.of(row.organization),
                    certified={t.value: row.count(t) for t in LearningTrack},
                )
                for row in view.coverage
            ],
        )
