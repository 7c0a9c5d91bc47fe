"""Status changes with a large audience: the request records the change and a pending
fan-out; the audience is told after the commit, chunk by chunk — each person exactly once,
even when the fan-out runs twice or dies mid-way (feedback.ideas.fanout).

CHUNK is set to 3 here so that eight followers take three chunks."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from feedback.ideas import fanout
from feedback.ideas import service as ideas
from feedback.ideas.models import IdeaFanout, IdeaNotice, IdeaStatusChange
from hub import db, mail
from hub.cli import run_due_jobs
from hub.models import AuditEvent, Notification, OutboxMail
from tests.feedback.ideas.support import post


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(fanout, "CHUNK", 3)


@pytest.fixture
def followed(channel, line, make_person):
    """An idea followed by its poster and seven more partner users; one more unsubscribed."""
    poster = channel.people["dealer_marketer"]
    idea = post(poster, line)
    people = [poster] + [make_person("partner_staff", channel.dealer) for _ in range(7)]
    for person in people[1:]:
        ideas.set_subscription(person, idea, True)
    ideas.set_subscription(make_person("partner_staff", channel.dealer), idea, False)
    return idea, {p.id: p.email for p in people}


def _change(channel, idea, status="planned"):
    pm = channel.people["product_manager"]
    return ideas.change_status(
        pm, idea, status, "Planned for the 2027 models.", link="http://hub/i/1", path="/i/1"
    )


def _told(change_id) -> tuple[Counter, Counter, Counter]:
    """How often each person has a notice, a notification and an e-mail of the change."""
    notices = Counter(
        db.session.scalars(sa.select(IdeaNotice.person_id).where(IdeaNotice.change_id == change_id))
    )
    notes = Counter(
        db.session.scalars(
            sa.select(Notification.person_id).where(Notification.kind == fanout.NOTICE_KIND)
        )
    )
    mails = Counter(
        db.session.scalars(sa.select(OutboxMail.to).where(OutboxMail.subject.contains("planned")))
    )
    return notices, notes, mails


def test_a_large_audience_is_told_after_the_commit_each_once(small_chunks, channel, followed):
    idea, audience = followed
    change = _change(channel, idea)

    # The request's transaction holds the change and a pending fan-out, no one told yet.
    assert change.fanout is not None and change.fanout.audience == len(audience)
    assert change.notified_count == 0 and change.fanout.done_at is None
    assert _told(change.id)[0] == Counter()

    db.session.commit()  # the request ends: the fan-out runs (inline for a bound test app)

    notices, notes, mails = _told(change.id)
    assert notices == Counter(dict.fromkeys(audience, 1))
    assert notes == Counter(dict.fromkeys(audience, 1))
    assert mails == Counter(dict.fromkeys(audience.values(), 1))
    row = db.session.get(IdeaFanout, change.id, populate_existing=True)
    assert row.done_at is not None
    stored = db.session.get(IdeaStatusChange, change.id, populate_existing=True)
    assert stored.notified_count == len(audience)
    events = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == str(idea.id))
    ).all()
    assert "idea.status_changed" in events and "idea.status_told" in events
    assert fanout.pending() == []


def test_a_fanout_that_dies_mid_way_is_finished_by_tick_telling_no_one_twice(
    small_chunks, monkeypatch, channel, followed
):
    idea, audience = followed
    real_send_many = mail.send_many
    calls = []

    def send_many_failing_once(messages):
        calls.append(len(messages))
        if len(calls) == 2:
            raise RuntimeError("the process died")
        return real_send_many(messages)

    monkeypatch.setattr(mail, "send_many", send_many_failing_once)
    change = _change(channel, idea)
    db.session.commit()  # the fan-out after the commit: chunk 1 commits, chunk 2 dies

    notices, notes, mails = _told(change.id)
    assert len(notices) == 3 and set(notes) == set(notices)  # the first chunk, whole
    assert sum(mails.values()) == 3  # the failed chunk left no notification, mail or notice
    assert fanout.pending() == [change.id]

    assert any(
        line.startswith("feedback.ideas-fanout: 1 status change(s) fanned out, 5 people")
        for line in run_due_jobs(force=True)
    )
    assert fanout.drain(change.id) == 0  # and again: nothing left to tell
    assert any(
        line.startswith("feedback.ideas-fanout: 0 status change(s)")
        for line in run_due_jobs(force=True)
    )

    notices, notes, mails = _told(change.id)
    assert notices == Counter(dict.fromkeys(audience, 1))
    assert notes == Counter(dict.fromkeys(audience, 1))
    assert mails == Counter(dict.fromkeys(audience.values(), 1))
    assert db.session.get(IdeaStatusChange, change.id, populate_existing=True).notified_count == 8


def test_a_second_change_is_told_apart_from_the_first(small_chunks, channel, followed):
    idea, audience = followed
    first = _change(channel, idea)
    db.session.commit()
    second = _change(channel, idea, "in_progress")
    db.session.commit()
    for change in (first, second):
        notices = _told(change.id)[0]
        assert notices == Counter(dict.fromkeys(audience, 1))
    assert fanout.pending() == []


def test_a_small_audience_is_told_inside_the_request(channel, followed):
    idea, audience = followed  # eight people: fewer than the real CHUNK
    change = _change(channel, idea)
    assert change.fanout is None and change.notified_count == len(audience)
    assert _told(change.id)[0] == Counter(dict.fromkeys(audience, 1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdeaFanout)) == 0
