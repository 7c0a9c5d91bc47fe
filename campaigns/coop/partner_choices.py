"""What the co-op overview's filter offers: the tiers, the regions of the program's partners
and the distributors a viewer may see — read in one statement on every overview request."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from campaigns.coop.models import CoopAccount, CoopProgram
from campaigns.coop.partners import DISTRIBUTOR_KINDS
from hub import db, policy
from hub.models import Organization, Person, Tier


@dataclass(frozen=True)
class FilterChoices:
    """What the overview's filter offers: tiers, regions and distributors in the program."""

    tiers: list[tuple[int, str]]
    regions: list[str]
    distributors: list[tuple[int, str]]


# The three lists in one statement (a UNION ALL, each part numbered and ordered as it is
# shown): one round trip instead of three on every overview request.
_TIER_PART, _REGION_PART, _DISTRIBUTOR_PART = 0, 1, 2


def _number(value: int):
    return sa.literal_column(str(value), sa.Integer)  # written into the SQL, not a parameter


_TIER_CHOICES = sa.select(
    _number(_TIER_PART).label("part"),
    Tier.id.label("id"),
    Tier.name.label("name"),
    Tier.rank.label("rank"),
)
_REGIONS = (
    sa.select(
        _number(_REGION_PART),
        sa.cast(sa.null(), sa.Integer),
        Organization.region,
        _number(0),
    )
    .where(
        Organization.id.in_(
            sa.select(CoopAccount.organization_id).where(
                CoopAccount.program_id == sa.bindparam("program_id")
            )
        ),
        Organization.region != "",
    )
    .distinct()
)
_DISTRIBUTORS = sa.select(
    _number(_DISTRIBUTOR_PART), Organization.id, Organization.name, _number(0)
).where(Organization.kind.in_(DISTRIBUTOR_KINDS))


def _choices(regions, distributors):
    union = sa.union_all(_TIER_CHOICES, regions, distributors).subquery("choices")
    return sa.select(union.c.part, union.c.id, union.c.name).order_by(
        union.c.part, union.c.rank, union.c.name, union.c.id
    )


_CHOICES = _choices(_REGIONS, _DISTRIBUTORS)  # an OEM viewer's: nothing to scope


def filter_choices(viewer: Person, program: CoopProgram) -> FilterChoices:
    stmt = _CHOICES
    if not viewer.is_oem:
        stmt = _choices(
            policy.scope_by_organization(viewer, _REGIONS, Organization.id),
            policy.scope_by_organization(viewer, _DISTRIBUTORS, Organization.id),
        )
    choices = FilterChoices([], [], [])
    for part, id_, name in db.read(stmt, {"program_id": program.id}):
        if part == _TIER_PART:
            choices.tiers.append((id_, name))
        elif part == _REGION_PART:
            choices.regions.append(name)
        else:
            choices.distributors.append((id_, name))
    return choices
