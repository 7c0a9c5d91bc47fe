"""Taking a quiz: start an attempt, answer it, see the feedback."""

from __future__ import annotations

from flask import flash, request
from flask_login import current_user

from hub import db
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.web.forms import flash_problems
from hub.web.pages import render, see_other
from learning.blueprint import bp
from learning.certifications.requirements import standing
from learning.paths import progress
from learning.quizzes import attempts


@bp.post("/modules/<int:module_id>/quiz")
def quiz_start(module_id: int):
    module = progress.get_module_or_404(module_id)
    quiz = attempts.quiz_of(module)
    if quiz is None:
        flash("This module has no quiz.", "error")
        return see_other("learning.module_page", module_id=module.id)
    with flash_problems():
        attempt = attempts.start(current_user, quiz)
        return see_other("learning.attempt_page", attempt_id=attempt.id)
    return see_other("learning.module_page", module_id=module.id)


def _answers() -> dict[int, list[int]]:
    """{question id: [choice id, …]} from fields named q<question id>; anything else is
    ignored, and what is not a number is no answer."""
    answers: dict[int, list[int]] = {}
    for key in request.form:
        if key.startswith("q") and key[1:].isdigit():
            picked = [int(v) for v in request.form.getlist(key) if v.isdigit()]
            answers[int(key[1:])] = picked
    return answers


@bp.get("/attempts/<int:attempt_id>")
def attempt_page(attempt_id: int, problems: dict | None = None, status: int = 200):
    attempt = attempts.get_own_attempt_or_404(current_user, attempt_id)
    quiz = attempt.quiz
    context = {"attempt": attempt, "quiz": quiz, "module": quiz.module, "problems": problems}
    if attempt.submitted_at is not None:
        context["review"] = attempts.review(attempt)
        context["state"] = attempts.state(current_user, quiz)
        level = quiz.module.level
        if attempt.passed and standing(current_user.id).practical_is_next(level):
            context["practical_next"] = level
    else:
        context["expired"] = attempt.expires_at <= utcnow()
        context["questions"] = attempts.questions_for(attempt)
        context["chosen"] = _answers() if problems else {}
    return render("learning/quizzes/attempt.html", status=status, **context)


@bp.post("/attempts/<int:attempt_id>")
def attempt_submit(attempt_id: int):
    attempt = attempts.get_own_attempt_or_404(current_user, attempt_id)
    try:
        cert = attempts.submit(current_user, attempt, _answers())
    except attempts.AttemptClosed as exc:
        # Refused as a whole (sent twice, or too late): say so on the attempt's page.
        flash(str(exc), "error")
        return see_other("learning.attempt_page", attempt_id=attempt.id)
    except ValidationFailed as exc:
        db.rollback_request()
        return attempt_page(attempt_id, problems=exc.problems, status=422)
    if cert is not None and cert.renews_id is not None:
        flash(f"Congratulations — your {cert.level.title} certification is renewed.", "success")
    elif cert is not None:
        flash(f"Congratulations — you are certified: {cert.level.title}.", "success")
    return see_other("learning.attempt_page", attempt_id=attempt.id)
