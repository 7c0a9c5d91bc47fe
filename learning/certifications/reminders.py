"""Renewal reminders (a daily job): 90, 30 and 7 days before a certification expires,
its holder and the partner admins of the holder's organisation today are told — in the
hub and by e-mail. Each window's reminder is recorded per certification, so a second run
(or a missed day caught up) sends nothing twice."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from hub import audit, db, notifications
from hub.dates import format_date
from hub.mail import send_mail
from hub.models import Person, Role
from learning.certifications.models import Certification, RenewalReminder

WINDOWS = (90, 30, 7)  # days before expiry, widest first


def window_for(valid_until: datetime, now: datetime) -> int | None:
    """The narrowest reminder window the certification is in now (None: none yet)."""
    left = valid_until - now
    inside = [days for days in WINDOWS if left <= timedelta(days=days)]
    return min(inside) if inside else None


def _link(path: str) -> str:
    public = (
        current_app.config.get("PUBLIC_URL") or f"http://127.0.0.1:{current_app.config['PORT']}"
    )
    return str(public).rstrip("/") + path


def due(now: datetime) -> list[tuple[Certification, int]]:
    """The certifications whose reminder for the window they are in has not gone out:
    valid now, not renewed yet, their holder active; with that window."""
    renewal = aliased(Certification, name="renewal")
    renewed = sa.exists(sa.select(renewal.id).where(renewal.renews_id == Certification.id))
    certs = db.session.scalars(
        sa.select(Certification)
        .join(Person, Person.id == Certification.person_id)
        .where(
            Person.active.is_(True),
            Certification.revoked_at.is_(None),
            Certification.valid_from <= now,
            Certification.valid_until > now,
            Certification.valid_until <= now + timedelta(days=max(WINDOWS)),
            ~renewed,
        )
        .order_by(Certification.valid_until, Certification.id)
    ).all()
    if not certs:
        return []
    sent = set(
        db.session.execute(
            sa.select(RenewalReminder.certification_id, RenewalReminder.days_before).where(
                RenewalReminder.certification_id.in_([c.id for c in certs])
            )
        ).tuples()
    )
    found = []
    for cert in certs:
        days = window_for(cert.valid_until, now)
        if days is not None and (cert.id, days) not in sent:
            found.append((cert, days))
    return found


def _partner_admins(org_ids: set[int]) -> dict[int, list[Person]]:
    admins: dict[int, list[Person]] = defaultdict(list)
    for person in db.session.scalars(
        sa.select(Person).where(
            Person.organization_id.in_(org_ids),
            Person.role == Role.PARTNER_ADMIN,
            Person.active.is_(True),
        )
    ):
        admins[person.organization_id].append(person)
    return admins


def send_renewal_reminders(now: datetime) -> str:
    """The daily job: remind each holder (and their partner admins) once per window."""
    found = due(now)
    admins = _partner_admins({cert.person.organization_id for cert, _ in found})
    told = 0
    for cert, days in found:
        try:
            with db.session.begin_nested():
                reminder = RenewalReminder(certification_id=cert.id, days_before=days, sent_at=now)
                db.session.add(reminder)
        except sa.exc.IntegrityError:
            continue  # another run recorded this window a moment ago: it told them
        holder, title = cert.person, cert.level.title
        path = f"/learning/certifications/{cert.id}"
        recipients = [holder] + [a for a in admins[holder.organization_id] if a.id != holder.id]
        for person in recipients:
            until = format_date(cert.valid_until, person)
            if person.id == holder.id:
                text = f"Your {title} certification expires on {until}: renew it now."
            else:
                text = f"{holder.name}'s {title} certification expires on {until}."
            notifications.notify(person.id, "certification", text, path)
            send_mail(
                person.email,
                f"Certification expires in {days} days: {title}",
                f"Hello {person.name.split()[0]},\n\n{text}\n\n"
                "Renewal takes the shorter recertification module and its quiz, from 90 "
                "days before expiry to the end of the grace period:\n"
                f"{_link(path)}\n",
            )
        reminder.recipients = len(recipients)
        audit.record(
            "learning.renewal_reminder_sent",
            cert,
            organization_id=holder.organization_id,
            after={"days_before": days, "recipients": len(recipients)},
            summary=f"{days}-day renewal reminder for {holder.name}'s {title} certification",
        )
        told += 1
    db.session.flush()
    return f"{told} certification renewal reminders sent"
