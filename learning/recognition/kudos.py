"""Kudos: OEM staff and partner admins recognise a person with a short message. Who can
be recognised and who reads it follow the access policy: a partner admin recognises the
people of its own organisation and those beneath it; the wall shows a partner only the
kudos of people in its scope (never another dealer's), OEM staff everything."""

from __future__ import annotations

import sqlalchemy as sa

from hub import audit, db, notifications, policy
from hub.errors import ValidationFailed
from hub.models import Person, Role
from learning.recognition import badges
from learning.recognition.models import BadgeKind, Kudos, KudosCategory, RecognitionSetting

MAX_MESSAGE = 280


def may_give(viewer: Person) -> bool:
    return viewer.is_oem or viewer.role == Role.PARTNER_ADMIN


def _people_in_scope(viewer: Person) -> sa.Select:
    stmt = sa.select(Person).where(Person.active.is_(True), Person.id != viewer.id)
    if viewer.is_oem:
        return stmt
    return stmt.where(Person.organization_id.in_(policy.visible_organization_ids(viewer)))


def recipients(viewer: Person, limit: int = 500) -> list[Person]:
    """Whom the viewer may recognise, by name (nobody for those who may not give kudos)."""
    if not may_give(viewer):
        return []
    return list(db.session.scalars(_people_in_scope(viewer).order_by(Person.name).limit(limit)))


def give(giver: Person, recipient_id, category: str, message: str) -> Kudos:
    """Recognise someone: every problem is a sentence on its field, nothing changed.
    The recipient is told; kudos for mentoring earns them the Mentor badge."""
    if not may_give(giver):
        raise PermissionError("only OEM staff and partner admins give kudos")
    problems: dict[str, list[str]] = {}
    recipient = None
    if str(recipient_id or "").isdigit():
        recipient = db.session.scalar(_people_in_scope(giver).where(Person.id == int(recipient_id)))
    if recipient is None:
        problems["recipient_id"] = ["Choose the person to recognise from the list."]
    if category not in {c.value for c in KudosCategory}:
        problems["category"] = ["Choose what the kudos is for."]
    message = (message or "").strip()
    if not message:
        problems["message"] = ["Write a short message saying what they did."]
    elif len(message) > MAX_MESSAGE:
        problems["message"] = [
            f"Keep the message to {MAX_MESSAGE} characters or fewer (it has {len(message)})."
        ]
    if problems:
        raise ValidationFailed(problems)
    kudos = Kudos(
        giver_id=giver.id,
        recipient_id=recipient.id,
        category=KudosCategory(category),
        message=message,
    )
    db.session.add(kudos)
    db.session.flush()
    audit.record(
        "learning.kudos_given",
        kudos,
        organization_id=recipient.organization_id,
        after={"recipient": recipient.id, "category": category, "message": message},
        summary=f"{giver.name} gave {recipient.name} kudos ({kudos.category.label})",
        actor=giver,
    )
    notifications.notify(
        recipient.id,
        "kudos",
        f"{giver.name} recognised you ({kudos.category.label}): {message}",
        f"/people/{recipient.id}",
        actor=giver,
    )
    if kudos.category == KudosCategory.MENTORING:
        badges.award(db.session, recipient, BadgeKind.MENTOR, "", f"recognised by {giver.name}")
    return kudos


def opted_out_ids() -> sa.Select:
    return sa.select(RecognitionSetting.person_id).where(RecognitionSetting.opted_out.is_(True))


def visible_kudos(viewer: Person, *, wall: bool = False) -> sa.Select:
    """SELECT of the kudos the viewer may read, newest first: OEM staff all, a partner
    those to people of organisations in its scope. On the wall, people who opted out are
    left out."""
    stmt = sa.select(Kudos).join(Person, Person.id == Kudos.recipient_id)
    if not viewer.is_oem:
        stmt = stmt.where(Person.organization_id.in_(policy.visible_organization_ids(viewer)))
    if wall:
        stmt = stmt.where(Kudos.recipient_id.not_in(opted_out_ids()))
    return stmt.order_by(Kudos.created_at.desc(), Kudos.id.desc())


def kudos_for(viewer: Person, person_id: int, limit: int = 20) -> list[Kudos]:
    """A person's kudos as the viewer may read them."""
    return list(
        db.session.scalars(
            visible_kudos(viewer).where(Kudos.recipient_id == person_id).limit(limit)
        )
    )


def is_opted_out(person_id: int) -> bool:
    setting = db.session.get(RecognitionSetting, person_id)
    return bool(setting and setting.opted_out)


def set_opted_out(person: Person, opted_out: bool) -> None:
    """Leave (or rejoin) leaderboards and the recognition wall. Audited when it changes."""
    setting = db.session.get(RecognitionSetting, person.id)
    before = bool(setting and setting.opted_out)
    if setting is None:
        setting = RecognitionSetting(person_id=person.id)
        db.session.add(setting)
    setting.opted_out = opted_out
    db.session.flush()
    audit.record_change(
        "learning.recognition_opt_out",
        setting,
        object_type="RecognitionSetting",
        object_id=person.id,
        organization_id=person.organization_id,
        before={"opted_out": before},
        after={"opted_out": opted_out},
        summary=f"{person.name} {'left' if opted_out else 'rejoined'} leaderboards and the wall",
        actor=person,
    )
