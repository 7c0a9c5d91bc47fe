"""Certification rules: issuing one when a level's requirements are met, revoking one
(the program admin), and who may see which. Pages, the API and the demo call these."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort

from hub import audit, db, notifications, policy
from hub.dates import format_date
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import Organization, OrgKind, Person, Role
from learning.certifications import renewal
from learning.certifications.credentials import add_months as add_months
from learning.certifications.credentials import issue as issue
from learning.certifications.credentials import new_credential_id as new_credential_id
from learning.certifications.models import Certification, CertificationStatus
from learning.certifications.requirements import Standing, standing
from learning.paths.models import Level

EXPIRING_SOON = timedelta(days=90)


def award_if_earned(
    person: Person, level: Level, now: datetime | None = None
) -> Certification | None:
    """Issue the level's certification when the person has met all its requirements
    (every module done, every prerequisite held) and holds no valid one yet; renew it
    when the person has held it and has done the recertification in its window."""
    now = now or utcnow()
    # One award at a time per person (a module read and a quiz passed at once would both
    # see the level done): the person's row is the lock; the record is read after it.
    db.session.execute(sa.select(Person.id).where(Person.id == person.id).with_for_update())
    # A level held before is renewed (or not) by its recertification rules, not the path.
    decided, renewed = renewal.decide(person, level, now)
    if decided:
        return renewed
    record = standing(person.id, now)
    if record.holds(level) or not record.unlocked(level) or not record.level_done(level):
        return None
    return issue(person, level, now)


def can_revoke(viewer: Person) -> bool:
    return policy.is_program_admin(viewer)


def revoke(
    actor: Person, cert: Certification, reason: str, now: datetime | None = None
) -> Certification:
    """Revoke a certification (the program admin), saying why; audited, and the holder
    is told. Refused with a sentence when it is revoked already or no reason is given."""
    reason = (reason or "").strip()
    if cert.revoked_at is not None:
        raise Conflict(
            f"This certification was revoked already on {format_date(cert.revoked_at, actor)}."
        )
    if not reason:
        raise ValidationFailed({"reason": ["Say why it is revoked; the holder will read it."]})
    if len(reason) > 300:
        raise ValidationFailed({"reason": ["Keep the reason to 300 characters or fewer."]})
    cert.revoked_at = now or utcnow()
    cert.revoked_by_id = actor.id
    cert.revoke_reason = reason
    audit.record(
        "learning.certification_revoked",
        cert,
        organization_id=cert.person.organization_id,
        before={"status": "valid"},
        after={"status": "revoked", "reason": reason},
        summary=f"{cert.level.title} certification of {cert.person.name} revoked",
        actor=actor,
    )
    notifications.notify(
        cert.person_id,
        "certification",
        f"Your {cert.level.title} certification was revoked: {reason}",
        f"/learning/certifications/{cert.id}",
        actor=actor,
    )
    return cert


def visible_certifications(viewer: Person) -> sa.Select:
    """SELECT of the certifications the viewer may see: their own, and those of the
    people the access policy shows them (OEM staff all; a partner its scope)."""
    stmt = sa.select(Certification).join(Person, Person.id == Certification.person_id)
    if viewer.is_oem:
        return stmt
    return stmt.where(
        sa.or_(
            Certification.person_id == viewer.id,
            Person.organization_id.in_(policy.visible_organization_ids(viewer)),
        )
    )


def others_in_scope(viewer: Person, limit: int = 100) -> list[Certification]:
    """For the wallet of OEM staff and partner admins: the newest certifications of the
    people in their scope (not their own); nobody else gets this list."""
    if not (viewer.is_oem or viewer.role == Role.PARTNER_ADMIN):
        return []
    stmt = (
        visible_certifications(viewer)
        .where(Certification.person_id != viewer.id)
        .order_by(Certification.issued_at.desc(), Certification.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def get_certification_or_404(viewer: Person, cert_id: int) -> Certification:
    """The certification if the viewer may see it; a 404 otherwise, whether or not it exists."""
    cert = db.session.scalar(visible_certifications(viewer).where(Certification.id == cert_id))
    if cert is None:
        abort(404)
    return cert


def by_credential(credential_id: str) -> Certification | None:
    """The certification a public credential id names, or None (forged, mistyped)."""
    if not credential_id or len(credential_id) > 40:
        return None
    return db.session.scalar(
        sa.select(Certification).where(Certification.credential_id == credential_id)
    )


def expiring_soon(record: Standing) -> list[Certification]:
    """The person's certifications to renew: in grace, or valid and running out within
    EXPIRING_SOON (not those renewed already), soonest first."""
    soon = record.now + EXPIRING_SOON
    found = [
        c
        for c in record.certifications
        if c.renewal is None
        and (
            c.status(record.now) == CertificationStatus.IN_GRACE
            or (c.status(record.now) == CertificationStatus.VALID and c.valid_until <= soon)
        )
    ]
    return sorted(found, key=lambda c: c.valid_until)


def issuer_name() -> str:
    """Who issues the certifications: the OEM running the program."""
    name = db.session.scalar(
        sa.select(Organization.name).where(Organization.kind == OrgKind.OEM).limit(1)
    )
    return name or "Partner program"
