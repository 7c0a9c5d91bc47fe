"""Live state around conversations, in one process with real sockets (Flask-SocketIO test
clients signed in like tabs) and a real database: presence (online / away / offline),
the navigation's unread count, calls left by sockets that disconnect, and the pruning of
socket rows a killed process left behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.calls import service as calls
from hub.calls.models import Call, CallParticipant
from hub.conversations import handoff as handoffs
from hub.conversations import service as conversations
from hub.conversations.models import Message, MessageKind
from hub.db import utcnow
from hub.models import SocketSession
from hub.realtime import service as realtime
from hub.registry import registry
from tests.conftest import sign_in
from tests.hub.conversations.conftest import events


def join(sock, conversation):
    answer = sock.emit("conversation:join", {"conversation_id": conversation.id}, callback=True)
    assert answer["ok"], answer
    return answer


def presence(sock, state):
    return sock.emit("presence", {"state": state}, callback=True)


def states_seen(sock, person) -> list[str]:
    return [p["state"] for p in events(sock, "presence") if p["user"]["id"] == person.id]


@pytest.fixture
def talk(covered, start, say, tab):
    """A conversation of the dealer's marketer with the channel manager, whose tab has
    joined it (and heard nothing yet)."""
    conversation = start()
    say(conversation, "channel_manager", "Hello")
    watcher = tab("channel_manager")
    join(watcher, conversation)
    watcher.get_received()
    return conversation, watcher


# --- Presence ----------------------------------------------------------------------------------


def test_presence_goes_online_away_and_offline_and_the_room_hears_each_change(covered, talk, tab):
    _conversation, watcher = talk
    marketer = covered.people["dealer_marketer"]

    first = tab("dealer_marketer")
    assert states_seen(watcher, marketer) == ["online"]
    assert presence(first, "away") == {"ok": True, "state": "away"}
    assert states_seen(watcher, marketer) == ["away"]

    second = tab("dealer_marketer")  # another tab, in use: online again
    assert states_seen(watcher, marketer) == ["online"]
    assert presence(second, "online") == {"ok": True, "state": "online"}  # no change
    assert states_seen(watcher, marketer) == []
    second.disconnect()  # only the away tab is left
    assert states_seen(watcher, marketer) == ["away"]
    first.disconnect()
    assert states_seen(watcher, marketer) == ["offline"]
    assert realtime.presence_of([marketer.id]) == {marketer.id: "offline"}


def test_the_payload_names_the_person_and_outsiders_hear_nothing(covered, talk, tab):
    _conversation, watcher = talk
    outsider = tab("other_marketer")  # in no room of this conversation
    outsider.get_received()
    sock = tab("dealer_marketer")
    presence(sock, "away")

    marketer = covered.people["dealer_marketer"]
    assert events(watcher, "presence")[-1] == {
        "user": {"id": marketer.id, "name": marketer.name},
        "state": "away",
    }
    assert events(outsider, "presence") == []


def test_join_answers_everyones_presence_and_the_page_shows_it(app, covered, talk, tab):
    conversation, _watcher = talk
    marketer = covered.people["dealer_marketer"]
    manager = covered.people["channel_manager"]
    presence(tab("dealer_marketer"), "away")

    answer = join(tab("partner_staff"), conversation)
    assert {(p["user"]["id"], p["state"]) for p in answer["presence"]} >= {
        (marketer.id, "away"),
        (manager.id, "online"),
    }

    browser = app.test_client()
    sign_in(browser, manager)
    page = browser.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    entry = page[page.index(f'data-person="{marketer.id}"') :][:600]
    assert 'data-presence="away"' in entry and "presence--away" in entry
    assert '<span class="people__state">away</span>' in entry


def test_a_presence_event_with_a_bad_state_is_refused_with_a_sentence(covered, tab):
    sock = tab("dealer_marketer")
    assert presence(sock, "busy") == {
        "ok": False,
        "error": 'Send {"state": "online"} or {"state": "away"}.',
    }
    assert sock.emit("presence", "away", callback=True)["ok"] is False


# --- Unread count in the navigation ------------------------------------------------------------


def test_the_unread_count_arrives_with_a_message_and_drops_after_reading(covered, start, say, tab):
    conversation = start()
    marketer_tab = tab("dealer_marketer")  # a page elsewhere: not in the conversation's room
    marketer_tab.get_received()

    say(conversation, "channel_manager", "Answer one")
    assert events(marketer_tab, "unread") == []  # not before it is committed
    db.session.commit()
    assert events(marketer_tab, "unread") == [{"conversations": 1}]
    other = start(subject="Second question")
    say(other, "channel_manager", "Answer two")
    db.session.commit()
    assert events(marketer_tab, "unread")[-1] == {"conversations": 2}

    reader = tab("dealer_marketer")
    join(reader, conversation)
    answer = reader.emit(
        "read", {"conversation_id": conversation.id, "seq": conversation.last_seq}, callback=True
    )
    assert answer["ok"]
    assert events(marketer_tab, "unread") == [{"conversations": 1}]


def test_a_message_pushes_counts_only_to_those_whose_count_it_changes(covered, start, say, tab):
    conversation = start()
    marketer_tab, manager_tab = tab("dealer_marketer"), tab("channel_manager")
    say(conversation, "channel_manager", "Answer one")
    db.session.commit()
    for sock in (marketer_tab, manager_tab):
        sock.get_received()

    say(conversation, "channel_manager", "Answer two")  # the marketer has one unread already
    db.session.commit()
    assert events(marketer_tab, "unread") == []  # still one: nothing to tell
    assert events(manager_tab, "unread") == []  # its author had read everything before

    say(conversation, "dealer_marketer", "Thanks")  # the marketer reads by answering
    db.session.commit()
    assert events(marketer_tab, "unread") == [{"conversations": 0}]
    assert events(manager_tab, "unread") == [{"conversations": 1}]


def test_the_receiver_of_a_hand_off_hears_their_new_unread_count(covered, start, balers, tab):
    conversation = start(product_line_id=balers.id)
    pm_tab = tab("product_manager")
    pm_tab.get_received()

    handoffs.hand_off(
        covered.people["channel_manager"], conversation, covered.people["product_manager"], "yours"
    )
    db.session.commit()

    assert events(pm_tab, "unread") == [{"conversations": 1}]


def test_nothing_is_pushed_for_a_message_that_is_rolled_back(covered, start, tab):
    conversation = start()
    db.session.commit()
    marketer_tab = tab("dealer_marketer")
    marketer_tab.get_received()

    conversations.send_message(
        covered.people["channel_manager"], conversation, "rolled-back-1", "never"
    )
    db.session.rollback()  # the request failed
    db.session.commit()

    assert events(marketer_tab, "unread") == []


# --- Calls and sockets that go away ----------------------------------------------------------


@pytest.fixture
def in_call(talk, tab):
    """The marketer and the channel manager in a call, one tab each (both joined)."""
    conversation, manager = talk
    marketer = tab("dealer_marketer")
    started = manager.emit("call:start", {"conversation_id": conversation.id}, callback=True)
    call_id = started["call"]["id"]
    for sock in (manager, marketer):
        assert sock.emit("call:join", {"call_id": call_id}, callback=True)["ok"]
    manager.get_received()
    return conversation, db.session.get(Call, call_id), manager, marketer


def test_a_socket_that_disconnects_leaves_its_call_and_the_last_one_ends_it(covered, in_call):
    conversation, call, manager, marketer = in_call
    person = covered.people["dealer_marketer"]

    marketer.disconnect()  # the tab closed: no call:left from the page

    assert {"call_id": call.id, "user": {"id": person.id, "name": person.name}} in events(
        manager, "call:left"
    )
    assert [p.id for p in calls.people_in_call(call)] == [covered.people["channel_manager"].id]
    manager.disconnect()
    db.session.refresh(call)
    assert call.ended_at is not None
    last = db.session.scalar(
        sa.select(Message)
        .where(Message.conversation_id == conversation.id)
        .order_by(Message.seq.desc())
        .limit(1)
    )
    assert last.kind == MessageKind.SYSTEM and last.body.startswith("Video call, ")


def test_a_person_with_another_tab_in_the_call_stays_in_it(covered, in_call, tab):
    _conversation, call, manager, marketer = in_call
    second = tab("dealer_marketer")
    assert second.emit("call:join", {"call_id": call.id}, callback=True)["ok"]

    marketer.disconnect()

    assert covered.people["dealer_marketer"].id in [p.id for p in calls.people_in_call(call)]
    assert events(manager, "call:left") == []


def _ghost_socket(person, last_seen, sid):
    db.session.add(
        SocketSession(sid=sid, person_id=person.id, connected_at=last_seen, last_seen_at=last_seen)
    )
    db.session.flush()


def test_pruning_removes_dead_sockets_and_ends_calls_whose_people_all_vanished(
    app, covered, start, say
):
    conversation = start()
    say(conversation, "channel_manager", "Let's call")
    marketer, manager = covered.people["dealer_marketer"], covered.people["channel_manager"]
    now = utcnow()
    beat = app.config["SOCKET_HEARTBEAT_SECONDS"]
    dead_since = now - timedelta(seconds=realtime.STALE_AFTER_BEATS * beat + 1)
    _ghost_socket(marketer, dead_since, "ghost-marketer")
    _ghost_socket(manager, dead_since, "ghost-manager")
    _ghost_socket(covered.people["partner_staff"], now - timedelta(seconds=beat), "alive-staff")
    call, _ = calls.start_call(manager, conversation)
    for person in (marketer, manager):
        calls.join_call(person, call)

    result = realtime.prune_stale_sockets(now)

    assert result == ("2 stale sockets pruned; 2 vanished call participants removed, 1 calls ended")
    assert set(db.session.scalars(sa.select(SocketSession.sid))) >= {"alive-staff"}
    assert not {"ghost-marketer", "ghost-manager"} & set(
        db.session.scalars(sa.select(SocketSession.sid))
    )
    db.session.refresh(call)
    assert call.ended_at == now
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CallParticipant)
            .where(CallParticipant.call_id == call.id, CallParticipant.left_at.is_(None))
        )
        == 0
    )
    assert realtime.presence_of([marketer.id]) == {marketer.id: "offline"}


def test_pruning_keeps_a_call_with_someone_still_connected(app, covered, start, say, tab):
    conversation = start()
    say(conversation, "channel_manager", "Let's call")
    marketer, manager = covered.people["dealer_marketer"], covered.people["channel_manager"]
    now = utcnow()
    _ghost_socket(marketer, now - timedelta(hours=1), "ghost-marketer-2")
    watcher = tab("channel_manager")  # live: its row was refreshed at connect
    call, _ = calls.start_call(manager, conversation)
    for person in (marketer, manager):
        calls.join_call(person, call)
    db.session.commit()
    watcher.emit("call:join", {"call_id": call.id}, callback=True)
    watcher.get_received()

    realtime.prune_stale_sockets(now)
    db.session.commit()

    db.session.refresh(call)
    assert call.ended_at is None
    assert [p.id for p in calls.people_in_call(call)] == [manager.id]
    assert {"call_id": call.id, "user": {"id": marketer.id, "name": marketer.name}} in events(
        watcher, "call:left"
    )


def test_sockets_are_seen_at_connect_and_refreshed_by_the_heartbeat(covered, tab):
    sock = tab("dealer_marketer")
    row = db.session.get(SocketSession, sock.sid)
    assert row.last_seen_at is not None and row.last_seen_at <= utcnow()

    later = utcnow() + timedelta(minutes=3)
    assert sock.sid in realtime.local_sids()
    assert realtime.refresh_sockets(realtime.local_sids(), now=later) >= 1
    db.session.refresh(row)
    assert row.last_seen_at == later


def test_the_prune_job_is_registered_to_run_every_minute(app):
    job = registry(app).jobs["hub.prune-sockets"]
    assert job.every == timedelta(minutes=1) and job.run is realtime.prune_stale_sockets
