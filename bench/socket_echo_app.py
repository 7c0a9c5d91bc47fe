"""The Socket.IO baseline: a bare python-socketio server doing what the hub's chat does,
minus everything the hub adds (Flask, sign-in checks, the database).

    gunicorn --worker-class gthread --workers 1 --threads N … bench.socket_echo_app:app

It speaks the same events as the hub (docs/realtime.md) so the same load drives both:
`connect` wants an `auth` token (any non-empty one) and puts the socket in a personal
room; `conversation:join` enters the conversation's room; `message:send` numbers the
message, broadcasts `message:new` to the room (the sender's socket included, as the hub
does) and answers `{ok, message}` in the hub's message shape. Same async mode (threading)
and server stack (gunicorn gthread, simple-websocket) as the hub in production; with
BENCH_ECHO_MESSAGE_QUEUE=redis://… several processes share rooms through Redis, as the
hub does with HUB_SOCKETIO_MESSAGE_QUEUE.
"""

from __future__ import annotations

import itertools
import os
import threading
from datetime import UTC, datetime

import socketio

QUEUE = os.environ.get("BENCH_ECHO_MESSAGE_QUEUE") or None

sio = socketio.Server(
    async_mode="threading",
    client_manager=socketio.RedisManager(QUEUE, channel="bench-echo") if QUEUE else None,
    max_http_buffer_size=1_000_000,  # the hub's limit
    logger=False,
    engineio_logger=False,
)
app = socketio.WSGIApp(sio)

_ids = itertools.count(1)
_seqs: dict[int, itertools.count] = {}
_lock = threading.Lock()


@sio.event
def connect(sid, environ, auth=None):
    token = auth.get("token") if isinstance(auth, dict) else None
    if not token:
        raise socketio.exceptions.ConnectionRefusedError("authentication required")
    sio.enter_room(sid, f"person:{token[-12:]}")


@sio.on("conversation:join")
def join(sid, payload=None):
    conversation_id = payload.get("conversation_id") if isinstance(payload, dict) else None
    if not isinstance(conversation_id, int):
        return {"ok": False, "error": "No such conversation, or you may not see it."}
    sio.enter_room(sid, f"conversation:{conversation_id}")
    return {"ok": True, "messages": [], "more": False}


@sio.on("message:send")
def send(sid, payload=None):
    if not isinstance(payload, dict) or not isinstance(payload.get("conversation_id"), int):
        return {"ok": False, "error": "No such conversation, or you may not see it."}
    conversation_id = payload["conversation_id"]
    with _lock:
        seq = next(_seqs.setdefault(conversation_id, itertools.count(1)))
        message_id = next(_ids)
    message = {
        "id": message_id,
        "seq": seq,
        "conversation_id": conversation_id,
        "client_msg_id": payload.get("client_msg_id"),
        "kind": "text",
        "author": {"id": 0, "name": "Echo"},
        "body": payload.get("body"),
        "created_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z",
    }
    sio.emit("message:new", {"message": message}, to=f"conversation:{conversation_id}")
    return {"ok": True, "message": message}
