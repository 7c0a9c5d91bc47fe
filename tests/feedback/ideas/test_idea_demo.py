"""The demo's ideas: dozens across the three product lines, in every status a product
manager sets, with votes, comments, photos and a record of who was told — and nothing
voted by Harbor's marketer, whom the walkthrough has vote."""

from __future__ import annotations

import sqlalchemy as sa

from feedback.ideas.models import Idea, IdeaComment, IdeaNotice, IdeaPhoto, IdeaVote
from feedback.ideas.status import SETTABLE
from hub import db
from hub.demo.channel import seed_demo
from hub.models import Person
from hub.uploads import open_stored


def test_the_demo_has_ideas_in_every_status_with_votes_and_comments(app):
    summary = seed_demo()
    assert "36 ideas" in summary
    rows = db.session.execute(sa.select(Idea.product_line_id, Idea.status)).all()
    assert len({line for line, _ in rows}) == 3
    assert {status for _, status in rows} == set(SETTABLE)
    ideas = db.session.scalars(sa.select(Idea)).all()
    votes = db.session.execute(
        sa.select(IdeaVote.idea_id, sa.func.count()).group_by(IdeaVote.idea_id)
    )
    assert {idea.id: idea.vote_count for idea in ideas} == dict(votes.all())
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
