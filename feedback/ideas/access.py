"""Who sees which ideas and who may do what with them.

Ideas are the program's shared board: every signed-in person of the program — partner
users and OEM staff alike — sees every idea of every product line (that is what lets a
dealer find the idea another dealer posted and vote for it instead of posting it again).
What stays inside the channel tree is who is behind them: a partner sees the names of
the people it may see (hub.policy), everyone else as "A partner"; the votes'
breakdown by tier, region and distributor is the OEM's.
"""

from __future__ import annotations

import sqlalchemy as sa

from feedback.ideas.models import Idea
from hub import db, policy
from hub.models import PARTNER_ROLES, Person, Role

PARTNERS_ONLY = "Ideas are posted and voted for by partner users."
TRIAGERS_ONLY = "Only product managers and program admins change an idea's status."


def visible_ideas(viewer: Person) -> sa.Select:
    """SELECT of the ideas the viewer may see: all of them, for anyone signed in and active."""
    if not viewer.active:
        return sa.select(Idea).where(sa.false())
    return sa.select(Idea)


def get_visible(viewer: Person, idea_id: int) -> Idea | None:
    """The idea if the viewer may see it; None whether it is missing or out of scope."""
    return db.session.scalar(visible_ideas(viewer).where(Idea.id == idea_id))


def is_partner(viewer: Person) -> bool:
    return viewer.role in PARTNER_ROLES


def can_post(viewer: Person) -> bool:
    """Partner users post ideas (the OEM hears them; it does not post to itself)."""
    return viewer.active and is_partner(viewer)


def can_vote(viewer: Person) -> bool:
    """Votes are the channel's demand: partner users vote, OEM staff don't."""
    return viewer.active and is_partner(viewer)


def can_comment(viewer: Person) -> bool:
    """Everyone who sees an idea may discuss it — partners and the OEM's staff."""
    return viewer.active


def can_triage(viewer: Person) -> bool:
    """Product managers (of any line: they triage together) and program admins."""
    return viewer.active and viewer.role in (Role.PRODUCT_MANAGER, Role.PROGRAM_ADMIN)


def can_set_weights(viewer: Person) -> bool:
    return viewer.active and policy.is_program_admin(viewer)


def shown_name(viewer: Person, person: Person) -> str:
    """The person's name and organisation when the viewer may see them, else who they are
    in general words (partners don't learn who at other partners posted or commented)."""
    if viewer.is_oem or person.id == viewer.id or policy.can_see_person(viewer, person):
        return f"{person.name}, {person.organization.name}"
    return "Program staff" if person.is_oem else "A partner"
