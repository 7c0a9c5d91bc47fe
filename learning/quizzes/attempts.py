"""Quiz attempts: drawing the questions, grading on the server, and the refusals —
a retake before the cool-down, answers sent twice or after the time ran out.

Which choices are right stays here: `questions_for` gives a page what an open attempt
shows (prompts and choices, no grades); only `review` of a submitted attempt says which
were right.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort

from hub import audit, db
from hub.dates import format_datetime, format_relative
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import Person
from learning.certifications import renewal
from learning.certifications import service as certifications
from learning.certifications.models import Certification
from learning.certifications.requirements import standing
from learning.paths.models import Module
from learning.quizzes.models import Choice, Question, Quiz, QuizAttempt


class AttemptClosed(ValidationFailed):
    """The attempt takes no more answers: submitted already, or out of time."""


def quiz_of(module: Module) -> Quiz | None:
    return db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))


@dataclass
class QuizState:
    """Where a person stands with a quiz: an attempt under way, attempts used in the
    current window, when the next may start, and whether it is passed."""

    open_attempt: QuizAttempt | None
    used: int
    next_allowed: datetime | None  # None: may start now
    passed_attempt: QuizAttempt | None
    last: QuizAttempt | None


def state(person: Person, quiz: Quiz, now: datetime | None = None) -> QuizState:
    now = now or utcnow()
    attempts = list(
        db.session.scalars(
            sa.select(QuizAttempt)
            .where(QuizAttempt.person_id == person.id, QuizAttempt.quiz_id == quiz.id)
            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        )
    )
    # A recertification quiz is taken again each renewal: only a pass after the current
    # certification of its level was issued counts as passed.
    since = renewal.recert_since(person.id, quiz.module, now)
    window = timedelta(hours=quiz.cooldown_hours)
    recent = [a for a in attempts if a.started_at > now - window]
    next_allowed = None
    if len(recent) >= quiz.max_attempts:
        # The oldest attempt in the window that keeps the count at the limit.
        next_allowed = recent[quiz.max_attempts - 1].started_at + window
    return QuizState(
        open_attempt=next(
            (a for a in attempts if a.submitted_at is None and a.expires_at > now), None
        ),
        used=len(recent),
        next_allowed=next_allowed,
        passed_attempt=next(
            (a for a in attempts if a.passed and (since is None or a.submitted_at >= since)), None
        ),
        last=next((a for a in attempts if a.submitted_at is not None), None),
    )


def start(
    person: Person, quiz: Quiz, now: datetime | None = None, rng: random.Random | None = None
) -> QuizAttempt:
    """Start an attempt (or return the one under way): the questions drawn at random,
    in random order, their choices shuffled. Refused with a sentence while the level is
    locked, once passed, or before the cool-down ends."""
    now = now or utcnow()
    rng = rng or random.SystemRandom()
    record = standing(person.id, now)
    level = quiz.module.level
    if not record.unlocked(level):
        names = ", ".join(p.title for p in record.missing_prerequisites(level))
        raise ValidationFailed(f"This quiz opens once you hold {names}.")
    current = state(person, quiz, now)
    if current.passed_attempt is not None:
        raise ValidationFailed(
            "You passed this quiz on "
            f"{format_datetime(current.passed_attempt.submitted_at, person)}; "
            "there is nothing to retake."
        )
    if current.open_attempt is not None:
        return current.open_attempt
    if current.next_allowed is not None:
        used = "your attempt" if quiz.max_attempts == 1 else f"all {quiz.max_attempts} attempts"
        raise ValidationFailed(
            f"You have used {used} for now; the next one opens "
            f"{format_relative(current.next_allowed, person, now=now)} "
            f"({format_datetime(current.next_allowed, person)})."
        )
    questions = list(quiz.questions)
    if not questions:
        raise ValidationFailed("This quiz has no questions yet; the program team is on it.")
    rng.shuffle(questions)
    if quiz.draw:
        questions = questions[: quiz.draw]
    drawn = []
    for question in questions:
        choice_ids = [c.id for c in question.choices]
        rng.shuffle(choice_ids)
        drawn.append({"question": question.id, "choices": choice_ids})
    attempt = QuizAttempt(
        quiz_id=quiz.id,
        person_id=person.id,
        started_at=now,
        expires_at=now + timedelta(minutes=quiz.time_limit_minutes),
        drawn=drawn,
    )
    db.session.add(attempt)
    db.session.flush()
    audit.record(
        "learning.quiz_started",
        attempt,
        organization_id=person.organization_id,
        summary=f"{person.name} started the quiz of “{quiz.module.title}”",
        actor=person,
    )
    return attempt


def get_own_attempt_or_404(person: Person, attempt_id: int) -> QuizAttempt:
    """An attempt is its taker's alone: anyone else gets a 404."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.person_id != person.id:
        abort(404)
    return attempt


def _drawn_questions(attempt: QuizAttempt) -> list[tuple[Question, list[Choice]]]:
    ids = [d["question"] for d in attempt.drawn]
    questions = {
        q.id: q for q in db.session.scalars(sa.select(Question).where(Question.id.in_(ids)))
    }
    result = []
    for entry in attempt.drawn:
        question = questions.get(entry["question"])
        if question is None:
            continue  # removed from the bank since
        by_id = {c.id: c for c in question.choices}
        result.append((question, [by_id[c] for c in entry["choices"] if c in by_id]))
    return result


def questions_for(attempt: QuizAttempt) -> list[dict]:
    """What the page of an open attempt shows: prompts and choices, never which are right."""
    return [
        {
            "id": q.id,
            "prompt": q.prompt,
            "multiple": q.multiple,
            "choices": [{"id": c.id, "text": c.text} for c in choices],
        }
        for q, choices in _drawn_questions(attempt)
    ]


def submit(
    person: Person, attempt: QuizAttempt, answers: dict[int, list[int]], now: datetime | None = None
) -> Certification | None:
    """Grade an attempt's answers ({question id: [choice id, …]}); returns the
    certification a pass earned, if any. Refused with a sentence, nothing changed, when
    the attempt was submitted already or ran out of time; an unanswered question is a
    problem on its field (the attempt stays open)."""
    now = now or utcnow()
    # Two submissions of one attempt at once: the second waits for the first, then sees it.
    db.session.refresh(attempt, with_for_update=True)
    if attempt.submitted_at is not None:
        raise AttemptClosed(
            "These answers were submitted already on "
            f"{format_datetime(attempt.submitted_at, person)}; nothing was changed."
        )
    if now > attempt.expires_at:
        raise AttemptClosed(
            f"This attempt ran out of time at {format_datetime(attempt.expires_at, person)}; "
            "nothing was recorded. Start a new attempt when you are ready."
        )
    drawn = _drawn_questions(attempt)
    problems: dict[str, list[str]] = {}
    chosen: dict[str, list[int]] = {}
    correct_count = 0
    for question, choices in drawn:
        picked = sorted(set(answers.get(question.id, [])))
        valid = {c.id for c in choices}
        field = f"q{question.id}"
        if not picked:
            problems[field] = [
                "Choose every answer that applies." if question.multiple else "Choose an answer."
            ]
        elif any(p not in valid for p in picked):
            problems[field] = ["Choose from the answers shown."]
        elif not question.multiple and len(picked) > 1:
            problems[field] = ["Choose one answer."]
        chosen[str(question.id)] = picked
        if set(picked) == {c.id for c in choices if c.correct}:
            correct_count += 1
    if problems:
        raise ValidationFailed(problems)
    quiz = attempt.quiz
    attempt.answers = chosen
    attempt.submitted_at = now
    attempt.score_percent = (100 * correct_count) // len(drawn) if drawn else 0
    attempt.passed = attempt.score_percent >= quiz.pass_percent
    audit.record(
        "learning.quiz_submitted",
        attempt,
        organization_id=person.organization_id,
        after={"score_percent": attempt.score_percent, "passed": attempt.passed},
        summary=(
            f"{person.name} {'passed' if attempt.passed else 'did not pass'} the quiz of "
            f"“{quiz.module.title}” ({attempt.score_percent}%)"
        ),
        actor=person,
    )
    db.session.flush()
    if not attempt.passed:
        return None
    return certifications.award_if_earned(person, quiz.module.level, now)


def review(attempt: QuizAttempt) -> list[dict]:
    """A submitted attempt, question by question: what was chosen, what was right."""
    if attempt.submitted_at is None:
        raise ValueError("only a submitted attempt is reviewed")
    answers = attempt.answers or {}
    result = []
    for question, choices in _drawn_questions(attempt):
        picked = set(answers.get(str(question.id), []))
        right = {c.id for c in choices if c.correct}
        result.append(
            {
                "prompt": question.prompt,
                "explanation": question.explanation,
                "right": picked == right,
                "choices": [
                    {"text": c.text, "chosen": c.id in picked, "correct": c.correct}
                    for c in choices
                ],
            }
        )
    return result
