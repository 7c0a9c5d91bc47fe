"""Video-call signalling over sockets (hub/calls.py, hub/call_events.py, docs/realtime.md
"Calls"): start, ring, join, relay, leave, the record in the conversation, rights on every
event and TURN credentials. Real database, Flask-SocketIO test clients signed in like tabs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.calls import service as calls
from hub.calls.models import Call, CallParticipant
from hub.conversations.models import Message, MessageKind
from tests.conftest import sign_in
from tests.hub.conversations.conftest import events

REFUSED_CONVERSATION = "No such conversation, or you may not see it."
REFUSED_CALL = "No such call, or you may not see it."
OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}


def start_call(sock, conversation):
    return sock.emit("call:start", {"conversation_id": conversation.id}, callback=True)


def join(sock, call_id):
    return sock.emit("call:join", {"call_id": call_id}, callback=True)


def signal(sock, call_id, to, kind="offer", data=OFFER):
    return sock.emit(
        "call:signal", {"call_id": call_id, "to": to, "type": kind, "data": data}, callback=True
    )


def leave(sock, call_id):
    return sock.emit("call:leave", {"call_id": call_id}, callback=True)


def system_texts(conversation) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Message.body)
            .where(Message.conversation_id == conversation.id, Message.kind == MessageKind.SYSTEM)
            .order_by(Message.seq)
        )
    )


@pytest.fixture
def pair(covered, start, say, tab):
    """A conversation between the dealer's marketer and the channel manager, a tab each."""
    conversation = start()
    say(conversation, "channel_manager", "On it.")
    return conversation, tab("dealer_marketer"), tab("channel_manager")


def test_start_rings_join_signal_leave_and_the_record(covered, pair):
    conversation, dealer, manager = pair
    marketer, cm = covered.people["dealer_marketer"], covered.people["channel_manager"]

    started = start_call(dealer, conversation)
    assert started["ok"] is True and started["created"] is True
    call = started["call"]
    assert call["conversation_id"] == conversation.id and call["ice_servers"] == []
    rings = events(manager, "call:ring")
    assert rings == [
        {
            "call_id": call["id"],
            "conversation_id": conversation.id,
            "from": {"id": marketer.id, "name": marketer.name},
        }
    ]
    assert events(dealer, "call:ring") == []
    again = start_call(manager, conversation)
    assert again["ok"] is True and again["created"] is False and again["call"]["id"] == call["id"]

    joined = join(dealer, call["id"])
    assert joined["ok"] is True
    assert joined["participants"] == [{"id": marketer.id, "name": marketer.name}]
    joined = join(manager, call["id"])
    assert [p["id"] for p in joined["participants"]] == [marketer.id, cm.id]
    assert events(dealer, "call:joined") == [
        {"call_id": call["id"], "user": {"id": cm.id, "name": cm.name}}
    ]

    assert signal(manager, call["id"], marketer.id) == {"ok": True}
    assert events(dealer, "call:signal") == [
        {"call_id": call["id"], "from": cm.id, "type": "offer", "data": OFFER}
    ]
    answer = {"type": "answer", "sdp": "v=0\r\n"}
    assert signal(dealer, call["id"], cm.id, "answer", answer) == {"ok": True}
    candidate = {"candidate": "candidate:1 1 udp 1 10.0.0.1 5000 typ host", "sdpMid": "0"}
    assert signal(dealer, call["id"], cm.id, "candidate", candidate) == {"ok": True}
    assert [(s["type"], s["data"]) for s in events(manager, "call:signal")] == [
        ("answer", answer),
        ("candidate", candidate),
    ]

    assert leave(dealer, call["id"]) == {"ok": True, "ended": False}
    assert events(manager, "call:left") == [
        {"call_id": call["id"], "user": {"id": marketer.id, "name": marketer.name}}
    ]
    assert leave(manager, call["id"]) == {"ok": True, "ended": True}
    assert leave(manager, call["id"]) == {"ok": True, "ended": True}  # harmless twice

    db.session.expire_all()
    stored = db.session.get(Call, call["id"])
    assert stored.ended_at is not None and stored.started_by_id == marketer.id
    stays = db.session.scalars(
        sa.select(CallParticipant).where(CallParticipant.call_id == stored.id)
    )
    assert sorted(s.person_id for s in stays) == sorted([marketer.id, cm.id])
    texts = system_texts(conversation)
    assert f"{marketer.name} started a video call." in texts
    assert texts[-1] == f"Video call, less than a minute, with {marketer.name}, {cm.name}."
    assert join(dealer, call["id"]) == {
        "ok": False,
        "error": "This call has ended. Start a new one.",
    }
    assert start_call(dealer, conversation)["call"]["id"] != call["id"]


def test_ringing_also_notifies(covered, pair):
    conversation, dealer, manager = pair
    start_call(dealer, conversation)
    notes = [n for n in manager.notifications() if n["kind"] == "call.ring"]
    assert len(notes) == 1 and notes[0]["url"] == f"/conversations/{conversation.id}"


def test_duration_and_participants_are_written_when_the_call_ends(covered, pair):
    conversation, *_ = pair
    marketer, cm = covered.people["dealer_marketer"], covered.people["channel_manager"]
    begin = db.utcnow() - timedelta(minutes=30)
    call, _ = calls.start_call(marketer, conversation, now=begin)
    calls.join_call(marketer, call, now=begin)
    calls.join_call(cm, call, now=begin + timedelta(minutes=1))
    assert calls.leave_call(marketer, call, now=begin + timedelta(minutes=5)) is False
    assert calls.leave_call(cm, call, now=begin + timedelta(minutes=12, seconds=40)) is True
    assert system_texts(conversation)[-1] == f"Video call, 12 min, with {marketer.name}, {cm.name}."
    assert calls.duration_text(begin, begin + timedelta(minutes=65)) == "1 h 5 min"


def test_an_outsider_is_refused_on_every_event_alike(covered, pair, tab):
    conversation, dealer, manager = pair
    call = start_call(dealer, conversation)["call"]
    join(dealer, call["id"])
    join(manager, call["id"])
    outsider = tab("other_marketer")
    marketer = covered.people["dealer_marketer"]

    assert start_call(outsider, conversation) == {"ok": False, "error": REFUSED_CONVERSATION}
    missing = outsider.emit("call:start", {"conversation_id": 999999}, callback=True)
    assert missing == {"ok": False, "error": REFUSED_CONVERSATION}
    for answer in (
        join(outsider, call["id"]),
        join(outsider, 999999),
        signal(outsider, call["id"], marketer.id),
        signal(outsider, 999999, marketer.id),
        leave(outsider, call["id"]),
        leave(outsider, 999999),
    ):
        assert answer == {"ok": False, "error": REFUSED_CALL}
    assert events(dealer, "call:signal") == []
    assert events(dealer, "call:left") == []
    assert calls.people_in_call(db.session.get(Call, call["id"])) != []


def test_signals_reach_only_the_target_in_the_call(covered, pair, tab):
    conversation, dealer, manager = pair
    marketer, cm = covered.people["dealer_marketer"], covered.people["channel_manager"]
    colleague = tab("partner_staff")  # sees the conversation, not in the call
    dealer_other_tab = tab("dealer_marketer")  # the target's socket that did not join
    call = start_call(dealer, conversation)["call"]
    join(dealer, call["id"])

    # The manager sees the conversation but has not joined: refused.
    assert signal(manager, call["id"], marketer.id) == {
        "ok": False,
        "error": "Join the call first.",
    }
    join(manager, call["id"])
    assert signal(manager, call["id"], covered.people["partner_staff"].id) == {
        "ok": False,
        "error": "That person is not in this call.",
    }
    assert signal(manager, call["id"], marketer.id) == {"ok": True}

    assert len(events(dealer, "call:signal")) == 1
    for sock in (manager, colleague, dealer_other_tab):
        assert events(sock, "call:signal") == []
    assert signal(manager, call["id"], marketer.id, kind="bye")["ok"] is False
    too_big = {"type": "offer", "sdp": "x" * (calls.MAX_SIGNAL_BYTES + 1)}
    refused = signal(manager, call["id"], marketer.id, data=too_big)
    assert refused["ok"] is False and "64 KB" in refused["error"]
    assert signal(dealer, call["id"], cm.id, data=[1, 2])["ok"] is False
    assert events(dealer, "call:signal") == []


def test_turn_credentials_follow_coturn_use_auth_secret(app, covered, pair):
    conversation, dealer, _ = pair
    marketer = covered.people["dealer_marketer"]
    app.config.update(
        ICE_SERVERS=[{"urls": "stun:stun.example.com:3478"}],
        TURN_SECRET="north-field-secret",
        TURN_URLS=["turn:turn.example.com:3478?transport=udp"],
        TURN_TTL=600,
    )
    before = int(time.time())
    servers = start_call(dealer, conversation)["call"]["ice_servers"]

    assert servers[0] == {"urls": "stun:stun.example.com:3478"}
    turn = servers[1]
    assert turn["urls"] == ["turn:turn.example.com:3478?transport=udp"]
    expiry, person_id = turn["username"].split(":")
    assert person_id == str(marketer.id)
    assert before + 600 <= int(expiry) <= int(time.time()) + 600
    expected = hmac.new(b"north-field-secret", turn["username"].encode(), hashlib.sha1).digest()
    assert base64.b64decode(turn["credential"]) == expected


def test_bad_payloads_get_a_clear_error(pair):
    _, dealer, _ = pair
    for event in ("call:start", "call:join", "call:signal", "call:leave"):
        answer = dealer.emit(event, "nonsense", callback=True)
        assert answer["ok"] is False and answer["error"].startswith("Send an object")


def test_the_conversation_page_offers_the_call(client, covered, start):
    conversation = start()
    sign_in(client, covered.people["dealer_marketer"])
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert 'id="call"' in page and "Start video call" in page
    assert 'aria-pressed="false"' in page and "/static/js/call.js" in page
    assert 'id="call-local" autoplay playsinline muted' in page
