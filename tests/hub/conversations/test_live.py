"""Reliability against real servers: `flask --app wsgi hub serve` processes and real
python-socketio clients (long-polling), nothing in-process.

- the same client_msg_id twice: one message, one broadcast;
- a client away for a while reconnects and gets exactly what it missed;
- a server killed (SIGKILL) mid-conversation and started again has lost nothing it
  acknowledged, and the client's unanswered sends, repeated, land once;
- two servers sharing Redis carry messages, typing and read receipts across.

The database is a fresh SQLite file, or `<name>_chat_live` next to
HUB_TEST_DATABASE_URL's PostgreSQL database, seeded with the Fieldcrest demo.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
import requests

from tests.conftest import service_unavailable
from tests.realtime_support import (
    EventSocket,
    ServerProcess,
    live_database,
    redis_reachable,
    server_pool,
)

WAIT = 20  # seconds any single step may take before the test gives up
STARTUP = 120  # seconds a server process may take to start on a busy machine
SECRET = "chat-live-test-secret-" + "s" * 32
REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

MARKETER = "marketing@prairie.example"  # dealer marketer at Prairie Ag Dealers
TECH = "tech@prairie.example"  # partner staff at Prairie
SALES = "sales@prairie.example"  # partner staff at Prairie
CHANNEL = "channel@fieldcrest.example"  # the channel manager covering Prairie
PEOPLE = [MARKETER, TECH, SALES, CHANNEL]


@pytest.fixture(scope="module")
def live_db(tmp_path_factory):
    """A migrated, demo-seeded database and an API token for each of PEOPLE."""
    with live_database(tmp_path_factory.mktemp("chat-live"), "chat_live", SECRET, PEOPLE) as live:
        yield live


@pytest.fixture
def servers(live_db, tmp_path):
    """servers(**settings): a new healthy server process on the live database."""
    with server_pool(tmp_path, wait=STARTUP) as start:
        yield lambda **settings: start(live_db.env(**settings))


@pytest.fixture
def clients():
    """clients(): a new ChatClient, closed after the test."""
    made: list[ChatClient] = []

    def _new() -> ChatClient:
        made.append(ChatClient())
        return made[-1]

    yield _new
    for client in made:
        client.close()


class ChatClient(EventSocket):
    """A python-socketio client that records what the conversation events bring."""

    EVENTS = ("message:new", "typing", "read")

    def connect(self, url: str, token: str) -> ChatClient:
        return super().connect(url, token=token, timeout=WAIT)

    def join(self, conversation_id: int, after_seq: int = 0) -> list[dict]:
        """Every message after after_seq (following `more`), having joined the room."""
        messages: list[dict] = []
        while True:
            answer = self.call(
                "conversation:join", {"conversation_id": conversation_id, "after_seq": after_seq}
            )
            assert answer["ok"], answer
            messages += answer["messages"]
            if not answer["more"]:
                return messages
            after_seq = messages[-1]["seq"]

    def send(self, conversation_id: int, body: str, client_msg_id: str | None = None) -> dict:
        answer = self.call(
            "message:send",
            {
                "conversation_id": conversation_id,
                "client_msg_id": client_msg_id or str(uuid.uuid4()),
                "body": body,
            },
        )
        assert answer["ok"], answer
        return answer["message"]

    def wait_for(self, name: str, predicate, timeout: float = WAIT) -> dict | None:
        """The first `name` payload that satisfies predicate, once it has arrived."""
        return self.wait_event(name, predicate, timeout)

    def new_messages(self) -> list[dict]:
        return [p["message"] for p in self.received("message:new")]


def start_conversation(server: ServerProcess, token: str, subject: str) -> int:
    """A new conversation, started over the JSON API as an integration would."""
    response = requests.post(
        f"{server.url}/api/v1/conversations",
        json={"subject": subject, "body": f"{subject}: first message"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=WAIT,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_the_same_client_msg_id_twice_is_one_message_and_one_broadcast(live_db, servers, clients):
    server = servers()
    conversation_id = start_conversation(server, live_db.tokens[MARKETER], "Idempotent")
    writer = clients().connect(server.url, live_db.tokens[MARKETER])
    listener = clients().connect(server.url, live_db.tokens[CHANNEL])
    writer.join(conversation_id)
    listener.join(conversation_id)
    key = str(uuid.uuid4())

    first = writer.send(conversation_id, "Only once", key)
    again = writer.send(conversation_id, "Only once", key)  # as if the first answer was lost
    marker = writer.send(conversation_id, "After it")

    assert again == first and first["seq"] == 2 and marker["seq"] == 3
    # Broadcasts arrive in order: once the marker is in, a second copy would be too.
    assert listener.wait_for("message:new", lambda p: p["message"]["id"] == marker["id"])
    assert [m["client_msg_id"] for m in listener.new_messages()] == [key, marker["client_msg_id"]]
    assert [m["seq"] for m in listener.join(conversation_id)] == [1, 2, 3]


def test_a_client_that_reconnects_gets_exactly_what_it_missed(live_db, servers, clients):
    server = servers()
    conversation_id = start_conversation(server, live_db.tokens[MARKETER], "Replay")
    manager = clients().connect(server.url, live_db.tokens[CHANNEL])
    manager.join(conversation_id)
    away = clients().connect(server.url, live_db.tokens[MARKETER])
    last_seen = away.join(conversation_id)[-1]["seq"]
    away.close()  # the connection drops

    sent = [manager.send(conversation_id, f"answer {n}") for n in range(5)]
    back = clients().connect(server.url, live_db.tokens[MARKETER])
    missed = back.join(conversation_id, after_seq=last_seen)

    assert missed == sent  # the same messages, in order, no gaps, no repeats
    assert [m["seq"] for m in missed] == list(range(last_seen + 1, last_seen + 6))
    live = manager.send(conversation_id, "and now live")
    assert back.wait_for("message:new", lambda p: p["message"]["id"] == live["id"])
    assert [m["seq"] for m in back.new_messages()] == [live["seq"]]


def test_a_server_killed_mid_conversation_loses_nothing_it_acknowledged(live_db, servers, clients):
    first = servers()
    conversation_id = start_conversation(first, live_db.tokens[TECH], "Restart")
    writer = clients().connect(first.url, live_db.tokens[TECH])
    writer.join(conversation_id)
    acknowledged: list[dict] = []
    unanswered: list[tuple[str, str]] = []
    enough = threading.Event()

    def keep_writing():
        for n in range(18):  # below the rate limit of 20 in 30 seconds
            key, body = str(uuid.uuid4()), f"message {n}"
            try:
                answer = writer.call(
                    "message:send",
                    {"conversation_id": conversation_id, "client_msg_id": key, "body": body},
                    timeout=5,
                )
            except Exception:  # the server is gone: this one may or may not be stored
                unanswered.append((key, body))
                return
            acknowledged.append(answer["message"])
            if len(acknowledged) >= 6:
                enough.set()
            time.sleep(0.05)  # a conversation in progress, not a burst

    sender = threading.Thread(target=keep_writing)
    sender.start()
    assert enough.wait(WAIT), f"only {len(acknowledged)} acknowledged:\n{first.log()}"
    first.process.kill()  # SIGKILL: no clean shutdown, no last flush
    first.process.wait(timeout=WAIT)
    sender.join(timeout=WAIT * 2)
    assert not sender.is_alive()
    assert len(unanswered) == 1 and len(acknowledged) < 18  # it stopped on the dead server

    second = servers()
    reader = clients().connect(second.url, live_db.tokens[TECH])
    replay = reader.join(conversation_id)

    by_key = {m["client_msg_id"]: m for m in replay}
    for message in acknowledged:
        assert by_key.get(message["client_msg_id"]) == message, "an acknowledged message is lost"
    assert [m["seq"] for m in replay] == list(range(1, len(replay) + 1))
    assert len(by_key) == len(replay)

    # The client repeats what got no answer, as the browser's outbox does: it lands once.
    for key, body in unanswered:
        stored = reader.send(conversation_id, body, key)
        assert stored["client_msg_id"] == key
    again = reader.send(conversation_id, acknowledged[0]["body"], acknowledged[0]["client_msg_id"])
    assert again == acknowledged[0]
    final = reader.join(conversation_id)
    keys = [m["client_msg_id"] for m in final]
    assert len(keys) == len(set(keys))
    assert {k for k, _ in unanswered} <= set(keys)
    assert [m["seq"] for m in final] == list(range(1, len(final) + 1))


@pytest.mark.redis
def test_two_servers_behind_redis_carry_messages_typing_and_reads_across(live_db, servers, clients):
    if not redis_reachable(REDIS_URL):
        service_unavailable(f"Redis at {REDIS_URL}")
    one = servers(SOCKETIO_MESSAGE_QUEUE=REDIS_URL)
    two = servers(SOCKETIO_MESSAGE_QUEUE=REDIS_URL)
    conversation_id = start_conversation(one, live_db.tokens[SALES], "Across servers")
    dealer = clients().connect(one.url, live_db.tokens[SALES])
    manager = clients().connect(two.url, live_db.tokens[CHANNEL])
    dealer.join(conversation_id)
    manager.join(conversation_id)

    # A server listens to Redis once its first socket is connected; wait until it does.
    probe = None
    for n in range(12):
        sent = dealer.send(conversation_id, f"probe {n}")
        if manager.wait_for("message:new", lambda p, s=sent: p["message"]["id"] == s["id"], 1):
            probe = sent
            break
    assert probe is not None, f"no message crossed from server one to two:\n{two.log()}"

    question = dealer.send(conversation_id, "Does it cross?")
    assert manager.wait_for("message:new", lambda p: p["message"]["id"] == question["id"])
    assert manager.call("typing", {"conversation_id": conversation_id}) == {"ok": True}
    typing = dealer.wait_for("typing", lambda p: p["conversation_id"] == conversation_id)
    assert typing is not None and typing["user"]["name"] == "Marcus Oyelaran"
    assert manager.call("read", {"conversation_id": conversation_id, "seq": question["seq"]})["ok"]
    read = dealer.wait_for("read", lambda p: p["seq"] == question["seq"])
    assert read is not None and read["user"]["name"] == "Marcus Oyelaran"
    answer = manager.send(conversation_id, "It does.")
    assert dealer.wait_for("message:new", lambda p: p["message"]["id"] == answer["id"])
