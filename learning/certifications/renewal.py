"""Renewal: a certification is renewed by its level's shorter recertification module
(read, and its quiz passed) within the renewal window — from RENEWAL_OPENS before it
expires to the end of its grace period. A renewal is a new certification chained to the
one it renews, valid from that one's end (or from the renewal, once it has expired)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub import db
from hub.dates import format_date
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import Person
from learning.certifications.credentials import issue
from learning.certifications.models import Certification
from learning.paths.models import Level, Module, ModuleProgress
from learning.quizzes.models import Quiz, QuizAttempt

RENEWAL_OPENS = timedelta(days=90)


def current(person_id: int, level_id: int) -> Certification | None:
    """The newest certification of the level the person holds or held (not revoked):
    the end of their chain, the one a renewal would continue."""
    return db.session.scalar(
        sa.select(Certification)
        .where(
            Certification.person_id == person_id,
            Certification.level_id == level_id,
            Certification.revoked_at.is_(None),
        )
        .order_by(Certification.valid_from.desc(), Certification.id.desc())
        .limit(1)
    )


def chain(cert: Certification) -> list[Certification]:
    """The whole chain cert belongs to, first issue first: what it renews, back to the
    first certification, and what renews it, up to the newest."""
    rows = db.session.scalars(
        sa.select(Certification).where(
            Certification.person_id == cert.person_id, Certification.level_id == cert.level_id
        )
    ).all()
    by_id = {c.id: c for c in rows}
    renewed_by = {c.renews_id: c for c in rows if c.renews_id is not None}
    first = cert
    while first.renews_id in by_id:
        first = by_id[first.renews_id]
    found = [first]
    while found[-1].id in renewed_by:
        found.append(renewed_by[found[-1].id])
    return found


def recert_since(person_id: int, module: Module, now: datetime) -> datetime | None:
    """For a recertification module: the moment from which a pass of its quiz counts as
    passed (so the quiz is taken again for each renewal) — the issue of the person's current certification of the level, or its expiry
    once the grace period is over. None for other modules and for people who never held it."""
    if not module.recert:
        return None
    cert = current(person_id, module.level_id)
    if cert is None:
        return None
    if now >= cert.grace_until:
        return cert.valid_until
    if now >= cert.valid_until - RENEWAL_OPENS:
        # Its window is open: the pass that renewed the one before it (made at its very
        # issue) is used up; only a later pass counts.
        return cert.issued_at + timedelta(microseconds=1)
    return cert.issued_at


def _done_since(person_id: int, module: Module, since: datetime) -> tuple[bool, bool | None]:
    """(read, quiz passed) for the module: read at any time, the quiz passed after the
    moment (None when the module has no quiz: then the read must be after it)."""
    read = db.session.scalar(
        sa.select(ModuleProgress.completed_at).where(
            ModuleProgress.person_id == person_id, ModuleProgress.module_id == module.id
        )
    )
    quiz_id = db.session.scalar(sa.select(Quiz.id).where(Quiz.module_id == module.id))
    passed = None
    if quiz_id is not None:
        passed = (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(QuizAttempt)
                .where(
                    QuizAttempt.quiz_id == quiz_id,
                    QuizAttempt.person_id == person_id,
                    QuizAttempt.passed.is_(True),
                    QuizAttempt.submitted_at > since,
                )
            )
            > 0
        )
    if passed is None:
        return read is not None and read > since, None
    return read is not None, passed


@dataclass
class RenewalState:
    """Where a certification stands for renewal, for its page and the rule alike."""

    cert: Certification
    module: Module | None  # the level's recertification module (None: the level has none)
    opens_at: datetime
    closes_at: datetime
    now: datetime
    read: bool = False
    quiz_passed: bool | None = None

    @property
    def renewable(self) -> bool:
        """A chain's end that is neither revoked nor renewed, and whose level renews."""
        return (
            self.module is not None
            and self.cert.revoked_at is None
            and self.cert.renewal is None
            and self.cert.valid_from <= self.now < self.closes_at
        )

    @property
    def window_open(self) -> bool:
        return self.opens_at <= self.now < self.closes_at

    @property
    def done(self) -> bool:
        return self.read and self.quiz_passed is not False

    @property
    def ready(self) -> bool:
        return self.renewable and self.window_open and self.done


def state(cert: Certification, now: datetime | None = None) -> RenewalState:
    """The certification's renewal state: its window, and the recertification done since
    it was issued."""
    now = now or utcnow()
    found = RenewalState(
        cert=cert,
        module=cert.level.recert_module,
        opens_at=cert.valid_until - RENEWAL_OPENS,
        closes_at=cert.grace_until,
        now=now,
    )
    if found.module is not None:
        found.read, found.quiz_passed = _done_since(cert.person_id, found.module, cert.issued_at)
    return found


def refusal(found: RenewalState, viewer: Person) -> str | None:
    """Why the certification can't be renewed now, in a sentence (None: it can)."""
    cert = found.cert
    if cert.revoked_at is not None:
        return "A revoked certification is not renewed; earn the level again."
    if cert.renewal is not None:
        return "This certification is renewed already; see the newest in its history."
    if found.module is None:
        return f"{cert.level.title} has no recertification module yet; ask the program admin."
    if found.now < found.opens_at:
        return f"Renewal opens on {format_date(found.opens_at, viewer)}, 90 days before expiry."
    if found.now >= found.closes_at:
        return (
            f"The grace period ended on {format_date(found.closes_at, viewer)}; "
            "the recertification module now earns a new certification."
        )
    if not found.done:
        return f"Read “{found.module.title}” and pass its quiz first."
    return None


def renew(person: Person, cert: Certification, now: datetime | None = None) -> Certification:
    """Renew the person's certification (the holder, once the recertification is done,
    within the window): a new certification chained to it. Refused with a sentence."""
    now = now or utcnow()
    if cert.person_id != person.id:
        raise ValidationFailed("Only the holder renews a certification.")
    db.session.execute(sa.select(Person.id).where(Person.id == person.id).with_for_update())
    db.session.refresh(cert)
    found = state(cert, now)
    problem = refusal(found, person)
    if problem:
        raise ValidationFailed(problem)
    return issue(person, cert.level, now, valid_from=max(cert.valid_until, now), renews=cert)


def decide(person: Person, level: Level, now: datetime) -> tuple[bool, Certification | None]:
    """For award_if_earned: whether renewal rules decide this level for the person (they
    held it before), and the certification they renewed or earned anew (None: nothing).
    Within the window with the recertification done: renewed. Valid, upcoming or in grace
    otherwise: nothing. Past the grace period: a new chain, once the recertification module
    is done after the expiry (or by the path's own rule when the level has none)."""
    cert = current(person.id, level.id)
    if cert is None:
        return False, None
    found = state(cert, now)
    if now < cert.grace_until:
        if found.ready:
            return True, issue(
                person, level, now, valid_from=max(cert.valid_until, now), renews=cert
            )
        return True, None
    if found.module is None:
        return False, None
    read, passed = _done_since(person.id, found.module, cert.valid_until)
    if read and passed is not False:
        return True, issue(person, level, now)
    return True, None
