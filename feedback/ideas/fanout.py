"""Telling everyone who follows an idea of a status change, without holding the request.

Who is told: every active follower (IdeaSubscription.active) who is an active person,
except the one who made the change — in the app (hub.notifications.notify_many), by e-mail
(hub.mail.send_many), and on the record (IdeaNotice, one row per person and change).

- Up to CHUNK followers (nearly every idea) are told inside the request that makes the
  change, in its transaction: the change and its notices commit, or neither does.
- More than CHUNK: the request records the change and a pending IdeaFanout row (where to
  link, how many follow) and returns; after its commit a background thread tells them,
  CHUNK people per transaction. Should that process die, the `hub tick` job
  "feedback.ideas-fanout" finishes every fan-out still pending.

Exactly once, however often or concurrently a fan-out runs: each chunk, in one
transaction, locks its IdeaFanout row (FOR UPDATE on PostgreSQL; SQLite's writers queue
on BEGIN IMMEDIATE), picks the next followers who have no IdeaNotice for the change yet,
and writes their notifications, their e-mails and their notices together. A chunk that
fails rolls back whole, so its people are picked again by the next run; the notice's key
(change, person) is the backstop.

Followers are read when their chunk is written (seconds after the change): someone who
unsubscribes in between is not told, someone who follows in between is.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, current_app

from feedback.ideas.models import (
    Idea,
    IdeaFanout,
    IdeaNotice,
    IdeaStatusChange,
    IdeaSubscription,
)
from hub import audit, db, mail, notifications
from hub.db import utcnow
from hub.models import Person

log = logging.getLogger(__name__)

CHUNK = 500  # people per transaction, and the most told inside the request
NOTICE_KIND = "idea.status"


def _followers(idea_id: int) -> sa.Select:
    return (
        sa.select(Person.id, Person.email)
        .join(IdeaSubscription, IdeaSubscription.person_id == Person.id)
        .where(
            IdeaSubscription.idea_id == idea_id,
            IdeaSubscription.active.is_(True),
            Person.active.is_(True),
        )
    )


def audience(idea: Idea) -> list[tuple[int, str]]:
    """(person id, e-mail) of the active people following the idea."""
    return list(db.session.execute(_followers(idea.id).order_by(Person.id)).tuples())


def _untold(change: IdeaStatusChange, limit: int | None) -> list[tuple[int, str]]:
    """The next followers (by person id) who have no notice of this change yet."""
    told = sa.exists().where(IdeaNotice.change_id == change.id, IdeaNotice.person_id == Person.id)
    stmt = (
        _followers(change.idea_id)
        .where(Person.id != change.changed_by_id, ~told)
        .order_by(Person.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).tuples())


def start(change: IdeaStatusChange, *, link: str, path: str) -> tuple[int, IdeaFanout | None]:
    """Tell the change's audience: all of it now when it is CHUNK people or fewer
    (returns how many, None), else record the pending fan-out, to run once this
    transaction commits (returns 0 and the IdeaFanout)."""
    people = _untold(change, CHUNK + 1)
    if len(people) <= CHUNK:
        _tell(change, people, link=link, path=path)
        return len(people), None
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(
            _followers(change.idea_id).where(Person.id != change.changed_by_id).subquery()
        )
    )
    fanout = IdeaFanout(change_id=change.id, link=link, path=path, audience=total)
    db.session.add(fanout)
    db.session.flush()
    _run_after_commit(change.id)
    return 0, fanout


def tell_now(change: IdeaStatusChange, *, link: str, path: str) -> int:
    """Tell every follower not yet told, now, in this transaction, however many (a merge,
    whose followers move to the surviving idea right after); returns how many."""
    people = _untold(change, None)
    _tell(change, people, link=link, path=path)
    return len(people)


def _tell(change: IdeaStatusChange, people: list[tuple[int, str]], *, link: str, path: str):
    """Notifications, e-mails and notices for these people: three bulk INSERTs."""
    if not people:
        return
    idea = db.session.get(Idea, change.idea_id)
    actor = change.changed_by
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


def next_chunk(change_id: int) -> tuple[int, bool]:
    """Tell the next CHUNK untold followers of a pending fan-out, in the current
    transaction (the caller commits). Returns (how many were told, whether it is done)."""
    fanout = db.session.scalar(
        sa.select(IdeaFanout)
        .where(IdeaFanout.change_id == change_id, IdeaFanout.done_at.is_(None))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if fanout is None:
        return 0, True  # finished already, by another run
    change = db.session.get(IdeaStatusChange, change_id, populate_existing=True)
    people = _untold(change, CHUNK)
    _tell(change, people, link=fanout.link, path=fanout.path)
    change.notified_count += len(people)
    if len(people) == CHUNK:
        return len(people), False
    fanout.done_at = utcnow()
    idea = db.session.get(Idea, change.idea_id)
    audit.record(
        "idea.status_told",
        idea,
        actor=change.changed_by,
        after={"change_id": change.id, "notified_count": change.notified_count},
        summary=(
            f"Everyone following “{idea.title}” told of its move to "
            f"{change.to_status.label.lower()} ({change.notified_count})"
        ),
    )
    return len(people), True


def drain(change_id: int) -> int:
    """Finish one pending fan-out, committing after each chunk; how many were told now.
    Safe to run twice, or in two processes at once."""
    told = 0
    while True:
        try:
            count, done = next_chunk(change_id)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        told += count
        if done:
            return told


def pending() -> list[int]:
    """The changes whose fan-out has not finished, oldest first."""
    return list(
        db.session.scalars(
            sa.select(IdeaFanout.change_id)
            .where(IdeaFanout.done_at.is_(None))
            .order_by(IdeaFanout.change_id)
        )
    )


def finish_pending(now: datetime | None = None) -> str:
    """The `hub tick` job: finish every fan-out still pending (a process that died mid-way)."""
    changes = pending()
    db.session.commit()
    told = sum(drain(change_id) for change_id in changes)
    return f"{len(changes)} status change(s) fanned out, {told} people told"


def _run_after_commit(change_id: int) -> None:
    app = current_app._get_current_object()

    def kick():
        if isinstance(app.extensions["hub.db"]["engine"], sa.Connection):
            # An app bound to one connection (the tests' rolled-back transactions): no
            # second thread on it — the fan-out runs here, after the commit.
            _drain_in(app, change_id)
            return
        threading.Thread(
            target=_drain_in, args=(app, change_id), name=f"idea-fanout-{change_id}", daemon=True
        ).start()

    db.on_commit(kick)


def _drain_in(app: Flask, change_id: int) -> None:
    with app.app_context():
        try:
            drain(change_id)
        except Exception:  # the tick job finishes it
            log.exception("fan-out of idea status change %s failed; `hub tick` retries", change_id)
