"""Making a certification row: its credential id, its validity and grace, and the
announcement (audit event, the holder's notification). Issuing and renewing both use it."""

from __future__ import annotations

import calendar
import secrets
from datetime import datetime, timedelta

from hub import audit, db, notifications
from hub.dates import format_date
from hub.db import utcnow
from hub.models import Person
from learning.certifications.models import Certification
from learning.paths.models import Level


def add_months(when: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = when.month - 1 + months
    year, month = when.year + month // 12, month % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def new_credential_id() -> str:
    """An id nobody can guess (128 bits of randomness), safe in a URL."""
    return secrets.token_urlsafe(16)


def issue(
    person: Person,
    level: Level,
    now: datetime | None = None,
    *,
    valid_from: datetime | None = None,
    renews: Certification | None = None,
) -> Certification:
    """Issue a certification of level to person (the requirements are the caller's):
    valid for the level's months from `valid_from` (now by default), then in grace for
    its grace days. With `renews`, it continues that certification's chain."""
    now = now or utcnow()
    start = valid_from or now
    valid_until = add_months(start, level.validity_months)
    cert = Certification(
        credential_id=new_credential_id(),
        person_id=person.id,
        level_id=level.id,
        issued_at=now,
        valid_from=start,
        valid_until=valid_until,
        grace_until=valid_until + timedelta(days=level.grace_days),
        renews_id=renews.id if renews else None,
    )
    db.session.add(cert)
    db.session.flush()
    if renews is not None:
        db.session.expire(renews, ["renewal"])  # read afresh: renewed now
    until = format_date(cert.valid_until, person)
    if renews is None:
        action, summary = "learning.certification_issued", "issued to"
        message = f"You are certified: {level.title}, valid until {until}."
    else:
        action, summary = "learning.certification_renewed", "renewed for"
        message = f"Your {level.title} certification is renewed, valid until {until}."
    audit.record(
        action,
        cert,
        organization_id=person.organization_id,
        after={
            "level": level.title,
            "valid_from": audit.jsonable(cert.valid_from),
            "valid_until": audit.jsonable(cert.valid_until),
            "renews": renews.credential_id if renews else None,
        },
        summary=f"{level.title} certification {summary} {person.name}",
        actor=person,
    )
    notifications.notify(person.id, "certification", message, f"/learning/certifications/{cert.id}")
    return cert
