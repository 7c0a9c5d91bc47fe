"""Applying to a beta program and the product manager's decision.

An eligible partner user applies while applications are open, with a short motivation;
an ineligible one is refused with a sentence per rule they miss. The product manager
accepts (never past the maximum of participants), waitlists or declines, and the
applicant is told in the app and by e-mail. Applicants are listed by their engagement in
earlier programs (feedback.betas.engagement), best first.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from feedback.betas.access import MANAGERS_ONLY, PARTNERS_ONLY, can_manage, is_partner
from feedback.betas.eligibility import missing
from feedback.betas.engagement import track_record
from feedback.betas.models import (
    MOTIVATION_MAX,
    ApplicationStatus,
    BetaApplication,
    BetaProgram,
)
from feedback.betas.schedule import Phase, phase
from hub import audit, db, mail, notifications
from hub.dates import format_date
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import Person

A = ApplicationStatus
DECISIONS = (A.ACCEPTED, A.WAITLISTED, A.DECLINED)
DECIDED_KIND = "beta.decision"


def accepted_count(program: BetaProgram) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(BetaApplication)
        .where(BetaApplication.program_id == program.id, BetaApplication.status == A.ACCEPTED)
    )


def apply(person: Person, program: BetaProgram, motivation: str) -> BetaApplication:
    """person's application with their motivation; refused with sentences when they are
    not a partner user, not eligible, applied before, or applications aren't open."""
    if not is_partner(person):
        raise PermissionError(PARTNERS_ONLY)
    existing = db.session.scalar(
        sa.select(BetaApplication).where(
            BetaApplication.program_id == program.id, BetaApplication.person_id == person.id
        )
    )
    if existing is not None:
        raise Conflict(
            {
                "": [
                    f"You applied on {format_date(existing.applied_at)}; your application is "
                    f"{existing.status.label.lower()}."
                ]
            }
        )
    now = phase(program)
    if now != Phase.APPLICATIONS_OPEN:
        when = (
            f"open on {format_date(program.applications_open)}"
            if now == Phase.UPCOMING
            else f"closed on {format_date(program.applications_close)}"
        )
        raise ValidationFailed({"": [f"Applications to this program {when}."]})
    lacks = missing(person, program)
    if lacks:
        raise ValidationFailed({"": lacks})
    motivation = (motivation or "").strip()
    if not motivation:
        raise ValidationFailed(
            {"motivation": ["Tell the product manager in a sentence or two why you'd test it."]}
        )
    if len(motivation) > MOTIVATION_MAX:
        raise ValidationFailed({"motivation": [f"Keep it to {MOTIVATION_MAX:,} characters."]})
    application = BetaApplication(
        program_id=program.id,
        person_id=person.id,
        organization_id=person.organization_id,
        motivation=motivation,
    )
    db.session.add(application)
    db.session.flush()
    audit.record(
        "beta.applied",
        application,
        actor=person,
        after={"program_id": program.id, "status": A.APPLIED.value},
        summary=f"{person.name} applied to “{program.title}”",
    )
    return application


def decide(
    actor: Person,
    program: BetaProgram,
    application: BetaApplication,
    decision: str,
    *,
    link: str,
    path: str,
) -> BetaApplication:
    """Accept, waitlist or decline an application and tell the applicant (in the app and
    by e-mail). Accepting past the maximum of participants is refused."""
    if not can_manage(actor):
        raise PermissionError(MANAGERS_ONLY)
    try:
        target = A(decision)
    except ValueError:
        target = None
    if target not in DECISIONS:
        raise ValidationFailed({"decision": ["Choose accept, waitlist or decline."]})
    if target == application.status:
        return application
    # Lock the program's row, so two acceptances at once can't both take the last place.
    db.session.execute(
        sa.select(BetaProgram.id).where(BetaProgram.id == program.id).with_for_update()
    )
    if target == A.ACCEPTED and accepted_count(program) >= program.max_participants:
        raise Conflict(
            {
                "decision": [
                    f"The program is full ({program.max_participants} testers); waitlist "
                    "this applicant, or decline someone accepted first."
                ]
            }
        )
    before = application.status
    application.status, application.decided_at, application.decided_by_id = (
        target,
        utcnow(),
        actor.id,
    )
    db.session.flush()
    words = {
        A.ACCEPTED: "You're in: sign the NDA to open the program's space.",
        A.WAITLISTED: "You're on the waiting list; we'll tell you if a place opens.",
        A.DECLINED: "We couldn't take you this time; thank you for applying.",
    }[target]
    person = application.person
    notifications.notify(
        person.id, DECIDED_KIND, f"Beta program “{program.title}”: {words}", path, actor=actor
    )
    mail.send_mail(
        person.email,
        f"Beta program “{program.title}”: {target.label.lower()}",
        f"{words}\n\nThe program: {link}\n",
    )
    audit.record(
        "beta.decided",
        application,
        actor=actor,
        organization_id=application.organization_id,
        before={"status": before.value},
        after={"status": target.value},
        summary=f"{person.name}'s application to “{program.title}”: {target.label.lower()}",
    )
    return application


@dataclass(frozen=True)
class Applicant:
    application: BetaApplication
    track_record: int | None


def applicants(program: BetaProgram) -> list[Applicant]:
    """The program's applications, undecided and waitlisted first, each group by the
    applicant's engagement in earlier programs (best first; new people after)."""
    rows = list(
        db.session.scalars(
            sa.select(BetaApplication)
            .where(BetaApplication.program_id == program.id)
            .order_by(BetaApplication.applied_at, BetaApplication.id)
        )
    )
    record = track_record([r.person_id for r in rows], besides=program.id)
    order = {A.APPLIED: 0, A.WAITLISTED: 1, A.ACCEPTED: 2, A.DECLINED: 3}
    found = [Applicant(r, record.get(r.person_id)) for r in rows]
    return sorted(
        found,
        key=lambda a: (
            order[a.application.status],
            a.track_record is None,
            -(a.track_record or 0),
        ),
    )


def testers(program: BetaProgram) -> list[BetaApplication]:
    return list(
        db.session.scalars(
            sa.select(BetaApplication)
            .where(BetaApplication.program_id == program.id, BetaApplication.status == A.ACCEPTED)
            .order_by(BetaApplication.id)
        )
    )
