"""The proposal page sends as many SQL statements for a long discussion as for a short
one: comments from more people of more organisations, suggested edits answered and
open, add no query per event, suggestion or author (bench.floor measures the page as
the approving channel manager sees it). Counts only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaigns.proposals import service as proposals
from tests.campaigns.proposals.proposal_support import fields, funded_program, later
from tests.conftest import sign_in
from tests.hub.test_query_counts import _count


@pytest.mark.parametrize("viewer", ["channel_manager", "dealer_marketer", "program_admin"])
def test_the_proposal_page_sends_as_many_statements_for_a_long_discussion(
    viewer, client, session, channel, make_person, statements
):
    people = channel.people
    program = funded_program(channel)
    marketer = people["dealer_marketer"]
    proposal = proposals.create(marketer, program, fields(program, **later()))
    proposals.submit(marketer, proposal)
    reviewers = [people["channel_manager"], people["program_admin"]]
    dealer_side = [marketer, people["partner_admin"]]

    def discuss(rounds: int) -> None:
        for n in range(rounds):
            reviewer = make_person("channel_manager", channel.oem)  # a new author each round
            reviewers.append(reviewer)
            for who in (reviewer, *dealer_side, reviewers[0]):
                proposals.comment(who, proposal, f"Round {n}: a word from {who.name}.")
            suggestion = proposals.suggest(
                reviewer,
                proposal,
                "ends_on",
                (proposal.ends_on + timedelta(days=1)).isoformat(),
                "A day longer?",
            )
            proposals.decide_suggestion(marketer, suggestion, n % 2 == 0)
        session.flush()

    discuss(1)
    sign_in(client, people[viewer])
    page = f"/campaigns/proposals/{proposal.id}"
    small, _ = _count(client, statements, page, {})

    discuss(4)
    proposals.suggest(reviewers[-1], proposal, "title", "Spring planter days", "Shorter?")
    large, sql = _count(client, statements, page, {})

    assert large == small, "\n".join(sql)


@pytest.mark.parametrize(
    "viewer",
    ["channel_manager", "program_admin", "distributor_admin", "partner_admin", "other_marketer"],
)
def test_the_prebuilt_lookup_sees_what_visible_proposals_sees(viewer, session, channel):
    """get_visible (prebuilt statements, the partner scope as a parameter) answers for
    each proposal exactly what visible_proposals selects: drafts only for their own
    organisation, a distributor its dealers' others, the OEM all but drafts."""
    from campaigns.proposals.models import Proposal
    from campaigns.proposals.permissions import get_visible, visible_proposals

    people = channel.people
    program = funded_program(channel)
    made = []
    for who in ("dealer_marketer", "other_marketer"):
        for submit in (False, True):
            proposal = proposals.create(people[who], program, fields(program, **later()))
            if submit:
                proposals.submit(people[who], proposal)
            made.append(proposal.id)
    person = people[viewer]
    expected = set(session.scalars(visible_proposals(person).with_only_columns(Proposal.id)))

    assert {pid for pid in made if get_visible(person, pid) is not None} == expected & set(made)
    assert get_visible(person, max(made) + 1) is None
    # The co-op ledger's hold references: named when visible, None when not, the rest
    # (not a proposal's, or not a number) left out — the prebuilt titles statements.
    from campaigns.proposals.permissions import hold_reference, visible_by_reference

    references = [hold_reference(pid) for pid in made] + [
        hold_reference(max(made) + 1),
        "import:7",
        "proposal:x",
    ]
    named = visible_by_reference(person, references)
    titles = dict(session.execute(sa.select(Proposal.id, Proposal.title)).all())
    assert named == {
        hold_reference(pid): (pid, titles[pid]) if pid in expected else None
        for pid in [*made, max(made) + 1]
    }
    assert 0 < sum(v is not None for v in named.values()) < len(made)
