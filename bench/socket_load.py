"""A Socket.IO load process: many python-socketio AsyncClients (WebSocket only) in one
asyncio loop, driven by bench/sockets.py over stdin/stdout, one JSON object per line.

    → {"clients": [{"url", "token", "conversation_id", "room"}, …], "origin": true, "tag": "…"}
    ← {"event": "ready", "connect_seconds": …}         all connected and joined
    → {"cmd": "run", "phase": "max" | "paced", "start_at": <epoch>, "warmup": s,
       "duration": s, "rate": msg/s (paced), "drain": s, "rate_limit": [n, s] | null}
    ← {"event": "result", …counts and latency samples…}
    → {"cmd": "quit"}
    ← {"event": "bye"}

Each client is one person's socket: it connects with `auth: {token}` (and an `Origin`
header naming the server, as a browser's page would send), joins its conversation with
`conversation:join`, and takes its turn sending `message:send` with a fresh
`client_msg_id`. Every client of a room is in this process, so one clock times both ends:
delivery latency is from just before the sender's emit to the `message:new` arriving at
each *other* client of the room; the sender's own copy is counted, not timed.

Phases (only messages sent inside the measured window count):
- `max`: closed loop, one message in flight per room; the next is sent when the last is
  acknowledged — the most the server takes with as many rooms busy at once.
- `paced`: open loop at a fixed total rate spread evenly over the rooms — the latency at a
  given load.

With `rate_limit` [n, seconds] each person sends at most n messages in that many seconds
(the hub refuses more); a room whose people have all used up their budget waits.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import random
import sys
import time
from dataclasses import dataclass, field

import aiohttp
import socketio

# Handshakes in flight at once. Kept under the hub's smallest database pool (SQLite: 5 + 10
# overflow): a first connect with a token holds one pooled connection while its on-commit
# hook (stamping the token's last use) checks out a second, so 15 at once can deadlock the
# pool for its 30 s timeout (see docs/performance.md).
CONNECT_CONCURRENCY = 10
CONNECT_TIMEOUT = 60.0  # seconds for one client to connect and join
ACK_TIMEOUT = 30.0  # seconds to wait for one acknowledgement in the closed loop


@dataclass(eq=False)
class Sent:
    """One message this process sent and what became of it."""

    room: Room
    sender: Member
    t0: float
    measured: bool
    t_ack: float | None = None
    ok: bool | None = None
    error: str = ""
    delivery_ms: list[float] = field(default_factory=list)  # at the room's other clients
    echoes: int = 0  # copies that came back to the sender's own socket
    answered: asyncio.Future | None = None  # set when the acknowledgement comes (closed loop)

    @property
    def expected(self) -> int:
        return len(self.room.members) - 1

    def settled(self) -> bool:
        if self.ok is None:
            return False
        return not self.ok or (len(self.delivery_ms) >= self.expected and self.echoes >= 1)


@dataclass(eq=False)
class Member:
    index: int
    url: str
    token: str
    conversation_id: int
    room: Room | None = None
    client: socketio.AsyncClient | None = None
    recent_sends: collections.deque = field(default_factory=collections.deque)


@dataclass(eq=False)
class Room:
    index: int
    conversation_id: int
    members: list[Member] = field(default_factory=list)
    turn: int = 0


class Load:
    def __init__(self, spec: dict):
        self.tag = spec.get("tag") or f"{random.getrandbits(32):08x}"
        self.origin = spec.get("origin", True)
        self.members: list[Member] = []
        self.rooms: dict[int, Room] = {}
        for i, c in enumerate(spec["clients"]):
            member = Member(i, c["url"], c["token"], c["conversation_id"])
            room = self.rooms.setdefault(c["room"], Room(c["room"], c["conversation_id"]))
            member.room = room
            room.members.append(member)
            self.members.append(member)
        self.sent: dict[str, Sent] = {}
        self.stray = 0  # message:new for messages this process did not send
        self.phase_count = 0
        self.rate_limit: list | None = None
        self.http: aiohttp.ClientSession | None = None

    # --- connecting ------------------------------------------------------------------

    async def connect_all(self) -> float:
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        started = time.perf_counter()
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(member: Member):
            async with gate:
                await asyncio.wait_for(self._connect(member), CONNECT_TIMEOUT)

        await asyncio.gather(*(one(m) for m in self.members))
        return time.perf_counter() - started

    async def _connect(self, member: Member) -> None:
        client = socketio.AsyncClient(
            reconnection=False, http_session=self.http, handle_sigint=False
        )
        member.client = client
        client.on("message:new", lambda payload, m=member: self._on_new(m, payload))
        headers = {"Origin": member.url} if self.origin else {}
        await client.connect(
            member.url,
            headers=headers,
            auth={"token": member.token},
            transports=["websocket"],
            wait_timeout=CONNECT_TIMEOUT,
        )
        answer = await client.call(
            "conversation:join",
            {"conversation_id": member.conversation_id, "after_seq": 0},
            timeout=CONNECT_TIMEOUT,
        )
        if not (isinstance(answer, dict) and answer.get("ok")):
            raise RuntimeError(f"conversation:join refused for client {member.index}: {answer}")

    async def close_all(self) -> None:
        async def one(member: Member):
            if member.client is not None and member.client.connected:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(member.client.disconnect(), 10)

        await asyncio.gather(*(one(m) for m in self.members))
        if self.http is not None:
            await self.http.close()

    # --- receiving -------------------------------------------------------------------

    def _on_new(self, member: Member, payload) -> None:
        now = time.perf_counter()
        try:
            client_msg_id = payload["message"]["client_msg_id"]
        except (KeyError, TypeError):
            self.stray += 1
            return
        sent = self.sent.get(client_msg_id)
        if sent is None:
            self.stray += 1
        elif member is sent.sender:
            sent.echoes += 1
        else:
            sent.delivery_ms.append((now - sent.t0) * 1000)

    # --- sending ---------------------------------------------------------------------

    async def _send(
        self, room: Room, member: Member, phase: str, measured: bool, wait: bool = False
    ) -> Sent:
        """Emit one message:send; the returned Sent fills in when the answer comes."""
        self.phase_count += 1
        client_msg_id = f"b-{self.tag}-{phase}-{room.index}-{self.phase_count}"
        sent = Sent(room, member, time.perf_counter(), measured)
        if wait:
            sent.answered = asyncio.get_running_loop().create_future()
        self.sent[client_msg_id] = sent
        member.recent_sends.append(sent.t0)

        def on_ack(answer=None):
            sent.t_ack = time.perf_counter()
            sent.ok = isinstance(answer, dict) and bool(answer.get("ok"))
            if not sent.ok:
                sent.error = str(answer.get("error") if isinstance(answer, dict) else answer)
            if sent.answered is not None and not sent.answered.done():
                sent.answered.set_result(None)

        await member.client.emit(
            "message:send",
            {
                "conversation_id": room.conversation_id,
                "client_msg_id": client_msg_id,
                "body": f"Benchmark message {self.phase_count} in room {room.index}.",
            },
            callback=on_ack,
        )
        return sent

    @staticmethod
    def _next_sender(room: Room, rate_limit, now: float) -> tuple[Member | None, float]:
        """The room's next person in turn who may send now, or None and when one may."""
        if not rate_limit:
            member = room.members[room.turn % len(room.members)]
            room.turn += 1
            return member, now
        limit, window = rate_limit
        soonest = float("inf")
        for _ in range(len(room.members)):
            member = room.members[room.turn % len(room.members)]
            room.turn += 1
            sends = member.recent_sends
            while sends and sends[0] <= now - window:
                sends.popleft()
            if len(sends) < limit:
                return member, now
            soonest = min(soonest, sends[0] + window)
        return None, soonest

    async def _closed_loop(self, room: Room, phase: str, window, waits: list):
        measure_from, measure_until = window
        while True:
            now = time.perf_counter()
            if now >= measure_until:
                return
            member, when = self._next_sender(room, self.rate_limit, now)
            if member is None:
                waits.append(when - now)
                await asyncio.sleep(max(0.0, min(when, measure_until) - now))
                continue
            sent = await self._send(room, member, phase, now >= measure_from, wait=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(sent.answered), ACK_TIMEOUT)
            if sent.ok is False:
                await asyncio.sleep(0.2)  # refused: don't spin on refusals

    async def _paced_loop(self, room: Room, phase: str, window, interval: float, start, waits):
        measure_from, measure_until = window
        t_next = start + random.random() * interval  # rooms spread over the interval
        while t_next < measure_until:
            delay = t_next - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            now = time.perf_counter()
            member, when = self._next_sender(room, self.rate_limit, now)
            if member is None:
                waits.append(when - now)
                t_next = max(t_next + interval, when)
                continue
            await self._send(room, member, phase, t_next >= measure_from)
            t_next += interval

    # --- one phase -------------------------------------------------------------------

    async def run(self, cmd: dict) -> dict:
        phase = cmd["phase"]
        self.rate_limit = cmd.get("rate_limit")
        self.sent = {}
        start = time.perf_counter() + (cmd["start_at"] - time.time())
        measure_from = start + cmd["warmup"]
        measure_until = measure_from + cmd["duration"]
        window = (measure_from, measure_until)
        waits: list[float] = []
        stray_before = self.stray
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        cpu0 = time.process_time()
        rooms = list(self.rooms.values())
        if phase == "max":
            loops = [self._closed_loop(r, phase, window, waits) for r in rooms]
        else:
            interval = cmd["total_rooms"] / cmd["rate"]  # the total rate, spread evenly
            loops = [self._paced_loop(r, phase, window, interval, start, waits) for r in rooms]
        await asyncio.gather(*loops)
        await asyncio.sleep(max(0.0, measure_until - time.perf_counter()))  # a quiet room too
        sending_ended = time.perf_counter()
        drain_until = sending_ended + cmd["drain"]
        while time.perf_counter() < drain_until:
            if all(s.settled() for s in self.sent.values() if s.measured):
                break
            await asyncio.sleep(0.05)
        cpu = time.process_time() - cpu0
        drained = time.perf_counter() - sending_ended
        return self._result(phase, window, cpu, drained, waits, stray_before)

    def _result(self, phase, window, cpu, drained, waits, stray_before) -> dict:
        measure_from, measure_until = window
        measured = [s for s in self.sent.values() if s.measured]
        ok = [s for s in measured if s.ok]
        # Throughput counts the acknowledgements that came inside the window, whenever
        # their message was sent: an overloaded server's backlog does not count.
        acked_in_window = sum(
            1
            for s in self.sent.values()
            if s.ok and s.t_ack is not None and measure_from <= s.t_ack < measure_until
        )
        refusals: dict[str, int] = {}
        for s in measured:
            if s.ok is False:
                refusals[s.error] = refusals.get(s.error, 0) + 1
        return {
            "event": "result",
            "phase": phase,
            "clients": len(self.members),
            "rooms": len(self.rooms),
            "sent": len(measured),
            "sent_all": len(self.sent),  # warm-up included
            "acked_all": sum(1 for s in self.sent.values() if s.ok),
            "acked_ok": len(ok),
            "acked_in_window": acked_in_window,
            "refused": refusals,
            "unanswered": sum(1 for s in measured if s.ok is None),
            "deliveries": sum(len(s.delivery_ms) for s in ok),
            "expected_deliveries": sum(s.expected for s in ok),
            "echoes": sum(s.echoes for s in ok),
            "ack_ms": [round((s.t_ack - s.t0) * 1000, 3) for s in ok],
            "delivery_ms": [round(ms, 3) for s in ok for ms in s.delivery_ms],
            "stray": self.stray - stray_before,
            "rate_limit_waits": len(waits),
            "cpu_seconds": round(cpu, 3),
            "drain_seconds": round(drained, 3),
        }


def _say(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def _main() -> int:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)  # the spec line is long
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    spec = json.loads(await reader.readline())
    load = Load(spec)
    try:
        try:
            seconds = await load.connect_all()
        except Exception as exc:
            _say({"event": "error", "error": f"{type(exc).__name__}: {exc}"})
            return 1
        _say({"event": "ready", "connect_seconds": round(seconds, 2)})
        while line := await reader.readline():
            cmd = json.loads(line)
            if cmd["cmd"] == "run":
                _say(await load.run(cmd))
            elif cmd["cmd"] == "quit":
                break
    finally:
        await load.close_all()
    _say({"event": "bye"})
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
