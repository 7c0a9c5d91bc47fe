"""The learner's pages: the dashboard, a path, a module (with its quiz), and a
person's record for those who may see it."""

from __future__ import annotations

from flask import flash
from flask_login import current_user

from hub.web.forms import flash_problems
from hub.web.pages import render, see_other
from learning.assessments import service as assessments
from learning.assignments import service as assignments
from learning.attachments import service as attachments
from learning.blueprint import bp
from learning.certifications.requirements import standing
from learning.paths import progress
from learning.paths.content import render_markdown
from learning.quizzes import attempts
from learning.recognition import panels as recognition_panels


@bp.get("/")
def dashboard():
    context = progress.dashboard(current_user)
    levels = [level for s in context["mine"] for level in s.path.levels]
    return render(
        "learning/paths/dashboard.html",
        assigned=assignments.my_rows(
            current_user,
            record=context["record"],
            catalogue=[s.path for s in context["mine"] + context["others"]],
        ),
        can_review=assessments.is_reviewer(current_user),
        can_see_assignments=assignments.can_view_team(current_user),
        practical_steps=assessments.open_practicals(current_user, context["record"], levels),
        **context,
    )


@bp.get("/paths/<int:path_id>")
def path_page(path_id: int):
    path = progress.get_path_or_404(path_id)
    record = standing(current_user.id)
    return render(
        "learning/paths/path.html",
        path=path,
        record=record,
        summary=progress.summarise(path, record),
        submissions=assessments.submissions_by_level(current_user),
    )


@bp.get("/modules/<int:module_id>")
def module_page(module_id: int):
    module = progress.get_module_or_404(module_id)
    record = standing(current_user.id)
    quiz = attempts.quiz_of(module)
    level = module.level
    return render(
        "learning/paths/module.html",
        module=module,
        level=level,
        record=record,
        body=render_markdown(module.body),
        quiz=quiz,
        quiz_state=attempts.state(current_user, quiz) if quiz else None,
        attachments=attachments.of_module(module),
        locked=None if record.unlocked(level) else progress.locked_sentence(record, level),
        next_module=next((m for m in level.modules if m.position > module.position), None),
        practical_next=record.practical_is_next(level),
    )


@bp.post("/modules/<int:module_id>/complete")
def module_complete(module_id: int):
    module = progress.get_module_or_404(module_id)
    with flash_problems():
        cert = progress.complete_module(current_user, module)
        if cert is not None:
            flash(f"Congratulations — you are certified: {cert.level.title}.", "success")
            return see_other("learning.certification_page", cert_id=cert.id)
        flash(f"“{module.title}” is marked complete.", "success")
    return see_other("learning.module_page", module_id=module.id)


@bp.get("/people/<int:person_id>")
def person_page(person_id: int):
    person = progress.get_learner_or_404(current_user, person_id)
    return render(
        "learning/paths/person.html",
        person=person,
        recognition=recognition_panels.record_section(current_user, person),
        **progress.dashboard(person),
    )
