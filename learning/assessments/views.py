"""The practical assessment pages: the learner's evidence form for a level, the
reviewers' queue, one submission (with its evidence and the reviewer's decision), and
the evidence files themselves (404 outside the submission's scope)."""

from __future__ import annotations

from flask import abort, flash, request, send_file
from flask_login import current_user

from hub import db
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.web.forms import apply_problems, refused, submit_status
from hub.web.pages import accepts_files, render, see_other, stored_path_or_404
from learning.assessments import service
from learning.assessments.forms import EvidenceForm, ReviewForm, kept_ids
from learning.blueprint import bp
from learning.certifications.requirements import standing
from learning.paths import progress


def _evidence_page(level_id: int, form: EvidenceForm | None = None, kept=None, status=200):
    level = service.get_level_or_404(level_id)
    practical = service.practical_of(level)
    if practical is None:
        abort(404)
    record = standing(current_user.id)
    submission = service.submission_of(current_user, level)
    return render(
        "learning/assessments/evidence.html",
        status=status,
        level=level,
        practical=practical,
        submission=submission,
        record=record,
        locked=None if record.unlocked(level) else progress.locked_sentence(record, level),
        form=form or EvidenceForm(formdata=None),
        kept=kept or [],
    )


def _too_large(sentence: str, level_id: int):
    form = EvidenceForm(formdata=None)  # the body was too large to read
    form.files.errors = [sentence]
    return _evidence_page(level_id, form, status=413)


@bp.get("/levels/<int:level_id>/assessment")
def assessment_page(level_id: int):
    return _evidence_page(level_id)


@bp.post("/levels/<int:level_id>/assessment")
@accepts_files(service.MAX_FILES, _too_large)
def assessment_submit(level_id: int):
    level = service.get_level_or_404(level_id)
    form = EvidenceForm()
    if not form.validate():  # the CSRF token
        return _evidence_page(level_id, form, status=422)
    held = service.held_files(current_user, kept_ids(form.kept_files.data))
    files = [
        service.Upload(f.read(), f.filename or "", f.mimetype)
        for f in request.files.getlist("files")
        if f and f.filename
    ]
    try:
        service.submit(current_user, level, form.note.data or "", files, held=held)
    except ValidationFailed as exc:
        kept = getattr(exc, "held", None) or []
        if kept:
            db.session.commit()  # keep the checked files (on no submission yet) for the retry
        else:
            db.rollback_request()
        apply_problems(form, exc)
        form.kept_files.data = ",".join(str(f.id) for f in kept)
        return _evidence_page(level_id, form, kept, status=submit_status(form))
    flash("Your evidence is submitted. A reviewer will sign it off or ask for more.", "success")
    return see_other("learning.assessment_page", level_id=level.id)


@bp.get("/assessments")
def assessment_queue():
    if not service.is_reviewer(current_user):
        raise PermissionError("Only product managers and program admins review practical evidence.")
    return render(
        "learning/assessments/queue.html",
        waiting=service.queue(current_user),
        reviewed=service.recently_reviewed(current_user),
        now=utcnow(),
        org_name=service.organization_name,
    )


def _submission_page(submission_id: int, form: ReviewForm | None = None, status=200):
    submission = service.get_submission_or_404(current_user, submission_id)
    rounds: dict[int, list] = {}
    for item in submission.evidence:
        rounds.setdefault(item.round, []).append(item)
    return render(
        "learning/assessments/submission.html",
        status=status,
        submission=submission,
        practical=service.practical_of(submission.level),
        rounds=sorted(rounds.items(), reverse=True),
        organization=service.organization_name(submission),
        can_review=service.is_reviewer(current_user)
        and submission.status == service.SubmissionStatus.SUBMITTED,
        form=form or ReviewForm(formdata=None),
    )


@bp.get("/assessments/<int:submission_id>")
def submission_page(submission_id: int):
    return _submission_page(submission_id)


@bp.post("/assessments/<int:submission_id>/sign-off")
def submission_sign_off(submission_id: int):
    submission = service.get_submission_or_404(current_user, submission_id)
    form = ReviewForm()
    if not form.validate():
        return _submission_page(submission_id, form, status=422)
    try:
        cert = service.sign_off(current_user, submission, form.message.data or "")
    except ValidationFailed as exc:
        refused(form, exc)
        return _submission_page(submission_id, form, status=422)
    person = submission.person.name
    flash(
        f"Signed off. {person} is now certified: {cert.level.title}."
        if cert
        else f"Signed off. {person} will be certified once the level's modules are done.",
        "success",
    )
    return see_other("learning.assessment_queue")


@bp.post("/assessments/<int:submission_id>/more")
def submission_more(submission_id: int):
    submission = service.get_submission_or_404(current_user, submission_id)
    form = ReviewForm()
    if not form.validate():
        return _submission_page(submission_id, form, status=422)
    try:
        service.ask_for_more(current_user, submission, form.message.data or "")
    except ValidationFailed as exc:
        refused(form, exc)
        return _submission_page(submission_id, form, status=422)
    flash(f"Sent back to {submission.person.name} with your message.", "success")
    return see_other("learning.assessment_queue")


@bp.get("/assessments/<int:submission_id>/evidence/<int:evidence_id>")
def evidence_file(submission_id: int, evidence_id: int):
    item = service.evidence_or_404(current_user, submission_id, evidence_id)
    stored = item.file
    response = send_file(
        stored_path_or_404(stored.path),
        mimetype=stored.content_type,
        download_name=stored.filename,
        as_attachment=request.args.get("download") == "1",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
