"""The program admin's authoring pages (plain server-rendered forms): paths, their
levels, a level's modules, a module's content (with a rendered preview), attachments,
quiz settings and questions. Everyone else gets a 403. The right answers are shown
here only — to the program admin."""

from __future__ import annotations

from flask import flash, request
from flask_login import current_user

from hub.errors import ValidationFailed
from hub.web.forms import EmptyForm, refused, submit_status
from hub.web.pages import accepts_files, render, see_other
from learning.assessments import service as assessments
from learning.attachments import service as attachments
from learning.authoring import service
from learning.authoring.forms import (
    AttachmentForm,
    ModuleForm,
    QuizForm,
    choice_rows,
    level_form,
    path_form,
    question_form,
)
from learning.blueprint import bp
from learning.paths import progress
from learning.paths.content import render_markdown
from learning.paths.models import Level, Module, Path
from learning.quizzes.models import Question

PREFIX = "/authoring"


@bp.before_request
def _program_admins_only():
    path = request.path.removeprefix(bp.url_prefix or "")
    authoring = path == PREFIX or path.startswith(PREFIX + "/")
    if authoring and current_user.is_authenticated:
        service.require_admin(current_user)


# --- Paths ------------------------------------------------------------------------------


@bp.get(PREFIX)
def authoring_home(form=None, status=200):
    return render(
        "learning/authoring/home.html",
        status=status,
        paths=progress.all_paths(),
        form=form or path_form(),
    )


@bp.post(PREFIX + "/paths")
def authoring_path_create():
    form = path_form(posted=True)
    if form.validate():
        try:
            path = service.save_path(current_user, None, request.form.to_dict())
        except ValidationFailed as exc:
            refused(form, exc)
        else:
            flash(f"Path “{path.title}” created. Add its levels.", "success")
            return see_other("learning.authoring_path", path_id=path.id)
    return authoring_home(form, status=submit_status(form))


def _path_page(path: Path, form=None, level_new=None, status=200):
    next_rank = max((lv.rank for lv in path.levels), default=0) + 1
    return render(
        "learning/authoring/path.html",
        status=status,
        path=path,
        form=form or path_form(path),
        level_new=level_new or level_form(next_rank=next_rank),
    )


@bp.route(PREFIX + "/paths/<int:path_id>", methods=["GET", "POST"])
def authoring_path(path_id: int):
    path = service.get_or_404(Path, path_id)
    if request.method == "GET":
        return _path_page(path)
    form = path_form(path, posted=True)
    if form.validate():
        try:
            service.save_path(current_user, path, request.form.to_dict())
        except ValidationFailed as exc:
            refused(form, exc)
            path = service.get_or_404(Path, path_id)
        else:
            flash("Path saved.", "success")
            return see_other("learning.authoring_path", path_id=path.id)
    return _path_page(path, form=form, status=submit_status(form))


def _level_data() -> dict:
    data = request.form.to_dict()
    data["prerequisite_ids"] = request.form.getlist("prerequisite_ids")
    return data


@bp.post(PREFIX + "/paths/<int:path_id>/levels")
def authoring_level_create(path_id: int):
    path = service.get_or_404(Path, path_id)
    form = level_form(posted=True)
    if form.validate():
        try:
            level = service.save_level(current_user, None, path, _level_data())
        except ValidationFailed as exc:
            refused(form, exc)
            path = service.get_or_404(Path, path_id)
        else:
            flash(f"Level {level.name} created. Add its modules.", "success")
            return see_other("learning.authoring_level", level_id=level.id)
    return _path_page(path, level_new=form, status=submit_status(form))


# --- Levels -----------------------------------------------------------------------------


def _level_page(level: Level, form=None, module_new=None, status=200):
    return render(
        "learning/authoring/level.html",
        status=status,
        level=level,
        form=form or level_form(level, assessments.practical_of(level)),
        module_new=module_new
        or ModuleForm(formdata=None, minutes="15", position=str(service.next_position(level))),
    )


@bp.route(PREFIX + "/levels/<int:level_id>", methods=["GET", "POST"])
def authoring_level(level_id: int):
    level = service.get_or_404(Level, level_id)
    if request.method == "GET":
        return _level_page(level)
    form = level_form(level, assessments.practical_of(level), posted=True)
    if form.validate():
        try:
            service.save_level(current_user, level, level.path, _level_data())
        except ValidationFailed as exc:
            refused(form, exc)
            level = service.get_or_404(Level, level_id)
        else:
            flash("Level saved.", "success")
            return see_other("learning.authoring_level", level_id=level.id)
    return _level_page(level, form=form, status=submit_status(form))


@bp.post(PREFIX + "/levels/<int:level_id>/modules")
def authoring_module_create(level_id: int):
    level = service.get_or_404(Level, level_id)
    form = ModuleForm()
    if form.validate():
        try:
            module = service.save_module(current_user, None, level, request.form.to_dict())
        except ValidationFailed as exc:
            refused(form, exc)
            level = service.get_or_404(Level, level_id)
        else:
            flash(f"Module “{module.title}” created.", "success")
            return see_other("learning.authoring_module", module_id=module.id)
    return _level_page(level, module_new=form, status=submit_status(form))


# --- Modules ----------------------------------------------------------------------------


def _module_page(
    module: Module, form=None, quiz_form=None, file_form=None, preview=None, status=200
):
    quiz = service.quiz_of(module)
    if form is None:
        form = ModuleForm(formdata=None, obj=module)
        form.minutes.data, form.position.data = str(module.minutes), str(module.position)
    if quiz_form is None:
        quiz_form = QuizForm(formdata=None)
        for key, default in service.QUIZ_DEFAULTS.items():
            getattr(quiz_form, key).data = str(getattr(quiz, key) if quiz else default)
    return render(
        "learning/authoring/module.html",
        status=status,
        module=module,
        level=module.level,
        form=form,
        preview=preview,
        quiz=quiz,
        quiz_form=quiz_form,
        file_form=file_form or AttachmentForm(formdata=None),
        attachments=attachments.of_module(module),
        remove_form=EmptyForm(),
    )


@bp.route(PREFIX + "/modules/<int:module_id>", methods=["GET", "POST"])
def authoring_module(module_id: int):
    module = service.get_or_404(Module, module_id)
    if request.method == "GET":
        return _module_page(module)
    form = ModuleForm()
    if not form.validate():
        return _module_page(module, form=form, status=422)
    if "preview" in request.form:  # render, save nothing
        return _module_page(module, form=form, preview=render_markdown(form.body.data or ""))
    try:
        service.save_module(current_user, module, module.level, request.form.to_dict())
    except ValidationFailed as exc:
        refused(form, exc)
        return _module_page(service.get_or_404(Module, module_id), form=form, status=422)
    flash("Module saved.", "success")
    return see_other("learning.authoring_module", module_id=module.id)


def _attachment_too_large(sentence: str, module_id: int):
    form = AttachmentForm(formdata=None)  # the body was too large to read
    form.attachment.errors = [sentence]
    return _module_page(service.get_or_404(Module, module_id), file_form=form, status=413)


@bp.post(PREFIX + "/modules/<int:module_id>/attachments")
@accepts_files(1, _attachment_too_large)
def authoring_attachment_add(module_id: int):
    module = service.get_or_404(Module, module_id)
    form = AttachmentForm()
    if form.validate():
        upload = request.files.get("attachment")
        try:
            attachments.attach(
                current_user,
                module,
                upload.read() if upload else b"",
                (upload.filename or "") if upload else "",
                upload.mimetype if upload else None,
                title=form.attachment_title.data or "",
            )
        except ValidationFailed as exc:
            refused(form, exc)
        else:
            flash("Attachment added.", "success")
            return see_other("learning.authoring_module", module_id=module.id)
    module = service.get_or_404(Module, module_id)
    return _module_page(module, file_form=form, status=submit_status(form))


@bp.post(PREFIX + "/modules/<int:module_id>/attachments/<int:attachment_id>/remove")
def authoring_attachment_remove(module_id: int, attachment_id: int):
    row = attachments.get_or_404(module_id, attachment_id)
    if EmptyForm().validate():
        attachments.remove(current_user, row)
        flash("Attachment removed.", "success")
    return see_other("learning.authoring_module", module_id=module_id)


@bp.post(PREFIX + "/modules/<int:module_id>/quiz")
def authoring_quiz(module_id: int):
    module = service.get_or_404(Module, module_id)
    form = QuizForm()
    if form.validate():
        try:
            service.save_quiz(current_user, module, request.form.to_dict())
        except ValidationFailed as exc:
            refused(form, exc)
        else:
            flash("Quiz settings saved.", "success")
            return see_other("learning.authoring_module", module_id=module.id)
    module = service.get_or_404(Module, module_id)
    return _module_page(module, quiz_form=form, status=submit_status(form))


# --- Questions --------------------------------------------------------------------------


def _question_page(module: Module, question, form, status=200):
    return render(
        "learning/authoring/question.html",
        status=status,
        module=module,
        question=question,
        form=form,
    )


def _save_question(module: Module, question):
    form = question_form(question, posted=request.method == "POST")
    if request.method == "GET":
        return _question_page(module, question, form)
    if form.validate():
        quiz = service.quiz_of(module)
        try:
            if quiz is None:
                quiz = service.save_quiz(current_user, module, service.QUIZ_DEFAULTS)
            data = {
                "prompt": form.prompt.data,
                "multiple": form.multiple.data,
                "explanation": form.explanation.data,
                "choices": choice_rows(form),
            }
            service.save_question(current_user, question, quiz, data)
        except ValidationFailed as exc:
            refused(form, exc)
        else:
            flash("Question saved.", "success")
            return see_other("learning.authoring_module", module_id=module.id)
    return _question_page(module, question, form, status=submit_status(form))


@bp.route(PREFIX + "/modules/<int:module_id>/questions/new", methods=["GET", "POST"])
def authoring_question_new(module_id: int):
    return _save_question(service.get_or_404(Module, module_id), None)


@bp.route(PREFIX + "/questions/<int:question_id>", methods=["GET", "POST"])
def authoring_question(question_id: int):
    question = service.get_or_404(Question, question_id)
    return _save_question(question.quiz.module, question)
