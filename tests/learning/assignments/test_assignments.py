"""Assignment rules on the real database: who assigns to whom, due dates, state from the
learner's record, cancelling, scope, and the daily reminders (once each)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import AuditEvent, Notification
from learning.assignments import service as assignments
from learning.paths import progress
from tests.learning.factories import assign, certify, make_learning


def _notes(person):
    return db.session.scalars(
        sa.select(Notification.text).where(Notification.person_id == person.id)
    ).all()


def test_a_partner_admin_assigns_to_own_staff_and_the_learner_is_told(channel, session):
    learning = make_learning()
    admin, staff = channel.people["partner_admin"], channel.people["partner_staff"]
    a = assign(admin, staff, learning.foundation)
    assert a.organization_id == staff.organization_id
    assert any("assigned you" in t for t in _notes(staff))
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "learning.assignment_created")
    )
    with pytest.raises(Conflict, match="assigned already"):
        assign(admin, staff, learning.foundation)


def test_refusals_name_each_problem(channel, session):
    learning = make_learning()
    admin = channel.people["partner_admin"]
    past = (utcnow() - timedelta(days=2)).date()
    with pytest.raises(ValidationFailed) as refused:
        assignments.assign(
            admin,
            channel.people["other_marketer"].id,
            path_id=learning.path.id,
            level_id=learning.foundation.id,
            due_on=past,
        )
    assert set(refused.value.problems) == {"person_id", "target", "due_on"}
    with pytest.raises(ValidationFailed, match="as a date"):
        assignments.assign(
            admin,
            channel.people["partner_staff"].id,
            level_id=learning.foundation.id,
            due_on="soon",
        )
    with pytest.raises(PermissionError):
        assign(
            channel.people["program_admin"], channel.people["partner_staff"], learning.foundation
        )
    with pytest.raises(ValidationFailed, match="your organisation's staff"):
        assign(
            channel.people["distributor_admin"],
            channel.people["partner_staff"],
            learning.foundation,
        )


def test_state_follows_progress_and_overdue_sorts_first(channel, session):
    learning = make_learning()
    admin, staff = channel.people["partner_admin"], channel.people["partner_staff"]
    marketer = channel.people["dealer_marketer"]
    path_a = assignments.assign(
        admin, staff.id, path_id=learning.path.id, due_on=utcnow().date() + timedelta(days=9)
    )
    level_a = assign(admin, marketer, learning.foundation, days=1)
    level_a.due_on = utcnow().date() - timedelta(days=1)  # now overdue
    states = {r.assignment.id: r.state for r in assignments.team_rows(admin)}
    assert states == {path_a.id: "not_started", level_a.id: "overdue"}
    progress.complete_module(staff, learning.module)
    assert assignments.team_rows(admin)[0].assignment.id == level_a.id
    assert {r.assignment.id: r.state for r in assignments.team_rows(admin)}[
        path_a.id
    ] == "in_progress"
    certify(marketer, learning.foundation)
    by_id = {r.assignment.id: r.state for r in assignments.team_rows(admin, sort="due")}
    assert by_id[level_a.id] == "done"
    assert [r.assignment.id for r in assignments.my_rows(staff)] == [path_a.id]


def test_the_learners_own_list_says_what_the_team_list_says(channel, session):
    """The learner's dashboard reads their assignments as rows with the catalogue's paths
    and levels (assignments.MyAssignment); the assignments page reads mapped ones: the
    same titles, states, progress, due dates and assigners, soonest due first."""
    learning = make_learning()
    admin, staff = channel.people["partner_admin"], channel.people["partner_staff"]
    on = utcnow().date()
    path_a = assignments.assign(admin, staff.id, path_id=learning.path.id, due_on=on + timedelta(9))
    pro = assign(admin, staff, learning.professional, days=3)
    late = assign(admin, staff, learning.foundation, days=1)
    late.due_on = on - timedelta(days=1)
    progress.complete_module(staff, learning.module)
    db.session.flush()

    def said(rows):
        return [
            (
                r.assignment.id,
                r.assignment.title,
                r.state,
                r.done_modules,
                r.total_modules,
                r.assignment.due_on,
                r.assignment.assigned_by.name if r.assignment.assigned_by else None,
                r.assignment.path_id or r.assignment.level.path_id,
            )
            for r in rows
        ]

    mine = assignments.my_rows(staff)
    assert all(type(r.assignment) is assignments.MyAssignment for r in mine)
    team = [
        r for r in assignments.team_rows(admin, sort="due") if r.assignment.person_id == staff.id
    ]
    assert said(mine) == said(team)
    assert [r.assignment.id for r in mine] == [late.id, pro.id, path_a.id]
    assert {r.state for r in mine} == {"overdue", "in_progress", "not_started"}


def test_scope_distributor_sees_dealers_others_see_own(channel, session):
    learning = make_learning()
    a = assign(
        channel.people["partner_admin"], channel.people["partner_staff"], learning.foundation
    )
    seen = {
        role
        for role, person in channel.people.items()
        if db.session.scalar(
            assignments.visible_assignments(person).where(sa.literal(True)).limit(1)
        )
        is not None
    }
    assert seen == {"partner_admin", "distributor_admin", "program_admin", "partner_staff"}
    assignments.cancel(channel.people["partner_admin"], a)
    assert assignments.team_rows(channel.people["partner_admin"]) == []
    with pytest.raises(PermissionError):
        assignments.cancel(channel.people["distributor_admin"], a)


def test_reminders_go_once_for_due_soon_and_once_when_overdue(channel, session):
    learning = make_learning()
    admin, staff = channel.people["partner_admin"], channel.people["partner_staff"]
    far = assign(admin, staff, learning.path.levels[1], days=30)
    soon = assign(admin, staff, learning.foundation, days=2)
    now = utcnow()
    assert assignments.send_reminders(now) == "1 due-soon and 0 overdue assignment reminders"
    assert assignments.send_reminders(now) == "0 due-soon and 0 overdue assignment reminders"
    later = now + timedelta(days=4)
    assert assignments.send_reminders(later) == "0 due-soon and 1 overdue assignment reminders"
    assert assignments.send_reminders(later) == "0 due-soon and 0 overdue assignment reminders"
    texts = [t for t in _notes(staff) if "Reminder" in t or "overdue" in t]
    assert len(texts) == 2 and far.due_soon_reminded_at is None and soon.overdue_reminded_at
