"""The ideas board sends as many SQL statements for many ideas as for a few: ideas by
more people of more organisations, on more product lines, tagged and voted for, add
no query per idea, author or line (bench.floor measures the board with 1,000 ideas).
Counts only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from feedback.ideas import participation, tags, triage
from feedback.ideas.models import Idea, IdeaStatus
from hub.models import ProductLine
from tests.conftest import sign_in
from tests.feedback.ideas.support import post
from tests.hub.test_query_counts import _count


@pytest.mark.parametrize("viewer", ["dealer_marketer", "product_manager"])
def test_the_board_sends_as_many_statements_for_many_ideas(
    viewer, client, session, channel, line, statements
):
    people = channel.people
    authors = ["dealer_marketer", "partner_admin", "other_marketer", "distributor_admin"]
    lines = [line]

    def add(rounds: int) -> None:
        for n in range(rounds):
            extra = ProductLine(name=f"Line {len(lines)}", slug=f"line-{len(lines)}")
            session.add(extra)
            session.flush()
            lines.append(extra)
            for i, who in enumerate(authors):
                idea = post(people[who], lines[(n + i) % len(lines)], title=f"Idea {who} {n}")
                tags.set_tags(people["product_manager"], idea, f"tag{n}, {who.replace('_', '-')}")
                participation.vote(people["partner_staff"], idea)
        session.flush()

    add(1)
    sign_in(client, people[viewer])
    small, _ = _count(client, statements, "/feedback/ideas", {})

    add(4)
    large, sql = _count(client, statements, "/feedback/ideas", {})

    assert large == small, "\n".join(sql)


def test_the_boards_prebuilt_statements_show_what_ranked_selects(session, channel, line):
    """board_page runs statements built once per shape of filters; for every viewer
    (an inactive one too) and every shape they page through exactly the ideas, in the
    order, that `triage.ranked(viewer, filters, weighted=False)` — the visibility rule
    and the filters as written — selects."""
    people = channel.people
    other = ProductLine(name="Loaders", slug="loaders")
    session.add(other)
    session.flush()
    authors = ["dealer_marketer", "partner_admin", "other_marketer", "distributor_admin"]
    for n, who in enumerate(authors * 2):
        idea = post(people[who], (line, other)[n % 2], title=f"Idea number {n} by {who}")
        if n % 3 == 0:
            tags.set_tags(people["product_manager"], idea, "hydraulics")
        for voter in authors[: n % 4]:
            if voter != who:
                participation.vote(people[voter], idea)
    inactive = people["partner_staff"]
    inactive.active = False
    session.flush()
    status = session.scalars(sa.select(Idea.status)).first()

    shapes = [
        triage.Filters(line_id, chosen, sort, tag=tag)
        for line_id in (None, line.id)
        for chosen in (None, status, IdeaStatus.SHIPPED)
        for sort in ("votes", "newest", "score")
        for tag in (None, "hydraulics")
    ]
    for viewer in people.values():
        for filters in shapes:
            expected = [
                (idea.id, score)
                for idea, score in session.execute(triage.ranked(viewer, filters, weighted=False))
            ]
            shown, total = [], None
            for page in (1, 2, 3, 4, 5):
                rows, total = triage.board_page(viewer, filters, page, 2)
                shown += [(idea.id, score) for idea, score in rows]
            assert total == len(expected), (viewer.role, filters)
            assert shown == expected, (viewer.role, filters)
    assert not triage.board_page(inactive, triage.Filters(), 1, 20)[0]
