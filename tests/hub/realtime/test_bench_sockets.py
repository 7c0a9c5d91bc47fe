"""The Socket.IO benchmark (`python -m bench.sockets`) at a tiny scale, so it cannot rot:
4 clients in 2 conversations, a second of load per phase, SQLite, real gunicorn servers
(the bare python-socketio one and the hub) and a real load process.

Only the benchmark's bookkeeping is checked — every message reaches the rest of its room
exactly once — never how fast anything was.
"""

from __future__ import annotations

import shutil

import pytest

from bench import sockets
from tests.conftest import service_unavailable

TINY = [
    "--clients", "4",
    "--conversations", "2",
    "--scale", "0.01",
    "--warmup", "0.5",
    "--duration", "1",
    "--paced-duration", "1",
    "--rate", "4",
    "--drain", "60",
]  # fmt: skip


def run_tiny(tmp_path, *options: str) -> dict:
    return sockets.run(sockets.parse_args([*TINY, "--results-dir", str(tmp_path), *options]))


def assert_sane(mode: dict, room_size: int = 2) -> None:
    for kind in ("echo", "hub"):
        run = mode["runs"][kind]
        assert run["connect_seconds"] >= 0
        for phase in ("max", "paced"):
            row = run["phases"][phase]
            where = f"{mode['mode']} / {kind} / {phase}: {row}"
            assert row["clients"] == 4 and row["rooms"] == 2, where
            assert row["sent"] > 0, where
            assert row["acked_ok"] == row["sent"], where  # nothing refused or unanswered
            assert row["refused"] == {} and row["unanswered"] == 0, where
            assert row["deliveries"] == row["sent"] * (room_size - 1), where
            assert row["deliveries"] == row["expected_deliveries"], where
            assert row["echoes"] == row["sent"], where  # the sender's own copy, once
            assert row["stray"] == 0 and row["errors"] == 0, where
            assert 0 <= row["ack_p50_ms"] <= row["ack_p99_ms"], where
            assert 0 <= row["delivery_p50_ms"] <= row["delivery_p99_ms"], where
            assert row["delivery_p99_ms"] <= row["delivery_max_ms"], where
            assert row["messages_per_second"] > 0, where
            # CPU time is read in clock ticks (10 ms): a tiny run can measure none.
            assert row["server_cpu_ms_per_message"] >= 0, where
    for phase in ("max", "paced"):
        assert mode["ratios"][phase]["messages_per_second"] > 0
        assert mode["ratios"][phase]["delivery_p50_ms"] > 0


def test_one_process_delivers_every_message_to_the_rest_of_its_room(tmp_path):
    report = run_tiny(tmp_path, "--modes", "one")

    (mode,) = report["modes"]
    assert mode["servers"] == 1 and mode["message_queue"] is None
    assert_sane(mode)
    assert report["seed"]["counts"]["conversations"] == 2
    assert report["seed"]["counts"]["api_tokens"] == 4
    table = sockets.markdown(report)
    assert "| hub, closed loop |" in table and "| bare python-socketio, paced |" in table


@pytest.mark.redis
def test_two_processes_share_rooms_through_redis(tmp_path):
    if shutil.which("redis-server") is None:
        service_unavailable("redis-server (the benchmark starts a private one)")

    report = run_tiny(tmp_path, "--modes", "two")

    (mode,) = report["modes"]
    assert mode["servers"] == 2 and mode["message_queue"].startswith("redis")
    assert_sane(mode)  # each room has a client on either server: every message crossed Redis
