"""The demo's ideas: dozens across the three product lines, in every status a product
manager sets, with votes, comments, photos and a record of who was told — and nothing
voted by Harbor's marketer, whom the walkthrough has vote."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from feedback.ideas.models import Idea, IdeaComment, IdeaNotice, IdeaPhoto, IdeaStatus, IdeaVote
from feedback.ideas.status import SETTABLE
from hub import db
from hub.models import Person
from hub.uploads import open_stored

pytestmark = pytest.mark.demo  # the seeded demo program, each test rolled back


def test_the_demo_has_ideas_in_every_status_with_votes_and_comments(app, demo_summary):
    summary = demo_summary
    assert "36 ideas" in summary
    rows = db.session.execute(sa.select(Idea.product_line_id, Idea.status)).all()
    assert len({line for line, _ in rows}) == 3
    assert {status for _, status in rows} == set(SETTABLE) | {IdeaStatus.MERGED}
    ideas = db.session.scalars(sa.select(Idea)).all()
    votes = db.session.execute(
        sa.select(IdeaVote.idea_id, sa.func.count()).group_by(IdeaVote.idea_id)
    )
    assert {i.id: i.vote_count for i in ideas if i.vote_count} == dict(votes.all())
    voters = db.session.scalar(sa.select(sa.func.count(sa.distinct(IdeaVote.person_id))))
    assert voters >= 20
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdeaComment)) >= 30
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdeaNotice)) > 0
    harbor = db.session.scalar(
        sa.select(Person.id).where(Person.email == "marketing@harbor.example")
    )
    assert not db.session.scalar(sa.select(sa.func.count()).where(IdeaVote.person_id == harbor))
    photo = db.session.scalar(sa.select(IdeaPhoto))
    assert open_stored(photo.file.path).read_bytes().startswith(b"\x89PNG")


def test_the_demo_has_a_merged_pair_tags_observations_and_an_idea_from_a_chat(app, demo_summary):
    from feedback.field.models import FieldObservation
    from feedback.ideas.models import IdeaEvidence, IdeaMerge, IdeaTag

    summary = demo_summary
    assert "1 merged pair" in summary
    merge = db.session.scalar(sa.select(IdeaMerge))
    assert (
        merge.source.status == IdeaStatus.MERGED and merge.source.merged_into_id == merge.target_id
    )
    assert merge.moved["votes_moved"] or merge.moved["votes_dropped"]
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(IdeaTag.tag)))) >= 6
    orgs = db.session.scalars(sa.select(FieldObservation.organization_id)).all()
    assert len(set(orgs)) >= 3
    from_chat = db.session.scalar(sa.select(Idea).where(Idea.source_message_id.is_not(None)))
    assert from_chat.filed_by.email == "pm@fieldcrest.example"
    assert not from_chat.author.is_oem
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(IdeaEvidence.idea_id == from_chat.id))
        == 2
    )
