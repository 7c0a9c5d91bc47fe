"""“What we shipped from your ideas”: per organisation, the shipped ideas its people
posted, voted for or commented on, newest shipped first, each with the product
manager's ship message and how the organisation took part.

Whose page: a partner user sees their own organisation's and those beneath it (a
distributor its dealers': hub.policy); OEM staff any partner's. Votes and comments that
moved with a merge count where they are now (on the idea that stayed)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from feedback.ideas.models import Idea, IdeaComment, IdeaStatus, IdeaStatusChange, IdeaVote
from hub import db
from hub.models import Organization, Person

LIMIT = 200


@dataclass
class Shipped:
    idea: Idea
    change: IdeaStatusChange | None  # the ship message (the latest move to shipped)
    posted: bool
    votes: int  # of the organisation's people
    comments: int


def shipped_for(organization: Organization) -> list[Shipped]:
    """The organisation's shipped ideas (see the module), newest shipped first."""
    people = sa.select(Person.id).where(Person.organization_id == organization.id)
    votes = (
        sa.select(IdeaVote.idea_id, sa.func.count().label("n"))
        .where(IdeaVote.person_id.in_(people))
        .group_by(IdeaVote.idea_id)
        .subquery()
    )
    comments = (
        sa.select(IdeaComment.idea_id, sa.func.count().label("n"))
        .where(IdeaComment.author_id.in_(people))
        .group_by(IdeaComment.idea_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Idea, sa.func.coalesce(votes.c.n, 0), sa.func.coalesce(comments.c.n, 0))
        .outerjoin(votes, votes.c.idea_id == Idea.id)
        .outerjoin(comments, comments.c.idea_id == Idea.id)
        .where(
            Idea.status == IdeaStatus.SHIPPED,
            sa.or_(
                Idea.organization_id == organization.id,
                votes.c.n.is_not(None),
                comments.c.n.is_not(None),
            ),
        )
        .order_by(Idea.status_changed_at.desc(), Idea.id.desc())
        .limit(LIMIT)
    ).all()
    ids = [idea.id for idea, _, _ in rows]
    changes: dict[int, IdeaStatusChange] = {}
    if ids:
        for change in db.session.scalars(
            sa.select(IdeaStatusChange)
            .where(
                IdeaStatusChange.idea_id.in_(ids),
                IdeaStatusChange.to_status == IdeaStatus.SHIPPED,
            )
            .order_by(IdeaStatusChange.id)
        ):
            changes[change.idea_id] = change  # the latest wins
    return [
        Shipped(idea, changes.get(idea.id), idea.organization_id == organization.id, v, c)
        for idea, v, c in rows
    ]
