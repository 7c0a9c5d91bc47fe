"""The practical assessment, assignment and attachment pages and API as people use
them: evidence refused with a sentence (files kept after another field's error), the
reviewer's queue and decision, files in scope only, the admin's assignments page, and
the learner's dashboard showing assignments first."""

import html as html_lib
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from hub import db
from hub.accounts import service as accounts
from hub.db import utcnow
from learning.assessments import service as assessments
from learning.assessments.models import SubmissionStatus
from learning.assignments.models import Assignment
from learning.attachments import service as attachments
from learning.certifications.models import Certification
from learning.paths import progress
from learning.quizzes import attempts
from tests.conftest import post_form
from tests.learning.factories import (
    assign,
    make_learning,
    pdf_bytes,
    png_bytes,
    right_answers,
    submit_evidence,
    with_practical,
)


def _text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def _files(*pairs):
    return [(io.BytesIO(data), name) for data, name in pairs]


def test_evidence_refused_with_a_sentence_then_kept_files_submit(client, login_as, session):
    learning = make_learning()
    with_practical(learning.foundation, "Upload a photo of the PDI.")
    staff = login_as("partner_staff")
    url = f"/learning/levels/{learning.foundation.id}/assessment"
    page = client.get(url)
    assert page.status_code == 200 and "Upload a photo of the PDI." in _text(page)

    bad = post_form(client, url, {"note": "", "files": _files((b"hello", "notes.txt"))})
    assert bad.status_code == 422
    assert "can't be attached: attach images (PNG, JPEG, WebP, GIF) or PDFs" in _text(bad)
    long_note = post_form(
        client, url, {"note": "x" * 2001, "files": _files((png_bytes(), "pdi.png"))}
    )
    html = _text(long_note)
    assert long_note.status_code == 422 and "2,000 characters" in html
    assert "Already attached (kept from your last try): pdi.png" in html
    kept = html.split('name="kept_files" type="hidden" value="')[1].split('"')[0]
    done = post_form(client, url, {"note": "PDI on a 5R.", "kept_files": kept})
    assert done.status_code == 303
    submission = assessments.submission_of(staff, learning.foundation)
    assert submission.note == "PDI on a 5R." and len(submission.evidence) == 1


def test_the_reviewer_signs_off_from_the_queue_and_the_certificate_is_issued(
    client, login_as, channel, session
):
    learning = make_learning()
    with_practical(learning.foundation)
    staff = channel.people["partner_staff"]
    progress.complete_module(staff, learning.module)
    attempt = attempts.start(staff, learning.quiz)
    attempts.submit(staff, attempt, right_answers(attempt))
    older = submit_evidence(channel.people["dealer_marketer"], learning.foundation)
    older.submitted_at = utcnow() - timedelta(days=3)
    submission = submit_evidence(staff, learning.foundation)
    login_as("product_manager")
    queue = _text(client.get("/learning/assessments"))
    assert queue.index(channel.people["dealer_marketer"].name) < queue.index(staff.name)
    assert "3 days ago" in queue
    page = _text(client.get(f"/learning/assessments/{submission.id}"))
    assert "Sign off" in page and "Ask for more" in page
    empty = post_form(client, f"/learning/assessments/{submission.id}/more", {"message": ""})
    assert empty.status_code == 422 and "Say what more is needed" in _text(empty)
    done = post_form(client, f"/learning/assessments/{submission.id}/sign-off", {"message": ""})
    assert done.status_code == 303
    db.session.refresh(submission)
    assert submission.status == SubmissionStatus.SIGNED_OFF
    assert db.session.scalar(
        sa.select(Certification).where(
            Certification.person_id == staff.id, Certification.level_id == learning.foundation.id
        )
    )


def test_evidence_files_open_in_scope_and_are_404_outside(client, login_as, channel, session):
    submission = submit_evidence(channel.people["partner_staff"], make_learning().foundation)
    url = f"/learning/assessments/{submission.id}/evidence/{submission.evidence[0].id}"
    login_as("partner_admin")
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.format == "PNG"
    response.close()
    login_as("other_marketer")
    assert client.get(url).status_code == 404
    assert client.get(f"/learning/assessments/{submission.id}").status_code == 404


def test_the_admin_assigns_sees_who_is_behind_and_the_learner_sees_it_first(
    client, login_as, channel, session
):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    login_as("partner_admin")
    bad = post_form(
        client,
        "/learning/assignments",
        {"person_id": "", "target": "", "due_on": "someday"},
    )
    html = _text(bad)
    assert bad.status_code == 422
    for sentence in (
        "Choose someone on your organisation's staff.",
        "Choose one path or one level to assign.",
        "Give the due date as a date",
    ):
        assert sentence in html
    due = (utcnow() + timedelta(days=14)).date().isoformat()
    ok = post_form(
        client,
        "/learning/assignments",
        {"person_id": str(staff.id), "target": f"path:{learning.path.id}", "due_on": due},
    )
    assert ok.status_code == 303
    db.session.expire_all()
    overdue = assign(
        channel.people["partner_admin"], channel.people["dealer_marketer"], learning.foundation
    )
    overdue.due_on = utcnow().date() - timedelta(days=2)
    db.session.flush()
    page = _text(client.get("/learning/assignments?sort=state"))
    assert page.index("Overdue") < page.index("Not started")
    login_as("partner_staff")
    dashboard = _text(client.get("/learning/"))
    assert dashboard.index("Assigned to you") < dashboard.index("Next step")
    assert "Learning Line technical" in dashboard


def test_module_attachments_show_as_downloads(client, login_as, channel, session):
    learning = make_learning()
    row = attachments.attach(
        channel.people["program_admin"], learning.module, pdf_bytes(), "wiring.pdf"
    )
    login_as("dealer_marketer")
    page = _text(client.get(f"/learning/modules/{learning.module.id}"))
    assert "wiring.pdf" in page
    got = client.get(f"/learning/modules/{learning.module.id}/attachments/{row.id}")
    assert got.mimetype == "application/pdf" and got.data.startswith(b"%PDF")
    got.close()
    assert (
        client.get(f"/learning/modules/{learning.module.id + 999}/attachments/{row.id}").status_code
        == 404
    )


@pytest.fixture
def api(client):
    tokens = {}

    def call(person, method, url, **kw):
        if person.id not in tokens:
            tokens[person.id] = accounts.create_api_token(person, "practice test").secret
        headers = {"Authorization": f"Bearer {tokens[person.id]}"}
        return client.open(url, method=method, headers=headers, **kw)

    return call


def test_the_api_lists_creates_assignments_and_reads_submission_status(api, channel, session):
    learning = make_learning()
    admin, staff = channel.people["partner_admin"], channel.people["partner_staff"]
    due = (utcnow() + timedelta(days=5)).date().isoformat()
    body = {"person_id": staff.id, "level_id": learning.foundation.id, "due_on": due}
    created = api(admin, "POST", "/api/v1/learning/assignments", json=body)
    assert created.status_code == 201 and created.headers["Location"].endswith(
        f"/assignments/{created.get_json()['id']}"
    )
    assert created.get_json()["state"] == "not_started"
    listed = api(staff, "GET", "/api/v1/learning/assignments").get_json()
    assert [a["title"] for a in listed["data"]] == [learning.foundation.title]
    assert (
        api(channel.people["other_marketer"], "GET", "/api/v1/learning/assignments").get_json()[
            "data"
        ]
        == []
    )
    for bad in ({**body, "due_on": "2020-01-01"}, {**body, "extra": 1}, {**body, "person_id": "5"}):
        response = api(admin, "POST", "/api/v1/learning/assignments", json=bad)
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
    refused = api(staff, "POST", "/api/v1/learning/assignments", json=body)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 1

    submission = submit_evidence(staff, learning.foundation)
    status = api(admin, "GET", f"/api/v1/learning/assessments/{submission.id}").get_json()
    assert status["status"] == "submitted" and status["files"] == 1
    hidden = api(
        channel.people["other_marketer"], "GET", f"/api/v1/learning/assessments/{submission.id}"
    )
    assert hidden.status_code == 404 and hidden.mimetype == "application/problem+json"


def test_an_upload_over_the_request_limit_gets_the_form_back_with_a_sentence(
    client, login_as, app, session
):
    learning = make_learning()
    with_practical(learning.foundation)
    login_as("partner_staff")
    app.config["UPLOAD_MAX_BYTES"] = 2000  # six files of 2 kB and the form's text fields
    url = f"/learning/levels/{learning.foundation.id}/assessment"
    huge = post_form(client, url, {"files": _files((b"\0" * 200_000, "scan.pdf"))})
    text = _text(huge)
    assert huge.status_code == 413
    assert "Those files are too large together" in text and 'name="files"' in text


def test_the_reminder_job_is_registered_with_the_hub(app, channel, session):
    from hub.registry import registry

    learning = make_learning()
    assign(channel.people["partner_admin"], channel.people["partner_staff"], learning.foundation, 1)
    job = registry(app).jobs["learning.assignment-reminders"]
    assert job.every == timedelta(days=1)
    assert job.run(utcnow()) == "1 due-soon and 0 overdue assignment reminders"


def test_the_dashboard_points_to_a_practical_once_the_modules_are_done(client, login_as, session):
    learning = make_learning()
    with_practical(learning.foundation)
    staff = login_as("partner_staff")
    progress.complete_module(staff, learning.module)
    attempt = attempts.start(staff, learning.quiz)
    attempts.submit(staff, attempt, right_answers(attempt))
    page = _text(client.get("/learning/"))
    assert f"Practical assessment: {learning.foundation.title}" in page
    assert "Modules done — send your evidence" in page
    submit_evidence(staff, learning.foundation)
    assert "Waiting for review" in _text(client.get("/learning/"))


def test_the_quiz_result_and_the_module_say_the_practical_is_the_step_left(
    client, login_as, channel, session
):
    learning = make_learning()
    with_practical(learning.foundation)
    staff = login_as("partner_staff")
    progress.complete_module(staff, learning.module)
    module_url = f"/learning/modules/{learning.module.id}"
    assert "Next: the practical assessment" not in _text(client.get(module_url))  # quiz first
    attempt = attempts.start(staff, learning.quiz)
    attempts.submit(staff, attempt, right_answers(attempt))
    practical_url = f"/learning/levels/{learning.foundation.id}/assessment"
    result = _text(client.get(f"/learning/attempts/{attempt.id}"))
    assert f"every module of {learning.foundation.title} is done. One step left" in result
    assert f'href="{practical_url}">the practical assessment</a>' in result
    module = _text(client.get(module_url))
    assert f'href="{practical_url}">Next: the practical assessment</a>' in module

    # Once the evidence is signed off and the level held, neither says so any more.
    evidence = submit_evidence(staff, learning.foundation)
    assert assessments.sign_off(channel.people["product_manager"], evidence) is not None
    assert "One step left" not in _text(client.get(f"/learning/attempts/{attempt.id}"))
    assert "Next: the practical assessment" not in _text(client.get(module_url))
