"""Taking part in an idea: one vote per person, comments with replies, and following it.

Voting and commenting follow the idea (its status changes reach you) unless you have
unsubscribed from it: that choice stays until you subscribe again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from feedback.ideas.access import PARTNERS_ONLY, can_comment, can_vote
from feedback.ideas.models import (
    CLOSED_STATUSES,
    COMMENT_MAX,
    Idea,
    IdeaComment,
    IdeaStatus,
    IdeaSubscription,
    IdeaVote,
)
from hub import audit, db
from hub.errors import Conflict, ValidationFailed
from hub.models import Person

ALREADY_VOTED = "You have already voted for this idea; each person votes once."
CLOSED = CLOSED_STATUSES


def has_voted(person: Person, idea: Idea) -> bool:
    return db.session.get(IdeaVote, (idea.id, person.id)) is not None


def is_subscribed(person: Person, idea: Idea) -> bool:
    row = db.session.get(IdeaSubscription, (idea.id, person.id))
    return row is not None and row.active


def _follow(person: Person, idea: Idea) -> None:
    """Follow the idea unless the person chose not to (a row already says either way)."""
    if db.session.get(IdeaSubscription, (idea.id, person.id)) is None:
        db.session.add(IdeaSubscription(idea_id=idea.id, person_id=person.id))


def vote(person: Person, idea: Idea) -> bool:
    """Vote for the idea. A second vote is refused with a sentence (ValidationFailed) and
    changes nothing; returns True when the vote was counted."""
    if not can_vote(person):
        raise PermissionError(PARTNERS_ONLY)
    if idea.status in CLOSED:
        raise Conflict({"": [f"This idea is {idea.status.label.lower()}; it takes no votes."]})
    if has_voted(person, idea):
        raise Conflict({"": [ALREADY_VOTED]})
    try:
        with db.session.begin_nested():
            db.session.add(IdeaVote(idea_id=idea.id, person_id=person.id))
    except sa.exc.IntegrityError:  # the same person voting twice at once
        raise Conflict({"": [ALREADY_VOTED]}) from None
    db.session.execute(
        sa.update(Idea).where(Idea.id == idea.id).values(vote_count=Idea.vote_count + 1)
    )
    db.session.refresh(idea, ["vote_count"])
    _follow(person, idea)
    audit.record("idea.voted", idea, actor=person, summary=f"Voted for “{idea.title}”")
    return True


def withdraw_vote(person: Person, idea: Idea) -> bool:
    """Take one's vote back; returns whether there was one."""
    removed = db.session.execute(
        sa.delete(IdeaVote).where(IdeaVote.idea_id == idea.id, IdeaVote.person_id == person.id)
    ).rowcount
    if removed:
        db.session.execute(
            sa.update(Idea).where(Idea.id == idea.id).values(vote_count=Idea.vote_count - 1)
        )
        db.session.refresh(idea, ["vote_count"])
        audit.record(
            "idea.vote_withdrawn", idea, actor=person, summary=f"Vote withdrawn from “{idea.title}”"
        )
    return bool(removed)


MERGED_HERE = "This idea is merged into another; follow and discuss it there."


def set_subscription(person: Person, idea: Idea, active: bool) -> None:
    """Follow or stop following the idea's status changes (not of a merged idea: its
    followers moved with the merge)."""
    if idea.status == IdeaStatus.MERGED:
        raise Conflict({"": [MERGED_HERE]})
    row = db.session.get(IdeaSubscription, (idea.id, person.id))
    if row is None:
        db.session.add(IdeaSubscription(idea_id=idea.id, person_id=person.id, active=active))
    elif row.active == active:
        return
    else:
        row.active = active
    audit.record(
        "idea.subscribed" if active else "idea.unsubscribed",
        idea,
        actor=person,
        summary=f"{'Following' if active else 'Stopped following'} “{idea.title}”",
    )
    db.session.flush()


def comment(person: Person, idea: Idea, body: str, parent_id: int | None = None) -> IdeaComment:
    """Add a comment, or a reply to one of the idea's comments (replies to a reply join
    the same thread)."""
    if not can_comment(person):
        raise PermissionError("You can't comment on ideas.")
    if idea.status == IdeaStatus.MERGED:
        raise ValidationFailed({"body": [MERGED_HERE]})
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": ["Write something before you send the comment."]})
    if len(body) > COMMENT_MAX:
        raise ValidationFailed(
            {"body": [f"Keep a comment to {COMMENT_MAX:,} characters (it has {len(body):,})."]}
        )
    parent = None
    if parent_id is not None:
        parent = db.session.get(IdeaComment, parent_id)
        if parent is None or parent.idea_id != idea.id:
            raise ValidationFailed({"parent_id": ["Reply to a comment on this idea."]})
        if parent.parent_id is not None:
            parent = db.session.get(IdeaComment, parent.parent_id)
    row = IdeaComment(
        idea_id=idea.id, author_id=person.id, body=body, parent_id=parent.id if parent else None
    )
    db.session.add(row)
    _follow(person, idea)
    db.session.flush()
    audit.record(
        "idea.commented",
        idea,
        actor=person,
        after={"comment_id": row.id},
        summary=f"Commented on “{idea.title}”",
    )
    return row


@dataclass
class Thread:
    comment: IdeaComment
    replies: list[IdeaComment] = field(default_factory=list)


def threads(idea: Idea) -> list[Thread]:
    """The idea's comments in order, each with its replies."""
    rows = db.session.scalars(
        sa.select(IdeaComment).where(IdeaComment.idea_id == idea.id).order_by(IdeaComment.id)
    ).all()
    by_id: dict[int, Thread] = {}
    for row in rows:
        if row.parent_id is None:
            by_id[row.id] = Thread(row)
        elif row.parent_id in by_id:
            by_id[row.parent_id].replies.append(row)
    return list(by_id.values())
