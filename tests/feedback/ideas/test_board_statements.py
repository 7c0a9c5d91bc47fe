"""The ideas board sends as many SQL statements for many ideas as for a few: ideas by
more people of more organisations, on more product lines, tagged and voted for, add
no query per idea, author or line (bench.floor measures the board with 1,000 ideas).
Counts only."""

from __future__ import annotations

import pytest

from feedback.ideas import participation, tags
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
