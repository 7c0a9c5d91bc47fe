"""Helpers for socket tests, in one place for every package's tests:

- in process: `ServerSideSocketClient` (Flask-SocketIO's test client, run as a server
  would) and the `open_socket` fixture that makes them (import it into a conftest or
  test module to use it);
- out of process: `live_database` (a migrated, demo-seeded database with API tokens),
  `ServerProcess` / `server_pool` (real `hub serve` processes), `EventSocket` and
  `LiveSocket` (real python-socketio clients), and Redis checks.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask.globals import _cv_app
from flask_socketio.test_client import SocketIOTestClient

from hub.extensions import socketio

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))


# --- In-process: Flask-SocketIO's test client -------------------------------------------


@contextlib.contextmanager
def server_side():
    """Run the enclosed socket traffic as a server would: outside the test's app context.

    Flask-SocketIO handles every event in a request context of its own, but a request
    context reuses the app context that is already active — in a test, the test's. Then
    `g` (and with it flask-login's cached user and the per-context database session)
    would be shared between the test and every socket event. Hiding the test's app
    context gives each event its own, exactly as on a real server (compare
    tests.conftest.RequestIsolatingClient).
    """
    token = _cv_app.set(None)
    try:
        yield
    finally:
        _cv_app.reset(token)


class ServerSideSocketClient(SocketIOTestClient):
    """`socketio.test_client(...)` whose connect, emit and disconnect run `server_side()`."""

    def connect(self, *args, **kwargs):
        with server_side():
            return super().connect(*args, **kwargs)

    def emit(self, *args, **kwargs):
        with server_side():
            return super().emit(*args, **kwargs)

    def disconnect(self, *args, **kwargs):
        with server_side():
            return super().disconnect(*args, **kwargs)

    @property
    def sid(self) -> str | None:
        """The Socket.IO sid the server gave this client on the default namespace."""
        return socketio.server.manager.sid_from_eio_sid(self.eio_sid, "/")

    def notifications(self) -> list[dict]:
        """The payloads of the "notification" events received since the last call."""
        return [
            event["args"][0] for event in self.get_received() if event["name"] == "notification"
        ]

    def close(self) -> None:
        if self.is_connected():
            self.disconnect()
        self.clients.pop(self.eio_sid, None)


@pytest.fixture
def open_socket(app):
    """open_socket(client=None, auth=None): a socket like the browser tab of `client` (a
    Flask test client whose cookies it shares), or an integration's with `auth`."""
    opened: list[ServerSideSocketClient] = []

    def _open(client=None, auth=None) -> ServerSideSocketClient:
        sock = ServerSideSocketClient(app, socketio, flask_test_client=client, auth=auth)
        opened.append(sock)
        return sock

    yield _open
    for sock in opened:
        sock.close()


# --- Out of process: real servers -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_reachable(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.exceptions.RedisError:
        return False
    finally:
        client.close()


class ServerProcess:
    """`flask --app wsgi hub serve --no-tick` on a free port, logging to a file."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [FLASK, "--app", "wsgi", "hub", "serve", "--port", str(self.port), "--no-tick"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_healthy(self, timeout: float = 30) -> None:
        """Poll /healthz until it answers 200; fail with the server's log otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server on {self.url} exited early:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)  # polling interval, not an assertion
        raise RuntimeError(f"server on {self.url} not healthy after {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextlib.contextmanager
def server_pool(folder: Path, wait: float = 40) -> Iterator:
    """start(env) → a new healthy ServerProcess (logging into folder); all are stopped
    when the block ends."""
    started: list[ServerProcess] = []

    def start(env: dict[str, str]) -> ServerProcess:
        server = ServerProcess(env, folder / f"server{len(started)}.log")
        started.append(server)
        server.wait_healthy(timeout=wait)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@dataclass
class LiveDatabase:
    """A migrated database with the Fieldcrest demo, for real server processes."""

    url: str
    secret: str
    folder: Path
    tokens: dict[str, str] = field(default_factory=dict)  # API token by e-mail
    ids: dict[str, int] = field(default_factory=dict)  # person id by e-mail

    def env(self, **settings: str) -> dict[str, str]:
        """The environment of a process on this database (HUB_<KEY> for each setting)."""
        return server_env(
            ENV_NAME="development",
            DATABASE_URL=self.url,
            SECRET_KEY=self.secret,  # the same in every process: a cookie from one works on all
            STORAGE_DIR=str(self.folder / "storage"),
            **settings,
        )


@contextlib.contextmanager
def live_database(
    folder: Path, label: str, secret: str, token_holders: list[str]
) -> Iterator[LiveDatabase]:
    """A fresh SQLite file in folder, or — when HUB_TEST_DATABASE_URL is PostgreSQL — a
    database `<name>_<label>` next to it (dropped afterwards); migrated (a copy of the
    run's migrated template, see tests.conftest.migrated_database), seeded with the
    demo, with an API token for each of token_holders."""
    from hub import create_app, db
    from hub.accounts import service as accounts
    from hub.demo.channel import seed_demo
    from hub.models import Person
    from tests.conftest import drop_postgres_database, migrated_database

    url, dropped = migrated_database(folder, label)
    live = LiveDatabase(url, secret, folder)
    app = create_app(
        {
            "ENV_NAME": "development",
            "DATABASE_URL": url,
            "SECRET_KEY": secret,
            "INSTANCE_PATH": str(folder / "instance"),
            "STORAGE_DIR": str(folder / "storage"),
            "SOCKETIO_MESSAGE_QUEUE": None,  # this process serves no sockets
        }
    )
    try:
        with app.app_context():
            seed_demo()
            db.session.commit()
            for email in token_holders:
                person = db.session.scalar(sa.select(Person).where(Person.email == email))
                live.tokens[email] = accounts.create_api_token(person, f"{label} test").secret
                live.ids[email] = person.id
            db.session.commit()
    finally:
        app.extensions["hub.db"]["engine"].dispose()
    try:
        yield live
    finally:
        if dropped:
            drop_postgres_database(*dropped)


def run_cli(env: dict[str, str], *args: str, timeout: float = 60) -> str:
    """Run `flask --app wsgi hub ARGS…` in its own process; return its output or fail."""
    done = subprocess.run(
        [FLASK, "--app", "wsgi", "hub", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"`hub {' '.join(args)}` failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def server_env(**settings: str) -> dict[str, str]:
    """This process's environment without HUB_* settings, plus the given ones as HUB_<KEY>."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "FLASK_"))}
    env.update({f"HUB_{key}": value for key, value in settings.items()})
    env["PYTHONUNBUFFERED"] = "1"
    return env


class EventSocket:
    """A real python-socketio client (long-polling, as any client may fall back to) that
    records the payloads of the events it is told to, and how it was disconnected."""

    EVENTS: tuple[str, ...] = ("notification",)

    def __init__(self, events: tuple[str, ...] | None = None):
        import socketio as socketio_client

        self.http = requests.Session()  # ours, so it is closed (no ResourceWarning)
        self.client = socketio_client.Client(reconnection=False, http_session=self.http)
        self.events: dict[str, list[dict]] = {name: [] for name in (events or self.EVENTS)}
        self.disconnected = threading.Event()
        self.disconnect_reason: str | None = None
        self._arrived = threading.Condition()
        for name in self.events:
            self.client.on(name, functools.partial(self._record, name))
        self.client.on("disconnect", self._on_disconnect)

    def connect(self, url: str, *, token: str | None = None, headers=None, timeout=20):
        """Connect (and return self), or raise socketio.exceptions.ConnectionError."""
        self.client.connect(
            url,
            headers=headers or {},
            auth={"token": token} if token else None,
            transports=["polling"],
            wait_timeout=timeout,
        )
        return self

    @property
    def connected(self) -> bool:
        return self.client.connected

    def _record(self, name: str, payload) -> None:
        with self._arrived:
            self.events[name].append(payload)
            self._arrived.notify_all()

    def _on_disconnect(self, reason=None):
        self.disconnect_reason = reason
        self.disconnected.set()

    def call(self, event: str, data, timeout: float = 20):
        """Send an event and return its acknowledgement."""
        return self.client.call(event, data, timeout=timeout)

    def received(self, name: str) -> list:
        with self._arrived:
            return list(self.events[name])

    def wait_event(self, name: str, predicate, timeout: float = 20):
        """The first `name` payload that satisfies predicate, once it has arrived (or None)."""

        def found():
            return next((p for p in self.events[name] if predicate(p)), None)

        with self._arrived:
            self._arrived.wait_for(found, timeout)
            return found()

    def close(self) -> None:
        self.client.shutdown()
        self.http.close()


class LiveSocket(EventSocket):
    """An EventSocket for notifications, found by their text."""

    def texts(self) -> list[str]:
        return [note.get("text") for note in self.received("notification")]

    def wait_for(self, text: str, timeout: float = 20) -> dict | None:
        """The notification with this text once it has arrived, or None after timeout."""
        return self.wait_event("notification", lambda n: n.get("text") == text, timeout)


_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def page_csrf_token(http, url: str) -> str:
    """The CSRF token a browser would find on the page at url."""
    response = http.get(url, timeout=20)
    match = _CSRF.search(response.text)
    assert match, f"no CSRF token on {url} ({response.status_code})"
    return next(g for g in match.groups() if g)


def sign_in_over_http(http, base_url: str, email: str, password: str) -> None:
    """Sign in with the login form, as a browser does; http keeps the session cookie."""
    token = page_csrf_token(http, f"{base_url}/login")
    response = http.post(
        f"{base_url}/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=20,
    )
    assert response.status_code == 303, f"sign-in as {email} failed ({response.status_code})"
