"""A program's private space: documents to download, the tester's reports (and the form
to file one, with photos), and the surveys to answer. Only the OEM's staff and accepted
testers who signed the current NDA get in (feedback.betas.pages.space_or_404)."""

from __future__ import annotations

from flask import abort, flash, request, send_file
from flask_login import current_user, login_required

from feedback.betas import documents, reports, surveys
from feedback.betas.access import can_manage, get_visible
from feedback.betas.forms import answer_form, report_form
from feedback.betas.models import BetaDocument
from feedback.betas.pages import space_or_404
from feedback.betas.schedule import phase
from feedback.views import bp
from hub import db
from hub.errors import ValidationFailed
from hub.web.forms import refused, submit_status
from hub.web.pages import accepts_files, render, see_other, stored_path_or_404


@bp.get("/betas/<int:program_id>/space")
@login_required
def beta_space(program_id: int):
    program = space_or_404(program_id)
    viewer = current_user
    return render(
        "feedback/betas/space.html",
        program=program,
        phase=phase(program),
        documents=documents.documents(program),
        reports=reports.reports(program, by=None if viewer.is_oem else viewer),
        surveys=surveys.surveys(program),
        answered=surveys.answered_ids(viewer, program),
        is_tester=not viewer.is_oem,
        can_manage=can_manage(viewer),
    )


def _send(stored, download_name=None):
    response = send_file(
        stored_path_or_404(stored.path),
        mimetype=stored.content_type,
        max_age=0,
        as_attachment=download_name is not None,
        download_name=download_name,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/betas/<int:program_id>/documents/<int:document_id>")
@login_required
def beta_document(program_id: int, document_id: int):
    program = space_or_404(program_id)
    document = db.session.get(BetaDocument, document_id)
    if document is None or document.program_id != program.id:
        abort(404)
    return _send(document.file, download_name=document.file.filename)


def _report_page(program, form, status_code=200):
    return render("feedback/betas/report_new.html", program=program, form=form, status=status_code)


def _too_large(sentence: str):
    form = report_form()
    form.photos.errors = [sentence]
    return _report_page(space_or_404(request.view_args["program_id"]), form, 413)


@bp.route("/betas/<int:program_id>/reports/new", methods=["GET", "POST"])
@login_required
@accepts_files(reports.MAX_PHOTOS, _too_large)
def beta_report_new(program_id: int):
    program = space_or_404(program_id)
    if current_user.is_oem:
        raise PermissionError("Reports are filed by the program's testers.")
    form = report_form()
    if not form.is_submitted():
        return _report_page(program, form)
    if not form.validate():
        return _report_page(program, form, 422)
    photos, photo_problems = [], []
    for upload in request.files.getlist("photos"):
        if not upload or not upload.filename:
            continue
        try:
            photos.append(reports.keep_photo(current_user, upload.read(), upload.filename))
        except ValidationFailed as exc:
            photo_problems += [m for msgs in exc.problems.values() for m in msgs]
    try:
        if photo_problems:
            problems = reports.field_problems(request.form)
            problems["photos"] = photo_problems
            raise ValidationFailed(problems)
        reports.file_report(current_user, program, request.form, photos)
    except ValidationFailed as exc:
        refused(form, exc)
        return _report_page(space_or_404(program_id), form, submit_status(form))
    flash("Thank you: your report is in. The product manager reads every one.", "success")
    return see_other("feedback.beta_space", program_id=program.id, _anchor="reports")


@bp.get("/betas/report-photos/<int:file_id>")
@login_required
def beta_report_photo(file_id: int):
    """A report's photo: for the OEM's staff and the tester who filed it."""
    report = reports.photo_report(file_id)
    if report is None or get_visible(current_user, report.program_id) is None:
        abort(404)
    if not (current_user.is_oem or report.person_id == current_user.id):
        abort(404)
    photo = next(p for p in report.photos if p.file_id == file_id)
    return _send(photo.file)


@bp.route("/betas/<int:program_id>/surveys/<int:survey_id>", methods=["GET", "POST"])
@login_required
def beta_survey(program_id: int, survey_id: int):
    program = space_or_404(program_id)
    survey = surveys.get_survey(program, survey_id)
    if survey is None:
        abort(404)
    form = answer_form(survey)
    done = None if current_user.is_oem else surveys.response_of(current_user, survey)
    status_code = 200
    if request.method == "POST":
        if current_user.is_oem:
            raise PermissionError("Surveys are answered by the program's testers.")
        if form.validate():
            try:
                surveys.answer(current_user, program, survey, request.form)
            except ValidationFailed as exc:
                refused(form, exc)
                status_code = 409 if done else 422
            else:
                flash("Thank you: your answers are in.", "success")
                return see_other("feedback.beta_space", program_id=program.id, _anchor="surveys")
        else:
            status_code = 422
    return render(
        "feedback/betas/survey.html",
        status=status_code,
        program=space_or_404(program_id),
        survey=survey,
        form=form,
        done=done,
        can_manage=can_manage(current_user),
    )
