"""The core's socket events: accepting a socket (session cookie or API token), forgetting
it when it closes, a socket's `presence`; and `authenticated_only`, the decorator every
feature's socket handler wears.

Feature packages add their own events in their `events.py`, wrapped in
`authenticated_only`, which checks the person on every event and commits the event's
work once. The rules behind these handlers (sockets, presence, hooks) are in
hub.realtime.service.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room

from hub import db
from hub.accounts import service as accounts
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.extensions import socketio
from hub.models import ApiToken, LoginSession, Person
from hub.realtime import service as realtime
from hub.realtime.service import AWAY, ONLINE, person_room
from hub.security import token_hash

log = logging.getLogger(__name__)


def socket_person() -> Person | None:
    """The person behind the current socket event, re-checked against the database."""
    person_id = session.get("socket_person_id")
    if person_id is None:
        return None
    person = db.session.get(Person, person_id)
    if person is None or not person.active:
        return None
    login_id = session.get("socket_login_id")
    if login_id is not None:
        hours = current_app.config["SESSION_HOURS"]
        live = db.session.scalar(
            sa.select(LoginSession.id).where(
                LoginSession.id == login_id,
                LoginSession.ended_at.is_(None),
                LoginSession.created_at > utcnow() - timedelta(hours=hours),  # as load_session
            )
        )
        if live is None:
            return None
    token_id = session.get("socket_token_id")
    if token_id is not None:
        live = db.session.scalar(
            sa.select(ApiToken.id).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        )
        if live is None:
            return None
    return person


def authenticated_only(handler):
    """Run a socket handler only for a signed-in, active person; commit its work once.

    Answers `{ok: false, error}` to the acknowledgement otherwise, and rolls back
    on any exception.
    """

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        g.hub_write = True
        person = socket_person()
        if person is None:
            return {"ok": False, "error": "Not signed in, or the session has ended."}
        try:
            result = handler(person, *args, **kwargs)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise

    return wrapper


def answers_refusals(*refusals: type[Exception]):
    """Decorate a socket handler (inside `authenticated_only`) so that these exceptions
    become the answer `{ok: false, error}`, rolling back whatever the event began. A
    ValidationFailed answers with all its sentences, anything else with its message."""

    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(person: Person, *args):
            try:
                return handler(person, *args)
            except refusals as exc:
                db.session.rollback()
                if isinstance(exc, ValidationFailed):
                    sentences = [s for messages in exc.problems.values() for s in messages]
                    return {"ok": False, "error": " ".join(sentences)}
                return {"ok": False, "error": str(exc)}

        return wrapper

    return decorate


def _on_connect(auth=None):
    """Accept a socket signed in by session cookie or by `auth: {token}`; refuse others."""
    g.hub_write = True
    person, login_id, token_id = None, None, None
    if isinstance(auth, dict) and auth.get("token"):
        secret = str(auth["token"])
        person = accounts.person_for_api_token(secret)
        if person is not None:
            token_id = db.session.scalar(
                sa.select(ApiToken.id).where(ApiToken.token_hash == token_hash(secret))
            )
    elif current_user.is_authenticated:
        person = current_user._get_current_object()
        login_id = db.session.scalar(
            sa.select(LoginSession.id).where(
                LoginSession.token_hash == token_hash(person.login_token)
            )
        )
    if person is None:
        db.session.rollback()
        raise ConnectionRefusedError("authentication required")
    session["socket_person_id"] = person.id
    session["socket_login_id"] = login_id
    session["socket_token_id"] = token_id
    realtime.socket_opened(person.id, request.sid, login_id, token_id)
    db.session.commit()
    join_room(person_room(person.id))
    realtime.ensure_heartbeat()


def _on_disconnect(*_args):
    """Forget the socket; let features clean up after it (its call); announce presence."""
    g.hub_write = True
    sid = request.sid
    realtime.socket_closed(sid, session.get("socket_person_id"), _rooms_of(sid))
    db.session.commit()


def _rooms_of(sid: str) -> set[str]:
    """The rooms a socket is in. python-socketio walks its room table without a lock, so a
    disconnect racing others can see it change mid-walk (RuntimeError); try again."""
    for _attempt in range(5):
        try:
            return set(socketio.server.manager.get_rooms(sid, "/")) - {sid, None}
        except RuntimeError:
            continue
    log.warning("could not read the rooms of socket %s; its clean-up skips them", sid)
    return set()


@authenticated_only
def _on_presence(person: Person, payload=None):
    """`presence` {state: "online" | "away"} → {ok, state}: this socket's page is in use, or
    hidden / idle. `state` in the answer is the person's presence over all their sockets."""
    state = payload.get("state") if isinstance(payload, dict) else None
    if state not in (ONLINE, AWAY):
        return {"ok": False, "error": 'Send {"state": "online"} or {"state": "away"}.'}
    return {"ok": True, "state": realtime.set_away(person.id, request.sid, away=state == AWAY)}


def init_app(app: Flask) -> None:
    """Attach the core handlers to this app's Socket.IO server (call after socketio.init_app),
    and set up the sockets' rules (hub.realtime.service.init_app).

    Registered here, not with decorators at import: a module is imported once, inside the
    first create_app, so decorators would reach only that first server, and a second app in
    the same process (tests) would accept every socket, signed in or not. Registering
    again is harmless: the handler is simply replaced.
    """
    realtime.init_app(app)
    socketio.on_event("connect", _on_connect)
    socketio.on_event("disconnect", _on_disconnect)
    socketio.on_event("presence", _on_presence)
