"""From a conversation to an idea: the product manager handling a conversation sees
“Turn into idea” and “Attach to idea as evidence” on partners' messages (hub's
message_actions extension point), makes the partner's idea from one, or attaches one to
an idea; nobody else can, and the evidence's link to the conversation shows only to
those who may open it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from feedback.ideas import service as ideas
from feedback.ideas.models import IdeaEvidence, IdeaSubscription
from hub import db
from hub.conversations import handoff as handoffs
from hub.conversations import service as conversations
from hub.conversations.models import Message
from hub.errors import Conflict, ValidationFailed
from hub.models import AuditEvent
from tests.conftest import post_form
from tests.feedback.ideas.support import post


@pytest.fixture
def handed(channel, line):
    """A conversation Test Dealer's marketer started, handed to the product manager."""
    c = channel.people
    line.managers.append(c["product_manager"])
    started, _ = conversations.start_conversation(
        c["dealer_marketer"],
        "Deck swaps",
        "Customers want to swap the mower deck alone in a minute. It takes two people now.",
        line.id,
    )
    handoffs.hand_off(c["channel_manager"], started, c["product_manager"], "An idea for you?")
    first = db.session.scalar(
        sa.select(Message).where(Message.conversation_id == started.id, Message.seq == 1)
    )
    return started, first


def test_the_handling_pm_turns_a_message_into_the_partners_idea(channel, line, handed):
    c = channel.people
    conversation, message = handed
    data = {
        "product_line_id": str(line.id),
        "title": "One-person deck swap",
        "problem": message.body,
    }
    idea = ideas.idea_from_message(c["product_manager"], message, conversation, data)
    assert idea.author_id == c["dealer_marketer"].id
    assert idea.organization_id == channel.dealer.id
    assert idea.filed_by_id == c["product_manager"].id and idea.source_message_id == message.id
    assert db.session.get(IdeaSubscription, (idea.id, c["dealer_marketer"].id)).active
    assert (
        db.session.scalar(sa.select(IdeaEvidence.message_id).where(IdeaEvidence.idea_id == idea.id))
        == message.id
    )
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "idea.posted_from_conversation")
    )
    for who in ("program_admin", "channel_manager", "dealer_marketer"):
        with pytest.raises(PermissionError):
            ideas.idea_from_message(c[who], message, conversation, data)
    with pytest.raises(ValidationFailed) as bad:
        ideas.idea_from_message(c["product_manager"], message, conversation, {"title": ""})
    assert {"title", "problem", "product_line_id"} <= set(bad.value.problems)


def test_evidence_is_attached_once_and_its_link_shows_to_who_may_open_it(
    channel, line, handed, make_person
):
    c = channel.people
    conversation, message = handed
    idea = post(c["other_marketer"], line, "Quick-attach mower deck")
    ideas.attach_evidence(c["product_manager"], message, conversation, idea, "Same ask.")
    with pytest.raises(Conflict):
        ideas.attach_evidence(c["product_manager"], message, conversation, idea, "")
    with pytest.raises(ValidationFailed):
        ideas.attach_evidence(c["product_manager"], message, conversation, None, "")
    handler = ideas.evidence_for(c["product_manager"], idea)
    assert [e.conversation_id for e in handler] == [conversation.id]
    other_pm = make_person("product_manager", channel.oem)
    assert [e.conversation_id for e in ideas.evidence_for(other_pm, idea)] == [None]
    assert ideas.evidence_for(c["dealer_marketer"], idea) == []
    assert ideas.evidence_for(c["channel_manager"], idea) == []


def test_the_conversation_page_offers_the_actions_to_the_handling_pm_only(
    client, login_as, channel, line, handed
):
    conversation, message = handed
    login_as("product_manager")
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert f"/feedback/ideas/from-message/{message.id}" in page
    assert f"/feedback/ideas/evidence/{message.id}" in page
    system = db.session.scalar(
        sa.select(Message.id).where(Message.conversation_id == conversation.id, Message.seq == 2)
    )
    assert f"/feedback/ideas/from-message/{system}" not in page  # the hand-off line
    for who in ("channel_manager", "dealer_marketer", "program_admin"):
        login_as(who)
        assert "Turn into idea" not in client.get(f"/conversations/{conversation.id}").get_data(
            as_text=True
        )


def test_the_prefilled_form_posts_the_idea_and_evidence_page_attaches(
    client, login_as, channel, line, handed
):
    conversation, message = handed
    login_as("product_manager")
    url = f"/feedback/ideas/from-message/{message.id}"
    form = client.get(url).get_data(as_text=True)
    assert 'value="Customers want to swap the mower deck alone in a…"' in form
    assert "Test Dealer" in form
    refused = post_form(client, url, {"product_line_id": str(line.id), "title": "", "problem": "x"})
    assert refused.status_code == 422 and "Give the idea a title" in refused.get_data(as_text=True)
    done = post_form(
        client,
        url,
        {"product_line_id": str(line.id), "title": "Swap the deck alone", "problem": "x"},
    )
    assert done.status_code == 303
    idea_url = done.headers["Location"]
    page = client.get(idea_url).get_data(as_text=True)
    assert "Evidence from conversations" in page and f"/conversations/{conversation.id}#m1" in page

    other = post(channel.people["other_marketer"], line, "Mower deck quick attach")
    evidence_url = f"/feedback/ideas/evidence/{message.id}"
    search = client.get(evidence_url + "?q=mower+deck").get_data(as_text=True)
    assert f'value="{other.id}"' in search
    attached = post_form(client, evidence_url, {"idea_id": str(other.id), "note": "Same ask"})
    assert attached.status_code == 303
    login_as("dealer_marketer")  # partners don't see evidence
    assert "Evidence from conversations" not in client.get(f"/feedback/ideas/{other.id}").get_data(
        as_text=True
    )
