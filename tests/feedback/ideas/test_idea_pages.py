"""The ideas pages: posting with sentences and kept input (photos included), text shown
inert, the duplicate suggestions while typing, voting, the PM's status change, triage."""

from __future__ import annotations

import io

import sqlalchemy as sa

from feedback.ideas import service as ideas
from feedback.ideas.models import Idea, IdeaPhoto
from hub import db
from hub.models import Notification, StoredFile
from tests.conftest import post_form
from tests.feedback.ideas.support import png_bytes, post

NEW = "/feedback/ideas/new"


def test_a_refused_idea_keeps_the_input_and_the_photos(client, login_as, line):
    login_as("dealer_marketer")
    token_page = NEW
    response = post_form(
        client,
        NEW,
        {
            "product_line_id": str(line.id),
            "title": "Keep this title",
            "problem": "",
            "photos": (io.BytesIO(png_bytes()), "deck.jpg"),
        },
        token_page=token_page,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Keep this title"' in html
    assert (
        "Describe the customer&#39;s problem" in html or "Describe the customer's problem" in html
    )
    kept = db.session.scalar(sa.select(StoredFile).where(StoredFile.path.startswith("ideas/")))
    assert kept is not None and kept.filename == "deck.png" and kept.content_type == "image/png"
    assert f'value="{kept.id}"' in html and "deck.png" in html

    again = post_form(
        client,
        NEW,
        {
            "product_line_id": str(line.id),
            "title": "Keep this title",
            "problem": "Two people to swap the deck.",
            "kept_photos": str(kept.id),
        },
    )
    assert again.status_code == 303
    idea = db.session.scalar(sa.select(Idea))
    assert [p.file_id for p in idea.photos] == [kept.id]
    photo = client.get(f"/feedback/ideas/photos/{kept.id}")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert photo.data.startswith(b"\x89PNG")
    photo.close()


def test_a_file_that_is_not_an_image_is_refused_as_a_photo(client, login_as, line):
    login_as("dealer_marketer")
    response = post_form(
        client,
        NEW,
        {
            "product_line_id": str(line.id),
            "title": "Deck with a document",
            "problem": "Something.",
            "photos": (io.BytesIO(b"%PDF-1.4\n%%EOF"), "spec.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "“spec.png” is not an image we can read" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0


def test_someone_elses_kept_photo_is_not_attached(client, login_as, channel, line):
    other = ideas.keep_photo(channel.people["other_marketer"], png_bytes(), "theirs.png")
    login_as("dealer_marketer")
    response = post_form(
        client,
        NEW,
        {
            "product_line_id": str(line.id),
            "title": "Borrowing a photo",
            "problem": "Something.",
            "kept_photos": str(other.id),
        },
    )
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdeaPhoto)) == 0
    assert client.get(f"/feedback/ideas/photos/{other.id}").status_code == 404


def test_html_in_an_idea_is_shown_as_text(client, login_as, channel, line):
    idea = post(
        channel.people["dealer_marketer"],
        line,
        "<script>alert(1)</script> deck",
        '<img src=x onerror="alert(2)">',
    )
    ideas.comment(channel.people["other_marketer"], idea, "<b>bold</b>")
    login_as("other_marketer")
    html = client.get(f"/feedback/ideas/{idea.id}").get_data(as_text=True)
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    )
    assert "<img src=x" not in html and "<b>bold</b>" not in html


def test_suggestions_while_typing_are_an_htmx_fragment(client, login_as, channel, line):
    post(channel.people["dealer_marketer"], line, "Quick-attach mower deck")
    login_as("other_marketer")
    response = client.get(
        "/feedback/ideas/similar?title=mowing+dek", headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("{#") is False
    assert "Quick-attach mower deck" in html and "Vote for this" in html
    assert "<html" not in html
    page = client.get(f"{NEW}?line={line.id}").get_data(as_text=True)
    assert 'hx-get="/feedback/ideas/similar"' in page and "delay:150ms" in page


def test_voting_from_a_suggestion_counts_once_and_says_so(client, login_as, channel, line):
    idea = post(channel.people["dealer_marketer"], line)
    login_as("other_marketer")
    first = post_form(client, f"/feedback/ideas/{idea.id}/vote", token_page=NEW)
    assert first.status_code == 303
    second = post_form(client, f"/feedback/ideas/{idea.id}/vote", token_page=NEW)
    assert second.status_code == 303
    page = client.get(f"/feedback/ideas/{idea.id}").get_data(as_text=True)
    assert "already voted" in page and "You voted for this." in page
    db.session.refresh(idea)
    assert idea.vote_count == 1


def test_the_pm_changes_the_status_and_the_voter_is_told(client, login_as, channel, line):
    idea = post(channel.people["dealer_marketer"], line)
    ideas.vote(channel.people["other_marketer"], idea)
    login_as("product_manager")
    url = f"/feedback/ideas/{idea.id}"
    refused = post_form(
        client, f"{url}/status", {"status": "declined", "message": ""}, token_page=url
    )
    assert refused.status_code == 422
    assert "reason for declining" in refused.get_data(as_text=True)
    done = post_form(
        client,
        f"{url}/status",
        {"status": "planned", "message": "In the 2027 plan."},
        token_page=url,
    )
    assert done.status_code == 303
    told = db.session.scalars(
        sa.select(Notification.person_id).where(Notification.kind == "idea.status")
    ).all()
    assert sorted(told) == sorted(
        [channel.people["dealer_marketer"].id, channel.people["other_marketer"].id]
    )
    html = client.get(url).get_data(as_text=True)
    assert "In the 2027 plan." in html and "2 told." in html


def test_triage_shows_votes_by_tier_and_the_admin_sets_weights(client, login_as, channel, line):
    idea = post(channel.people["dealer_marketer"], line, "Triage me please")
    ideas.vote(channel.people["other_marketer"], idea)
    login_as("program_admin")
    html = client.get("/feedback/triage?sort=votes").get_data(as_text=True)
    assert "Triage me please" in html
    tiers = ideas.weights()
    tier = tiers[0][0]
    bad = post_form(client, "/feedback/triage/weights", {f"tier_{tier.id}": "-1"})
    assert bad.status_code == 422
    assert f"Give {tier.name} a weight from 0 to 100" in bad.get_data(as_text=True)
    assert 'value="-1"' in bad.get_data(as_text=True)
    ok = post_form(client, "/feedback/triage/weights", {f"tier_{tier.id}": "2.5"})
    assert ok.status_code == 303
    assert dict((t.id, w) for t, w in ideas.weights())[tier.id] == 2.5


def test_the_board_of_a_line_sorts_by_votes_or_newest(client, login_as, channel, line):
    older = post(channel.people["dealer_marketer"], line, "Older idea with votes")
    newer = post(channel.people["dealer_marketer"], line, "Newer idea without")
    older.created_at = newer.created_at.replace(year=newer.created_at.year - 1)
    ideas.vote(channel.people["other_marketer"], older)
    login_as("partner_staff")
    by_votes = client.get(f"/feedback/ideas?line={line.id}").get_data(as_text=True)
    assert by_votes.index("Older idea with votes") < by_votes.index("Newer idea without")
    newest = client.get(f"/feedback/ideas?line={line.id}&sort=newest").get_data(as_text=True)
    assert newest.index("Newer idea without") < newest.index("Older idea with votes")
    planned = client.get(f"/feedback/ideas?line={line.id}&status=planned").get_data(as_text=True)
    assert "No ideas here yet." in planned


def test_triage_shows_open_ideas_unless_asked_for_any(client, login_as, channel, line):
    post(channel.people["dealer_marketer"], line, "Still open idea")
    done = post(channel.people["dealer_marketer"], line, "Declined idea here")
    ideas.change_status(
        channel.people["product_manager"], done, "declined", "Too costly.", link="l", path="p"
    )
    login_as("product_manager")
    default = client.get("/feedback/triage").get_data(as_text=True)
    assert "Still open idea" in default and "Declined idea here" not in default
    assert '<option value="open" selected>' in default
    every = client.get("/feedback/triage?status=").get_data(as_text=True)
    assert "Still open idea" in every and "Declined idea here" in every
    declined = client.get("/feedback/triage?status=declined").get_data(as_text=True)
    assert "Still open idea" not in declined and "Declined idea here" in declined
