"""Badges: awarded automatically when the milestone happens, once each.

- First certification, full track (every level of a path held at once) and renewed on
  time (a level certified again while the previous certification was still valid) are
  awarded when a certification is issued: a `before_flush` listener sees the new
  certification in the session and adds the badges to the same flush, so they commit
  or roll back with it and the certification rules need not know about recognition.
- Mentor: when someone gives the person kudos for mentoring (learning.recognition.kudos).

Awarding is idempotent: (person, kind, key) is unique and checked first.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from hub import audit, db
from hub.db import utcnow
from hub.extensions import socketio
from hub.models import Notification, Person
from hub.realtime.service import person_room
from learning.certifications.models import Certification
from learning.paths.models import Level
from learning.recognition.models import Badge, BadgeKind


def _pending(session: Session, person_id: int, kind: BadgeKind, key: str) -> bool:
    return any(
        isinstance(o, Badge) and (o.person_id, o.kind, o.key) == (person_id, kind, key)
        for o in session.new
    )


def award(
    session: Session,
    person: Person,
    kind: BadgeKind,
    key: str = "",
    detail: str = "",
    now: datetime | None = None,
) -> Badge | None:
    """Award a badge unless the person has it already (then None). Adds the badge, its
    audit event and the person's notification without flushing, so it also runs inside
    a flush (the certification listener)."""
    exists = session.scalar(
        sa.select(Badge.id).where(
            Badge.person_id == person.id, Badge.kind == kind, Badge.key == key
        )
    )
    if exists is not None or _pending(session, person.id, kind, key):
        return None
    badge = Badge(
        person_id=person.id, kind=kind, key=key, detail=detail[:200], awarded_at=now or utcnow()
    )
    session.add(badge)
    audit.record(
        "learning.badge_awarded",
        object_type="Badge",
        object_id=f"{person.id}:{kind.value}:{key}",
        organization_id=person.organization_id,
        after={"kind": kind.value, "key": key},
        summary=f"{person.name} earned the {kind.label} badge{': ' + detail if detail else ''}",
        actor=person,
    )
    text = f"You earned a badge: {kind.label}{' — ' + detail if detail else ''}."
    url = "/learning/recognition/leaderboard#my-badges"
    session.add(Notification(person_id=person.id, kind="badge", text=text[:500], url=url))
    payload = {"kind": "badge", "text": text, "url": url}
    db.on_commit(lambda: socketio.emit("notification", payload, to=person_room(person.id)))
    return badge


def award_for_certification(session: Session, cert: Certification) -> list[Badge]:
    """The badges a newly issued certification earns its holder."""
    person = session.get(Person, cert.person_id)
    level = session.get(Level, cert.level_id)
    if person is None or level is None:
        return []
    when = cert.issued_at or utcnow()
    earlier = list(
        session.scalars(sa.select(Certification).where(Certification.person_id == person.id))
    )
    earlier = [c for c in earlier if c is not cert]
    awarded = []
    if not earlier:
        awarded.append(award(session, person, BadgeKind.FIRST_CERTIFICATION, "", level.title, when))
    renewed = [
        c
        for c in earlier
        if c.level_id == level.id and c.revoked_at is None and c.valid_until >= when
    ]
    if renewed:
        awarded.append(
            award(
                session, person, BadgeKind.RENEWED_ON_TIME, f"level:{level.id}", level.title, when
            )
        )
    held = {c.level_id for c in earlier if c.revoked_at is None and c.valid_until > when}
    held.add(level.id)
    path_levels = set(session.scalars(sa.select(Level.id).where(Level.path_id == level.path_id)))
    if path_levels and path_levels <= held:
        awarded.append(
            award(
                session,
                person,
                BadgeKind.FULL_TRACK,
                f"path:{level.path_id}",
                level.path.title,
                when,
            )
        )
    return [b for b in awarded if b is not None]


@event.listens_for(Session, "before_flush")
def _award_on_certification(session, _context, _instances):
    """A certification issued anywhere (a module read, a quiz passed, a renewal) earns its
    badges in the same flush."""
    for obj in list(session.new):
        if isinstance(obj, Certification):
            award_for_certification(session, obj)


def badges_of(person_id: int) -> list[Badge]:
    return list(
        db.session.scalars(
            sa.select(Badge)
            .where(Badge.person_id == person_id)
            .order_by(Badge.awarded_at, Badge.id)
        )
    )
