"""The product manager's pages: a new program and its changes, the management page
(publish, applicants sorted by engagement with accept / waitlist / decline, testers with
their engagement and NDA, documents, surveys, reports, the outcome), the survey builder
and the survey results with charts. Product managers and program admins only (403)."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from feedback.betas import (
    applications,
    documents,
    engagement,
    nda,
    outcome,
    programs,
    reports,
    surveys,
)
from feedback.betas.access import MANAGERS_ONLY, can_manage
from feedback.betas.forms import (
    DecisionForm,
    DocumentForm,
    OutcomeForm,
    program_form,
    survey_form,
    survey_questions,
)
from feedback.betas.models import BetaApplication
from feedback.betas.pages import program_or_404
from feedback.betas.schedule import phase
from feedback.views import bp
from hub import db
from hub.errors import ValidationFailed
from hub.web.forms import EmptyForm, refused, submit_status
from hub.web.pages import accepts_files, external_url, render, see_other


def _manager() -> None:
    if not can_manage(current_user):
        raise PermissionError(MANAGERS_ONLY)


def _links(program) -> dict:
    return {
        "link": external_url("feedback.beta_program", program_id=program.id),
        "path": url_for("feedback.beta_program", program_id=program.id),
    }


@bp.route("/betas/new", methods=["GET", "POST"])
@login_required
def beta_new():
    _manager()
    form = program_form()
    if form.is_submitted() and form.validate():
        try:
            program = programs.create(current_user, request.form)
        except ValidationFailed as exc:
            refused(form, exc)
        else:
            flash("The program is drafted. Publish it when it is ready.", "success")
            return see_other("feedback.beta_manage", program_id=program.id)
    return render("feedback/betas/edit.html", form=form, program=None, status=submit_status(form))


@bp.route("/betas/<int:program_id>/edit", methods=["GET", "POST"])
@login_required
def beta_edit(program_id: int):
    _manager()
    program = program_or_404(program_id)
    form = program_form(program)
    if form.is_submitted() and form.validate():
        version = program.nda_version
        try:
            programs.update(current_user, program, request.form, path=_links(program)["path"])
        except ValidationFailed as exc:
            refused(form, exc)
            program = program_or_404(program_id)
        else:
            bumped = program.nda_version != version
            flash(
                "Saved."
                + (
                    f" The NDA is now version {program.nda_version}; testers sign it again."
                    if bumped
                    else ""
                ),
                "success",
            )
            return see_other("feedback.beta_manage", program_id=program.id)
    return render(
        "feedback/betas/edit.html", form=form, program=program, status=submit_status(form)
    )


def manage_response(program, *, status_code=200, document_form=None, outcome_form=None):
    applicants = applications.applicants(program)
    testers = [a.application for a in applicants if a.application.status == "accepted"]
    return render(
        "feedback/betas/manage.html",
        status=status_code,
        program=program,
        phase=phase(program),
        applicants=applicants,
        accepted=len(testers),
        scores=engagement.scores(program.id, [t.person_id for t in testers]),
        signatures=nda.signatures(program),
        documents=documents.documents(program),
        surveys=surveys.surveys(program),
        reports=reports.reports(program),
        document_form=document_form or DocumentForm(formdata=None),
        outcome_form=outcome_form or OutcomeForm(formdata=None),
        button_form=EmptyForm(formdata=None),
    )


@bp.get("/betas/<int:program_id>/manage")
@login_required
def beta_manage(program_id: int):
    _manager()
    return manage_response(program_or_404(program_id))


@bp.post("/betas/<int:program_id>/publish")
@login_required
def beta_publish(program_id: int):
    _manager()
    program = program_or_404(program_id)
    if EmptyForm().validate():
        try:
            invited = programs.publish(current_user, program, path=_links(program)["path"])
        except ValidationFailed as exc:
            db.rollback_request()
            flash(" ".join(m for msgs in exc.problems.values() for m in msgs), "error")
        else:
            flash(f"Published. {invited} voters of the linked idea were invited.", "success")
    return see_other("feedback.beta_manage", program_id=program_id)


@bp.post("/betas/<int:program_id>/applications/<int:application_id>")
@login_required
def beta_decide(program_id: int, application_id: int):
    _manager()
    program = program_or_404(program_id)
    application = db.session.get(BetaApplication, application_id)
    if application is None or application.program_id != program.id:
        abort(404)
    form = DecisionForm()
    if form.validate():
        try:
            applications.decide(
                current_user, program, application, form.decision.data or "", **_links(program)
            )
        except ValidationFailed as exc:
            db.rollback_request()
            flash(" ".join(m for msgs in exc.problems.values() for m in msgs), "error")
        else:
            flash(
                f"{application.person.name}: {application.status.label.lower()}, and told.",
                "success",
            )
    return see_other("feedback.beta_manage", program_id=program_id, _anchor="applicants")


def _document_too_large(sentence: str):
    form = DocumentForm()
    form.file.errors = [sentence]
    return manage_response(
        program_or_404(request.view_args["program_id"]), status_code=413, document_form=form
    )


@bp.post("/betas/<int:program_id>/documents")
@login_required
@accepts_files(1, _document_too_large)
def beta_document_upload(program_id: int):
    _manager()
    program = program_or_404(program_id)
    form = DocumentForm()
    if form.validate():
        upload = request.files.get("file")
        try:
            documents.add_document(
                current_user,
                program,
                form.title.data or "",
                upload.read() if upload else b"",
                upload.filename if upload else "",
                upload.mimetype if upload else None,
            )
        except ValidationFailed as exc:
            refused(form, exc)
        else:
            flash("The document is in the program's space.", "success")
            return see_other("feedback.beta_manage", program_id=program_id, _anchor="documents")
    return manage_response(program_or_404(program_id), status_code=422, document_form=form)


@bp.route("/betas/<int:program_id>/surveys/new", methods=["GET", "POST"])
@login_required
def beta_survey_new(program_id: int):
    _manager()
    program = program_or_404(program_id)
    form = survey_form()
    if form.is_submitted() and form.validate():
        try:
            surveys.create_survey(
                current_user, program, form.title.data, form.intro.data, survey_questions(form)
            )
        except ValidationFailed as exc:
            refused(form, exc)
            program = program_or_404(program_id)
        else:
            flash("The survey is in the program's space for its testers.", "success")
            return see_other("feedback.beta_manage", program_id=program_id, _anchor="surveys")
    return render(
        "feedback/betas/survey_new.html", form=form, program=program, status=submit_status(form)
    )


@bp.get("/betas/<int:program_id>/surveys/<int:survey_id>/results")
@login_required
def beta_survey_results(program_id: int, survey_id: int):
    _manager()
    program = program_or_404(program_id)
    survey = surveys.get_survey(program, survey_id)
    if survey is None:
        abort(404)
    responded, results = surveys.results(survey)
    return render(
        "feedback/betas/results.html",
        program=program,
        survey=survey,
        responded=responded,
        testers=len(applications.testers(program)),
        results=results,
    )


@bp.post("/betas/<int:program_id>/outcome")
@login_required
def beta_outcome(program_id: int):
    _manager()
    program = program_or_404(program_id)
    form = OutcomeForm()
    if form.validate():
        try:
            told = outcome.post_outcome(current_user, program, form.outcome.data, **_links(program))
        except ValidationFailed as exc:
            refused(form, exc)
        else:
            flash(f"The outcome is posted; {told} testers were told.", "success")
            return see_other("feedback.beta_manage", program_id=program_id)
    return manage_response(program_or_404(program_id), status_code=422, outcome_form=form)
