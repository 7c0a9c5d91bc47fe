"""The merge and tag steps on the idea page: a product manager merges, the merged idea's
page says so and links to the one kept, undo puts it back; tags filter the board and the
triage view; refused input comes back with its sentence."""

from __future__ import annotations

import sqlalchemy as sa

from feedback.ideas import service as ideas
from feedback.ideas.models import IdeaMerge, IdeaStatus, IdeaVote
from hub import db
from tests.conftest import post_form
from tests.feedback.ideas.support import post


def test_a_pm_merges_on_the_page_and_undoes_it(client, login_as, channel, line):
    c = channel.people
    source = post(c["dealer_marketer"], line, "Quick-attach deck for mowers")
    target = post(c["other_marketer"], line, "Mower deck quick attach")
    ideas.vote(c["partner_staff"], source)
    ideas.vote(c["partner_staff"], target)
    login_as("product_manager")
    page = client.get(f"/feedback/ideas/{source.id}").get_data(as_text=True)
    assert "Merge into another idea" in page and f"#{target.id}" in page  # a suggestion

    refused = post_form(
        client,
        f"/feedback/ideas/{source.id}/merge",
        {"target": "nope", "reason": ""},
        token_page=f"/feedback/ideas/{source.id}",
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Give the number of the idea to keep" in html and 'value="nope"' in html

    done = post_form(
        client,
        f"/feedback/ideas/{source.id}/merge",
        {"target": str(target.id), "reason": "Same request."},
        token_page=f"/feedback/ideas/{source.id}",
    )
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/ideas/{target.id}")
    kept = client.get(f"/feedback/ideas/{target.id}").get_data(as_text=True)
    assert "Merged into this idea" in kept and "Quick-attach deck for mowers" in kept
    merged = client.get(f"/feedback/ideas/{source.id}").get_data(as_text=True)
    assert "Merged into" in merged and f'href="/feedback/ideas/{target.id}"' in merged
    assert "Undo the merge" in merged
    assert db.session.scalar(sa.select(sa.func.count()).where(IdeaVote.idea_id == target.id)) == 1

    record = db.session.scalar(sa.select(IdeaMerge))
    undone = post_form(
        client,
        f"/feedback/ideas/merges/{record.id}/undo",
        {},
        token_page=f"/feedback/ideas/{source.id}",
    )
    assert undone.status_code == 303
    db.session.refresh(source)
    assert source.status == IdeaStatus.NEW and source.merged_into_id is None
    assert db.session.scalar(sa.select(sa.func.count()).where(IdeaVote.idea_id == source.id)) == 1

    login_as("dealer_marketer")  # a partner sees the merge note, no merge or undo controls
    ideas.merge(c["product_manager"], source, str(target.id), "Again.", link="l", path="p")
    partner = client.get(f"/feedback/ideas/{source.id}").get_data(as_text=True)
    assert "Merged into" in partner and "Undo the merge" not in partner
    assert "Merge into another idea" not in partner


def test_tags_are_normalised_and_filter_board_and_triage(client, login_as, channel, line):
    c = channel.people
    hydraulic = post(c["dealer_marketer"], line, "Hydraulic oil level from the ground")
    cab = post(c["dealer_marketer"], line, "Heated seat for compact tractors")
    login_as("product_manager")
    saved = post_form(
        client,
        f"/feedback/ideas/{hydraulic.id}/tags",
        {"tags": " Hydraulics ,SERVICE,  hydraulics"},
        token_page=f"/feedback/ideas/{hydraulic.id}",
    )
    assert saved.status_code == 303
    assert ideas.idea_tags_of([hydraulic.id])[hydraulic.id] == ["hydraulics", "service"]
    ideas.set_idea_tags(c["product_manager"], cab, "Cab   Comfort")
    bad = post_form(
        client,
        f"/feedback/ideas/{cab.id}/tags",
        {"tags": "<script>"},
        token_page=f"/feedback/ideas/{cab.id}",
    )
    assert bad.status_code == 422 and "Use letters, digits, spaces and hyphens" in bad.get_data(
        as_text=True
    )
    triage = client.get("/feedback/triage?tag=HYDRAULICS").get_data(as_text=True)
    assert "Hydraulic oil level" in triage and "Heated seat" not in triage
    login_as("partner_staff")
    board = client.get("/feedback/ideas?tag=cab+comfort").get_data(as_text=True)
    assert "Heated seat" in board and "Hydraulic oil level" not in board
    assert '<option value="cab comfort" selected>' in board
    refused = post_form(
        client,
        f"/feedback/ideas/{cab.id}/tags",
        {"tags": "mine"},
        token_page=f"/feedback/ideas/{cab.id}",
    )
    assert refused.status_code == 403
