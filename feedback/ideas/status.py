"""An idea's status, changed by a product manager (or program admin) with a message that
reaches everyone who follows it: every voter, commenter and subscriber (and the poster),
unless they unsubscribed — in the app and by e-mail, with a record of who was told.

The audience can be large, so it is written in bulk inside the request's transaction:
one bulk INSERT each for the notifications, the outbox mail and the
record of who was told; e-mail goes out after the commit (hub.mail).
"""

from __future__ import annotations

import sqlalchemy as sa

from feedback.ideas.access import TRIAGERS_ONLY, can_triage
from feedback.ideas.models import (
    MESSAGE_MAX,
    Idea,
    IdeaNotice,
    IdeaStatus,
    IdeaStatusChange,
    IdeaSubscription,
)
from hub import audit, db, mail, notifications
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import Person

S = IdeaStatus
# Merging moves votes and comments to another idea: its own step (feedback.ideas.merging).
SETTABLE = [S.NEW, S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS, S.IN_BETA, S.SHIPPED, S.DECLINED]
NOTICE_KIND = "idea.status"


def audience(idea: Idea) -> list[tuple[int, str]]:
    """(person id, e-mail) of the active people following the idea."""
    return list(
        db.session.execute(
            sa.select(Person.id, Person.email)
            .join(IdeaSubscription, IdeaSubscription.person_id == Person.id)
            .where(
                IdeaSubscription.idea_id == idea.id,
                IdeaSubscription.active.is_(True),
                Person.active.is_(True),
            )
            .order_by(Person.id)
        ).tuples()
    )


def change_status(
    actor: Person, idea: Idea, to_status: str, message: str, *, link: str, path: str
) -> IdeaStatusChange:
    """Move the idea to to_status with a message (the reason, when declining) and tell
    everyone who follows it. `link`: the idea page's address for e-mails; `path`: the
    same for in-app notifications."""
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
    change.notified_count = tell_followers(actor, idea, change, link=link, path=path)
    audit.record(
        "idea.status_changed",
        idea,
        actor=actor,
        before={"status": before.value},
        after={"status": target.value, "message": message[:200]},
        summary=f"“{idea.title}” moved to {target.label.lower()} ({change.notified_count} told)",
    )
    return change


def tell_followers(
    actor: Person, idea: Idea, change: IdeaStatusChange, *, link: str, path: str
) -> int:
    """Tell the idea's active followers (except the actor) of the change, in the app and by
    e-mail, and record who was told; returns how many."""
    people = [(pid, email) for pid, email in audience(idea) if pid != actor.id]
    if not people:
        return 0
    status = change.to_status.label.lower()
    text = f"“{idea.title}” is now {status}: {change.message}"
    notifications.notify_many([pid for pid, _ in people], NOTICE_KIND, text, path, actor=actor)
    subject = f"Your idea update: “{idea.title}” is {status}"
    body = (
        f"{actor.name} moved “{idea.title}” ({idea.product_line.name}) to {status}.\n\n"
        f"{change.message}\n\nSee the idea: {link}\n\n"
        "You get this because you posted, voted for, commented on or follow this idea; "
        "unsubscribe on the idea's page."
    )
    mail.send_many([(email, subject, body) for _, email in people])
    now = utcnow()
    db.session.execute(
        sa.insert(IdeaNotice),
        [
            {"change_id": change.id, "person_id": pid, "email": email, "notified_at": now}
            for pid, email in people
        ],
    )
    return len(people)


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
