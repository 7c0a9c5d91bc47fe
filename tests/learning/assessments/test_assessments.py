"""Practical assessment rules on the real database: the requirement it adds to a level,
submitting evidence (files checked and read back), the reviewer's sign-off (which may
issue the certification) and asking for more, scope and audit."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from hub import db, uploads
from hub.errors import Conflict, ValidationFailed
from hub.models import AuditEvent, Notification
from learning.assessments import service as assessments
from learning.assessments.models import AssessmentSubmission, SubmissionStatus
from learning.certifications.models import Certification
from learning.certifications.requirements import standing
from learning.paths import progress
from learning.quizzes import attempts
from tests.learning.factories import (
    make_learning,
    pdf_bytes,
    png_bytes,
    right_answers,
    submit_evidence,
    with_practical,
)


def _finish(person, learning):
    """Read the Foundation module and pass its quiz."""
    progress.complete_module(person, learning.module)
    attempt = attempts.start(person, learning.quiz)
    return attempts.submit(person, attempt, right_answers(attempt))


def _certs(person):
    return db.session.scalars(
        sa.select(Certification).where(Certification.person_id == person.id)
    ).all()


def test_a_practical_holds_back_the_certification_until_it_is_signed_off(channel, session):
    learning = make_learning()
    with_practical(learning.foundation)
    staff, reviewer = channel.people["partner_staff"], channel.people["product_manager"]
    assert _finish(staff, learning) is None  # modules done, practical not signed off
    record = standing(staff.id)
    assert record.done_count(learning.foundation) == 1
    assert not record.level_done(learning.foundation) and not _certs(staff)

    submission = submit_evidence(staff, learning.foundation)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert assessments.queue(reviewer) == [submission]
    cert = assessments.sign_off(reviewer, submission, "Good PDI.")
    assert cert is not None and cert.level_id == learning.foundation.id
    assert submission.status == SubmissionStatus.SIGNED_OFF
    assert assessments.queue(reviewer) == []
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"learning.assessment_submitted", "learning.assessment_signed_off"} <= actions
    assert "learning.certification_issued" in actions
    texts = db.session.scalars(
        sa.select(Notification.text).where(Notification.person_id == staff.id)
    ).all()
    assert any("signed off" in t for t in texts) and any("certified" in t for t in texts)


def test_sign_off_before_the_modules_certifies_when_the_last_module_is_done(channel, session):
    learning = make_learning()
    staff, reviewer = channel.people["partner_staff"], channel.people["program_admin"]
    submission = submit_evidence(staff, learning.foundation)
    assert assessments.sign_off(reviewer, submission) is None
    cert = _finish(staff, learning)
    assert cert is not None and cert.level_id == learning.foundation.id


def test_asking_for_more_returns_it_and_the_learner_resubmits(channel, session):
    learning = make_learning()
    staff, reviewer = channel.people["partner_staff"], channel.people["product_manager"]
    submission = submit_evidence(staff, learning.foundation)
    with pytest.raises(ValidationFailed, match="Say what more"):
        assessments.ask_for_more(reviewer, submission, " ")
    assert submission.status == SubmissionStatus.SUBMITTED
    assessments.ask_for_more(reviewer, submission, "Add the signed report.")
    assert submission.status == SubmissionStatus.MORE_REQUESTED
    assert db.session.scalar(
        sa.select(Notification).where(
            Notification.person_id == staff.id, Notification.text.contains("signed report")
        )
    )
    with pytest.raises(Conflict, match="not waiting"):
        assessments.sign_off(reviewer, submission)
    again = assessments.submit(
        staff,
        learning.foundation,
        "Report attached.",
        [assessments.Upload(pdf_bytes(), "report.pdf", "application/pdf")],
    )
    assert again.id == submission.id and again.round == 2
    assert again.status == SubmissionStatus.SUBMITTED
    assert [e.round for e in again.evidence] == [1, 2]
    with pytest.raises(Conflict, match="waiting for a reviewer already"):
        submit_evidence(staff, learning.foundation)


def test_evidence_is_checked_and_kept_as_real_images_and_pdfs(channel, session):
    learning = make_learning()
    with_practical(learning.foundation)
    staff = channel.people["partner_staff"]
    submission = assessments.submit(
        staff,
        learning.foundation,
        "",
        [
            assessments.Upload(png_bytes(size=(64, 48)), "site.png", "image/png"),
            assessments.Upload(pdf_bytes(), "report.pdf", "application/pdf"),
        ],
    )
    photo, report = (e.file for e in submission.evidence)
    with Image.open(uploads.open_stored(photo.path)) as image:
        assert image.format == "PNG" and image.size == (64, 48)
    assert len(PdfReader(io.BytesIO(uploads.open_stored(report.path).read_bytes())).pages) == 1
    assert photo.organization_id == staff.organization_id


def test_bad_evidence_is_refused_with_a_sentence_and_nothing_kept(channel, session, app):
    learning = make_learning()
    with_practical(learning.foundation)
    staff = channel.people["partner_staff"]
    level = learning.foundation
    with pytest.raises(ValidationFailed, match="at least one"):
        assessments.submit(staff, level, "note", [])
    with pytest.raises(ValidationFailed, match="can't be attached") as refused:
        assessments.submit(staff, level, "", [assessments.Upload(b"PK\x03\x04zip", "a.zip")])
    assert list(refused.value.problems) == ["files"]
    app.config["UPLOAD_MAX_BYTES"] = 1000
    with pytest.raises(ValidationFailed, match="attach files of at most"):
        assessments.submit(
            staff,
            level,
            "",
            [assessments.Upload(png_bytes(size=(400, 400)) + b"\0" * 2000, "big.png")],
        )
    assert assessments.submission_of(staff, level) is None


def test_a_note_too_long_keeps_the_checked_files_for_the_retry(channel, session):
    learning = make_learning()
    with_practical(learning.foundation)
    staff = channel.people["partner_staff"]
    with pytest.raises(ValidationFailed, match="2,000 characters") as refused:
        assessments.submit(
            staff, learning.foundation, "x" * 2001, [assessments.Upload(png_bytes(), "a.png")]
        )
    held = refused.value.held
    assert [f.filename for f in held] == ["a.png"]
    # Named again on the retry: only the uploader's own unattached files count.
    kept = assessments.held_files(staff, [f.id for f in held])
    assert assessments.held_files(channel.people["partner_admin"], [f.id for f in held]) == []
    submission = assessments.submit(staff, learning.foundation, "ok", [], held=kept)
    assert [e.file_id for e in submission.evidence] == [held[0].id]
    assert assessments.held_files(staff, [f.id for f in held]) == []


def test_a_locked_or_practical_free_level_takes_no_evidence(channel, session):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    with pytest.raises(Conflict, match="no practical"):
        assessments.submit(
            staff, learning.foundation, "", [assessments.Upload(png_bytes(), "a.png")]
        )
    with_practical(learning.professional)
    with pytest.raises(Conflict, match=r"Earn .* first"):
        assessments.submit(
            staff, learning.professional, "", [assessments.Upload(png_bytes(), "a.png")]
        )


def test_only_reviewers_decide_and_scope_follows_the_policy(channel, session):
    learning = make_learning()
    submission = submit_evidence(channel.people["partner_staff"], learning.foundation)
    for role in ("partner_admin", "channel_manager", "partner_staff"):
        with pytest.raises(PermissionError):
            assessments.sign_off(channel.people[role], submission)

    def sees(role):
        stmt = assessments.visible_submissions(channel.people[role])
        return db.session.scalar(stmt.where(AssessmentSubmission.id == submission.id)) is not None

    seen = {r for r in channel.people if sees(r)}
    assert seen == {
        "partner_staff",
        "partner_admin",
        "distributor_admin",
        "program_admin",
        "product_manager",
    }


def test_the_learner_dashboard_names_the_practical_as_the_next_step(
    channel, session, client, login_as
):
    """Once the modules are done the practical is the next step, with its submission's
    state once evidence is sent; before that (and for a level without one) it is not."""
    learning = make_learning()
    with_practical(learning.foundation)
    staff = channel.people["partner_staff"]
    login_as(staff)
    step = f"Practical assessment: {learning.foundation.title}"
    assert step not in client.get("/learning/").get_data(as_text=True)  # modules to do

    _finish(staff, learning)
    page = client.get("/learning/").get_data(as_text=True)
    assert step in page and "Modules done — send your evidence" in page

    submission = submit_evidence(staff, learning.foundation)
    page = client.get("/learning/").get_data(as_text=True)
    assert step in page and submission.status.label in page
    assert "Modules done — send your evidence" not in page
