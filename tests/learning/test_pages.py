"""The learning pages and API as a person uses them: safe content, a quiz page that
gives nothing away, refusals with a sentence, the public verification page."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.accounts import service as accounts
from hub.db import utcnow
from learning.certifications.models import Certification
from learning.quizzes import attempts
from learning.quizzes.models import QuizAttempt
from tests.conftest import post_form
from tests.learning.factories import certify, make_learning, right_answers


def test_module_content_shows_no_raw_html(client, login_as, session):
    learning = make_learning()
    login_as("partner_staff")
    html = client.get(f"/learning/modules/{learning.module.id}").get_data(as_text=True)
    assert "<h2>Daily checks</h2>" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_the_quiz_page_carries_no_correctness_markers(client, login_as, session):
    learning = make_learning()
    login_as("partner_staff")
    started = post_form(
        client, f"/learning/modules/{learning.module.id}/quiz", token_page="/learning/"
    )
    assert started.status_code == 303
    html = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "correct" not in html.lower() and "is-answer" not in html
    # Every choice's input is the same markup but for its name and value: nothing on the
    # page tells a right choice from a wrong one.
    inputs = re.findall(r'<input type="(?:radio|checkbox)"[^>]*>', html)
    assert len(inputs) == 5
    shapes = {re.sub(r'(name|value)="[^"]*"', "", tag) for tag in inputs}
    assert shapes == {'<input type="radio"  >', '<input type="checkbox"  >'}


def test_answers_sent_twice_are_refused_with_a_sentence(client, login_as, session):
    learning = make_learning()
    login_as("partner_staff")
    started = post_form(
        client, f"/learning/modules/{learning.module.id}/quiz", token_page="/learning/"
    )
    attempt = db.session.get(QuizAttempt, int(started.headers["Location"].rsplit("/", 1)[1]))
    answers = {f"q{q}": c for q, c in right_answers(attempt).items()}
    url = f"/learning/attempts/{attempt.id}"
    assert post_form(client, url, answers, token_page="/learning/").status_code == 303
    db.session.refresh(attempt)
    first = (attempt.submitted_at, attempt.answers)
    again = post_form(client, url, answers, token_page="/learning/", follow_redirects=True)
    assert "submitted already" in again.get_data(as_text=True)
    db.session.refresh(attempt)
    assert (attempt.submitted_at, attempt.answers) == first


def test_unanswered_questions_come_back_with_a_sentence_each(client, login_as, session):
    learning = make_learning()
    login_as("partner_staff")
    started = post_form(
        client, f"/learning/modules/{learning.module.id}/quiz", token_page="/learning/"
    )
    response = post_form(client, started.headers["Location"], {}, token_page="/learning/")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose an answer." in html and "Choose every answer that applies." in html


def test_the_verify_page_is_public_and_shows_only_the_public_facts(client, channel, session):
    holder = channel.people["partner_staff"]
    cert = certify(holder, make_learning().foundation)
    db.session.flush()
    html = client.get(f"/verify/{cert.credential_id}").get_data(as_text=True)
    assert holder.name in html and cert.level.title in html and "Valid" in html
    assert "Test OEM" in html  # the issuer
    assert holder.email not in html and holder.organization.name not in html
    missing = client.get("/verify/not-a-real-credential-id")
    assert missing.status_code == 404
    assert "no certification with this credential id" in missing.get_data(as_text=True)


def test_the_program_admin_revokes_with_a_reason(client, login_as, channel, session):
    cert = certify(channel.people["partner_staff"], make_learning().foundation)
    login_as("program_admin")
    url = f"/learning/certifications/{cert.id}/revoke"
    refused = post_form(client, url, {"reason": ""}, token_page="/learning/")
    assert refused.status_code == 422
    assert "Say why it is revoked" in refused.get_data(as_text=True)
    assert (
        post_form(client, url, {"reason": "Shared login."}, token_page="/learning/").status_code
        == 303
    )
    assert "Revoked" in client.get(f"/verify/{cert.credential_id}").get_data(as_text=True)


def test_the_certificate_downloads_as_png_and_pdf(client, login_as, channel, session):
    cert = certify(channel.people["partner_staff"], make_learning().foundation)
    login_as("partner_staff")
    png = client.get(f"/learning/certifications/{cert.id}/certificate.png")
    pdf = client.get(f"/learning/certifications/{cert.id}/certificate.pdf")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


@pytest.fixture
def api(client):
    """api(person, method, url, json=…): a call with a bearer token of person's."""
    tokens = {}

    def call(person, method, url, **kw):
        if person.id not in tokens:
            tokens[person.id] = accounts.create_api_token(person, "learning test").secret
        headers = {"Authorization": f"Bearer {tokens[person.id]}"}
        return client.open(url, method=method, headers=headers, **kw)

    return call


def test_the_api_lists_paths_progress_and_scoped_certifications(api, channel, session):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    certify(staff, learning.foundation)
    certify(channel.people["other_marketer"], learning.foundation)
    paths = api(staff, "GET", "/api/v1/learning/paths").get_json()
    assert [p["title"] for p in paths["data"]] == ["Learning Line technical"]
    progress = api(staff, "GET", "/api/v1/learning/progress").get_json()
    assert [lv["held"] for lv in progress["levels"]] == [True]
    mine = api(channel.people["partner_admin"], "GET", "/api/v1/learning/certifications")
    assert [c["holder"]["name"] for c in mine.get_json()["data"]] == [staff.name]


def test_the_api_answers_bad_input_with_problem_json(api, channel, session):
    cert = certify(channel.people["partner_staff"], make_learning().foundation)
    admin = channel.people["program_admin"]
    url = f"/api/v1/learning/certifications/{cert.id}/revoke"
    for body in ({"reason": 5}, {"reason": "x", "extra": 1}, {"reason": ""}):
        response = api(admin, "POST", url, json=body)
        assert response.status_code == 422, body
        assert response.mimetype == "application/problem+json"
    assert cert.revoked_at is None
    assert api(admin, "POST", url, json={"reason": "Shared login."}).status_code == 200
    again = api(admin, "POST", url, json={"reason": "Again."})
    assert again.status_code == 409
    bad = api(admin, "GET", "/api/v1/learning/paths?track=cooking")
    assert bad.status_code in (400, 422) and bad.mimetype == "application/problem+json"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certification)) == 1


def test_late_answers_and_an_early_retake_are_refused_on_the_page(client, login_as, session):
    learning = make_learning(max_attempts=1, time_limit_minutes=30)
    staff = login_as("partner_staff")
    late = attempts.start(staff, learning.quiz, now=utcnow() - timedelta(hours=2))
    answers = {f"q{q}": c for q, c in right_answers(late).items()}
    url = f"/learning/attempts/{late.id}"
    refused = post_form(client, url, answers, token_page="/learning/", follow_redirects=True)
    assert "ran out of time" in refused.get_data(as_text=True)
    db.session.refresh(late)
    assert late.submitted_at is None and late.answers is None
    retake = post_form(
        client,
        f"/learning/modules/{learning.module.id}/quiz",
        token_page="/learning/",
        follow_redirects=True,
    )
    assert "You have used your attempt for now; the next one opens" in retake.get_data(as_text=True)
    count = sa.select(sa.func.count()).select_from(QuizAttempt)
    assert db.session.scalar(count) == 1
