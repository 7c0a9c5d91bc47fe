"""The conversation socket events in one process (hub/chat_events.py, docs/realtime.md):
rights on every event, the documented payloads, typing and read receipts in the room,
limits with a clear error. Sockets are Flask-SocketIO test clients signed in like tabs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub import db
from hub.accounts import service as accounts
from hub.conversations import events as chat_events
from hub.conversations import reads
from hub.conversations import service as conversations
from hub.conversations.models import Message
from hub.extensions import socketio
from tests.hub.conversations.conftest import events, new_id

REFUSED = "No such conversation, or you may not see it."


def join(sock, conversation, after_seq=0):
    return sock.emit(
        "conversation:join",
        {"conversation_id": conversation.id, "after_seq": after_seq},
        callback=True,
    )


def send(sock, conversation, body="Hello", client_msg_id=None):
    return sock.emit(
        "message:send",
        {
            "conversation_id": conversation.id,
            "client_msg_id": client_msg_id or new_id(),
            "body": body,
        },
        callback=True,
    )


def rooms_of(sock) -> set[str]:
    return set(socketio.server.manager.get_rooms(sock.sid, "/"))


def test_join_answers_the_messages_after_after_seq_and_enters_the_room(covered, start, say, tab):
    conversation = start()
    say(conversation, "channel_manager", "Two")
    say(conversation, "channel_manager", "Three")
    sock = tab("dealer_marketer")

    answer = join(sock, conversation, after_seq=1)

    assert answer["ok"] is True and answer["more"] is False
    assert [(m["seq"], m["body"]) for m in answer["messages"]] == [(2, "Two"), (3, "Three")]
    assert f"conversation:{conversation.id}" in rooms_of(sock)


@pytest.mark.parametrize("who", ["other_marketer", "distributor_admin", "product_manager"])
def test_join_is_refused_alike_whether_the_conversation_is_hidden_or_missing(
    channel, start, tab, who
):
    conversation = start()
    sock = tab(who)

    hidden = join(sock, conversation)
    missing = sock.emit("conversation:join", {"conversation_id": 999999}, callback=True)

    assert hidden == missing == {"ok": False, "error": REFUSED}
    assert not any(room.startswith("conversation:") for room in rooms_of(sock))


def test_a_message_reaches_the_room_in_the_documented_shape(covered, start, tab):
    conversation = start()
    marketer = covered.people["dealer_marketer"]
    writer, manager, colleague_not_joined, outsider = (
        tab("dealer_marketer"),
        tab("channel_manager"),
        tab("partner_staff"),
        tab("other_marketer"),
    )
    join(writer, conversation)
    join(manager, conversation)
    for sock in (writer, manager, colleague_not_joined, outsider):
        sock.get_received()
    key = new_id()

    answer = send(writer, conversation, "Any news? https://dealer.example", key)

    assert answer["ok"] is True
    message = answer["message"]
    assert set(message) == {
        "id",
        "seq",
        "conversation_id",
        "client_msg_id",
        "kind",
        "author",
        "body",
        "created_at",
        "attachments",
    }
    assert message["seq"] == 2 and message["conversation_id"] == conversation.id
    assert message["client_msg_id"] == key and message["kind"] == "text"
    assert message["author"] == {"id": marketer.id, "name": marketer.name}
    assert message["body"] == "Any news? https://dealer.example"
    assert message["created_at"].endswith("Z")
    assert events(manager, "message:new") == [{"message": message}]
    assert events(writer, "message:new") == [{"message": message}]  # the writer's other tabs
    assert colleague_not_joined.get_received() == []  # may see it, but did not join
    assert outsider.get_received() == []


def test_typing_reaches_the_room_but_not_the_typist_and_is_throttled(covered, start, tab):
    conversation = start()
    typist, reader = tab("dealer_marketer"), tab("channel_manager")
    join(typist, conversation)
    join(reader, conversation)
    typist.get_received()
    reader.get_received()
    marketer = covered.people["dealer_marketer"]

    assert typist.emit("typing", {"conversation_id": conversation.id}, callback=True) == {
        "ok": True
    }
    assert typist.emit("typing", {"conversation_id": conversation.id}, callback=True) == {
        "ok": True
    }

    assert events(reader, "typing") == [
        {"conversation_id": conversation.id, "user": {"id": marketer.id, "name": marketer.name}}
    ]  # once: the second signal came within the throttle window
    assert typist.get_received() == []


def test_read_receipts_reach_the_room_and_only_move_forward(covered, start, say, tab):
    conversation = start()
    say(conversation, "channel_manager", "Two")
    say(conversation, "channel_manager", "Three")
    reader, writer = tab("dealer_marketer"), tab("channel_manager")
    join(reader, conversation)
    join(writer, conversation)
    for sock in (reader, writer):
        sock.get_received()
    marketer = covered.people["dealer_marketer"]

    assert reader.emit("read", {"conversation_id": conversation.id, "seq": 3}, callback=True) == {
        "ok": True,
        "seq": 3,
    }
    assert reader.emit("read", {"conversation_id": conversation.id, "seq": 2}, callback=True) == {
        "ok": True,
        "seq": 3,
    }

    expected = {
        "conversation_id": conversation.id,
        "user": {"id": marketer.id, "name": marketer.name},
        "seq": 3,
    }
    assert events(writer, "read") == [expected]  # once: going back is no news
    assert events(reader, "read") == [expected]
    assert reads.read_positions(marketer, [conversation.id]) == {conversation.id: 3}


@pytest.mark.parametrize(
    ("event", "payload", "error"),
    [
        ("conversation:join", None, "Send an object"),
        ("conversation:join", "12", "Send an object"),
        ("conversation:join", {}, REFUSED),
        ("conversation:join", {"conversation_id": "1"}, REFUSED),
        (
            "conversation:join",
            {"conversation_id": 1, "after_seq": -1},
            "after_seq as a whole number",
        ),
        (
            "conversation:join",
            {"conversation_id": 1, "after_seq": "2"},
            "after_seq as a whole number",
        ),
        ("message:send", {"conversation_id": 1, "body": "Hi"}, "Send a client_msg_id"),
        (
            "message:send",
            {"conversation_id": 1, "client_msg_id": "a", "body": ""},
            "Write a message",
        ),
        (
            "message:send",
            {"conversation_id": 1, "client_msg_id": "a", "body": "x" * 5001},
            "under 5,000 characters",
        ),
        ("message:send", {"conversation_id": 1, "client_msg_id": "a", "body": ["x"]}, "as text"),
        ("read", {"conversation_id": 1}, "seq as a whole number"),
        ("typing", [], "Send an object"),
    ],
)
def test_payloads_that_cannot_be_handled_are_refused_with_a_sentence(
    covered, start, tab, event, payload, error
):
    conversation = start()
    if isinstance(payload, dict) and payload.get("conversation_id") == 1:  # a real id for "1"
        payload = {**payload, "conversation_id": conversation.id}
    sock = tab("dealer_marketer")

    if payload is None:  # no payload at all
        answer = sock.emit(event, callback=True)
    else:
        answer = sock.emit(event, payload, callback=True)

    assert answer["ok"] is False
    assert error in answer["error"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 1


def test_sending_too_fast_is_refused_with_a_clear_error(covered, start, tab):
    conversation = start()
    sock = tab("dealer_marketer")
    answers = [send(sock, conversation, f"n{n}") for n in range(conversations.RATE_LIMIT)]

    assert all(a["ok"] for a in answers[:-1])
    assert answers[-1] == {
        "ok": False,
        "error": "You have sent 20 messages in the last 30 seconds. Wait a few seconds, then send again.",
    }


def test_every_event_checks_the_person_again(covered, start, tab):
    conversation = start()
    marketer = covered.people["dealer_marketer"]
    sock = tab(marketer)
    assert join(sock, conversation)["ok"]
    marketer.active = False  # directly, without closing the socket
    db.session.flush()

    for event, payload in [
        ("conversation:join", {"conversation_id": conversation.id}),
        (
            "message:send",
            {"conversation_id": conversation.id, "client_msg_id": new_id(), "body": "x"},
        ),
        ("typing", {"conversation_id": conversation.id}),
        ("read", {"conversation_id": conversation.id, "seq": 1}),
    ]:
        answer = sock.emit(event, payload, callback=True)
        assert answer == {"ok": False, "error": "Not signed in, or the session has ended."}


def test_a_socket_signed_in_with_an_api_token_chats_like_a_tab(covered, start, open_socket):
    conversation = start()
    secret = accounts.create_api_token(covered.people["channel_manager"], "crm").secret
    sock = open_socket(auth={"token": secret})

    assert join(sock, conversation)["ok"]
    answer = send(sock, conversation, "From the CRM")

    assert answer["ok"] and answer["message"]["seq"] == 2


def test_a_hand_off_made_on_a_page_reaches_the_room_as_a_system_message(
    app, covered, start, tab, balers
):
    from tests.conftest import post_form, sign_in

    conversation = start(product_line_id=balers.id)
    watcher = tab("dealer_marketer")
    join(watcher, conversation)
    watcher.get_received()
    browser = app.test_client()
    sign_in(browser, covered.people["channel_manager"])

    post_form(
        browser,
        f"/conversations/{conversation.id}/handoff",
        {"to_person_id": str(covered.people["product_manager"].id), "note": "secret note"},
    )

    (payload,) = events(watcher, "message:new")
    assert payload["message"]["kind"] == "system" and payload["message"]["author"] is None
    assert "handed this conversation to" in payload["message"]["body"]
    assert "secret note" not in payload["message"]["body"]


def test_the_events_are_registered_on_every_app(app):
    handlers = socketio.server.handlers["/"]
    for name in ("conversation:join", "message:send", "typing", "read"):
        assert name in handlers
    assert chat_events.JOIN_LIMIT == 500
