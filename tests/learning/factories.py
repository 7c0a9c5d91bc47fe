"""Learning content for tests: a product line's Technical path of two levels, each with
a module and its quiz, built in the current transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub import db
from hub.models import Person, ProductLine
from learning.certifications import service as certifications
from learning.certifications.models import Certification
from learning.paths.models import LearningTrack, Level, Module, Path
from learning.quizzes.models import Choice, Question, Quiz, QuizAttempt


@dataclass
class Learning:
    path: Path
    foundation: Level
    professional: Level
    module: Module  # Foundation's only module
    quiz: Quiz
    pro_module: Module
    pro_quiz: Quiz


def _quiz(module: Module, **settings) -> Quiz:
    quiz = Quiz(module=module, **settings)
    single = Question(quiz=quiz, position=1, prompt="Which oil for a cold morning?")
    single.choices = [
        Choice(position=1, text="The thin winter grade", correct=True),
        Choice(position=2, text="Gear oil", correct=False),
    ]
    multiple = Question(quiz=quiz, position=2, prompt="Which checks are daily?", multiple=True)
    multiple.choices = [
        Choice(position=1, text="Oil level", correct=True),
        Choice(position=2, text="Tyres", correct=True),
        Choice(position=3, text="Injector calibration", correct=False),
    ]
    db.session.add(quiz)
    return quiz


def make_learning(name: str = "Learning Line", **quiz_settings) -> Learning:
    """A path (Technical, for a product line of its own) with Foundation → Professional."""
    line = db.session.scalar(sa.select(ProductLine).where(ProductLine.name == name))
    if line is None:
        line = ProductLine(name=name, slug=name.lower().replace(" ", "-"))
        db.session.add(line)
    path = Path(product_line=line, track=LearningTrack.TECHNICAL, title=f"{name} technical")
    foundation = Level(path=path, rank=1, name="Foundation", validity_months=24)
    professional = Level(path=path, rank=2, name="Professional", validity_months=12)
    professional.prerequisites.append(foundation)
    body = "## Daily checks\n\nOil, tyres.\n\n<script>alert('x')</script>"
    module = Module(level=foundation, position=1, title="Daily checks", body=body, minutes=10)
    pro_module = Module(level=professional, position=1, title="Diagnostics", minutes=20)
    db.session.add(path)
    quiz = _quiz(module, **quiz_settings)
    pro_quiz = _quiz(pro_module)
    db.session.flush()
    return Learning(path, foundation, professional, module, quiz, pro_module, pro_quiz)


def right_answers(attempt: QuizAttempt) -> dict[int, list[int]]:
    """The answers that pass: every right choice of every drawn question."""
    answers = {}
    for entry in attempt.drawn:
        question = db.session.get(Question, entry["question"])
        answers[question.id] = [c.id for c in question.choices if c.correct]
    return answers


def wrong_answers(attempt: QuizAttempt) -> dict[int, list[int]]:
    answers = {}
    for entry in attempt.drawn:
        question = db.session.get(Question, entry["question"])
        answers[question.id] = [next(c.id for c in question.choices if not c.correct)]
    return answers


def certify(person: Person, level: Level, now: datetime | None = None) -> Certification:
    """A certification of level for person, issued directly (requirements not checked)."""
    return certifications.issue(person, level, now)


# --- Practical assessments, assignments, attachments ------------------------------------


def png_bytes(colour: str = "#2f7d4a", size: tuple[int, int] = (40, 30)) -> bytes:
    """A real PNG made by Pillow."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A real one-page PDF made by Pillow."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(out, format="PDF")
    return out.getvalue()


def with_practical(level: Level, instructions: str = "Commission a machine; upload photos."):
    """Give the level a practical assessment."""
    from learning.assessments.models import PracticalAssessment

    practical = PracticalAssessment(level_id=level.id, instructions=instructions)
    db.session.add(practical)
    db.session.flush()
    return practical


def submit_evidence(person: Person, level: Level, note: str = "Done on a 5R."):
    """Evidence (one PNG) from person for level's practical (made when missing)."""
    from learning.assessments import service as assessments

    if assessments.practical_of(level) is None:
        with_practical(level)
    return assessments.submit(
        person, level, note, [assessments.Upload(png_bytes(), "photo.png", "image/png")]
    )


def assign(admin: Person, person: Person, level: Level, days: int = 10):
    from datetime import timedelta

    from hub.db import utcnow
    from learning.assignments import service as assignments

    due = (utcnow() + timedelta(days=days)).date()
    return assignments.assign(admin, person.id, level_id=level.id, due_on=due)
