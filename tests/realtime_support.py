"""Helpers for socket tests: an in-process Socket.IO test client that behaves like a
server, and a small cluster of real server processes sharing a Redis message queue."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
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


class LiveSocket:
    """A real python-socketio client (long-polling, as any client may fall back to) that
    records the notifications it receives and how it was disconnected."""

    def __init__(self):
        import socketio as socketio_client

        self.http = requests.Session()  # ours, so it is closed (no ResourceWarning)
        self.client = socketio_client.Client(reconnection=False, http_session=self.http)
        self.received: list[dict] = []
        self.disconnected = threading.Event()
        self.disconnect_reason: str | None = None
        self._arrived = threading.Condition()
        self.client.on("notification", self._on_notification)
        self.client.on("disconnect", self._on_disconnect)

    def connect(self, url: str, *, token: str | None = None, headers=None, timeout=20) -> None:
        """Connect, or raise socketio.exceptions.ConnectionError when refused."""
        self.client.connect(
            url,
            headers=headers or {},
            auth={"token": token} if token else None,
            transports=["polling"],
            wait_timeout=timeout,
        )

    @property
    def connected(self) -> bool:
        return self.client.connected

    def _on_notification(self, payload):
        with self._arrived:
            self.received.append(payload)
            self._arrived.notify_all()

    def _on_disconnect(self, reason=None):
        self.disconnect_reason = reason
        self.disconnected.set()

    def texts(self) -> list[str]:
        with self._arrived:
            return [note.get("text") for note in self.received]

    def wait_for(self, text: str, timeout: float = 20) -> dict | None:
        """The notification with this text once it has arrived, or None after timeout."""

        def found():
            return next((n for n in self.received if n.get("text") == text), None)

        with self._arrived:
            self._arrived.wait_for(found, timeout)
            return found()

    def close(self) -> None:
        self.client.shutdown()
        self.http.close()


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
