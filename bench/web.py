"""Start and stop gunicorn servers with the production configuration.

The command is the one the README documents for production:

    gunicorn --worker-class gthread --workers 1 --threads 50 --bind 127.0.0.1:PORT wsgi:app

(plus --no-control-socket where gunicorn has one, see _no_control_socket).
Each server runs in its own process group, started here; stopping it signals that group
only (quick shutdown, then kill after a grace period).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKER_CLASS = "gthread"
WORKERS = 1
THREADS = 50


def gunicorn_command(target: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        WORKER_CLASS,
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--bind",
        f"{HOST}:{port}",
        *_no_control_socket(),
        target,
    ]


def _no_control_socket() -> list[str]:
    """gunicorn ≥ 25 opens a control socket at one fixed path per user by default; two
    servers side by side (or someone else's) would fight over it. It plays no part in
    serving requests."""
    from gunicorn.config import KNOWN_SETTINGS

    if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS):
        return ["--no-control-socket"]
    return []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running gunicorn server (master process and its worker)."""

    name: str
    target: str
    port: int
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return gunicorn_command(self.target, self.port)

    def start(self, ready_path: str = "/", timeout: float = 60.0) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        try:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self._environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, so stop() reaches the worker
            )
        finally:
            log.close()
        self._wait_ready(ready_path, timeout)
        return self

    def _environment(self) -> dict[str, str]:
        """This process's environment without any HUB_* setting, plus the server's own."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        return {**env, **self.env}

    def _wait_ready(self, path: str, timeout: float) -> None:
        """Ready once any HTTP answer comes back (a 404 is fine: pages may not exist yet)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} server exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
            try:
                conn.request("GET", path)
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
            finally:
                conn.close()
        raise RuntimeError(
            f"{self.name} server did not answer within {timeout:.0f}s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, grace: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            # The master only: it tells its worker. (Signalling the whole group makes the
            # worker get two signals at once, and it sometimes hangs in its shutdown.)
            process.send_signal(signal.SIGINT)  # gunicorn: quick shutdown
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        # A worker left behind in the group (master killed first) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def serving(server: Server, ready_path: str = "/"):
    """Run the server for the duration of the with-block; always stopped afterwards."""
    try:
        server.start(ready_path)
        yield server
    finally:
        server.stop()
