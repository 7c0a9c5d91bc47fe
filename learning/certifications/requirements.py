"""What a person has done towards each level: modules completed, quizzes passed,
levels held. One load per person (a few statements), then answered from memory, so a
page listing many levels asks the database the same few questions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defaultload, lazyload, noload
from sqlalchemy.orm.attributes import set_committed_value

from hub import db
from hub.db import utcnow
from hub.models import ProductLine
from learning.assessments.models import AssessmentSubmission, PracticalAssessment, SubmissionStatus
from learning.certifications.models import Certification, CertificationStatus, Validity
from learning.paths.models import Level, Module, ModuleProgress, Path
from learning.quizzes.models import Quiz, QuizAttempt


@dataclass
class Standing:
    """A person's learning record at one moment."""

    person_id: int
    now: datetime
    completed: dict[int, datetime] = field(default_factory=dict)  # module id → when
    quiz_modules: set[int] = field(default_factory=set)  # modules that have a quiz
    passed: set[int] = field(default_factory=set)  # modules whose quiz the person passed
    # Newest first: mapped, or read-only for the learner's dashboards (see standing()).
    certifications: list[Certification | HeldCertification] = field(default_factory=list)
    practical: set[int] = field(default_factory=set)  # levels with a practical assessment
    signed_off: set[int] = field(default_factory=set)  # levels whose practical is signed off

    def module_read(self, module: Module) -> bool:
        return module.id in self.completed

    def has_quiz(self, module: Module) -> bool:
        return module.id in self.quiz_modules

    def quiz_passed(self, module: Module) -> bool:
        return module.id in self.passed

    def module_done(self, module: Module) -> bool:
        """Read, and its quiz (if it has one) passed."""
        return self.module_read(module) and (not self.has_quiz(module) or self.quiz_passed(module))

    def done_count(self, level: Level) -> int:
        return sum(1 for m in level.modules if self.module_done(m))

    def level_done(self, level: Level) -> bool:
        """Every module done and, when the level has a practical assessment, it signed off."""
        modules_done = bool(level.modules) and self.done_count(level) == len(level.modules)
        return modules_done and self.practical_done(level)

    def has_practical(self, level: Level) -> bool:
        return level.id in self.practical

    def practical_done(self, level: Level) -> bool:
        """No practical assessment, or the person's evidence for it is signed off."""
        return level.id not in self.practical or level.id in self.signed_off

    def practical_is_next(self, level: Level) -> bool:
        """Every module done, the level not held, its practical assessment not signed off:
        the evidence is the one step left."""
        modules_done = bool(level.modules) and self.done_count(level) == len(level.modules)
        return modules_done and not self.practical_done(level) and not self.holds(level)

    def certification(self, level: Level) -> Certification | None:
        """The person's newest certification of the level (valid, expired or revoked)."""
        return next((c for c in self.certifications if c.level_id == level.id), None)

    def holds(self, level: Level) -> bool:
        """Whether the person holds a valid certification of the level now."""
        return any(
            c.level_id == level.id and c.status(self.now) == CertificationStatus.VALID
            for c in self.certifications
        )

    def missing_prerequisites(self, level: Level) -> list[Level]:
        """The levels the person must hold before working on this one."""
        return [p for p in level.prerequisites if not self.holds(p)]

    def unlocked(self, level: Level) -> bool:
        return not self.missing_prerequisites(level)

    def next_module(self, level: Level) -> Module | None:
        return next((m for m in level.modules if not self.module_done(m)), None)


def _without_managers(level):
    """Loader options under a certification's level: the level's path and product line as
    mapped (joined), but not the product line's managers, which no learning page shows
    (ProductLine.managers is selectin-loaded with every product line)."""
    return (
        level.defaultload(Level.path).defaultload(Path.product_line).lazyload(ProductLine.managers)
    )


# A person's certifications, newest first, built once. Each one's person is the person
# whose record this is: loaded already or loaded once (lazily, from the identity map),
# not joined — with their organisation and tier — into every row. Each one's renewal is
# not selected again (a second statement): a renewal is the holder's own certification
# (renewal.renew and renewal.decide issue it to the holder), so it is among these rows —
# `_certifications` sets it from them.
_CERTIFICATIONS = (
    sa.select(Certification)
    .where(Certification.person_id == sa.bindparam("person_id"))
    .order_by(Certification.issued_at.desc(), Certification.id.desc())
    .options(
        lazyload(Certification.person),
        _without_managers(defaultload(Certification.level)),
        noload(Certification.renewal),
    )
)


def _certifications(person_id: int) -> list[Certification]:
    """The person's certifications, newest first, each with its renewal (or None)."""
    found = list(db.session.scalars(_CERTIFICATIONS, {"person_id": person_id}))
    renewal_of = {c.renews_id: c for c in found if c.renews_id is not None}
    for cert in found:
        set_committed_value(cert, "renewal", renewal_of.get(cert.id))
    return found


# The learner's dashboards (the Learning page, a person's learning page, the dashboard's
# learning panel) list every path on every request and read a person's certifications
# only for what they show: as rows of their own columns, each given its level from the
# catalogue the page has loaded already (learning.paths.catalogue), not as mapped objects
# joined with their level, path and product line. Prebuilt, as _CERTIFICATIONS.
_HELD = db.prepared(
    sa.select(
        Certification.id,
        Certification.level_id,
        Certification.issued_at,
        Certification.valid_from,
        Certification.valid_until,
        Certification.grace_until,
        Certification.renews_id,
        Certification.revoked_at,
    )
    .where(Certification.person_id == sa.bindparam("person_id"))
    .order_by(Certification.issued_at.desc(), Certification.id.desc())
)


@dataclass(eq=False)
class HeldCertification(Validity):
    """A certification as the learner's dashboards read it: read-only, with what they
    show and what `Standing` and `status()` (the rule of `Certification`) ask of it."""

    id: int
    person_id: int
    level_id: int
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime
    grace_until: datetime
    renews_id: int | None
    revoked_at: datetime | None
    level: Any  # the catalogue's LevelView (its id, path_id and title)
    renewal: HeldCertification | None = None


def _held(person_id: int, levels: Mapping[int, Any]) -> list[HeldCertification]:
    """The person's certifications, newest first, each with its level taken from `levels`
    (a level missing there — made since the catalogue was read — is loaded) and its
    renewal (or None)."""
    found = [
        HeldCertification(
            id_,
            person_id,
            level_id,
            issued_at,
            valid_from,
            valid_until,
            grace_until,
            renews_id,
            revoked_at,
            levels.get(level_id) or db.session.get(Level, level_id),
        )
        for (
            id_,
            level_id,
            issued_at,
            valid_from,
            valid_until,
            grace_until,
            renews_id,
            revoked_at,
        ) in db.read(_HELD, {"person_id": person_id})
    ]
    renewal_of = {c.renews_id: c for c in found if c.renews_id is not None}
    for cert in found:
        cert.renewal = renewal_of.get(cert.id)
    return found


# What standing() reads besides the certifications, in one statement built once: a row
# per module the person completed (with when), module with a quiz, module whose quiz the
# person passed, level with a practical assessment and level whose practical is signed off
# for the person — told apart by `kind`. (Five statements before: each cost more in Python
# than in the database.)
_COMPLETED, _QUIZ, _PASSED, _PRACTICAL, _SIGNED_OFF = range(5)
_PERSON = sa.bindparam("person_id")


_NO_TIME = sa.cast(sa.null(), ModuleProgress.completed_at.type)  # typed for PostgreSQL's UNION


def _kind(kind: int):
    return sa.literal_column(str(kind)).label("kind")


_RECORD = db.prepared(
    sa.union_all(
        sa.select(
            _kind(_COMPLETED), ModuleProgress.module_id.label("id"), ModuleProgress.completed_at
        ).where(ModuleProgress.person_id == _PERSON, ModuleProgress.completed_at.is_not(None)),
        sa.select(_kind(_QUIZ), Quiz.module_id, _NO_TIME),
        sa.select(_kind(_PASSED), Quiz.module_id, _NO_TIME)
        .join(QuizAttempt, QuizAttempt.quiz_id == Quiz.id)
        .where(QuizAttempt.person_id == _PERSON, QuizAttempt.passed.is_(True))
        .distinct(),
        sa.select(_kind(_PRACTICAL), PracticalAssessment.level_id, _NO_TIME),
        sa.select(_kind(_SIGNED_OFF), AssessmentSubmission.level_id, _NO_TIME).where(
            AssessmentSubmission.person_id == _PERSON,
            AssessmentSubmission.status == SubmissionStatus.SIGNED_OFF,
        ),
    )
)


def standing(
    person_id: int, now: datetime | None = None, levels: Mapping[int, Any] | None = None
) -> Standing:
    """Load a person's learning record. Given the catalogue's levels by id (the learner's
    dashboards), its certifications are read-only `HeldCertification`s of those levels;
    otherwise mapped `Certification`s."""
    record = Standing(person_id=person_id, now=now or utcnow())
    sets = {
        _QUIZ: record.quiz_modules,
        _PASSED: record.passed,
        _PRACTICAL: record.practical,
        _SIGNED_OFF: record.signed_off,
    }
    for kind, id_, completed_at in db.read(_RECORD, {"person_id": person_id}):
        if kind == _COMPLETED:
            record.completed[id_] = completed_at
        else:
            sets[kind].add(id_)
    if levels is None:
        record.certifications = _certifications(person_id)
    else:
        record.certifications = _held(person_id, levels)
    return record
