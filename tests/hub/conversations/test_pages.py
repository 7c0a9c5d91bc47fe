"""The conversation pages as plain HTML: everything works with links and form posts."""

from __future__ import annotations

import re
import threading

import sqlalchemy as sa
from sqlalchemy import event

from hub import db
from hub.conversations import handoff as handoffs
from hub.conversations import reads
from hub.conversations import service as conversations
from hub.conversations.models import ConversationStatus, Message
from tests.conftest import csrf_token, post_form, sign_in
from tests.hub.conversations.conftest import new_id


def text_of(response) -> str:
    return response.get_data(as_text=True)


def fresh(obj):
    """obj as the database has it now (requests change it in sessions of their own)."""
    db.session.refresh(obj)
    return obj


def test_the_list_shows_status_unread_and_a_start_form_for_partners(client, covered, start, say):
    conversation = start()
    say(conversation, "channel_manager", "An answer")
    sign_in(client, covered.people["dealer_marketer"])

    page = text_of(client.get("/conversations"))

    assert "Baler knotter misses" in page
    assert "Waiting on partner" in page
    assert '1 new<span class="visually-hidden"> message</span>' in page
    assert "Start a conversation" in page
    assert (
        '<span class="navcount" data-unread-conversations="1">1'
        '<span class="visually-hidden"> unread</span></span>'
    ) in page


def test_oem_staff_get_no_start_form_and_channel_managers_a_queue(client, channel, start):
    start()
    sign_in(client, channel.people["channel_manager"])

    page = text_of(client.get("/conversations?state=queue"))

    assert "Start a conversation" not in page
    assert "Baler knotter misses" in page
    assert 'aria-current="page">Team queue <span class="count">1</span>' in page


def test_a_partner_starts_a_conversation_with_the_form(client, covered, balers):
    sign_in(client, covered.people["dealer_marketer"])

    response = post_form(
        client,
        "/conversations",
        {
            "subject": "Twine keeps breaking",
            "product_line_id": str(balers.id),
            "body": "Help!",
            "client_msg_id": new_id(),
        },
    )

    assert response.status_code == 303
    conversation_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    conversation = db.session.get(conversations.Conversation, conversation_id)
    assert conversation.subject == "Twine keeps breaking"
    assert conversation.product_line_id == balers.id
    assert conversation.assignee_id == covered.people["channel_manager"].id


def test_a_start_form_with_problems_says_what_to_fix(client, covered):
    sign_in(client, covered.people["dealer_marketer"])

    response = post_form(
        client, "/conversations", {"subject": "", "product_line_id": "", "body": ""}
    )

    assert response.status_code == 422
    page = text_of(response)
    assert "Give the conversation a subject" in page
    assert "Write a message first." in page
    assert 'aria-invalid="true"' in page


def test_opening_a_conversation_reads_it_and_shows_its_history(client, covered, start, say):
    conversation = start(body="See https://dealer.example/a?b=1 <script>alert(1)</script>")
    say(conversation, "channel_manager", "An answer")
    marketer = covered.people["dealer_marketer"]
    sign_in(client, marketer)
    assert reads.unread_conversation_count(marketer) == 1

    page = text_of(client.get(f"/conversations/{conversation.id}"))

    assert reads.unread_conversation_count(marketer) == 0
    # the page itself already counts it read: the badge is there for live updates, hidden
    assert 'data-unread-conversations="0" hidden>' in page
    assert '<a href="https://dealer.example/a?b=1" rel="noopener nofollow">' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert 'id="m1"' in page and 'id="m2"' in page
    assert 'role="log"' in page
    assert re.search(r'data-last-seq="2"', page)
    assert "js/chat.js" in page


def test_a_message_posted_with_the_form_lands_once_even_when_sent_twice(client, covered, start):
    conversation = start()
    sign_in(client, covered.people["dealer_marketer"])
    token = csrf_token(client, f"/conversations/{conversation.id}")
    form = {
        "body": "Sent from a browser without JS",
        "client_msg_id": new_id(),
        "csrf_token": token,
    }

    first = client.post(f"/conversations/{conversation.id}/messages", data=form)
    second = client.post(f"/conversations/{conversation.id}/messages", data=form)  # double click

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"].endswith(f"/conversations/{conversation.id}#m2")
    assert second.headers["Location"] == first.headers["Location"]
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(Message.conversation_id == conversation.id)
        )
        == 2
    )


def test_an_empty_message_is_refused_with_a_sentence(client, covered, start):
    conversation = start()
    sign_in(client, covered.people["dealer_marketer"])

    response = post_form(
        client,
        f"/conversations/{conversation.id}/messages",
        {"body": " ", "client_msg_id": new_id()},
    )

    assert response.status_code == 422
    assert "Write a message first." in text_of(response)


def test_a_dealer_cannot_open_or_write_in_another_dealers_conversation(client, channel, start):
    conversation = start("other_marketer")
    sign_in(client, channel.people["dealer_marketer"])

    assert client.get(f"/conversations/{conversation.id}").status_code == 404
    response = post_form(
        client,
        f"/conversations/{conversation.id}/messages",
        {"body": "Sneaky", "client_msg_id": new_id()},
        token_page="/conversations",
    )
    assert response.status_code == 404
    assert fresh(conversation).last_seq == 1
    assert "Baler knotter misses" not in text_of(client.get("/conversations?state=all"))


def test_the_channel_manager_hands_off_and_the_product_manager_accepts(
    app, client, covered, start, balers
):
    conversation = start(product_line_id=balers.id)
    pm = covered.people["product_manager"]
    sign_in(client, covered.people["channel_manager"])
    page = text_of(client.get(f"/conversations/{conversation.id}"))
    assert "About Test Dealer" in page and "Premier" in page  # the context card
    assert f'<option value="{pm.id}">{pm.name} — product manager</option>' in page

    response = post_form(
        client,
        f"/conversations/{conversation.id}/handoff",
        {"to_person_id": str(pm.id), "note": "Knotter again"},
    )
    assert response.status_code == 303
    assert fresh(conversation).assignee_id == pm.id

    pm_browser = app.test_client()
    sign_in(pm_browser, pm)
    page = text_of(pm_browser.get(f"/conversations/{conversation.id}"))
    assert "Handed to you" in page and "Knotter again" in page and "It misses." in page
    response = post_form(pm_browser, f"/conversations/{conversation.id}/accept")
    assert response.status_code == 303
    assert handoffs.pending_handoff(fresh(conversation)) is None


def test_the_parts_of_an_open_page_come_again_without_marking_anything_read(
    app, client, covered, start, balers
):
    conversation = start(product_line_id=balers.id)
    marketer, pm = covered.people["dealer_marketer"], covered.people["product_manager"]
    sign_in(client, marketer)
    before = text_of(client.get(f"/conversations/{conversation.id}"))
    handler = covered.people["channel_manager"].name
    assert f'id="chat-handler">Handled by <strong>{handler}</strong>.</p>' in before
    assert "data-parts-url=" in before

    manager = app.test_client()
    sign_in(manager, covered.people["channel_manager"])
    post_form(
        manager,
        f"/conversations/{conversation.id}/messages",
        {"body": "On it", "client_msg_id": new_id()},
    )
    post_form(
        manager,
        f"/conversations/{conversation.id}/handoff",
        {"to_person_id": str(pm.id), "note": "Knotter"},
    )
    assert reads.unread_conversation_count(marketer) == 1

    parts = text_of(client.get(f"/conversations/{conversation.id}/parts"))

    assert reads.unread_conversation_count(marketer) == 1  # still unread
    assert "<html" not in parts  # only the parts, not a page
    handler = re.search(r'<template data-part="chat-handler">(.*?)</template>', parts, re.S)
    assert handler.group(1) == f"Handled by <strong>{pm.name}</strong> (not yet accepted)."
    state = re.search(r'<template data-part="conversation-state">(.*?)</template>', parts, re.S)
    assert "Waiting on partner" in state.group(1)
    people = re.search(r'<template data-part="chat-people">(.*?)</template>', parts, re.S)
    assert f'data-person="{pm.id}"' in people.group(1)
    assert "Product manager" in people.group(1)
    assert "First answer" in parts and "Not yet" not in parts
    assert "Knotter" not in parts  # the note stays among OEM staff
    assert 'data-part="chat-handoff-card"' not in parts  # partners get no hand-off form


def test_a_hand_off_to_someone_not_offered_is_refused_with_a_sentence(client, covered, start):
    conversation = start()
    sign_in(client, covered.people["channel_manager"])

    response = post_form(
        client,
        f"/conversations/{conversation.id}/handoff",
        {"to_person_id": str(covered.people["dealer_marketer"].id), "note": ""},
        follow_redirects=True,
    )

    assert "Choose a product manager" in text_of(response)
    assert fresh(conversation).assignee_id == covered.people["channel_manager"].id


def test_partners_resolve_with_one_button_and_oem_staff_choose_a_state(client, covered, start):
    conversation = start()
    sign_in(client, covered.people["dealer_marketer"])
    page = text_of(client.get(f"/conversations/{conversation.id}"))
    assert "Mark as resolved" in page and 'name="status" value="resolved"' in page

    post_form(client, f"/conversations/{conversation.id}/status", {"status": "resolved"})
    assert fresh(conversation).status == ConversationStatus.RESOLVED
    assert "Reopen the conversation" in text_of(client.get(f"/conversations/{conversation.id}"))

    oem = client.application.test_client()  # the channel manager's browser
    sign_in(oem, covered.people["channel_manager"])
    post_form(oem, f"/conversations/{conversation.id}/status", {"status": "waiting_on_partner"})
    assert fresh(conversation).status == ConversationStatus.WAITING_ON_PARTNER


def test_a_channel_manager_takes_a_queued_conversation_from_its_page(client, channel, start):
    conversation = start()
    sign_in(client, channel.people["channel_manager"])
    assert "Take the conversation" in text_of(client.get(f"/conversations/{conversation.id}"))

    assert post_form(client, f"/conversations/{conversation.id}/take").status_code == 303

    assert fresh(conversation).assignee_id == channel.people["channel_manager"].id
    assert "Take the conversation" not in text_of(client.get(f"/conversations/{conversation.id}"))


def test_presence_shows_who_has_a_socket_open(client, covered, start, tab):
    conversation = start()
    tab("channel_manager")
    sign_in(client, covered.people["dealer_marketer"])

    page = text_of(client.get(f"/conversations/{conversation.id}"))

    manager = covered.people["channel_manager"]
    entry = page[page.index(f'data-person="{manager.id}"') :]
    assert "presence--online" in entry[:200] and "online" in entry[:600]


def test_the_list_runs_the_same_statements_however_many_conversations(
    app, client, covered, start, say
):
    """No query per row: two conversations or twelve, the list page runs as many statements."""
    sign_in(client, covered.people["channel_manager"])

    def statements_for_list() -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)", statement, re.I):
                seen.append(statement)

        engine = db.engine()
        event.listen(engine, "before_cursor_execute", count)
        try:
            box = {}
            thread = threading.Thread(target=lambda: box.update(r=client.get("/conversations")))
            thread.start()
            thread.join()
            assert box["r"].status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    for n in range(2):
        say(start(subject=f"Conversation {n}", who="partner_staff"), "channel_manager", "Hi")
    client.get("/conversations")  # warm-up: first-use writes don't count
    small = statements_for_list()
    for n in range(10):
        say(start(subject=f"More {n}", who="dealer_marketer"), "channel_manager", "Hi")
    assert statements_for_list() == small
