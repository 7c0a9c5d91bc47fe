"""“What we shipped from your ideas”: per organisation, the shipped ideas its people
posted, voted for or commented on, newest first, with the ship message; another
partner's page is a 404 for a partner outside its scope."""

from __future__ import annotations

from datetime import timedelta

from feedback.ideas import service as ideas
from hub import db
from hub.db import utcnow
from tests.feedback.ideas.support import post


def ship(pm, idea, message, days_ago):
    change = ideas.change_status(pm, idea, "shipped", message, link="l", path="p")
    idea.status_changed_at = utcnow() - timedelta(days=days_ago)
    change.changed_at = idea.status_changed_at
    db.session.flush()


def test_the_page_lists_what_shipped_from_the_organisations_ideas(client, login_as, channel, line):
    c = channel.people
    pm = c["product_manager"]
    posted = post(c["dealer_marketer"], line, "Deck the dealer posted")
    voted = post(c["other_marketer"], line, "Deck the dealer voted for")
    ideas.vote(c["partner_staff"], voted)
    commented = post(c["other_marketer"], line, "Deck the dealer commented on")
    ideas.comment(c["partner_admin"], commented, "Yes please")
    not_ours = post(c["other_marketer"], line, "Deck nobody here touched")
    open_one = post(c["dealer_marketer"], line, "Deck still under review")
    ship(pm, posted, "Shipped in the 2027 models.", 30)
    ship(pm, voted, "In the spring update.", 2)
    ship(pm, commented, "Shipped with the new loader.", 10)
    ship(pm, not_ours, "Out now.", 1)
    ideas.change_status(pm, open_one, "under_review", "Looking.", link="l", path="p")

    rows = ideas.shipped_for(channel.dealer)
    assert [r.idea.title for r in rows] == [
        "Deck the dealer voted for",
        "Deck the dealer commented on",
        "Deck the dealer posted",
    ]
    assert rows[0].votes == 1 and rows[1].comments == 1 and rows[2].posted
    assert rows[0].change.message == "In the spring update."

    login_as("partner_staff")
    page = client.get("/feedback/shipped").get_data(as_text=True)
    assert "Deck the dealer voted for" in page and "In the spring update." in page
    assert "Deck nobody here touched" not in page and "still under review" not in page
    assert (
        page.index("voted for") < page.index("commented on") < page.index("Deck the dealer posted")
    )
    assert client.get(f"/feedback/shipped?org={channel.other_dealer.id}").status_code == 404
    assert client.get(f"/feedback/shipped?org={channel.distributor.id}").status_code == 404
    login_as("distributor_admin")  # a distributor opens its dealers' pages
    below = client.get(f"/feedback/shipped?org={channel.dealer.id}").get_data(as_text=True)
    assert "Deck the dealer posted" in below
    login_as("product_manager")
    assert "Deck nobody here touched" in client.get(
        f"/feedback/shipped?org={channel.other_dealer.id}"
    ).get_data(as_text=True)
