"""Merging duplicate ideas on the real database: votes move with each person counted once,
comments and followers move, the merged idea points at the one kept — and undoing puts
both ideas back exactly (full snapshots compared), or refuses with a sentence."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from feedback.ideas import service as ideas
from feedback.ideas.models import (
    Idea,
    IdeaComment,
    IdeaMerge,
    IdeaStatus,
    IdeaSubscription,
    IdeaVote,
)
from hub import db
from hub.errors import Conflict, ValidationFailed
from hub.models import AuditEvent, Notification
from tests.feedback.ideas.support import post

S = IdeaStatus


def snapshot(*ideas_):
    """Everything a merge touches on these ideas, as plain values."""
    out = {}
    for idea in ideas_:
        db.session.refresh(idea)
        out[idea.id] = {
            "status": idea.status,
            "status_changed_at": idea.status_changed_at,
            "merged_into_id": idea.merged_into_id,
            "vote_count": idea.vote_count,
            "votes": sorted(
                db.session.execute(
                    sa.select(IdeaVote.person_id, IdeaVote.created_at).where(
                        IdeaVote.idea_id == idea.id
                    )
                ).tuples()
            ),
            "comments": sorted(
                db.session.execute(
                    sa.select(
                        IdeaComment.id,
                        IdeaComment.parent_id,
                        IdeaComment.author_id,
                        IdeaComment.body,
                    ).where(IdeaComment.idea_id == idea.id)
                ).tuples()
            ),
            "subscriptions": sorted(
                db.session.execute(
                    sa.select(
                        IdeaSubscription.person_id,
                        IdeaSubscription.active,
                        IdeaSubscription.updated_at,
                    ).where(IdeaSubscription.idea_id == idea.id)
                ).tuples()
            ),
        }
    return out


def merge(pm, source, target, message="Same request as this one."):
    return ideas.merge(pm, source, str(target.id), message, link="http://hub/i", path="/i")


@pytest.fixture
def pair(channel, line):
    """Two duplicates: a voter on both, voters on one each, comments with a reply, a
    follower who unsubscribed from the source and one who follows both."""
    c = channel.people
    source = post(c["dealer_marketer"], line, "Quick-attach deck for mowers")
    target = post(c["other_marketer"], line, "Mower deck quick attach")
    ideas.vote(c["partner_staff"], source)  # on both: counted once after the merge
    ideas.vote(c["partner_staff"], target)
    ideas.vote(c["partner_admin"], source)  # only on the source: moves
    ideas.vote(c["distributor_admin"], target)
    first = ideas.comment(c["partner_admin"], source, "Our customers ask weekly.")
    ideas.comment(c["product_manager"], source, "Which models?", first.id)
    ideas.comment(c["distributor_admin"], target, "Same here.")
    ideas.set_subscription(c["channel_manager"], source, True)
    ideas.set_subscription(c["partner_admin"], source, False)  # unsubscribed: stays so
    ideas.change_status(
        c["product_manager"], source, "under_review", "Looking.", link="l", path="p"
    )
    db.session.flush()
    return source, target


def test_a_merge_moves_votes_once_comments_and_followers(channel, pair):
    pm = channel.people["product_manager"]
    source, target = pair
    record = merge(pm, source, target)
    assert source.status == S.MERGED and source.merged_into_id == target.id
    voters = set(
        db.session.scalars(sa.select(IdeaVote.person_id).where(IdeaVote.idea_id == target.id))
    )
    c = channel.people
    assert voters == {c["partner_staff"].id, c["partner_admin"].id, c["distributor_admin"].id}
    assert target.vote_count == 3 and source.vote_count == 0
    assert {v["person_id"] for v in record.moved["votes_dropped"]} == {c["partner_staff"].id}
    comments = db.session.scalars(
        sa.select(IdeaComment).where(IdeaComment.idea_id == target.id).order_by(IdeaComment.id)
    ).all()
    assert [x.body for x in comments] == [
        "Our customers ask weekly.",
        "Which models?",
        "Same here.",
    ]
    assert [t.comment.body for t in ideas.threads(target)][:1] == ["Our customers ask weekly."]
    subs = dict(
        db.session.execute(
            sa.select(IdeaSubscription.person_id, IdeaSubscription.active).where(
                IdeaSubscription.idea_id == target.id
            )
        ).all()
    )
    assert subs[c["channel_manager"].id] is True
    assert subs[c["partner_admin"].id] is False  # their choice travels with them
    assert subs[c["dealer_marketer"].id] is True
    # The source's followers were told (before they moved), in the app.
    told = set(
        db.session.scalars(
            sa.select(Notification.person_id).where(Notification.kind == "idea.status")
        )
    )
    assert c["dealer_marketer"].id in told and c["channel_manager"].id in told
    assert c["partner_admin"].id not in told  # unsubscribed
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "idea.merged"))
    assert event.after["merged_into_id"] == target.id and event.after["votes_dropped"] == 1
    # A merged idea takes no votes, comments or follows, and its status stays put.
    with pytest.raises(Conflict):
        ideas.vote(c["other_marketer"], source)
    with pytest.raises(ValidationFailed):
        ideas.comment(c["partner_staff"], source, "Still here?")
    with pytest.raises(Conflict):
        ideas.set_subscription(c["partner_staff"], source, True)
    with pytest.raises(ValidationFailed):
        ideas.change_status(pm, source, "planned", "Planned.", link="l", path="p")


def test_undo_puts_both_ideas_back_exactly(channel, pair):
    pm = channel.people["product_manager"]
    source, target = pair
    before = snapshot(source, target)
    record = merge(pm, source, target)
    assert snapshot(source, target) != before
    ideas.undo_merge(pm, record)
    assert snapshot(source, target) == before
    assert record.undone_at is not None and ideas.current_merge(source) is None
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "idea.merge_undone")
        )
        == 1
    )
    with pytest.raises(Conflict, match="undone already"):
        ideas.undo_merge(pm, record)
    # and it can be merged again, and undone again, exactly
    again = merge(pm, source, target)
    ideas.undo_merge(pm, again)
    assert snapshot(source, target) == before


def test_undo_is_refused_when_the_kept_idea_changed_in_a_way_it_cannot_undo(channel, pair, line):
    c = channel.people
    pm = c["product_manager"]
    source, target = pair
    record = merge(pm, source, target)
    ideas.withdraw_vote(c["partner_admin"], target)  # a vote that came with the merge
    assert ideas.why_not_undoable(record).startswith("1 of the votes that moved")
    with pytest.raises(Conflict, match="withdrawn"):
        ideas.undo_merge(pm, record)
    ideas.vote(c["partner_admin"], target)  # a new vote is not the vote that moved
    with pytest.raises(Conflict, match="withdrawn"):
        ideas.undo_merge(pm, record)


def test_undo_waits_for_later_merges_and_replies_on_moved_comments(channel, pair, line):
    c = channel.people
    pm = c["product_manager"]
    source, target = pair
    record = merge(pm, source, target)
    third = post(c["partner_staff"], line, "Deck swap without tools")
    later = merge(pm, third, target)
    with pytest.raises(Conflict, match="undo that merge first"):
        ideas.undo_merge(pm, record)
    ideas.undo_merge(pm, later)
    moved_comment = db.session.get(IdeaComment, record.moved["comments"][0])
    ideas.comment(c["other_marketer"], target, "Which dealers?", moved_comment.id)
    with pytest.raises(Conflict, match="replied"):
        ideas.undo_merge(pm, record)


def test_merge_refusals_are_sentences_and_change_nothing(channel, pair):
    c = channel.people
    source, target = pair
    pm = c["product_manager"]
    with pytest.raises(ValidationFailed) as bad:
        ideas.merge(pm, source, "abc", "", link="l", path="p")
    assert set(bad.value.problems) == {"target", "reason"}
    with pytest.raises(ValidationFailed, match="into itself"):
        ideas.merge(pm, source, str(source.id), "Dup", link="l", path="p")
    with pytest.raises(PermissionError):
        ideas.merge(c["dealer_marketer"], source, str(target.id), "Dup", link="l", path="p")
    with pytest.raises(PermissionError):
        ideas.merge(c["channel_manager"], source, str(target.id), "Dup", link="l", path="p")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdeaMerge)) == 0
    merge(pm, source, target)
    with pytest.raises(ValidationFailed, match="merged into idea"):
        ideas.merge(pm, target, str(source.id), "Back", link="l", path="p")
    assert db.session.get(Idea, target.id).status != S.MERGED


def test_a_merged_idea_is_never_suggested_as_a_duplicate(channel, pair):
    source, target = pair
    viewer = channel.people["partner_staff"]
    for text in ("mower deck", "atach"):  # by its words, and by a typo ("attach")
        assert {source.id, target.id} <= {m.idea.id for m in ideas.similar(viewer, text)}
    merge(channel.people["product_manager"], source, target)
    for text in ("mower deck", "atach"):
        found = {m.idea.id for m in ideas.similar(viewer, text)}
        assert source.id not in found and target.id in found


def test_the_api_says_where_a_merged_idea_went_and_its_tags(client, channel, pair):
    from hub.accounts import service as accounts

    source, target = pair
    pm = channel.people["product_manager"]
    ideas.set_idea_tags(pm, target, "Mowing")
    merge(pm, source, target)
    token = accounts.create_api_token(channel.people["partner_staff"], "t").secret
    auth = {"Authorization": f"Bearer {token}"}
    merged = client.get(f"/api/v1/ideas/{source.id}", headers=auth).get_json()
    assert merged["status"] == "merged" and merged["merged_into_id"] == target.id
    kept = client.get(f"/api/v1/ideas/{target.id}", headers=auth).get_json()
    assert kept["tags"] == ["mowing"] and kept["merged_into_id"] is None
    assert kept["vote_count"] == 3
