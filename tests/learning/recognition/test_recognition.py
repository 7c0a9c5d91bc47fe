"""Recognition on the real database: badges awarded once when the milestone happens,
kudos (limits, inert HTML, scope), the wall, leaderboards and the opt-out."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.accounts import service as accounts
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import AuditEvent, Notification
from learning.paths import progress
from learning.quizzes import attempts
from learning.recognition import badges, kudos, leaderboard
from learning.recognition.models import Badge, BadgeKind, Kudos
from tests.conftest import post_form
from tests.learning.factories import certify, make_learning, right_answers


def _kinds(person):
    return sorted((b.kind.value, b.key) for b in badges.badges_of(person.id))


def test_a_first_certification_earns_its_badge_once(channel, session):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    certify(staff, learning.foundation)
    assert _kinds(staff) == [("first_certification", "")]
    note = db.session.scalar(
        sa.select(Notification).where(
            Notification.person_id == staff.id, Notification.kind == "badge"
        )
    )
    assert "First certification" in note.text
    certify(channel.people["partner_staff"], learning.professional)
    kinds = [k for k, _ in _kinds(staff)]
    assert kinds.count("first_certification") == 1
    # Both levels of the path held at once: the full track.
    assert ("full_track", f"path:{learning.path.id}") in _kinds(staff)


def test_earning_a_certification_by_learning_awards_the_badge_in_the_same_step(channel, session):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    attempt = attempts.start(staff, learning.quiz)
    attempts.submit(staff, attempt, right_answers(attempt))
    cert = progress.complete_module(staff, learning.module)
    assert cert is not None
    db.session.flush()
    (badge,) = badges.badges_of(staff.id)
    assert badge.kind == BadgeKind.FIRST_CERTIFICATION and badge.awarded_at == cert.issued_at


def test_a_certification_rolled_back_takes_its_badge_with_it(channel, session):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    savepoint = db.session.begin_nested()
    certify(staff, learning.foundation)
    assert len(badges.badges_of(staff.id)) == 1
    savepoint.rollback()
    assert badges.badges_of(staff.id) == []


def test_renewing_before_expiry_earns_renewed_on_time_once(channel, session):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    certify(staff, learning.foundation, now=utcnow() - timedelta(days=700))
    certify(staff, learning.foundation)  # the old one is still valid: on time
    certify(staff, learning.foundation)  # again: nothing new
    renewed = [b for b in badges.badges_of(staff.id) if b.kind == BadgeKind.RENEWED_ON_TIME]
    assert [b.key for b in renewed] == [f"level:{learning.foundation.id}"]
    events = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "learning.badge_awarded")
    )
    assert events == len(badges.badges_of(staff.id))


def test_renewing_after_expiry_is_not_on_time(channel, session):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    certify(staff, learning.foundation, now=utcnow() - timedelta(days=800))
    certify(staff, learning.foundation)
    assert "renewed_on_time" not in [k for k, _ in _kinds(staff)]


def test_awarding_again_changes_nothing(channel, session):
    staff = channel.people["partner_staff"]
    assert badges.award(db.session, staff, BadgeKind.MENTOR) is not None
    db.session.flush()
    assert badges.award(db.session, staff, BadgeKind.MENTOR) is None
    db.session.flush()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Badge))
    assert count == 1


def test_kudos_are_given_told_and_audited(channel, session):
    admin, staff = channel.people["partner_admin"], channel.people["partner_staff"]
    given = kudos.give(admin, staff.id, "mentoring", "  Showed the new hire the ropes.  ")
    assert given.message == "Showed the new hire the ropes."
    note = db.session.scalar(
        sa.select(Notification).where(
            Notification.person_id == staff.id, Notification.kind == "kudos"
        )
    )
    assert admin.name in note.text and note.actor_id == admin.id
    assert db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.action == "learning.kudos_given")
    )
    assert _kinds(staff) == [("mentor", "")]  # kudos for mentoring earns the Mentor badge


def test_bad_kudos_are_refused_with_sentences_and_nothing_changes(channel, session):
    admin = channel.people["partner_admin"]
    with pytest.raises(ValidationFailed) as refused:
        kudos.give(admin, channel.people["partner_staff"].id, "bribery", "x" * 281)
    assert refused.value.problems["message"] == [
        "Keep the message to 280 characters or fewer (it has 281)."
    ]
    assert "category" in refused.value.problems
    with pytest.raises(ValidationFailed) as outside:
        kudos.give(admin, channel.people["other_marketer"].id, "learning", "Great work")
    assert outside.value.problems == {
        "recipient_id": ["Choose the person to recognise from the list."]
    }
    with pytest.raises(PermissionError):
        kudos.give(
            channel.people["partner_staff"], channel.people["dealer_marketer"].id, "learning", "Hi"
        )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Kudos)) == 0


def test_the_wall_shows_kudos_inert_and_only_in_scope(client, login_as, channel, session):
    kudos.give(
        channel.people["program_admin"],
        channel.people["partner_staff"].id,
        "teamwork",
        "<script>alert('hi')</script> <b>Well done</b>",
    )
    kudos.give(
        channel.people["program_admin"],
        channel.people["other_marketer"].id,
        "customer",
        "Other dealer's kudos",
    )
    login_as("partner_admin")
    html = client.get("/learning/recognition").get_data(as_text=True)
    assert "&lt;script&gt;alert" in html and "<script>alert" not in html
    assert "<b>Well done</b>" not in html
    assert "Other dealer&#39;s kudos" not in html and "Other dealer's kudos" not in html
    assert channel.people["other_marketer"].name not in html  # not even in the form's list


def test_giving_kudos_on_the_page_keeps_the_input_on_a_problem(client, login_as, channel, session):
    login_as("partner_admin")
    staff = channel.people["partner_staff"]
    refused = post_form(
        client,
        "/learning/recognition/kudos",
        {"recipient_id": str(staff.id), "category": "learning", "message": ""},
        token_page="/learning/recognition",
    )
    assert refused.status_code == 422
    assert "Write a short message" in refused.get_data(as_text=True)
    done = post_form(
        client,
        "/learning/recognition/kudos",
        {"recipient_id": str(staff.id), "category": "learning", "message": "Thanks!"},
        token_page="/learning/recognition",
    )
    assert done.status_code == 303
    person_page = client.get(f"/people/{staff.id}").get_data(as_text=True)
    assert "Learning and recognition" in person_page and "Thanks!" in person_page
    record = client.get(f"/learning/people/{staff.id}").get_data(as_text=True)
    assert "Badges and kudos" in record and "Thanks!" in record
    picked = client.get(f"/learning/recognition?to={staff.id}").get_data(as_text=True)
    assert f'<option selected value="{staff.id}">' in picked


def test_a_partner_sees_no_oem_persons_learning_section(client, login_as, channel, session):
    login_as("dealer_marketer")
    # Every product manager serves every partner: the partner sees their public profile.
    page = client.get(f"/people/{channel.people['product_manager'].id}")
    assert page.status_code == 200
    assert "Learning and recognition" not in page.get_data(as_text=True)
    own = client.get(f"/people/{channel.people['partner_staff'].id}").get_data(as_text=True)
    assert "Learning and recognition" in own


def test_leaderboards_rank_learning_and_hide_names_outside_scope(channel, session):
    learning = make_learning()
    staff, other = channel.people["partner_staff"], channel.people["other_marketer"]
    certify(staff, learning.foundation)
    certify(other, learning.foundation)
    certify(other, learning.professional)
    group = leaderboard.group_of(channel.dealer)
    assert group == leaderboard.group_of(channel.other_dealer)  # same tier, same region
    rows = leaderboard.board(staff, group)
    assert [(r.rank, r.certifications) for r in rows] == [(1, 2), (2, 1)]
    assert rows[0].name is None and rows[0].organization is None  # another dealer's
    assert rows[1].name == staff.name and rows[1].is_viewer
    oem_rows = leaderboard.board(channel.people["channel_manager"], group)
    assert [r.name for r in oem_rows] == [other.name, staff.name]


def test_opted_out_people_leave_leaderboards_and_the_wall(client, login_as, channel, session):
    learning = make_learning()
    staff = channel.people["partner_staff"]
    certify(staff, learning.foundation)
    kudos.give(channel.people["partner_admin"], staff.id, "learning", "Quick learner")
    group = leaderboard.group_of(channel.dealer)
    login_as("partner_staff")
    assert (
        post_form(
            client,
            "/learning/recognition/settings",
            {"opted_out": "y"},
            token_page="/learning/recognition/leaderboard",
        ).status_code
        == 303
    )
    assert kudos.is_opted_out(staff.id)
    assert staff.id not in [
        r.person_id for r in leaderboard.board(channel.people["partner_admin"], group)
    ]
    wall = db.session.scalars(kudos.visible_kudos(channel.people["partner_admin"], wall=True)).all()
    assert wall == []
    # Still on their own record.
    assert [k.message for k in kudos.kudos_for(channel.people["partner_admin"], staff.id)] == [
        "Quick learner"
    ]
    kudos.set_opted_out(staff, False)
    assert staff.id in [
        r.person_id for r in leaderboard.board(channel.people["partner_admin"], group)
    ]


def test_the_kudos_api_lists_in_scope_and_gives(client, channel, session):
    tokens = {}

    def call(person, method, url, **kw):
        if person.id not in tokens:
            tokens[person.id] = accounts.create_api_token(person, "t").secret
        token = tokens[person.id]
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kw)

    staff = channel.people["partner_staff"]
    made = call(
        channel.people["partner_admin"],
        "POST",
        "/api/v1/learning/kudos",
        json={"recipient_id": staff.id, "category": "customer", "message": "Saved the day"},
    )
    assert made.status_code == 201 and made.get_json()["recipient"]["id"] == staff.id
    too_long = call(
        channel.people["partner_admin"],
        "POST",
        "/api/v1/learning/kudos",
        json={"recipient_id": staff.id, "category": "customer", "message": "x" * 300},
    )
    assert too_long.status_code == 422 and too_long.mimetype == "application/problem+json"
    mine = call(staff, "GET", "/api/v1/learning/kudos").get_json()
    assert [k["message"] for k in mine["data"]] == ["Saved the day"]
    theirs = call(channel.people["other_marketer"], "GET", "/api/v1/learning/kudos").get_json()
    assert theirs["data"] == []
    refused = call(
        staff,
        "POST",
        "/api/v1/learning/kudos",
        json={"recipient_id": staff.id, "category": "customer", "message": "Me!"},
    )
    assert refused.status_code == 403
