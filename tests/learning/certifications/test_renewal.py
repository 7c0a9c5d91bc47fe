"""Renewal rules on the real database: reminders once per window, the recertification
module renewing into a chain, the grace state, and certifications moving with a person."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import AuditEvent, Notification, OutboxMail
from learning.certifications import renewal
from learning.certifications import service as certifications
from learning.certifications.credentials import add_months
from learning.certifications.models import Certification, CertificationStatus, RenewalReminder
from learning.certifications.reminders import send_renewal_reminders
from learning.certifications.requirements import HeldCertification, standing
from learning.paths import catalogue, progress
from learning.quizzes import attempts
from learning.quizzes.models import Quiz
from tests.learning.certifications.renewal_helpers import add_recert, expiring
from tests.learning.factories import make_learning, right_answers


def _told(person) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.text)
            .where(Notification.person_id == person.id, Notification.kind == "certification")
            .where(Notification.text.contains("expires on"))
            .order_by(Notification.id)
        )
    )


def _mails(person) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(OutboxMail.subject)
            .where(OutboxMail.to == person.email)
            .order_by(OutboxMail.id)
        )
    )


def test_reminders_go_out_once_per_window_to_the_holder_and_their_partner_admins(channel, session):
    staff, admin = channel.people["partner_staff"], channel.people["partner_admin"]
    now = utcnow()
    cert = expiring(staff, make_learning().foundation, 100, now)
    assert send_renewal_reminders(now) == "0 certification renewal reminders sent"
    for days in (90, 30, 7):
        moment = cert.valid_until - timedelta(days=days - 1)
        assert send_renewal_reminders(moment) == "1 certification renewal reminders sent"
        # The same day again, and the next day: nothing more.
        assert send_renewal_reminders(moment) == "0 certification renewal reminders sent"
        assert send_renewal_reminders(moment + timedelta(hours=20)).startswith("0 ")
    windows = db.session.scalars(
        sa.select(RenewalReminder.days_before).where(RenewalReminder.certification_id == cert.id)
    ).all()
    assert sorted(windows) == [7, 30, 90]
    audited = db.session.scalars(
        sa.select(AuditEvent.after).where(AuditEvent.action == "learning.renewal_reminder_sent")
    ).all()
    assert sorted(a["days_before"] for a in audited) == [7, 30, 90]
    assert len(_told(staff)) == 3 and all("Your" in t for t in _told(staff))
    assert len(_told(admin)) == 3 and all(staff.name in t for t in _told(admin))
    assert _mails(staff) == [
        f"Certification expires in {d} days: {cert.level.title}" for d in (90, 30, 7)
    ]
    assert len(_mails(admin)) == 3
    # Not the distributor's admin above the dealer, nor a colleague.
    assert _told(channel.people["distributor_admin"]) == []
    assert _mails(channel.people["dealer_marketer"]) == []
    # After expiry, none.
    assert send_renewal_reminders(cert.valid_until + timedelta(days=1)).startswith("0 ")


def test_a_late_start_sends_only_the_narrowest_window_and_a_renewed_one_none(channel, session):
    staff = channel.people["partner_staff"]
    learning = make_learning()
    now = utcnow()
    late = expiring(staff, learning.foundation, 20, now)
    renewed = expiring(channel.people["dealer_marketer"], learning.professional, 20, now)
    db.session.add(
        Certification(
            credential_id="renewal-of-it",
            person_id=renewed.person_id,
            level_id=renewed.level_id,
            issued_at=now,
            valid_from=renewed.valid_until,
            valid_until=renewed.valid_until + timedelta(days=365),
            grace_until=renewed.valid_until + timedelta(days=400),
            renews_id=renewed.id,
        )
    )
    db.session.flush()
    assert send_renewal_reminders(now).startswith("1 ")
    sent = db.session.execute(
        sa.select(RenewalReminder.certification_id, RenewalReminder.days_before)
    )
    assert sent.tuples().all() == [(late.id, 30)]


def _pass_recert(person, module, now=None):
    """Read the recertification module and pass its quiz (through the same rules as the
    pages); answers the certification the pass gave, if any."""
    progress.complete_module(person, module, now)
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))
    attempt = attempts.start(person, quiz, now)
    return attempts.submit(person, attempt, right_answers(attempt), now)


def test_passing_the_recertification_in_the_window_renews_into_a_chain(channel, session):
    staff = channel.people["partner_staff"]
    learning = make_learning()
    module = add_recert(learning.foundation)
    old = expiring(staff, learning.foundation, 40)
    assert module not in learning.foundation.modules  # not part of the path itself
    assert certifications.expiring_soon(standing(staff.id)) == [old]
    new = _pass_recert(staff, module)
    assert new is not None and new.renews_id == old.id
    assert certifications.expiring_soon(standing(staff.id)) == []  # renewed: nothing to do
    assert new.valid_from == old.valid_until
    assert new.valid_until == add_months(old.valid_until, learning.foundation.validity_months)
    assert new.credential_id != old.credential_id
    assert renewal.chain(old) == renewal.chain(new) == [old, new]
    db.session.expire_all()
    old, new = db.session.get(Certification, old.id), db.session.get(Certification, new.id)
    # One valid at a time: the old one until it ends, then its renewal.
    assert (old.status(), new.status()) == (CertificationStatus.VALID, CertificationStatus.UPCOMING)
    later = old.valid_until + timedelta(seconds=1)
    assert (old.status(later), new.status(later)) == (
        CertificationStatus.RENEWED,
        CertificationStatus.VALID,
    )
    assert standing(staff.id, later).holds(learning.foundation)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "learning.certification_renewed")
    )
    assert event.object_id == str(new.id) and event.after["renews"] == old.credential_id
    # A second renewal of the same certification is refused; nothing new.
    with pytest.raises(ValidationFailed, match="renewed already"):
        renewal.renew(staff, old)
    assert len(renewal.chain(old)) == 2


def test_renewal_is_refused_before_the_window_and_without_the_recertification(channel, session):
    staff = channel.people["partner_staff"]
    learning = make_learning()
    module = add_recert(learning.foundation)
    fresh = expiring(staff, learning.foundation, 200)
    with pytest.raises(ValidationFailed, match="Read “Refresher” and pass its quiz first"):
        renewal.renew(staff, fresh, now=fresh.valid_until - timedelta(days=10))
    # Done early: nothing happens then; renewing once the window opens works.
    assert _pass_recert(staff, module) is None
    with pytest.raises(ValidationFailed, match="Renewal opens on"):
        renewal.renew(staff, fresh)
    with pytest.raises(ValidationFailed, match="Only the holder"):
        renewal.renew(channel.people["partner_admin"], fresh)
    assert len(renewal.chain(fresh)) == 1
    renewed = renewal.renew(staff, fresh, now=fresh.valid_until - timedelta(days=80))
    assert renewed.renews_id == fresh.id


def test_in_grace_a_certification_is_shown_not_held_and_still_renewable(channel, session):
    staff = channel.people["partner_staff"]
    learning = make_learning()
    module = add_recert(learning.foundation)
    lapsed = expiring(staff, learning.foundation, -10)
    record = standing(staff.id)
    assert lapsed.status() == CertificationStatus.IN_GRACE
    # Not held: the level above is locked again, and it counts nowhere as valid.
    assert not record.holds(learning.foundation) and not record.unlocked(learning.professional)
    assert certifications.expiring_soon(record) == [lapsed]  # shown as one to renew
    # Reading the refresher alone issues nothing (not a fresh certification either).
    assert progress.complete_module(staff, module) is None
    assert len(renewal.chain(lapsed)) == 1
    now = utcnow()
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))
    attempt = attempts.start(staff, quiz, now)
    renewed = attempts.submit(staff, attempt, right_answers(attempt), now)
    assert renewed.renews_id == lapsed.id and renewed.valid_from == now  # from today
    assert renewed.status(now + timedelta(seconds=1)) == CertificationStatus.VALID


def test_after_the_grace_period_the_chain_is_closed(channel, session):
    staff = channel.people["partner_staff"]
    learning = make_learning()
    module = add_recert(learning.foundation)
    gone = expiring(staff, learning.foundation, -learning.foundation.grace_days - 1)
    assert gone.status() == CertificationStatus.EXPIRED
    with pytest.raises(ValidationFailed, match="grace period ended"):
        renewal.renew(staff, gone)
    # The refresher and its quiz earn the level again, as a new chain.
    fresh = _pass_recert(staff, module)
    assert fresh is not None and fresh.renews_id is None
    assert renewal.chain(fresh) == [fresh]


def test_a_certification_moves_with_its_holder_to_another_organisation(
    channel, make_person, session
):
    staff = channel.people["partner_staff"]
    old_admin = channel.people["partner_admin"]
    new_admin = make_person("partner_admin", channel.other_dealer)
    cert = expiring(staff, make_learning().foundation, 60)
    credential, until = cert.credential_id, cert.valid_until

    def seen_by(viewer):
        return db.session.scalars(certifications.visible_certifications(viewer)).all()

    assert cert in seen_by(old_admin) and cert not in seen_by(new_admin)
    # Hub has no "move a person" operation yet: the person's organisation is changed.
    staff.organization_id = channel.other_dealer.id
    db.session.flush()
    db.session.expire_all()
    cert = db.session.get(Certification, cert.id)
    assert cert not in seen_by(old_admin) and cert in seen_by(new_admin)
    assert [c.id for c in certifications.others_in_scope(new_admin)] == [cert.id]
    assert certifications.others_in_scope(old_admin) == []
    assert (cert.credential_id, cert.valid_until, cert.person_id) == (credential, until, staff.id)
    assert standing(staff.id).holds(cert.level)
    # The renewal reminder goes to the admins of the organisation the holder is in now.
    send_renewal_reminders(utcnow())
    assert len(_told(new_admin)) == 1 and _told(old_admin) == []


def test_the_recertification_quiz_is_taken_again_for_the_next_renewal(channel, session):
    staff = channel.people["partner_staff"]
    learning = make_learning()
    module = add_recert(learning.foundation)
    first = expiring(staff, learning.foundation, 40)
    second = _pass_recert(staff, module)
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))
    # Passed for this renewal: nothing to retake until the next one.
    with pytest.raises(ValidationFailed, match="nothing to retake"):
        attempts.start(staff, quiz)
    later = second.valid_until - timedelta(days=30)
    assert attempts.state(staff, quiz, later).passed_attempt is None
    attempt = attempts.start(staff, quiz, later)
    third = attempts.submit(staff, attempt, right_answers(attempt), later)
    assert third is not None and third.renews_id == second.id
    assert renewal.chain(first) == [first, second, third]
    assert third.valid_from == second.valid_until


def test_the_learner_sees_a_certification_in_grace_among_those_to_renew(client, login_as, session):
    staff = login_as("partner_staff")
    lapsed = expiring(staff, make_learning().foundation, -3)
    record = standing(staff.id)
    assert certifications.expiring_soon(record) == [lapsed]
    html = client.get("/learning/").get_data(as_text=True)
    assert "in grace until" in html and "renew to keep it" in html
    home = client.get("/").get_data(as_text=True)
    assert "renew it by" in home


def test_the_dashboards_read_only_certifications_say_what_the_mapped_ones_say(channel, session):
    """progress.dashboard reads a person's certifications as rows with the catalogue's
    levels (requirements.HeldCertification): the same certifications, renewals, statuses,
    held levels and ones to renew as the mapped Certifications, at every moment of a
    renewal chain, a grace period and a revocation."""
    staff = channel.people["partner_staff"]
    learning = make_learning()
    module = add_recert(learning.foundation)
    old = expiring(staff, learning.foundation, 40)
    new = _pass_recert(staff, module)
    assert new is not None and new.renews_id == old.id
    in_grace = expiring(staff, learning.professional, -3)
    revoked = expiring(staff, learning.professional, 300)
    certifications.revoke(channel.people["program_admin"], revoked, "Shared login.")
    db.session.expire_all()
    levels = {lv.id: lv for p in catalogue.paths() for lv in p.levels}
    seen = set()
    for now in (
        utcnow(),
        old.valid_until + timedelta(seconds=1),
        in_grace.grace_until + timedelta(days=1),
    ):
        mapped, read_only = standing(staff.id, now), standing(staff.id, now, levels)
        assert all(type(c) is HeldCertification for c in read_only.certifications)

        def said(record, now=now):
            return [
                (
                    c.id,
                    c.level.id,
                    c.level.path_id,
                    c.level.title,
                    c.renewal.id if c.renewal else None,
                    c.status(now),
                )
                for c in record.certifications
            ]

        assert said(read_only) == said(mapped)
        seen |= {c.status(now) for c in mapped.certifications}
        for level in (learning.foundation, learning.professional):
            assert read_only.holds(level) == mapped.holds(level)
        assert [c.id for c in certifications.expiring_soon(read_only)] == [
            c.id for c in certifications.expiring_soon(mapped)
        ]
    assert seen == set(CertificationStatus)  # every status was compared
