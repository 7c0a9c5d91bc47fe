"""Scale-out for real: two server processes and a command-line process sharing one
database (SQLite, or PostgreSQL when HUB_TEST_DATABASE_URL says so) and a Redis message
queue, with python-socketio clients on either server.

What one process does to a person — notify them, deactivate them, sign them out, go away —
must reach the sockets that another process holds; and what a killed process leaves
behind (its sockets' rows, calls whose people vanished with it) is cleaned up by the tick.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass

import pytest
import requests
import socketio as socketio_client

from hub.demo.channel import DEMO_PASSWORD
from tests.conftest import service_unavailable
from tests.realtime_support import (
    EventSocket,
    LiveDatabase,
    LiveSocket,
    ServerProcess,
    live_database,
    page_csrf_token,
    redis_reachable,
    run_cli,
    server_pool,
    sign_in_over_http,
)

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = "multiprocess-test-secret-" + "s" * 32
WAIT = 20  # seconds any single step may take before the test gives up
STARTUP = 120  # seconds a server process may take to start on a busy machine
HEARTBEAT = 2  # seconds: servers refresh their sockets' rows this often (60 in production)

MARKETER = "marketing@prairie.example"  # dealer marketer, Prairie Ag Dealers
CHANNEL = "channel@fieldcrest.example"  # channel manager (OEM)
TECH = "tech@prairie.example"  # partner staff at Prairie: deactivated by a test
SALES = "sales@prairie.example"  # Prairie: signs in and out in a test
PRAIRIE_ADMIN = "admin@prairie.example"  # may manage Prairie's staff
PROBE = "pm@fieldcrest.example"  # only used to check both servers listen on the queue
GPD_ADMIN = "admin@gpd.example"  # Great Plains (above Prairie): presence and killed servers
TOKEN_HOLDERS = [MARKETER, CHANNEL, TECH, SALES, PROBE, GPD_ADMIN]


@dataclass
class Cluster:
    servers: list[ServerProcess]
    env: dict[str, str]
    tokens: dict[str, str]
    ids: dict[str, int]
    database: LiveDatabase
    start: object  # start(env) → one more ServerProcess, stopped with the cluster

    def url(self, n: int) -> str:
        return self.servers[n].url


def wait_until_listening(cluster: Cluster) -> None:
    """Both servers have subscribed to the queue: a probe pushed through Redis reaches
    a socket on each. (A server subscribes when its first socket connects.)"""
    from socketio import RedisManager

    probes = [LiveSocket() for _ in cluster.servers]
    queue = RedisManager(REDIS_URL, channel="flask-socketio", write_only=True)
    try:
        for n, probe in enumerate(probes):
            probe.connect(cluster.url(n), token=cluster.tokens[PROBE])
        for _ in range(int(WAIT / 0.5)):
            text = f"probe {uuid.uuid4().hex}"
            queue.emit(
                "notification",
                {"id": 0, "kind": "probe", "text": text, "url": ""},
                to=f"person:{cluster.ids[PROBE]}",
            )
            if all(probe.wait_for(text, timeout=0.5) for probe in probes):
                return
        raise RuntimeError(f"the servers did not pick up messages from {REDIS_URL}")
    finally:
        for probe in probes:
            probe.close()
        if queue.redis is not None:
            queue.redis.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not redis_reachable(REDIS_URL):
        service_unavailable(f"Redis at {REDIS_URL}")
    tmp = tmp_path_factory.mktemp("cluster")
    with (
        live_database(tmp, "multiprocess", SECRET, TOKEN_HOLDERS) as database,
        server_pool(tmp, wait=STARTUP) as start,
    ):
        env = database.env(
            SOCKETIO_MESSAGE_QUEUE=REDIS_URL, SOCKET_HEARTBEAT_SECONDS=str(HEARTBEAT)
        )
        servers = [start(env), start(env)]
        cluster = Cluster(servers, env, database.tokens, database.ids, database, start)
        wait_until_listening(cluster)
        yield cluster


@pytest.fixture
def sockets():
    """sockets(): a new LiveSocket, closed after the test."""
    made: list[LiveSocket] = []

    def _new() -> LiveSocket:
        made.append(LiveSocket())
        return made[-1]

    yield _new
    for sock in made:
        sock.close()


def marker(what: str) -> str:
    """A notification text no other test (or other Hub on the same Redis) sends."""
    return f"{what} {uuid.uuid4().hex}"


def test_a_notification_made_elsewhere_reaches_its_person_on_any_server(cluster, sockets):
    x = sockets()
    x.connect(cluster.url(0), token=cluster.tokens[MARKETER])
    y = sockets()
    y.connect(cluster.url(1), token=cluster.tokens[CHANNEL])

    for_x = marker("for X")
    run_cli(cluster.env, "notify", MARKETER, for_x, "--kind", "test", "--url", "/campaigns")

    note = x.wait_for(for_x, timeout=WAIT)
    assert note is not None, f"X got {x.texts()}\n{cluster.servers[0].log()}"
    assert set(note) == {"id", "kind", "text", "url"}
    assert note["kind"] == "test" and note["url"] == "/campaigns"
    assert isinstance(note["id"], int) and note["id"] > 0

    # Queue order is publish order: once Y has what was sent after, it would have X's too.
    for_y = marker("for Y")
    run_cli(cluster.env, "notify", CHANNEL, for_y)
    assert y.wait_for(for_y, timeout=WAIT) is not None
    assert for_x not in y.texts()
    assert for_y not in x.texts()


def test_deactivation_on_one_server_closes_the_socket_held_by_the_other(cluster, sockets):
    target = sockets()
    target.connect(cluster.url(0), token=cluster.tokens[TECH])
    bystander = sockets()
    bystander.connect(cluster.url(0), token=cluster.tokens[MARKETER])
    person_id = cluster.ids[TECH]

    with requests.Session() as admin:
        sign_in_over_http(admin, cluster.url(1), PRAIRIE_ADMIN, DEMO_PASSWORD)
        token = page_csrf_token(admin, f"{cluster.url(1)}/people/{person_id}")
        response = admin.post(
            f"{cluster.url(1)}/people/{person_id}/deactivate",
            data={"csrf_token": token},
            allow_redirects=False,
            timeout=WAIT,
        )
    assert response.status_code == 303

    assert target.disconnected.wait(WAIT), cluster.servers[0].log()
    assert target.disconnect_reason == socketio_client.Client.reason.SERVER_DISCONNECT
    assert bystander.connected
    # ...and the token no longer opens a socket, on either server.
    for n in (0, 1):
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            sockets().connect(cluster.url(n), token=cluster.tokens[TECH])


def test_signing_out_on_one_server_closes_that_sign_ins_socket_on_the_other(cluster, sockets):
    with requests.Session() as browser:
        sign_in_over_http(browser, cluster.url(1), SALES, DEMO_PASSWORD)
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.get_dict().items())
        tab = sockets()  # the same browser's page, served by the other server
        tab.connect(cluster.url(0), headers={"Cookie": cookie})
        integration = sockets()
        integration.connect(cluster.url(0), token=cluster.tokens[SALES])

        token = page_csrf_token(browser, f"{cluster.url(1)}/")
        response = browser.post(
            f"{cluster.url(1)}/logout",
            data={"csrf_token": token},
            allow_redirects=False,
            timeout=WAIT,
        )
    assert response.status_code == 303

    assert tab.disconnected.wait(WAIT), cluster.servers[0].log()
    assert tab.disconnect_reason == socketio_client.Client.reason.SERVER_DISCONNECT
    # The person's other sockets (another sign-in, a token) stay and keep receiving.
    assert integration.connected
    still = marker("still there")
    run_cli(cluster.env, "notify", SALES, still)
    assert integration.wait_for(still, timeout=WAIT) is not None
    # The signed-out cookie opens no new socket.
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        sockets().connect(cluster.url(0), headers={"Cookie": cookie})


@pytest.mark.parametrize(
    "how",
    ["anonymous", "bogus token", "foreign origin"],
)
def test_a_real_server_refuses_sockets_without_valid_credentials(cluster, sockets, how):
    kwargs = {}
    if how == "bogus token":
        kwargs["token"] = "phub_" + "0" * 40
    elif how == "foreign origin":  # a valid token, but sent from another site's page
        kwargs = {"token": cluster.tokens[CHANNEL], "headers": {"Origin": "https://evil.example"}}

    with pytest.raises(socketio_client.exceptions.ConnectionError):
        sockets().connect(cluster.url(0), **kwargs)


def test_a_same_origin_page_may_connect(cluster, sockets):
    sock = sockets()
    sock.connect(cluster.url(0), token=cluster.tokens[CHANNEL], headers={"Origin": cluster.url(0)})
    assert sock.connected


# --- Presence and what a killed server leaves behind ---------------------------------------


def start_conversation(url: str, token: str, subject: str) -> int:
    """A new conversation of Prairie with its channel manager, over the JSON API."""
    response = requests.post(
        f"{url}/api/v1/conversations",
        json={"subject": subject, "body": f"{subject}: first message"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=WAIT,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def joined(cluster: Cluster, server: int, who: str, conversation_id: int) -> EventSocket:
    sock = EventSocket(("presence", "message:new", "call:left", "call:ended"))
    sock.connect(cluster.url(server), token=cluster.tokens[who])
    answer = sock.call("conversation:join", {"conversation_id": conversation_id})
    assert answer["ok"], answer
    return sock


def presence_of(sock: EventSocket, person_id: int, state: str, timeout: float = WAIT):
    return sock.wait_event(
        "presence", lambda p: p["user"]["id"] == person_id and p["state"] == state, timeout
    )


def test_presence_set_on_one_server_is_seen_on_the_other(cluster):
    conversation_id = start_conversation(cluster.url(0), cluster.tokens[MARKETER], "Presence")
    marketer = joined(cluster, 0, MARKETER, conversation_id)
    manager = joined(cluster, 1, CHANNEL, conversation_id)
    try:
        marketer_id = cluster.ids[MARKETER]
        assert marketer.call("presence", {"state": "away"}) == {"ok": True, "state": "away"}
        assert presence_of(manager, marketer_id, "away") is not None, cluster.servers[1].log()
        # The other server reads the same state (kept in Redis) when asked afresh.
        again = manager.call("conversation:join", {"conversation_id": conversation_id})
        states = {p["user"]["id"]: p["state"] for p in again["presence"]}
        assert states[marketer_id] == "away" and states[cluster.ids[CHANNEL]] == "online"
        assert marketer.call("presence", {"state": "online"})["state"] == "online"
        assert presence_of(manager, marketer_id, "online") is not None
    finally:
        marketer.close()
    assert presence_of(manager, cluster.ids[MARKETER], "offline") is not None
    manager.close()


def test_the_tick_cleans_up_after_a_killed_server(cluster, tmp_path):
    doomed = cluster.start(cluster.env)  # a third server, killed below
    conversation_id = start_conversation(doomed.url, cluster.tokens[MARKETER], "Killed server")
    observer = joined(cluster, 0, SALES, conversation_id)  # a colleague, on a live server
    in_call = []
    try:
        for who in (MARKETER, CHANNEL):
            sock = EventSocket(("call:ended",))
            sock.connect(doomed.url, token=cluster.tokens[who])
            in_call.append(sock)
        started = in_call[1].call("call:start", {"conversation_id": conversation_id})
        call_id = started["call"]["id"]
        for sock in in_call:
            assert sock.call("call:join", {"call_id": call_id})["ok"]

        doomed.process.kill()  # SIGKILL: no disconnect handler runs, rows stay behind
        doomed.process.wait(timeout=WAIT)

        pruned, lines = 0, []
        for _ in range(WAIT * 3):  # until the dead rows are older than 5 heartbeats
            out = run_cli(cluster.env, "tick", "--force")
            lines.append(out)
            pruned += sum(
                int(line.split(" stale sockets pruned")[0].rsplit(" ", 1)[-1])
                for line in out.splitlines()
                if " stale sockets pruned" in line
            )
            # Sockets other tests of this module closed on the live servers may still be
            # on their way out; the call ends at the first tick after they are gone.
            if pruned >= 2 and "1 calls ended" in "\n".join(lines):
                break
            time.sleep(1)  # polling interval, not an assertion
        assert pruned == 2, "\n".join(lines[-3:])  # the live servers' sockets were kept
        assert "1 calls ended" in "\n".join(lines), "\n".join(lines[-3:])

        ended = observer.wait_event(
            "message:new", lambda p: p["message"]["body"].startswith("Video call,")
        )
        assert ended is not None, cluster.servers[0].log()
        for who in (MARKETER, CHANNEL):
            assert presence_of(observer, cluster.ids[who], "offline") is not None
        assert observer.connected  # the rest of the cluster is untouched
    finally:
        observer.close()
        for sock in in_call:
            sock.close()
