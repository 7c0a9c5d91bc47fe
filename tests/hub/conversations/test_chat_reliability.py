"""Reliability of messages: a client_msg_id is stored once, a reconnecting client gets
exactly what it missed, and nothing is broadcast before it is stored and committed.

The last tests need real commits from real threads, so they run on a database of their
own (a fresh SQLite file, or `<name>_chat_concurrency` next to HUB_TEST_DATABASE_URL's
PostgreSQL database): numbering under a row lock on PostgreSQL, under SQLite's write lock
otherwise. The same guarantees against real server processes are in test_live.py.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.conversations import events as chat_events
from hub.conversations import service as conversations
from hub.conversations.models import Conversation, Message
from hub.db import utcnow
from hub.demo.channel import set_path
from hub.models import Organization, OrgKind, Person, Role
from tests.conftest import committed_app
from tests.hub.conversations.conftest import events, new_id
from tests.hub.conversations.test_chat_sockets import join, send


def seqs(messages) -> list[int]:
    return [m["seq"] for m in messages]


def test_resending_a_client_msg_id_returns_the_stored_message_and_broadcasts_nothing(
    covered, start, tab
):
    conversation = start()
    writer, listener = tab("dealer_marketer"), tab("channel_manager")
    join(writer, conversation)
    join(listener, conversation)
    listener.get_received()
    key = new_id()

    first = send(writer, conversation, "Only once", key)
    again = send(writer, conversation, "Only once", key)  # the answer was lost: try again

    assert first == again and first["ok"]
    assert [p["message"]["client_msg_id"] for p in events(listener, "message:new")] == [key]
    assert db.session.scalar(sa.select(sa.func.count()).where(Message.client_msg_id == key)) == 1


def test_a_reconnecting_client_gets_exactly_what_it_missed_in_order(covered, start, tab):
    conversation = start()
    marketer_tab = tab("dealer_marketer")
    assert seqs(join(marketer_tab, conversation)["messages"]) == [1]
    manager = tab("channel_manager")
    join(manager, conversation)
    send(marketer_tab, conversation, "Are you there?")
    last_seen = 2
    marketer_tab.disconnect()  # the train enters a tunnel

    for n in range(5):
        assert send(manager, conversation, f"answer {n}")["ok"]
    back = tab("dealer_marketer")
    answer = join(back, conversation, after_seq=last_seen)

    assert seqs(answer["messages"]) == [3, 4, 5, 6, 7]
    assert [m["body"] for m in answer["messages"]] == [f"answer {n}" for n in range(5)]
    back.get_received()
    send(manager, conversation, "live again")
    assert seqs([p["message"] for p in events(back, "message:new")]) == [8]  # no repeats
    assert join(back, conversation, after_seq=8)["messages"] == []


def test_a_long_absence_is_replayed_in_pages_without_gaps(covered, start, tab, say):
    conversation = start()
    base = utcnow() - timedelta(hours=1)
    for n in range(chat_events.JOIN_LIMIT + 20):  # spread out in time: no rate limit
        say(conversation, "channel_manager", f"m{n}", now=base + timedelta(seconds=2 * n))
    sock = tab("dealer_marketer")

    got, after, rounds = [], 0, 0
    while True:
        answer = join(sock, conversation, after_seq=after)
        got += seqs(answer["messages"])
        rounds += 1
        if not answer["more"]:
            break
        after = got[-1]

    assert rounds == 2
    assert got == list(range(1, conversation.last_seq + 1))


def test_a_message_is_broadcast_only_once_it_is_stored_and_committed(covered, start, tab):
    conversation = start()
    listener = tab("channel_manager")
    join(listener, conversation)
    db.session.commit()  # keep the fixtures; what follows is the transaction under test
    listener.get_received()
    marketer = covered.people["dealer_marketer"]

    conversations.send_message(marketer, conversation, new_id(), "Stored first")
    assert listener.get_received() == []  # flushed, not committed: nothing has left
    db.session.commit()
    (payload,) = events(listener, "message:new")
    stored = db.session.get(Message, payload["message"]["id"])
    assert conversations.message_json(stored) == payload["message"]

    conversations.send_message(marketer, conversation, new_id(), "Rolled back")
    db.session.rollback()
    assert listener.get_received() == []
    assert db.session.scalar(sa.select(sa.func.count()).where(Message.body == "Rolled back")) == 0


# --- Real commits from real threads ------------------------------------------------------


@pytest.fixture(scope="module")
def real_app(tmp_path_factory):
    """An app on its own, really committed database (see the module docstring)."""
    yield from committed_app(tmp_path_factory.mktemp("chat-concurrency"), "chat_concurrency")


_rounds = iter(range(1, 10_000))


@pytest.fixture
def crowd(real_app):
    """A dealer with five people and a channel manager, and a conversation they share."""
    n = next(_rounds)
    with real_app.app_context():
        oem = Organization(name=f"OEM {n}", kind=OrgKind.OEM)
        db.session.add(oem)
        db.session.flush()
        set_path(oem)
        dealer = Organization(name=f"Dealer {n}", kind=OrgKind.DEALER, parent=oem)
        db.session.add(dealer)
        db.session.flush()
        set_path(dealer)
        people = [
            Person(
                email=f"p{i}.{n}@dealer.example",
                name=f"Person {i}",
                role=Role.PARTNER_STAFF,
                organization=dealer,
            )
            for i in range(5)
        ]
        people.append(
            Person(
                email=f"cm.{n}@oem.example",
                name="Channel manager",
                role=Role.CHANNEL_MANAGER,
                organization=oem,
            )
        )
        db.session.add_all(people)
        db.session.flush()
        conversation, _ = conversations.start_conversation(people[0], "Busy", "Go!")
        db.session.commit()
        return conversation.id, [p.id for p in people]


def _in_threads(real_app, jobs):
    """Run each job(barrier) in its own thread and app context; return their results."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        with real_app.app_context():
            try:
                return job(barrier)
            finally:
                db.session.rollback()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(run, job) for job in jobs]]


def test_messages_sent_at_once_by_many_are_numbered_without_gaps_or_twins(real_app, crowd):
    conversation_id, people = crowd
    per_person = 12

    def sender(person_id):
        def job(barrier):
            person = db.session.get(Person, person_id)
            db.session.commit()  # hold no transaction (nor SQLite's lock) at the barrier
            barrier.wait()
            stored = []
            for n in range(per_person):
                conversation = db.session.get(Conversation, conversation_id)
                message, created = conversations.send_message(
                    person, conversation, new_id(), f"{person_id}:{n}"
                )
                db.session.commit()
                assert created
                stored.append((message.seq, message.body))
            return stored

        return job

    results = _in_threads(real_app, [sender(pid) for pid in people])

    with real_app.app_context():
        rows = db.session.execute(
            sa.select(Message.seq, Message.body)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.seq)
        ).all()
        last_seq = db.session.get(Conversation, conversation_id).last_seq
    total = 1 + per_person * len(people)
    assert [seq for seq, _ in rows] == list(range(1, total + 1))
    assert last_seq == total
    acknowledged = sorted(pair for stored in results for pair in stored)
    assert acknowledged == sorted((seq, body) for seq, body in rows if seq > 1)
    for stored in results:  # each sender's messages keep the order it sent them in
        assert [seq for seq, _ in stored] == sorted(seq for seq, _ in stored)


def test_the_same_client_msg_id_sent_at_once_is_stored_once(real_app, crowd):
    conversation_id, people = crowd
    key = new_id()

    def job(barrier):
        person = db.session.get(Person, people[0])
        conversation = db.session.get(Conversation, conversation_id)
        db.session.commit()  # hold no transaction (nor SQLite's lock) at the barrier
        barrier.wait()
        message, created = conversations.send_message(person, conversation, key, "Once!")
        db.session.commit()
        return message.id, message.seq, created

    results = _in_threads(real_app, [job] * 8)

    assert len({(mid, seq) for mid, seq, _ in results}) == 1
    assert sum(created for _, _, created in results) == 1
    with real_app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(
                    Message.conversation_id == conversation_id, Message.client_msg_id == key
                )
            )
            == 1
        )
