"""The demo program's learning: three product lines' paths (every track, three levels),
and staff at every stage — Prairie's technician part-way through Technical Professional
for tractors, with a Foundation certification that expires soon."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from hub import db
from hub.db import utcnow
from hub.models import Notification, Person, ProductLine
from learning.certifications import service as certifications
from learning.demo.content import (
    LEVELS,
    OUTLINES,
    TRACK_SUMMARIES,
    TRACK_TITLES,
    TRACTOR_TECHNICAL,
    outline_module,
)
from learning.demo.installation import WRITTEN
from learning.demo.practice import seed_practice
from learning.paths.models import LearningTrack, Level, Module, ModuleProgress, Path
from learning.quizzes import attempts
from learning.quizzes.models import Choice, Question, Quiz, QuizAttempt

# The module Prairie's technician has left in Technical Professional (the browser test
# works through it).
E2E_MODULE = "Electrical diagnostics and fault codes"


def _add_module(level: Level, position: int, spec: dict) -> Module:
    module = Module(
        level=level,
        position=position,
        title=spec["title"],
        summary=spec["summary"],
        minutes=spec["minutes"],
        body=spec["body"],
    )
    quiz = Quiz(module=module, pass_percent=80, max_attempts=3, cooldown_hours=24)
    for q_pos, (prompt, multiple, choices, explanation) in enumerate(spec["questions"], 1):
        question = Question(
            quiz=quiz, position=q_pos, prompt=prompt, multiple=multiple, explanation=explanation
        )
        for c_pos, (text, correct) in enumerate(choices, 1):
            question.choices.append(Choice(position=c_pos, text=text, correct=correct))
    db.session.add_all([module, quiz])
    return module


def build_paths() -> dict[tuple[str, str], Path]:
    lines = db.session.scalars(sa.select(ProductLine).order_by(ProductLine.name)).all()
    paths = {}
    for line in lines:
        for track in LearningTrack:
            if (line.slug, track.value) == ("tractors", "technical"):
                summary, modules = TRACTOR_TECHNICAL["summary"], TRACTOR_TECHNICAL["levels"]
            else:
                summary = TRACK_SUMMARIES[track.value]
                modules = [
                    [
                        WRITTEN.get((track.value, title))
                        or outline_module(track.value, line.name, title, text, rank)
                        for title, text in level
                    ]
                    for rank, level in enumerate(OUTLINES[track.value], 1)
                ]
            path = Path(
                product_line=line,
                track=track,
                title=TRACK_TITLES[track.value].format(line=line.name),
                summary=summary,
            )
            db.session.add(path)
            for rank, ((name, months), specs) in enumerate(zip(LEVELS, modules, strict=True), 1):
                level = Level(path=path, rank=rank, name=name, validity_months=months)
                for position, spec in enumerate(specs, 1):
                    _add_module(level, position, spec)
            paths[(line.slug, track.value)] = path
    db.session.flush()
    for (slug, track), path in paths.items():
        for below, above in zip(path.levels, path.levels[1:], strict=False):
            above.prerequisites.append(below)
        if track == "installation_service":  # across tracks: know the machine first
            path.levels[0].prerequisites.append(paths[(slug, "technical")].levels[0])
    db.session.flush()
    return paths


def _work_through(person: Person, module: Module, when, with_quiz: bool = True) -> None:
    """The person read the module (and passed its quiz) at `when`."""
    db.session.add(
        ModuleProgress(person_id=person.id, module_id=module.id, started_at=when, completed_at=when)
    )
    if not with_quiz:
        return
    db.session.flush()
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))
    if quiz is None:
        return
    drawn = [{"question": q.id, "choices": [c.id for c in q.choices]} for q in quiz.questions]
    answers = {str(q.id): [c.id for c in q.choices if c.correct] for q in quiz.questions}
    db.session.add(
        QuizAttempt(
            quiz_id=quiz.id,
            person_id=person.id,
            started_at=when - timedelta(minutes=12),
            expires_at=when + timedelta(minutes=18),
            drawn=drawn,
            submitted_at=when,
            answers=answers,
            score_percent=100,
            passed=True,
        )
    )


def _certify(person: Person, level: Level, days_ago: int):
    when = utcnow() - timedelta(days=days_ago)
    for module in level.modules:
        _work_through(person, module, when - timedelta(days=2))
    db.session.flush()
    cert = certifications.issue(person, level, now=when)
    # Its notification is as old as it is, and read long since.
    note = db.session.scalar(
        sa.select(Notification)
        .where(Notification.person_id == person.id, Notification.kind == "certification")
        .order_by(Notification.id.desc())
        .limit(1)
    )
    note.created_at = note.read_at = when
    return cert


def seed_demo(ctx: dict) -> str:
    """Paths for every product line and track, and people at every stage."""
    paths = build_paths()
    people = ctx["people"]
    admin = people["admin@fieldcrest.example"]
    tech = people["tech@prairie.example"]
    sales = people["sales@prairie.example"]
    harbor_tech = people["tech@harbor.example"]
    tractor_tech = paths[("tractors", "technical")].levels

    # Jorge (Prairie): Foundation held (expires in about seven weeks), Professional part-way.
    _certify(tech, tractor_tech[0], days_ago=680)
    first, _second = tractor_tech[1].modules
    _work_through(tech, first, utcnow() - timedelta(days=3))
    # Prairie's sales lead: Sales Foundation for tractors, and harvest sales under way.
    _certify(sales, paths[("tractors", "sales")].levels[0], days_ago=200)
    harvest_sales = paths[("harvest", "sales")].levels[0].modules[0]
    _work_through(sales, harvest_sales, utcnow() - timedelta(hours=1), with_quiz=False)
    # … and is taking its quiz right now.
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == harvest_sales.id))
    attempts.start(sales, quiz)
    # Harbor's service lead: Technical Foundation and Professional, Installation Foundation;
    # a Parts Technical Foundation that ran out, and one revoked (a shared login).
    _certify(harbor_tech, tractor_tech[0], days_ago=400)
    _certify(harbor_tech, tractor_tech[1], days_ago=120)
    _certify(harbor_tech, paths[("tractors", "installation_service")].levels[0], days_ago=90)
    _certify(harbor_tech, paths[("parts", "technical")].levels[0], days_ago=800)
    revoked = _certify(harbor_tech, paths[("harvest", "technical")].levels[0], days_ago=30)
    certifications.revoke(admin, revoked, "Quiz taken on a shared login; retake required.")
    db.session.flush()
    practice = seed_practice(ctx, paths, _work_through, _certify)
    count = sum(len(lv.modules) for p in paths.values() for lv in p.levels)
    return f"{len(paths)} learning paths with {count} modules, staff certifications, {practice}"
