"""Authoring on the real database: the program admin creates and edits paths, levels
(prerequisites, the practical assessment), modules (with a preview), quiz settings and
questions; refusals come back with a sentence per problem and change nothing; every
change is audited; nobody else may author, and right answers show only here."""

import html
import re

import pytest
import sqlalchemy as sa

from hub import db
from hub.errors import ValidationFailed
from hub.models import AuditEvent, ProductLine
from learning.assessments import service as assessments
from learning.authoring import service as authoring
from learning.paths.models import Path
from learning.quizzes import attempts
from tests.conftest import post_form
from tests.learning.factories import make_learning


def _actions() -> set[str]:
    return set(db.session.scalars(sa.select(AuditEvent.action)))


def test_the_program_admin_builds_a_path_from_scratch(channel, session):
    admin = channel.people["program_admin"]
    line = ProductLine(name="Balers", slug="balers")
    db.session.add(line)
    db.session.flush()
    path = authoring.save_path(
        admin,
        None,
        {"product_line_id": str(line.id), "track": "technical", "title": "Balers technical"},
    )
    foundation = authoring.save_level(
        admin, None, path, {"name": "Foundation", "rank": "1", "validity_months": "24"}
    )
    pro = authoring.save_level(
        admin,
        None,
        path,
        {
            "name": "Professional",
            "rank": "2",
            "validity_months": "12",
            "prerequisite_ids": [str(foundation.id)],
            "practical": "y",
            "practical_instructions": "Set up a baler's knotter; upload photos.",
        },
    )
    assert pro.prerequisites == [foundation]
    assert assessments.practical_of(pro).instructions.startswith("Set up")
    module = authoring.save_module(
        admin,
        None,
        foundation,
        {"title": "Knotters", "minutes": "20", "position": "1", "body": "## Hi"},
    )
    quiz = authoring.save_quiz(
        admin,
        module,
        {
            "pass_percent": "75",
            "draw": "0",
            "max_attempts": "2",
            "cooldown_hours": "12",
            "time_limit_minutes": "15",
        },
    )
    question = authoring.save_question(
        admin,
        None,
        quiz,
        {
            "prompt": "Which twine?",
            "multiple": False,
            "explanation": "Check the bale chamber label.",
            "choices": [("Sisal", True), ("Wire", False), ("", False)],
        },
    )
    assert [(c.text, c.correct) for c in question.choices] == [("Sisal", True), ("Wire", False)]
    assert {
        "learning.path_created",
        "learning.level_created",
        "learning.practical_changed",
        "learning.module_created",
        "learning.quiz_saved",
        "learning.question_created",
    } <= _actions()
    # Turning the practical off removes it, audited.
    authoring.save_level(
        admin, pro, path, {"name": "Professional", "rank": "2", "validity_months": "12"}
    )
    assert assessments.practical_of(pro) is None and pro.prerequisites == []


def test_refusals_say_what_is_wrong_and_change_nothing(channel, session):
    learning = make_learning()
    admin = channel.people["program_admin"]
    with pytest.raises(ValidationFailed) as refused:
        authoring.save_level(
            admin,
            learning.foundation,
            learning.path,
            {
                "name": "",
                "rank": "2",
                "validity_months": "0",
                "prerequisite_ids": [str(learning.professional.id)],
                "practical": "y",
            },
        )
    assert set(refused.value.problems) == {
        "name",
        "validity_months",
        "practical_instructions",
        "prerequisite_ids",
        "rank",
    }
    assert "requires it" in refused.value.problems["prerequisite_ids"][0]
    with pytest.raises(ValidationFailed, match="has a Technical path already"):
        authoring.save_path(
            admin,
            None,
            {
                "product_line_id": str(learning.path.product_line_id),
                "track": "technical",
                "title": "Again",
            },
        )
    with pytest.raises(ValidationFailed, match="one right choice"):
        authoring.save_question(
            admin, None, learning.quiz, {"prompt": "Which?", "choices": [("A", True), ("B", True)]}
        )
    with pytest.raises(ValidationFailed, match="Mark the right choice"):
        authoring.save_question(
            admin,
            None,
            learning.quiz,
            {"prompt": "Which?", "choices": [("A", False), ("B", False)]},
        )
    with pytest.raises(PermissionError):
        authoring.save_module(
            channel.people["product_manager"], learning.module, learning.foundation, {}
        )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Path)) == 1


def test_choices_in_learners_attempts_are_reworded_not_removed(channel, session):
    learning = make_learning()
    admin = channel.people["program_admin"]
    attempts.start(channel.people["partner_staff"], learning.quiz)
    question = learning.quiz.questions[1]  # multiple choice: two right of three
    removing = [("Oil level", True), ("Tyres", True), ("", False)]
    with pytest.raises(ValidationFailed, match="don't remove them"):
        authoring.save_question(
            admin,
            question,
            learning.quiz,
            {"prompt": question.prompt, "multiple": True, "choices": removing},
        )
    rewording = [("Oil level", True), ("Tyres", True), ("Injector calibration (yearly)", False)]
    authoring.save_question(
        admin,
        question,
        learning.quiz,
        {"prompt": question.prompt, "multiple": True, "choices": rewording},
    )
    assert question.choices[2].text == "Injector calibration (yearly)"


def test_the_pages_preview_save_and_refuse_with_sentences(client, login_as, channel, session):
    learning = make_learning()
    login_as("program_admin")
    url = f"/learning/authoring/modules/{learning.module.id}"
    body = "## Safety\n\n<script>alert(1)</script>"
    preview = post_form(
        client,
        url,
        {"title": "Daily checks", "minutes": "10", "position": "1", "body": body, "preview": "1"},
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<h2>Safety</h2>" in page and "<script>alert" not in page
    assert learning.module.body != body  # a preview saves nothing
    bad = post_form(client, url, {"title": "", "minutes": "many", "position": "1", "body": ""})
    text = html.unescape(bad.get_data(as_text=True))
    assert bad.status_code == 422
    assert (
        "Give the title (3+ characters)." in text
        and "Give the estimated minutes as a whole number." in text
    )
    ok = post_form(
        client, url, {"title": "Daily checks", "minutes": "12", "position": "1", "body": body}
    )
    assert ok.status_code == 303
    db.session.refresh(learning.module)
    assert learning.module.minutes == 12 and learning.module.body == body
    q = post_form(
        client,
        f"/learning/authoring/questions/{learning.quiz.questions[0].id}",
        {"prompt": "Which?", "choices-0-text": "A", "choices-1-text": "B"},
    )
    assert q.status_code == 422 and "Mark the right choice." in q.get_data(as_text=True)


def test_right_answers_show_to_the_program_admin_only(client, login_as, channel, session):
    learning = make_learning()
    question = learning.quiz.questions[0]
    login_as("program_admin")
    page = client.get(f"/learning/authoring/questions/{question.id}").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="choices-0-right"', page) or re.search(
        r'name="choices-0-right"[^>]*checked', page
    )
    assert not re.search(r'name="choices-1-right"[^>]*checked', page)
    login_as("product_manager")
    assert client.get(f"/learning/authoring/questions/{question.id}").status_code == 403
    assert client.get(f"/learning/authoring/modules/{learning.module.id}").status_code == 403


def test_attachments_are_added_checked_and_removed_on_the_module_page(
    client, login_as, channel, session
):
    import io

    from learning.attachments import service as attachments
    from tests.learning.factories import pdf_bytes

    learning = make_learning()
    login_as("program_admin")
    url = f"/learning/authoring/modules/{learning.module.id}/attachments"
    bad = post_form(
        client,
        url,
        {"attachment": (io.BytesIO(b"MZ\x90\x00"), "tool.exe"), "attachment_title": ""},
        token_page=f"/learning/authoring/modules/{learning.module.id}",
    )
    assert bad.status_code == 422
    assert "can't be attached" in html.unescape(bad.get_data(as_text=True))
    ok = post_form(
        client,
        url,
        {"attachment": (io.BytesIO(pdf_bytes()), "wiring.pdf"), "attachment_title": "Wiring"},
        token_page=f"/learning/authoring/modules/{learning.module.id}",
    )
    assert ok.status_code == 303
    (row,) = attachments.of_module(learning.module)
    assert row.label == "Wiring" and row.file.content_type == "application/pdf"
    assert "learning.attachment_added" in _actions()
    gone = post_form(
        client,
        f"{url}/{row.id}/remove",
        token_page=f"/learning/authoring/modules/{learning.module.id}",
    )
    assert gone.status_code == 303 and attachments.of_module(learning.module) == []
