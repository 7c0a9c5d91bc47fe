"""Quiz rules: the draw, grading on the server, and the refusals that change nothing."""

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import AuditEvent
from learning.certifications.models import Certification
from learning.quizzes import attempts
from learning.quizzes.models import QuizAttempt
from tests.learning.factories import make_learning, right_answers, wrong_answers


@pytest.fixture
def learner(channel):
    return channel.people["partner_staff"]


def _snapshot(attempt: QuizAttempt) -> tuple:
    db.session.refresh(attempt)
    return (attempt.submitted_at, attempt.answers, attempt.score_percent, attempt.passed)


def test_right_answers_pass_and_earn_the_level_once_the_module_is_read(learner, session):
    from learning.paths import progress

    learning = make_learning()
    progress.complete_module(learner, learning.module)
    attempt = attempts.start(learner, learning.quiz)
    cert = attempts.submit(learner, attempt, right_answers(attempt))
    assert attempt.passed and attempt.score_percent == 100
    assert cert is not None and cert.level_id == learning.foundation.id
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"learning.quiz_started", "learning.quiz_submitted"} <= actions


def test_wrong_answers_fail_with_the_score_and_earn_nothing(learner, session):
    learning = make_learning()
    attempt = attempts.start(learner, learning.quiz)
    assert attempts.submit(learner, attempt, wrong_answers(attempt)) is None
    assert not attempt.passed and attempt.score_percent == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certification)) == 0


def test_a_multiple_choice_question_needs_every_right_choice(learner, session):
    learning = make_learning(pass_percent=100)
    attempt = attempts.start(learner, learning.quiz)
    answers = right_answers(attempt)
    multiple = next(q for q in learning.quiz.questions if q.multiple)
    answers[multiple.id] = answers[multiple.id][:1]  # one right choice of two
    attempts.submit(learner, attempt, answers)
    assert attempt.score_percent == 50 and not attempt.passed


def test_the_draw_takes_some_questions_in_random_order_with_shuffled_choices(learner, session):
    learning = make_learning(draw=1)
    attempt = attempts.start(learner, learning.quiz, rng=random.Random(4))
    assert len(attempt.drawn) == 1
    orders = set()
    for seed in range(12):
        db.session.delete(attempt)
        db.session.flush()
        attempt = attempts.start(learner, learning.quiz, rng=random.Random(seed))
        orders.add((attempt.drawn[0]["question"], *attempt.drawn[0]["choices"]))
    assert len(orders) > 1


def test_answers_sent_twice_are_refused_and_change_nothing(learner, session):
    learning = make_learning()
    attempt = attempts.start(learner, learning.quiz)
    attempts.submit(learner, attempt, wrong_answers(attempt))
    before = _snapshot(attempt)
    with pytest.raises(ValidationFailed, match="submitted already"):
        attempts.submit(learner, attempt, right_answers(attempt))
    assert _snapshot(attempt) == before


def test_answers_after_the_time_ran_out_are_refused_and_change_nothing(learner, session):
    learning = make_learning(time_limit_minutes=30)
    started = utcnow() - timedelta(hours=1)
    attempt = attempts.start(learner, learning.quiz, now=started)
    with pytest.raises(ValidationFailed, match="ran out of time"):
        attempts.submit(learner, attempt, right_answers(attempt))
    assert _snapshot(attempt) == (None, None, None, False)


def test_a_retake_before_the_cool_down_is_refused(learner, session):
    learning = make_learning(max_attempts=2, cooldown_hours=24)
    now = utcnow()
    for minutes in (60, 30):
        attempt = attempts.start(learner, learning.quiz, now=now - timedelta(minutes=minutes))
        attempts.submit(
            learner, attempt, wrong_answers(attempt), now=now - timedelta(minutes=minutes - 1)
        )
    count = db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt))
    with pytest.raises(ValidationFailed, match="used all 2 attempts"):
        attempts.start(learner, learning.quiz, now=now)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == count
    # The first attempt leaves the 24-hour window: one more opens.
    later = now + timedelta(hours=23, minutes=1)
    assert attempts.start(learner, learning.quiz, now=later).submitted_at is None


def test_an_unanswered_question_keeps_the_attempt_open(learner, session):
    learning = make_learning()
    attempt = attempts.start(learner, learning.quiz)
    answers = right_answers(attempt)
    answers.pop(next(iter(answers)))
    with pytest.raises(ValidationFailed) as refused:
        attempts.submit(learner, attempt, answers)
    assert any(key.startswith("q") for key in refused.value.problems)
    assert attempt.submitted_at is None


def test_a_choice_of_another_question_is_refused(learner, session):
    learning = make_learning()
    attempt = attempts.start(learner, learning.quiz)
    answers = right_answers(attempt)
    first, second = list(answers)
    answers[first] = answers[second][:1]
    with pytest.raises(ValidationFailed, match="answers shown"):
        attempts.submit(learner, attempt, answers)


def test_a_locked_level_has_no_quiz_to_start(learner, session):
    learning = make_learning()
    with pytest.raises(ValidationFailed, match="opens once you hold"):
        attempts.start(learner, learning.pro_quiz)


def test_the_page_view_of_an_open_attempt_carries_no_grades(learner, session):
    learning = make_learning()
    attempt = attempts.start(learner, learning.quiz)
    shown = attempts.questions_for(attempt)
    for question in shown:
        for choice in question["choices"]:
            assert set(choice) == {"id", "text"}
