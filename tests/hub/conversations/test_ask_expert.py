"""“Ask a product expert”: a partner starts a conversation that goes straight to the
product manager of a product line (hub.conversations.routing), from the dashboard, the
Product lines page, the form and the API alike."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub import db
from hub.accounts import service as accounts
from hub.conversations import reads
from hub.conversations import service as conversations
from hub.conversations.handoff import waiting_on
from hub.errors import ValidationFailed
from hub.models import AuditEvent, Notification, ProductLine
from tests.conftest import post_form, sign_in
from tests.hub.conversations.conftest import new_id


def test_asking_a_product_expert_goes_to_the_lines_product_manager(channel, covered, balers):
    marketer, pm = channel.people["dealer_marketer"], channel.people["product_manager"]
    cm = channel.people["channel_manager"]
    conversation, _ = conversations.start_conversation(
        marketer, "Question about Balers", "Knotter misses", balers.id, to_product_manager=True
    )
    assert conversation.assignee_id == pm.id
    # The covering channel manager takes part (and so sees it); the PM is told.
    assert {p.person_id for p in reads.participants(conversation)} == {marketer.id, pm.id, cm.id}
    told = db.session.execute(sa.select(Notification.person_id, Notification.actor_id)).all()
    assert told == [(pm.id, marketer.id)]  # from whom: the notifications page shows it
    assert [c.id for c, _h in waiting_on(pm)] == [conversation.id]
    summary = db.session.scalar(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "conversation.started")
    )
    assert f"asked product manager {pm.name} (Balers)" in summary


def test_a_line_without_a_product_manager_goes_to_the_channel_manager(channel, covered):
    line = ProductLine(name="Tillage", slug="tillage")
    db.session.add(line)
    db.session.flush()
    conversation, _ = conversations.start_conversation(
        channel.people["dealer_marketer"], "Discs", "Wobble", line.id, to_product_manager=True
    )
    assert conversation.assignee_id == channel.people["channel_manager"].id


@pytest.mark.parametrize(
    ("line", "flag", "field"),
    [(None, True, "product_line_id"), ("balers", "yes", "to_product_manager")],
)
def test_asking_without_a_line_or_with_a_wrong_flag_says_what_to_fix(
    channel, balers, line, flag, field
):
    with pytest.raises(ValidationFailed) as caught:
        conversations.start_conversation(
            channel.people["dealer_marketer"],
            "Question",
            "Hello",
            balers.id if line else None,
            to_product_manager=flag,
        )
    assert field in caught.value.problems


def test_the_dashboard_offers_it_per_line_and_the_form_comes_ready(client, channel, balers):
    sign_in(client, channel.people["dealer_marketer"])
    dashboard = client.get("/").get_data(as_text=True)
    ask = f"/conversations/new?product_line={balers.id}"
    assert "Ask a product expert" in dashboard and ask in dashboard
    assert ask in client.get("/product-lines").get_data(as_text=True)

    form = client.get(ask).get_data(as_text=True)
    pm = channel.people["product_manager"]
    assert "Ask a Balers product expert" in form and pm.name in form
    assert 'value="Question about Balers"' in form
    assert 'name="to_product_manager" type="hidden" value="1"' in form
    assert "autofocus" in form


def test_oem_staff_get_no_such_offer(client, channel, balers):
    sign_in(client, channel.people["program_admin"])
    assert "/conversations/new" not in client.get("/").get_data(as_text=True)
    assert "/conversations/new" not in client.get("/product-lines").get_data(as_text=True)


def test_sending_the_form_reaches_the_product_manager(client, channel, covered, balers):
    sign_in(client, channel.people["dealer_marketer"])
    data = {
        "subject": "Question about Balers",
        "product_line_id": str(balers.id),
        "to_product_manager": "1",
        "body": "The knotter misses every tenth bale.",
        "client_msg_id": new_id(),
    }
    response = post_form(client, "/conversations", data, token_page="/")
    assert response.status_code == 303
    conversation_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    conversation = db.session.get(conversations.Conversation, conversation_id)
    db.session.refresh(conversation)
    assert conversation.assignee_id == channel.people["product_manager"].id


def test_a_form_with_a_problem_comes_back_as_the_ask_page_with_the_input(client, channel, balers):
    sign_in(client, channel.people["dealer_marketer"])
    data = {
        "subject": "My own subject",
        "product_line_id": str(balers.id),
        "to_product_manager": "1",
        "body": "",
        "client_msg_id": new_id(),
    }
    response = post_form(client, "/conversations", data, token_page="/")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ask a Balers product expert" in html and 'value="My own subject"' in html


def test_the_api_asks_a_product_expert_too(client, channel, covered, balers):
    token = accounts.create_api_token(channel.people["dealer_marketer"], "t").secret
    headers = {"Authorization": f"Bearer {token}"}
    body = {"subject": "Balers", "body": "Knotter", "product_line_id": balers.id}
    answer = client.post(
        "/api/v1/conversations", json={**body, "to_product_manager": True}, headers=headers
    )
    assert answer.status_code == 201
    assert answer.json["assignee"]["id"] == channel.people["product_manager"].id
    wrong = client.post(
        "/api/v1/conversations", json={**body, "to_product_manager": "yes"}, headers=headers
    )
    assert wrong.status_code == 422
