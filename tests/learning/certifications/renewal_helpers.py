"""Test helpers for renewals: a level's recertification module with a quiz, and a
certification that expires a given number of days from now."""

from __future__ import annotations

from datetime import datetime, timedelta

from hub import db
from hub.db import utcnow
from hub.models import Person
from learning.certifications.credentials import issue
from learning.certifications.models import Certification
from learning.paths.models import Level, Module
from learning.quizzes.models import Choice, Question, Quiz


def add_recert(level: Level) -> Module:
    """The level's recertification module, with a one-question quiz."""
    module = Module(level_id=level.id, recert=True, position=99, title="Refresher", minutes=5)
    quiz = Quiz(module=module, pass_percent=80)
    question = Question(quiz=quiz, position=1, prompt="Which oil for a cold morning?")
    question.choices = [
        Choice(position=1, text="The thin winter grade", correct=True),
        Choice(position=2, text="Gear oil", correct=False),
    ]
    db.session.add_all([module, quiz])
    db.session.flush()
    db.session.expire(level)
    return module


def expiring(
    person: Person, level: Level, days: float, now: datetime | None = None
) -> Certification:
    """A certification of level for person that expires `days` after now (negative: ago)."""
    now = now or utcnow()
    valid_until = now + timedelta(days=days)
    cert = issue(person, level, now=valid_until - timedelta(days=level.validity_months * 30))
    cert.valid_until = valid_until
    cert.grace_until = valid_until + timedelta(days=level.grace_days)
    db.session.flush()
    return cert
