"""The demo's renewals: a recertification module (with a short quiz) for every level, and
Prairie Ag Dealers' staff at every stage of renewal — certifications expiring within 90,
30 and 7 days, one in grace, a renewal under way and a chain renewed once."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from hub import db
from hub.db import utcnow
from hub.models import Person
from learning.certifications import renewal
from learning.certifications.credentials import issue
from learning.certifications.models import Certification
from learning.certifications.reminders import send_renewal_reminders
from learning.paths.models import Level, Module, ModuleProgress, Path
from learning.quizzes.models import Choice, Question, Quiz, QuizAttempt

RECERT_BODY = """## What changed since you certified

This refresher covers what is new for **{title}**: updated service bulletins, revised
warranty steps and the questions partners have asked most since the level was written.

1. Read the current service bulletins for the product line.
2. Check what changed in the warranty and claims steps.
3. Pass the short quiz: one question from each module of the level.

Passing renews your certification for another {months} months, counted from the day
the current one ends (or from today, once it has expired).
"""


def add_recert_modules(paths: dict[tuple[str, str], Path]) -> dict[int, Module]:
    """A recertification module for every level: a short read and a quiz drawing one
    question from each of the level's module quizzes."""
    made = {}
    for path in paths.values():
        for level in path.levels:
            module = Module(
                level_id=level.id,  # not level=: that would list it among level.modules
                recert=True,
                position=100,
                title=f"Recertification: {level.name} refresher",
                summary="What changed since you certified, and a short quiz.",
                body=RECERT_BODY.format(title=level.title, months=level.validity_months),
                minutes=20,
            )
            quiz = Quiz(module=module, pass_percent=80, max_attempts=3, cooldown_hours=24)
            sources = db.session.scalars(
                sa.select(Quiz)
                .join(Module, Module.id == Quiz.module_id)
                .where(Module.level_id == level.id, Module.recert.is_(False))
            ).all()
            for position, source in enumerate(sources, 1):
                first = source.questions[0]
                question = Question(
                    quiz=quiz,
                    position=position,
                    prompt=first.prompt,
                    multiple=first.multiple,
                    explanation=first.explanation,
                )
                for choice in first.choices:
                    question.choices.append(
                        Choice(position=choice.position, text=choice.text, correct=choice.correct)
                    )
            db.session.add_all([module, quiz])
            made[level.id] = module
    db.session.flush()
    return made


def _read(person: Person, module: Module, when: datetime, passed: bool) -> None:
    db.session.add(
        ModuleProgress(person_id=person.id, module_id=module.id, started_at=when, completed_at=when)
    )
    if not passed:
        return
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))
    drawn = [{"question": q.id, "choices": [c.id for c in q.choices]} for q in quiz.questions]
    db.session.add(
        QuizAttempt(
            quiz_id=quiz.id,
            person_id=person.id,
            started_at=when - timedelta(minutes=9),
            expires_at=when + timedelta(minutes=21),
            drawn=drawn,
            submitted_at=when,
            answers={str(q.id): [c.id for c in q.choices if c.correct] for q in quiz.questions},
            score_percent=100,
            passed=True,
        )
    )
    db.session.flush()


def _expiring_in(person: Person, level: Level, days: int) -> Certification:
    """A certification of level that expires `days` from now (negative: expired), the
    level's modules worked through just before it was issued."""
    valid_until = utcnow() + timedelta(days=days)
    issued = valid_until - timedelta(days=level.validity_months * 30)
    for module in level.modules:
        _read(person, module, issued - timedelta(days=2), passed=True)
    cert = issue(person, level, now=issued)
    cert.valid_until = valid_until
    cert.grace_until = valid_until + timedelta(days=level.grace_days)
    db.session.flush()
    return cert


def seed_renewals(ctx: dict) -> str:
    """Prairie's renewals (after learning's demo, whose paths and certifications it builds
    on); then the daily reminder job, as the tick would run it."""
    people = ctx["people"]
    paths = {(p.product_line.slug, p.track.value): p for p in db.session.scalars(sa.select(Path))}
    recert = add_recert_modules(paths)
    jorge = people["tech@prairie.example"]
    jorge_cert = db.session.scalar(
        sa.select(Certification).where(
            Certification.person_id == jorge.id,
            Certification.level_id == paths[("tractors", "technical")].levels[0].id,
        )
    )
    walt = people["admin@prairie.example"]
    amy = people["sales@prairie.example"]
    kelsey = people["marketing@prairie.example"]
    now = utcnow()
    # Jorge (Technical Foundation, about seven weeks left) has read the refresher; its
    # quiz is next: a renewal under way.
    _read(jorge, recert[jorge_cert.level_id], now - timedelta(days=1), passed=False)
    # Within 30 days: Amy's Parts Sales Foundation. Within 7: Walt's Harvest Sales.
    _expiring_in(amy, paths[("parts", "sales")].levels[0], 24)
    _expiring_in(walt, paths[("harvest", "sales")].levels[0], 5)
    # In grace: Kelsey's Tractors Sales Foundation ran out three weeks ago.
    _expiring_in(kelsey, paths[("tractors", "sales")].levels[0], -21)
    # A chain renewed once: Walt's Tractors Sales Foundation, renewed before it ran out.
    level = paths[("tractors", "sales")].levels[0]
    first = _expiring_in(walt, level, -40)
    _read(walt, recert[level.id], first.valid_until - timedelta(days=30), passed=True)
    renewal.renew(walt, first, now=first.valid_until - timedelta(days=29))
    db.session.flush()
    told = send_renewal_reminders(now)
    return f"recertification modules for {len(recert)} levels; {told}"
