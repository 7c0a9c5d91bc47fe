"""Merging duplicate ideas, and undoing a merge exactly.

A product manager merges idea A (the source) into idea B (the target, the one that
stays). A's votes move to B — a person who voted for both keeps their one vote on B and
their vote on A is dropped, so each person counts once; A's comments move (with their
replies) in the order they were written; A's followers follow B (someone who already
had a say about B — following it or having unsubscribed — keeps that). A becomes
"merged", points at B, takes no votes, and its followers are told (before they move).

The merge record (IdeaMerge.moved) keeps exactly which rows moved and which were
dropped, with their times, so undoing puts A and B back as they were: the moved votes
leave B and go back to A with the time they were cast, the dropped ones come back to A,
the comments go back, the followers too, and A gets its status back.

Undo is refused, with a sentence, when that can no longer be exact:
- the merge was undone already, or A is no longer merged into B;
- B has been merged into another idea since (undo that one first);
- another idea was merged into B after this one and is still merged (undo the later one
  first: it may have dropped votes because of the ones this merge brought);
- a vote or a follow that moved to B is no longer there as it moved (someone withdrew
  their vote, or unsubscribed, on B since): undoing would bring back what they took back;
- someone replied on B to a comment that came from A (the reply would be orphaned).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from feedback.ideas import fanout
from feedback.ideas.access import TRIAGERS_ONLY, can_triage
from feedback.ideas.models import (
    MESSAGE_MAX,
    Idea,
    IdeaComment,
    IdeaMerge,
    IdeaStatus,
    IdeaStatusChange,
    IdeaSubscription,
    IdeaVote,
)
from hub import audit, db
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import Person

S = IdeaStatus


def _iso(value: datetime) -> str:
    return value.isoformat()


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _lock(*idea_ids: int) -> None:
    """Lock the ideas' rows for the rest of the transaction (PostgreSQL; SQLite writes one
    at a time anyway), in id order so two merges never wait on each other crosswise."""
    db.session.execute(
        sa.select(Idea.id).where(Idea.id.in_(idea_ids)).order_by(Idea.id).with_for_update()
    )


def find_target(source: Idea, raw) -> Idea | None:
    """The idea named by number (e.g. "12" or "#12"), or None."""
    text = str(raw or "").strip().lstrip("#")
    if not text.isdigit() or len(text) > 12:
        return None
    return db.session.get(Idea, int(text))


def merge(
    actor: Person, source: Idea, target_ref, message: str, *, link: str, path: str
) -> IdeaMerge:
    """Merge `source` into the idea numbered `target_ref`; see the module's words.
    `link` and `path`: the target's page (e-mail and in-app) for the followers' notice."""
    if not can_triage(actor):
        raise PermissionError(TRIAGERS_ONLY)
    target = find_target(source, target_ref)
    if target is not None and target.id != source.id:
        # Both rows locked (in id order) and read again: two merges of the same pair at
        # once see each other's result instead of crossing.
        _lock(source.id, target.id)
        db.session.refresh(source)
        db.session.refresh(target)
    problems: dict[str, list[str]] = {}
    if target is None:
        problems["target"] = ["Give the number of the idea to keep, e.g. 12 (it's in its address)."]
    elif target.id == source.id:
        problems["target"] = ["Choose another idea: an idea can't be merged into itself."]
    elif target.status == S.MERGED:
        problems["target"] = [
            f"Idea {target.id} is merged into idea {target.merged_into_id} itself; "
            "merge into that one."
        ]
    if source.status == S.MERGED:
        problems["target"] = [f"This idea is merged into idea {source.merged_into_id} already."]
    message = (message or "").strip()
    if not message:
        problems["reason"] = ["Write a line for the people who follow this idea: why it's merged."]
    elif len(message) > MESSAGE_MAX:
        problems["reason"] = [f"Keep the message to {MESSAGE_MAX:,} characters."]
    if problems:
        raise ValidationFailed(problems)
    assert target is not None

    record = IdeaMerge(
        source_id=source.id,
        target_id=target.id,
        source_status=source.status,
        source_status_changed_at=source.status_changed_at,
        target_vote_count=target.vote_count,
        moved={},
        message=message,
        merged_by_id=actor.id,
    )
    db.session.add(record)
    # The source's followers hear it while they still follow the source.
    change = IdeaStatusChange(
        idea_id=source.id,
        from_status=source.status,
        to_status=S.MERGED,
        message=f"Merged into “{target.title}”. {message}",
        changed_by_id=actor.id,
    )
    db.session.add(change)
    db.session.flush()
    # Told now, in the merge's transaction, however many: the followers move to the
    # surviving idea next, so a fan-out run later would find none left here.
    change.notified_count = fanout.tell_now(change, link=link, path=path)

    moved = {
        **_move_votes(source, target),
        "comments": _move_comments(source, target),
        **_move_subscriptions(source, target),
    }
    record.moved = moved
    _recount(source, target)
    source.status, source.status_changed_at = S.MERGED, utcnow()
    source.merged_into_id = target.id
    db.session.flush()
    audit.record(
        "idea.merged",
        source,
        actor=actor,
        before={"status": record.source_status.value, "merged_into_id": None},
        after={
            "status": S.MERGED.value,
            "merged_into_id": target.id,
            "votes_moved": len(moved["votes_moved"]),
            "votes_dropped": len(moved["votes_dropped"]),
            "comments_moved": len(moved["comments"]),
            "followers_moved": len(moved["subs_moved"]),
        },
        summary=f"“{source.title}” merged into “{target.title}” "
        f"({len(moved['votes_moved'])} votes moved, {len(moved['votes_dropped'])} counted once)",
    )
    return record


def _move_votes(source: Idea, target: Idea) -> dict:
    on_target = set(
        db.session.scalars(sa.select(IdeaVote.person_id).where(IdeaVote.idea_id == target.id))
    )
    rows = db.session.execute(
        sa.select(IdeaVote.person_id, IdeaVote.created_at)
        .where(IdeaVote.idea_id == source.id)
        .order_by(IdeaVote.person_id)
    ).all()
    moved = [{"person_id": p, "at": _iso(at)} for p, at in rows if p not in on_target]
    dropped = [{"person_id": p, "at": _iso(at)} for p, at in rows if p in on_target]
    if moved:
        db.session.execute(
            sa.update(IdeaVote)
            .where(
                IdeaVote.idea_id == source.id,
                IdeaVote.person_id.in_([v["person_id"] for v in moved]),
            )
            .values(idea_id=target.id)
        )
    db.session.execute(sa.delete(IdeaVote).where(IdeaVote.idea_id == source.id))
    return {"votes_moved": moved, "votes_dropped": dropped}


def _move_comments(source: Idea, target: Idea) -> list[int]:
    ids = list(
        db.session.scalars(
            sa.select(IdeaComment.id)
            .where(IdeaComment.idea_id == source.id)
            .order_by(IdeaComment.id)
        )
    )
    if ids:
        db.session.execute(
            sa.update(IdeaComment).where(IdeaComment.id.in_(ids)).values(idea_id=target.id)
        )
    return ids


def _move_subscriptions(source: Idea, target: Idea) -> dict:
    on_target = set(
        db.session.scalars(
            sa.select(IdeaSubscription.person_id).where(IdeaSubscription.idea_id == target.id)
        )
    )
    rows = db.session.execute(
        sa.select(IdeaSubscription.person_id, IdeaSubscription.active, IdeaSubscription.updated_at)
        .where(IdeaSubscription.idea_id == source.id)
        .order_by(IdeaSubscription.person_id)
    ).all()
    moved, dropped = [], []
    for person_id, active, updated_at in rows:
        row = {"person_id": person_id, "active": active, "at": _iso(updated_at)}
        (dropped if person_id in on_target else moved).append(row)
    if moved:
        # updated_at kept as it was (the ORM's onupdate would stamp it now).
        db.session.execute(
            sa.update(IdeaSubscription)
            .where(
                IdeaSubscription.idea_id == source.id,
                IdeaSubscription.person_id.in_([s["person_id"] for s in moved]),
            )
            .values(idea_id=target.id, updated_at=IdeaSubscription.updated_at)
        )
    db.session.execute(sa.delete(IdeaSubscription).where(IdeaSubscription.idea_id == source.id))
    return {"subs_moved": moved, "subs_dropped": dropped}


def _recount(*ideas: Idea) -> None:
    """vote_count = the rows, for each idea (merging moves rows in bulk)."""
    for idea in ideas:
        count = sa.select(sa.func.count()).where(IdeaVote.idea_id == idea.id).scalar_subquery()
        db.session.execute(sa.update(Idea).where(Idea.id == idea.id).values(vote_count=count))
        db.session.refresh(idea, ["vote_count"])


# --- Undo ----------------------------------------------------------------------------------


def merges_into(idea: Idea) -> list[IdeaMerge]:
    """The merges into this idea still in effect, oldest first."""
    return list(
        db.session.scalars(
            sa.select(IdeaMerge)
            .where(IdeaMerge.target_id == idea.id, IdeaMerge.undone_at.is_(None))
            .order_by(IdeaMerge.id)
        )
    )


def current_merge(idea: Idea) -> IdeaMerge | None:
    """The merge that made this idea merged, while it is."""
    if idea.status != S.MERGED:
        return None
    return db.session.scalar(
        sa.select(IdeaMerge)
        .where(IdeaMerge.source_id == idea.id, IdeaMerge.undone_at.is_(None))
        .order_by(IdeaMerge.id.desc())
        .limit(1)
    )


def why_not_undoable(record: IdeaMerge) -> str | None:
    """The sentence saying why the merge can't be undone exactly, or None when it can."""
    source, target = record.source, record.target
    if record.undone_at is not None:
        return "This merge was undone already."
    if source.status != S.MERGED or source.merged_into_id != target.id:
        return "The idea is no longer merged into that idea."
    if target.status == S.MERGED:
        return (
            f"“{target.title}” has been merged into idea {target.merged_into_id} since; "
            "undo that merge first."
        )
    later = db.session.scalar(
        sa.select(IdeaMerge.source_id)
        .where(
            IdeaMerge.target_id == target.id,
            IdeaMerge.id > record.id,
            IdeaMerge.undone_at.is_(None),
        )
        .limit(1)
    )
    if later is not None:
        return (
            f"Idea {later} was merged into “{target.title}” after this one; undo that merge first."
        )
    moved = record.moved
    votes = dict(
        db.session.execute(
            sa.select(IdeaVote.person_id, IdeaVote.created_at).where(
                IdeaVote.idea_id == target.id,
                IdeaVote.person_id.in_([v["person_id"] for v in moved["votes_moved"]]),
            )
        ).all()
    )
    gone = [v for v in moved["votes_moved"] if votes.get(v["person_id"]) != _time(v["at"])]
    if gone:
        return (
            f"{len(gone)} of the votes that moved have been withdrawn from “{target.title}” "
            "since, so the merge can't be undone exactly."
        )
    subs = {
        pid: (active, at)
        for pid, active, at in db.session.execute(
            sa.select(
                IdeaSubscription.person_id, IdeaSubscription.active, IdeaSubscription.updated_at
            ).where(
                IdeaSubscription.idea_id == target.id,
                IdeaSubscription.person_id.in_([s["person_id"] for s in moved["subs_moved"]]),
            )
        )
    }
    changed = [
        s for s in moved["subs_moved"] if subs.get(s["person_id"]) != (s["active"], _time(s["at"]))
    ]
    if changed:
        return (
            f"{len(changed)} of the people whose follow moved have changed it on "
            f"“{target.title}” since, so the merge can't be undone exactly."
        )
    if moved["comments"]:
        replies = db.session.scalar(
            sa.select(sa.func.count()).where(
                IdeaComment.parent_id.in_(moved["comments"]),
                IdeaComment.id.not_in(moved["comments"]),
            )
        )
        if replies:
            return (
                f"Someone replied on “{target.title}” to a comment that came with the merge; "
                "undoing it would separate the reply from its comment."
            )
    return None


def undo(actor: Person, record: IdeaMerge) -> None:
    """Put both ideas back exactly as they were before the merge, or refuse with a
    sentence (Conflict) saying why that is no longer possible."""
    if not can_triage(actor):
        raise PermissionError(TRIAGERS_ONLY)
    _lock(record.source_id, record.target_id)
    db.session.refresh(record)
    db.session.refresh(record.source)
    db.session.refresh(record.target)
    reason = why_not_undoable(record)
    if reason:
        raise Conflict({"": [reason]})
    source, target, moved = record.source, record.target, record.moved
    moved_people = [v["person_id"] for v in moved["votes_moved"]]
    if moved_people:
        db.session.execute(
            sa.delete(IdeaVote).where(
                IdeaVote.idea_id == target.id, IdeaVote.person_id.in_(moved_people)
            )
        )
    votes = moved["votes_moved"] + moved["votes_dropped"]
    if votes:
        db.session.execute(
            sa.insert(IdeaVote),
            [
                {"idea_id": source.id, "person_id": v["person_id"], "created_at": _time(v["at"])}
                for v in votes
            ],
        )
    if moved["comments"]:
        db.session.execute(
            sa.update(IdeaComment)
            .where(IdeaComment.id.in_(moved["comments"]))
            .values(idea_id=source.id)
        )
    moved_subs = [s["person_id"] for s in moved["subs_moved"]]
    if moved_subs:
        db.session.execute(
            sa.delete(IdeaSubscription).where(
                IdeaSubscription.idea_id == target.id,
                IdeaSubscription.person_id.in_(moved_subs),
            )
        )
    subs = moved["subs_moved"] + moved["subs_dropped"]
    if subs:
        db.session.execute(
            sa.insert(IdeaSubscription),
            [
                {
                    "idea_id": source.id,
                    "person_id": s["person_id"],
                    "active": s["active"],
                    "updated_at": _time(s["at"]),
                }
                for s in subs
            ],
        )
    _recount(source, target)
    db.session.add(
        IdeaStatusChange(
            idea_id=source.id,
            from_status=S.MERGED,
            to_status=record.source_status,
            message=f"The merge into “{target.title}” was undone.",
            changed_by_id=actor.id,
        )
    )
    source.status = record.source_status
    source.status_changed_at = record.source_status_changed_at
    source.merged_into_id = None
    record.undone_at, record.undone_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(
        "idea.merge_undone",
        source,
        actor=actor,
        before={"status": S.MERGED.value, "merged_into_id": target.id},
        after={"status": record.source_status.value, "merged_into_id": None},
        summary=f"Merge of “{source.title}” into “{target.title}” undone",
    )
