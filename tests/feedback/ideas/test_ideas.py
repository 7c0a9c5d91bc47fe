"""The ideas rules: posting, one vote per person, comments with replies, following, and
status changes that tell every follower in bulk, with a record of who was told."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from feedback.ideas import service as ideas
from feedback.ideas.models import Idea, IdeaNotice, IdeaStatus, IdeaVote
from hub import db
from hub.errors import Conflict, ValidationFailed
from hub.models import AuditEvent, Notification, OutboxMail
from tests.feedback.ideas.support import post

S = IdeaStatus


def change(actor, idea, status, message="On the plan for next year."):
    return ideas.change_status(actor, idea, status, message, link="http://hub/i", path="/i")


def test_an_empty_or_enormous_idea_is_refused_with_a_sentence_per_field(channel, line):
    marketer = channel.people["dealer_marketer"]
    with pytest.raises(ValidationFailed) as empty:
        ideas.post_idea(marketer, {"product_line_id": "", "title": " ", "problem": ""})
    assert set(empty.value.problems) == {"product_line_id", "title", "problem"}
    with pytest.raises(ValidationFailed) as huge:
        post(marketer, line, "x" * 141, "y" * 5001)
    assert "140 characters" in huge.value.problems["title"][0]
    assert "5,000 characters" in huge.value.problems["problem"][0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0


@pytest.mark.parametrize("role", ["product_manager", "channel_manager", "program_admin"])
def test_the_oem_does_not_post_or_vote(channel, line, role):
    with pytest.raises(PermissionError):
        post(channel.people[role], line)
    idea = post(channel.people["dealer_marketer"], line)
    with pytest.raises(PermissionError):
        ideas.vote(channel.people[role], idea)


def test_one_vote_per_person(channel, line):
    idea = post(channel.people["dealer_marketer"], line)
    voter = channel.people["other_marketer"]
    assert ideas.vote(voter, idea)
    with pytest.raises(Conflict, match="already voted"):
        ideas.vote(voter, idea)
    assert idea.vote_count == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdeaVote)) == 1
    assert ideas.withdraw_vote(voter, idea) and idea.vote_count == 0
    assert not ideas.withdraw_vote(voter, idea)


def test_comments_and_replies_form_threads(channel, line):
    idea = post(channel.people["dealer_marketer"], line)
    first = ideas.comment(channel.people["other_marketer"], idea, "Same here.")
    reply = ideas.comment(channel.people["product_manager"], idea, "Which models?", first.id)
    deeper = ideas.comment(channel.people["other_marketer"], idea, "The 2R.", reply.id)
    threads = ideas.threads(idea)
    assert [t.comment.id for t in threads] == [first.id]
    assert [r.id for r in threads[0].replies] == [reply.id, deeper.id]
    with pytest.raises(ValidationFailed):
        ideas.comment(channel.people["other_marketer"], idea, "   ")
    other = post(channel.people["dealer_marketer"], line, "Another idea here")
    with pytest.raises(ValidationFailed):
        ideas.comment(channel.people["other_marketer"], other, "Hi", first.id)


def test_a_status_change_tells_every_follower_once_in_app_and_by_mail(channel, line):
    author = channel.people["dealer_marketer"]
    idea = post(author, line)
    ideas.vote(channel.people["other_marketer"], idea)
    ideas.vote(channel.people["partner_staff"], idea)
    ideas.comment(channel.people["partner_staff"], idea, "Yes please")  # voter and commenter
    ideas.comment(channel.people["distributor_admin"], idea, "Our dealers too")
    ideas.set_subscription(channel.people["channel_manager"], idea, True)
    ideas.set_subscription(channel.people["partner_admin"], idea, True)
    ideas.set_subscription(channel.people["partner_admin"], idea, False)  # changed their mind
    pm = channel.people["product_manager"]

    done = change(pm, idea, "planned", "Planned for the 2027 models.")

    told = {
        channel.people[r].id
        for r in (
            "dealer_marketer",
            "other_marketer",
            "partner_staff",
            "distributor_admin",
            "channel_manager",
        )
    }
    assert idea.status == S.PLANNED and done.notified_count == len(told)
    assert {n.person_id for n in ideas.notices(done)} == told
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "idea.status")
    ).all()
    assert sorted(n.person_id for n in notes) == sorted(told)
    assert all("Planned for the 2027 models." in n.text and n.actor_id == pm.id for n in notes)
    mails = db.session.scalars(
        sa.select(OutboxMail).where(OutboxMail.subject.contains("planned"))
    ).all()
    assert sorted(m.to for m in mails) == sorted(
        p.email for p in channel.people.values() if p.id in told
    )
    assert "http://hub/i" in mails[0].body
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "idea.status_changed")
    )
    assert event.before == {"status": "new"} and event.after["status"] == "planned"


def test_unsubscribing_stays_when_voting_later(channel, line):
    idea = post(channel.people["dealer_marketer"], line)
    voter = channel.people["other_marketer"]
    ideas.set_subscription(voter, idea, False)
    ideas.vote(voter, idea)
    assert not ideas.is_subscribed(voter, idea)
    done = change(channel.people["program_admin"], idea, "under_review", "Looking at it.")
    assert voter.id not in {n.person_id for n in ideas.notices(done)}


def test_a_status_change_needs_a_message_and_declining_a_reason(channel, line):
    idea = post(channel.people["dealer_marketer"], line)
    pm = channel.people["product_manager"]
    with pytest.raises(ValidationFailed) as declined:
        change(pm, idea, "declined", "  ")
    assert "reason for declining" in declined.value.problems["message"][0]
    with pytest.raises(ValidationFailed) as merged:
        change(pm, idea, "merged")
    assert merged.value.problems["status"]
    with pytest.raises(ValidationFailed):
        change(pm, idea, "new")  # it is new already
    with pytest.raises(PermissionError):
        change(channel.people["channel_manager"], idea, "planned")
    assert idea.status == S.NEW
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdeaNotice)) == 0


def test_a_declined_idea_takes_no_votes(channel, line):
    idea = post(channel.people["dealer_marketer"], line)
    change(channel.people["product_manager"], idea, "declined", "Too costly for the segment.")
    with pytest.raises(Conflict, match="declined"):
        ideas.vote(channel.people["other_marketer"], idea)


def test_weighted_score_counts_each_vote_by_its_tier(channel, line, make_org, make_person):
    elite = make_org("dealer", parent=channel.distributor, tier="Elite", name="Elite Dealer")
    idea = post(channel.people["dealer_marketer"], line)
    ideas.vote(make_person("dealer_marketer", elite), idea)
    ideas.vote(channel.people["other_marketer"], idea)
    weights = dict((t.name, t.id) for t, _ in ideas.weights())
    values = {weights["Elite"]: "3"}
    ideas.set_weights(channel.people["program_admin"], values)
    other_tier = channel.other_dealer.tier.name if channel.other_dealer.tier else None
    expected = Decimal("3") + Decimal("1")
    assert other_tier != "Elite"
    (row,) = db.session.execute(
        ideas.ranked(channel.people["product_manager"], ideas.Filters())
    ).all()
    assert row[1] == expected
    breakdown = ideas.breakdown(idea)
    assert breakdown.score == expected
    assert dict(breakdown.tiers)["Elite"] == 1
    assert dict(breakdown.distributors) == {"Test Distribution": 1, "Other Distribution": 1}
    with pytest.raises(ValidationFailed) as bad:
        ideas.set_weights(channel.people["program_admin"], {weights["Elite"]: "lots"})
    assert "from 0 to 100" in bad.value.problems[f"tier_{weights['Elite']}"][0]
    with pytest.raises(PermissionError):
        ideas.set_weights(channel.people["product_manager"], values)


def test_triage_sorts_by_weighted_score_or_votes(channel, line, make_org, make_person):
    elite = make_org("dealer", parent=channel.distributor, tier="Elite", name="Elite Dealer")
    few_strong = post(channel.people["dealer_marketer"], line, "Few but elite votes")
    many_weak = post(channel.people["dealer_marketer"], line, "Many ordinary votes")
    ideas.vote(make_person("dealer_marketer", elite), few_strong)
    ideas.vote(make_person("partner_staff", elite), few_strong)
    for role in ("other_marketer", "partner_staff", "partner_admin"):
        ideas.vote(channel.people[role], many_weak)
    elite_tier = next(t for t, _ in ideas.weights() if t.name == "Elite")
    ideas.set_weights(channel.people["program_admin"], {elite_tier.id: "2"})
    pm = channel.people["product_manager"]
    by_score = [
        i.title for i, _ in db.session.execute(ideas.ranked(pm, ideas.Filters(sort="score")))
    ]
    by_votes = [
        i.title for i, _ in db.session.execute(ideas.ranked(pm, ideas.Filters(sort="votes")))
    ]
    assert by_score == ["Few but elite votes", "Many ordinary votes"]
    assert by_votes == ["Many ordinary votes", "Few but elite votes"]
