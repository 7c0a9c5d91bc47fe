"""In-app notifications: stored for the bell, pushed live to the person's socket room."""

from __future__ import annotations

import sqlalchemy as sa

from hub import db
from hub.db import utcnow
from hub.extensions import socketio
from hub.models import Notification, Person
from hub.realtime.service import person_room


def notify(
    person_id: int, kind: str, text: str, url: str = "", *, actor: Person | None = None
) -> Notification:
    """Tell a person something; it reaches their open pages once the transaction commits.
    `actor` is whose step it reports (shown beside it), None for what the hub says itself."""
    note = Notification(
        person_id=person_id,
        kind=kind,
        text=text[:500],
        url=url,
        actor_id=actor.id if actor is not None else None,
    )
    db.session.add(note)
    db.session.flush()
    payload = {"id": note.id, "kind": kind, "text": note.text, "url": url}
    db.on_commit(lambda: socketio.emit("notification", payload, to=person_room(person_id)))
    return note


# Built once: the bell's count is on every page.
_UNREAD = db.prepared(
    sa.select(sa.func.count())
    .select_from(Notification)
    .where(Notification.person_id == sa.bindparam("person_id"), Notification.read_at.is_(None))
)


def notify_many(
    person_ids: list[int], kind: str, text: str, url: str = "", *, actor: Person | None = None
) -> int:
    """Tell many people the same thing: one bulk INSERT inside the transaction (however
    large the audience), pushed to their open pages once it commits. Returns how many."""
    if not person_ids:
        return 0
    now, text = utcnow(), text[:500]
    actor_id = actor.id if actor is not None else None
    rows = [
        {
            "person_id": person_id,
            "kind": kind,
            "text": text,
            "url": url,
            "actor_id": actor_id,
            "created_at": now,
        }
        for person_id in person_ids
    ]
    db.session.execute(sa.insert(Notification), rows)
    payload = {"kind": kind, "text": text, "url": url}

    def push():
        for person_id in person_ids:
            socketio.emit("notification", payload, to=person_room(person_id))

    db.on_commit(push)
    return len(rows)


def unread_count(person_id: int) -> int:
    return db.read(_UNREAD, {"person_id": person_id}).scalar_one()


_LATEST = db.prepared(
    sa.select(
        Notification.id,
        Notification.kind,
        Notification.text,
        Notification.url,
        Notification.created_at,
        Notification.read_at,
    )
    .where(Notification.person_id == sa.bindparam("person_id"))
    .order_by(Notification.created_at.desc(), Notification.id.desc())
    .limit(sa.bindparam("limit", type_=sa.Integer))
)


def latest(person_id: int, limit: int) -> list:
    """The newest notifications as rows to show (id, kind, text, url, created_at,
    read_at): the dashboard's list, read without loading objects."""
    return db.read(_LATEST, {"person_id": person_id, "limit": limit}).all()


def recent(person_id: int, limit: int = 20) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.person_id == person_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(person_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, all) of the person's notifications read; returns how many."""
    stmt = (
        sa.update(Notification)
        .where(Notification.person_id == person_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return db.session.execute(stmt).rowcount
