"""Scale-out for real: two server processes and a command-line process sharing one SQLite
file and a Redis message queue, with python-socketio clients on either server.

What one process does to a person — notify them, deactivate them, sign them out — must
reach the sockets that another process holds.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import socketio as socketio_client
import sqlalchemy as sa

from hub.demo import DEMO_PASSWORD
from tests.conftest import service_unavailable
from tests.realtime_support import (
    LiveSocket,
    ServerProcess,
    page_csrf_token,
    redis_reachable,
    run_cli,
    server_env,
    sign_in_over_http,
)

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = "multiprocess-test-secret-" + "s" * 32
WAIT = 20  # seconds any single step may take before the test gives up

MARKETER = "marketing@prairie.example"  # dealer marketer, Prairie Ag Dealers
CHANNEL = "channel@fieldcrest.example"  # channel manager (OEM)
TECH = "tech@prairie.example"  # partner staff at Prairie: deactivated by a test
SALES = "sales@prairie.example"  # Prairie: signs in and out in a test
PRAIRIE_ADMIN = "admin@prairie.example"  # may manage Prairie's staff
PROBE = "pm@fieldcrest.example"  # only used to check both servers listen on the queue
TOKEN_HOLDERS = [MARKETER, CHANNEL, TECH, SALES, PROBE]


@dataclass
class Cluster:
    servers: list[ServerProcess]
    env: dict[str, str]
    tokens: dict[str, str]
    ids: dict[str, int]

    def url(self, n: int) -> str:
        return self.servers[n].url


def build_database(url: str, tmp: Path) -> tuple[dict[str, str], dict[str, int]]:
    """A migrated, demo-seeded database with an API token for each of TOKEN_HOLDERS."""
    from hub import accounts, create_app, db
    from hub.cli import upgrade_database
    from hub.demo import seed_demo
    from hub.models import Person

    app = create_app(
        {
            "ENV_NAME": "development",
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": str(tmp / "instance"),
            "STORAGE_DIR": str(tmp / "storage"),
            "SOCKETIO_MESSAGE_QUEUE": None,  # this process serves no sockets
        }
    )
    try:
        upgrade_database(app)
        with app.app_context():
            seed_demo()
            db.session.commit()
            tokens, ids = {}, {}
            for email in TOKEN_HOLDERS:
                person = db.session.scalar(sa.select(Person).where(Person.email == email))
                tokens[email] = accounts.create_api_token(person, "multiprocess test").secret
                ids[email] = person.id
            db.session.commit()
    finally:
        app.extensions["hub.db"]["engine"].dispose()
    return tokens, ids


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
    database_url = f"sqlite:///{tmp / 'hub.sqlite3'}"
    tokens, ids = build_database(database_url, tmp)
    env = server_env(
        ENV_NAME="development",
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET,  # the same in every process: a cookie from one works on all
        SOCKETIO_MESSAGE_QUEUE=REDIS_URL,
        STORAGE_DIR=str(tmp / "storage"),
    )
    servers: list[ServerProcess] = []
    try:
        for n in (1, 2):
            servers.append(ServerProcess(env, tmp / f"server{n}.log"))
        for server in servers:
            server.wait_healthy(timeout=WAIT * 2)
        cluster = Cluster(servers, env, tokens, ids)
        wait_until_listening(cluster)
        yield cluster
    finally:
        for server in servers:
            server.stop()


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
