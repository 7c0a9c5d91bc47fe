"""Progress rules: completing modules, prerequisites, and the safe Markdown."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import AuditEvent
from learning.certifications.requirements import standing
from learning.paths import progress
from learning.paths.content import render_markdown
from learning.paths.models import ModuleProgress
from learning.quizzes import attempts
from tests.learning.factories import certify, make_learning, right_answers


@pytest.fixture
def learner(channel):
    return channel.people["partner_staff"]


def test_completing_a_module_is_saved_once_and_audited(learner, session):
    learning = make_learning()
    assert progress.complete_module(learner, learning.module) is None  # quiz still to pass
    progress.complete_module(learner, learning.module)  # a second time changes nothing
    assert standing(learner.id).module_read(learning.module)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "learning.module_completed")
    ).all()
    assert len(events) == 1


def test_passing_the_quiz_then_reading_the_module_earns_the_certification(learner, session):
    learning = make_learning()
    attempt = attempts.start(learner, learning.quiz)
    assert attempts.submit(learner, attempt, right_answers(attempt)) is None  # not read yet
    cert = progress.complete_module(learner, learning.module)
    assert cert is not None and cert.level_id == learning.foundation.id
    assert cert.valid_until.year == cert.issued_at.year + 2  # 24 months


def test_a_level_stays_locked_until_its_prerequisite_is_held(learner, session):
    learning = make_learning()
    with pytest.raises(ValidationFailed, match="opens once you hold"):
        progress.complete_module(learner, learning.pro_module)
    assert not standing(learner.id).module_read(learning.pro_module)
    certify(learner, learning.foundation)
    progress.complete_module(learner, learning.pro_module)
    assert standing(learner.id).module_read(learning.pro_module)


def test_an_expired_prerequisite_locks_the_level_again(learner, session):
    learning = make_learning()
    certify(learner, learning.foundation, now=utcnow() - timedelta(days=800))
    with pytest.raises(ValidationFailed, match="opens once you hold"):
        progress.complete_module(learner, learning.pro_module)


def test_the_dashboard_names_the_next_step_and_what_expires_soon(learner, session):
    learning = make_learning()
    certify(learner, learning.foundation, now=utcnow() - timedelta(days=700))
    board = progress.dashboard(learner)
    assert [s.next_module.id for s in board["next_steps"]] == [learning.pro_module.id]
    assert [c.level_id for c in board["expiring"]] == [learning.foundation.id]


def test_markdown_renders_and_raw_html_is_escaped():
    html = str(
        render_markdown(
            "## Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
            "[link](javascript:alert(1)) **bold**"
        )
    )
    assert "<h2>Title</h2>" in html and "<strong>bold</strong>" in html
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_a_module_opened_before_is_marked_read_in_its_own_row(learner, session):
    learning = make_learning()
    opened = ModuleProgress(person_id=learner.id, module_id=learning.module.id)
    db.session.add(opened)
    db.session.flush()
    progress.complete_module(learner, learning.module)
    db.session.refresh(opened)
    assert opened.completed_at is not None
    assert standing(learner.id).module_read(learning.module)
