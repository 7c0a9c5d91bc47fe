"""An idea's status, changed by a product manager (or program admin) with a message that
reaches everyone who follows it: every voter, commenter and subscriber (and the poster),
unless they unsubscribed — in the app and by e-mail, with a record of who was told.

Telling them is feedback.ideas.fanout: inside the request for up to fanout.CHUNK people,
after it (a background thread, `hub tick` as the safety net) for more, so a change that
10,000 people follow returns as fast as one that ten follow.
"""

from __future__ import annotations

import sqlalchemy as sa

from feedback.ideas import fanout
from feedback.ideas.access import TRIAGERS_ONLY, can_triage
from feedback.ideas.fanout import NOTICE_KIND, audience
from feedback.ideas.models import (
    MESSAGE_MAX,
    Idea,
    IdeaNotice,
    IdeaStatus,
    IdeaStatusChange,
)
from hub import audit, db
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import Person

S = IdeaStatus
# Merging moves votes and comments to another idea: its own step (feedback.ideas.merging).
SETTABLE = [S.NEW, S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS, S.IN_BETA, S.SHIPPED, S.DECLINED]
__all__ = ["NOTICE_KIND", "SETTABLE", "audience", "change_status", "history", "notices"]


def change_status(
    actor: Person, idea: Idea, to_status: str, message: str, *, link: str, path: str
) -> IdeaStatusChange:
    """Move the idea to to_status with a message (the reason, when declining) and tell
    everyone who follows it. `link`: the idea page's address for e-mails; `path`: the
    same for in-app notifications. With more than fanout.CHUNK followers the change's
    `fanout` (IdeaFanout) is set and notified_count grows after the commit."""
    if not can_triage(actor):
        raise PermissionError(TRIAGERS_ONLY)
    problems: dict[str, list[str]] = {}
    try:
        target = S(to_status)
    except ValueError:
        target = None
    if idea.status == S.MERGED:
        problems["status"] = [
            "This idea is merged into another; undo the merge to change its status."
        ]
    elif target is None or target not in SETTABLE:
        problems["status"] = ["Choose one of the statuses offered."]
    elif target == idea.status:
        problems["status"] = [f"The idea is {idea.status.label.lower()} already."]
    message = (message or "").strip()
    if not message:
        problems["message"] = [
            "Give the reason for declining: the people who voted will read it."
            if target == S.DECLINED
            else "Write a message for the people who follow this idea: what happens next."
        ]
    elif len(message) > MESSAGE_MAX:
        problems["message"] = [f"Keep the message to {MESSAGE_MAX:,} characters."]
    if problems:
        raise ValidationFailed(problems)
    before = idea.status
    change = IdeaStatusChange(
        idea_id=idea.id,
        from_status=before,
        to_status=target,
        message=message,
        changed_by_id=actor.id,
    )
    idea.status, idea.status_changed_at = target, utcnow()
    db.session.add(change)
    db.session.flush()
    change.notified_count, change.fanout = fanout.start(change, link=link, path=path)
    told = (
        f"{change.notified_count} told"
        if change.fanout is None
        else f"telling the {change.fanout.audience} following it"
    )
    audit.record(
        "idea.status_changed",
        idea,
        actor=actor,
        before={"status": before.value},
        after={"status": target.value, "message": message[:200]},
        summary=f"“{idea.title}” moved to {target.label.lower()} ({told})",
    )
    return change


def history(idea: Idea) -> list[IdeaStatusChange]:
    return list(
        db.session.scalars(
            sa.select(IdeaStatusChange)
            .where(IdeaStatusChange.idea_id == idea.id)
            .order_by(IdeaStatusChange.id)
        )
    )


def notices(change: IdeaStatusChange) -> list[IdeaNotice]:
    return list(
        db.session.scalars(
            sa.select(IdeaNotice)
            .where(IdeaNotice.change_id == change.id)
            .order_by(IdeaNotice.person_id)
        )
    )
