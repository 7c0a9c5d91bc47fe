"""The proposal page reads its proposal as read-only rows (campaigns.proposals.shown): one
prepared statement on the same conditions as `get_visible`, the same values as the ORM
row, and the same page, in every state the page has, for the dealer and the approver —
without ever falling back to the ORM row."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from campaigns.proposals import service as proposals
from campaigns.proposals import views
from campaigns.proposals.models import Proposal
from campaigns.proposals.pages import proposal_or_404
from campaigns.proposals.permissions import get_visible
from campaigns.proposals.shown import ShownCategory, ShownLine, ShownProposal, shown_proposal
from hub import db
from hub.accounts.identity import OrganizationRow, TierRow
from tests.campaigns.proposals.proposal_support import (
    approved,
    claim_lines,
    fields,
    funded_program,
    later,
)
from tests.conftest import sign_in

VIEWERS = [
    "channel_manager",
    "program_admin",
    "distributor_admin",
    "partner_admin",
    "other_marketer",
]


def _made(channel, program) -> list[Proposal]:
    """A draft and a submitted proposal of each of two dealers (one with four budget lines)."""
    people = channel.people
    made = []
    for who in ("dealer_marketer", "other_marketer"):
        for submit in (False, True):
            data = fields(program, **later())
            if submit and who == "dealer_marketer":
                data["lines"] = [
                    {"description": f"Line {n}", "amount": f"{1600 + n}.00"} for n in range(4)
                ]
            proposal = proposals.create(people[who], program, data)
            if submit:
                proposals.submit(people[who], proposal)
            made.append(proposal)
    db.session.flush()
    return made


def _same_values(shown: ShownProposal, row: Proposal) -> None:
    for name in ShownProposal._fields:
        if name not in ("organization", "category", "lines"):
            assert getattr(shown, name) == getattr(row, name), name
    for name in OrganizationRow._fields:
        if name != "tier":
            assert getattr(shown.organization, name) == getattr(row.organization, name), name
    if row.organization.tier is None:
        assert shown.organization.tier is None
    else:
        for name in TierRow._fields:
            assert getattr(shown.organization.tier, name) == getattr(row.organization.tier, name)
    for name in ShownCategory._fields:
        assert getattr(shown.category, name) == getattr(row.category, name), name
    assert [tuple(getattr(line, n) for n in ShownLine._fields) for line in shown.lines] == [
        tuple(getattr(line, n) for n in ShownLine._fields) for line in row.lines
    ]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_shown_proposal_is_what_get_visible_reads(viewer, session, channel):
    program = funded_program(channel)
    made = _made(channel, program)
    person = channel.people[viewer]
    seen = 0
    for proposal in made:
        shown = shown_proposal(person, proposal.id)
        row = get_visible(person, proposal.id)
        assert (shown is None) == (row is None), (viewer, proposal.status)
        if shown is not None:
            seen += 1
            _same_values(shown, row)
            assert shown == row and row == shown  # the same proposal read either way
    assert 0 < seen < len(made) or viewer in ("channel_manager", "program_admin")
    assert shown_proposal(person, max(p.id for p in made) + 1) is None
    assert any(
        len(shown_proposal(channel.people["dealer_marketer"], p.id).lines) == 4 for p in made
    )


def test_the_shown_proposal_is_read_only_and_never_written(session, channel):
    program = funded_program(channel)
    proposal = _made(channel, program)[1]
    shown = shown_proposal(channel.people["dealer_marketer"], proposal.id)
    with pytest.raises(AttributeError, match="read-only"):
        shown.title = "Changed"
    with pytest.raises(AttributeError, match="read-only"):
        shown.lines[0].amount = 1
    with pytest.raises(sa.orm.exc.UnmappedInstanceError):
        session.add(shown)
    assert shown.row() is proposal
    assert shown.hold is None  # what it does not carry, read from the ORM row


def _states(channel, program) -> list[Proposal]:
    """The page's states: draft, submitted, changes requested, declined, running with assets,
    claim submitted, results reported, closed."""
    people = channel.people
    marketer, manager = people["dealer_marketer"], people["channel_manager"]
    draft = proposals.create(marketer, program, fields(program, **later()))
    submitted = proposals.create(marketer, program, fields(program, **later()))
    proposals.submit(marketer, submitted)
    proposals.comment(manager, submitted, "Looks good; one question.")
    proposals.suggest(manager, submitted, "title", "Spring planter days", "Shorter?")
    sent_back = proposals.create(marketer, program, fields(program, **later()))
    proposals.submit(marketer, sent_back)
    proposals.request_changes(manager, sent_back, "Name the stores, please.")
    declined = proposals.create(marketer, program, fields(program, **later()))
    proposals.submit(marketer, declined)
    proposals.decline(manager, declined, "Outside the program's rules.")
    running = approved(channel, program)
    claimed = approved(channel, program, **later(0))
    proposals.submit_claim(marketer, claimed, claim_lines(claimed, marketer))
    reported = approved(channel, program, **later(0))
    claim = proposals.submit_claim(marketer, reported, claim_lines(reported, marketer))
    proposals.review_claim(manager, reported, {claim.lines[1].id: {"approved_cost": "1000.00"}})
    proposals.report_results(
        marketer,
        reported,
        {"result_leads": "52", "result_opportunities": "11", "result_revenue": "180000.00"},
    )
    closed = approved(channel, program, **later(0))
    claim = proposals.submit_claim(marketer, closed, claim_lines(closed, marketer))
    proposals.review_claim(manager, closed, {})
    proposals.report_results(
        marketer,
        closed,
        {"result_leads": "5", "result_opportunities": "1", "result_revenue": "9000.00"},
    )
    proposals.close(manager, closed)
    db.session.commit()
    return [draft, submitted, sent_back, declined, running, claimed, reported, closed]


def _no_csrf(html: str) -> str:
    """The page with its CSRF token masked wherever it stands (the forms' fields, the
    layout's htmx header): signed with the time, it differs between two renders a second
    apart."""
    return re.sub(
        r'(name="csrf_token" (?:type="hidden" )?value=|"X-CSRFToken": |csrf-token" content=)"[^"]*"',
        r"\1",
        html,
    )


@pytest.mark.parametrize("viewer", ["dealer_marketer", "channel_manager"])
def test_the_page_is_the_same_and_never_reads_the_orm_row(viewer, client, channel, monkeypatch):
    program = funded_program(channel, "2000000.00")
    states = _states(channel, program)
    statuses = {p.status for p in states}
    assert len(statuses) == len(states), statuses
    sign_in(client, channel.people[viewer])
    pages = {}
    for proposal in states:
        response = client.get(f"/campaigns/proposals/{proposal.id}")
        if viewer == "channel_manager" and proposal.status.value == "draft":
            assert response.status_code == 404  # the OEM never sees a draft
            continue
        assert response.status_code == 200, proposal.status
        pages[proposal.id] = _no_csrf(response.get_data(as_text=True))

    # The same pages from the ORM's proposal: the same HTML.
    monkeypatch.setattr(views, "shown_or_404", proposal_or_404)
    for proposal_id, html in pages.items():
        orm_page = _no_csrf(
            client.get(f"/campaigns/proposals/{proposal_id}").get_data(as_text=True)
        )
        assert orm_page == html, proposal_id
    monkeypatch.undo()

    # And none of it was read through the ORM row behind the read-only values.
    def refuse(self):
        raise AssertionError(f"the page read {type(self).__name__} through its ORM row")

    for cls in (ShownProposal, ShownCategory, ShownLine, OrganizationRow, TierRow):
        monkeypatch.setattr(cls, "row", refuse)
    for proposal_id in pages:
        assert client.get(f"/campaigns/proposals/{proposal_id}").status_code == 200
