"""Socket.IO plumbing of the core: who is connected, their personal room, ending sockets,
presence (online / away / offline), and keeping the list of sockets true when a server
process dies without saying goodbye.

The rules only: the socket events (hub/realtime/events.py), sign-out (hub.accounts) and
the tick call these. Feature packages hook in with `on_presence_change` (announce a
person's presence where it is shown), `on_disconnect` (clean up after a socket, e.g.
leave its call) and `after_prune` (clean up after sockets a dead process left behind).

Presence: a person is online while one of their sockets is, away when every socket of
theirs said it is away (its page hidden or idle), offline with no socket. Which sockets
are away is not a column of socket_session: it lives in Redis when the processes share
one (HUB_SOCKETIO_MESSAGE_QUEUE), else in this process's memory.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app, g

from hub import db
from hub.db import utcnow
from hub.extensions import socketio
from hub.models import LoginSession, SocketSession
from hub.registry import Job, registry
from hub.security import token_hash

log = logging.getLogger(__name__)

ONLINE, AWAY, OFFLINE = "online", "away", "offline"
STALE_AFTER_BEATS = 5  # a socket row not refreshed for this many heartbeats is a dead one


def person_room(person_id: int) -> str:
    """The room every socket of one person joins (notifications, session end)."""
    return f"person:{person_id}"


def init_app(app: Flask) -> None:
    """Set up the sockets' state on the app: the features' hooks, where away sockets are
    kept, the heartbeat, and the job that prunes the rows of dead sockets."""
    app.extensions.setdefault("hub.realtime.hooks", {"presence": [], "disconnect": [], "prune": []})
    queue = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    app.extensions["hub.presence"] = _RedisPresence(queue) if queue else _MemoryPresence()
    app.extensions["hub.realtime.heartbeat"] = _Heartbeat(app)
    registry(app).add_job(Job("hub.prune-sockets", timedelta(minutes=1), prune_stale_sockets))


# --- Sockets opening and closing --------------------------------------------------------------


def socket_opened(person_id: int, sid: str, login_id: int | None, token_id: int | None) -> None:
    """Record a socket just accepted for the person (by a sign-in or an API token) and
    announce their presence if it changed."""
    before = presence_of([person_id])[person_id]
    now = utcnow()
    db.session.add(
        SocketSession(
            sid=sid,
            person_id=person_id,
            login_session_id=login_id,
            api_token_id=token_id,
            connected_at=now,
            last_seen_at=now,
        )
    )
    db.session.flush()
    presence_changed(person_id, before)


def socket_closed(sid: str, person_id: int | None, rooms: set[str]) -> None:
    """Forget a socket that closed; let features clean up after it (the call it was in),
    then announce the person's presence if it changed."""
    before = presence_of([person_id])[person_id] if person_id is not None else OFFLINE
    db.session.execute(sa.delete(SocketSession).where(SocketSession.sid == sid))
    _presence_store().forget(sid)
    if person_id is None:
        return
    for hook in _hooks()["disconnect"]:
        try:
            with db.session.begin_nested():
                hook(person_id, sid, rooms)
        except Exception:  # one feature's clean-up never blocks the others'
            log.exception("disconnect hook %r failed for socket %s", hook, sid)
    presence_changed(person_id, before)


def set_away(person_id: int, sid: str, *, away: bool) -> str:
    """One socket's page is hidden or idle (away), or in use again; returns the person's
    presence over all their sockets."""
    before = presence_of([person_id])[person_id]
    _presence_store().mark(sid, away=away)
    return presence_changed(person_id, before)


# --- Hooks for features -------------------------------------------------------------------


def _hooks(app: Flask | None = None) -> dict[str, list]:
    return (app or current_app).extensions["hub.realtime.hooks"]


def on_presence_change(app: Flask, hook) -> None:
    """hook(person_id, state) runs inside the transaction whose change moved a person's
    presence; push with db.on_commit so nothing is announced for work rolled back."""
    _hooks(app)["presence"].append(hook)


def on_disconnect(app: Flask, hook) -> None:
    """hook(person_id, sid, rooms) runs when a socket disconnects (rooms: those it was in,
    other than its own), inside the disconnect's transaction."""
    _hooks(app)["disconnect"].append(hook)


def after_prune(app: Flask, hook) -> None:
    """hook(now) runs after `prune_stale_sockets` removed the rows of dead sockets."""
    _hooks(app)["prune"].append(hook)


# --- Presence ----------------------------------------------------------------------------------


class _MemoryPresence:
    """Which sockets are away, for one process without a message queue."""

    def __init__(self):
        self._away: set[str] = set()
        self._lock = threading.Lock()

    def mark(self, sid: str, *, away: bool) -> None:
        with self._lock:
            (self._away.add if away else self._away.discard)(sid)

    def forget(self, sid: str) -> None:
        self.mark(sid, away=False)

    def away_among(self, sids) -> set[str]:
        with self._lock:
            return self._away & set(sids)


class _RedisPresence:
    """Which sockets are away, shared by every process on the message queue's Redis.

    Presence is a hint: when Redis can't be reached, sockets count as online and the
    problem is logged, never raised.
    """

    PREFIX = "hub:presence:away:"
    TTL = 24 * 3600  # a key outlives its socket only when its process died

    def __init__(self, url: str):
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def mark(self, sid: str, *, away: bool) -> None:
        try:
            if away:
                self._client.set(self.PREFIX + sid, b"1", ex=self.TTL)
            else:
                self._client.delete(self.PREFIX + sid)
        except Exception:
            log.warning("presence: cannot reach Redis", exc_info=True)

    def forget(self, sid: str) -> None:
        self.mark(sid, away=False)

    def away_among(self, sids) -> set[str]:
        sids = list(sids)
        if not sids:
            return set()
        try:
            values = self._client.mget([self.PREFIX + sid for sid in sids])
        except Exception:
            log.warning("presence: cannot reach Redis", exc_info=True)
            return set()
        return {sid for sid, value in zip(sids, values, strict=True) if value is not None}


def _presence_store():
    return current_app.extensions["hub.presence"]


def presence_of(person_ids) -> dict[int, str]:
    """Each person's presence: "online", "away" or "offline"."""
    ids = [i for i in dict.fromkeys(person_ids) if i is not None]
    if not ids:
        return {}
    sids: dict[int, list[str]] = defaultdict(list)
    for person_id, sid in db.session.execute(
        sa.select(SocketSession.person_id, SocketSession.sid).where(
            SocketSession.person_id.in_(ids)
        )
    ):
        sids[person_id].append(sid)
    away = _presence_store().away_among(sid for found in sids.values() for sid in found)
    states = {}
    for person_id in ids:
        mine = sids.get(person_id, [])
        states[person_id] = OFFLINE if not mine else AWAY if set(mine) <= away else ONLINE
    return states


def presence_changed(person_id: int, before: str) -> str:
    """Tell the presence hooks when the person's presence is no longer `before`."""
    after = presence_of([person_id])[person_id]
    if after != before:
        for hook in _hooks()["presence"]:
            hook(person_id, after)
    return after


# --- Liveness: the heartbeat and pruning ---------------------------------------------------------


def local_sids(server=None) -> list[str]:
    """The sids of the sockets this process holds (on `server`, by default the current one)."""
    server = server or socketio.server
    return [sid for sid, _eio in server.manager.get_participants("/", None)]


def refresh_sockets(sids, now: datetime | None = None) -> int:
    """Mark these sockets as alive (last_seen_at); returns how many rows were found."""
    sids = list(sids)
    now = now or utcnow()
    seen = 0
    for start in range(0, len(sids), 500):
        seen += db.session.execute(
            sa.update(SocketSession)
            .where(SocketSession.sid.in_(sids[start : start + 500]))
            .values(last_seen_at=now)
        ).rowcount
    return seen


class _Heartbeat:
    """Refreshes last_seen_at of this process's sockets every HUB_SOCKET_HEARTBEAT_SECONDS,
    so the rows of a process that died (SIGKILL, a crash: no disconnect handlers ran) are
    the only ones that go stale. Runs while the process holds sockets; started by a connect.

    Not run for an app bound to one connection (the tests' rolled-back transactions): a
    background writer would share that connection with the test's own thread.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.interval = int(app.config.get("SOCKET_HEARTBEAT_SECONDS") or 60)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ensure_running(self) -> None:
        if isinstance(self.app.extensions["hub.db"]["engine"], sa.Connection):
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run,
                    args=(socketio.server,),
                    name="hub-socket-heartbeat",
                    daemon=True,
                )
                self._thread.start()

    def _run(self, server) -> None:
        stop = threading.Event()
        while not stop.wait(self.interval):
            with self._lock:
                # Gone quiet, or another app took the Socket.IO server over (tests): stop.
                sids = local_sids(server) if socketio.server is server else []
                if not sids:
                    self._thread = None  # the next connect starts it again
                    return
            try:
                with self.app.app_context():
                    g.hub_write = True
                    refresh_sockets(sids)
                    db.session.commit()
            except Exception:
                log.warning("socket heartbeat failed", exc_info=True)


def ensure_heartbeat() -> None:
    """Keep this process's sockets marked alive (started by a connect)."""
    current_app.extensions["hub.realtime.heartbeat"].ensure_running()


def prune_stale_sockets(now: datetime) -> str:
    """Remove the rows of sockets not seen for STALE_AFTER_BEATS heartbeats — what a killed
    process leaves behind — then let features clean up (calls whose people all vanished)
    and announce the presence that changed. The `hub.prune-sockets` job, every minute."""
    beat = int(current_app.config.get("SOCKET_HEARTBEAT_SECONDS") or 60)
    cutoff = now - timedelta(seconds=STALE_AFTER_BEATS * beat)
    stale = db.session.execute(
        sa.select(SocketSession.sid, SocketSession.person_id).where(
            sa.func.coalesce(SocketSession.last_seen_at, SocketSession.connected_at) < cutoff
        )
    ).all()
    people = {person_id for _sid, person_id in stale}
    before = presence_of(people)
    if stale:
        db.session.execute(
            sa.delete(SocketSession).where(SocketSession.sid.in_([sid for sid, _ in stale]))
        )
        for sid, _person in stale:
            _presence_store().forget(sid)
    results = [f"{len(stale)} stale sockets pruned"]
    for hook in _hooks()["prune"]:
        result = hook(now)
        if result:
            results.append(result)
    for person_id in sorted(people):
        presence_changed(person_id, before[person_id])
    return "; ".join(results)


def disconnect_person(
    person_id: int,
    login_token: str | None = None,
    *,
    login_session_id: int | None = None,
    api_token_id: int | None = None,
) -> None:
    """Close the person's sockets once the change commits — all of them, or only those of
    one sign-in (by its token or id) or of one API token.

    The sids come from the database, and with a Redis message queue the disconnect
    reaches whichever process holds the socket.
    """
    stmt = sa.select(SocketSession.sid).where(SocketSession.person_id == person_id)
    if login_token:
        stmt = stmt.join(LoginSession, LoginSession.id == SocketSession.login_session_id).where(
            LoginSession.token_hash == token_hash(login_token)
        )
    if login_session_id is not None:
        stmt = stmt.where(SocketSession.login_session_id == login_session_id)
    if api_token_id is not None:
        stmt = stmt.where(SocketSession.api_token_id == api_token_id)
    sids = list(db.session.scalars(stmt))
    if not sids:
        return
    db.session.execute(sa.delete(SocketSession).where(SocketSession.sid.in_(sids)))
    app = current_app._get_current_object()
    server = app.extensions["socketio"].server

    def _close():
        # A socket held by this process is closed at once, and its disconnect handler runs
        # right here: give it a fresh app context (so its own database session), not the
        # session that is just finishing its commit, which can no longer run SQL.
        with app.app_context():
            for sid in sids:
                try:
                    server.disconnect(sid, namespace="/")
                except Exception:  # never fail the committed change over a socket
                    log.warning("closing socket %s failed", sid, exc_info=True)

    db.on_commit(_close)
