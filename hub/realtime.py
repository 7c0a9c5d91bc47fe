"""Socket.IO plumbing of the core: who is connected, their personal room, ending sockets.

Feature packages add their own events in `events.py`, wrapped in `authenticated_only`,
which checks the person on every event and commits the event's work once.
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
from hub.db import utcnow
from hub.extensions import socketio
from hub.models import ApiToken, LoginSession, Person, SocketSession
from hub.security import token_hash

log = logging.getLogger(__name__)


def person_room(person_id: int) -> str:
    """The room every socket of one person joins (notifications, session end)."""
    return f"person:{person_id}"


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


@socketio.on("connect")
def _on_connect(auth=None):
    """Accept a socket signed in by session cookie or by `auth: {token}`; refuse others."""
    from hub import accounts  # the rules module imports this one

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
    db.session.add(
        SocketSession(
            sid=request.sid, person_id=person.id, login_session_id=login_id, api_token_id=token_id
        )
    )
    db.session.commit()
    join_room(person_room(person.id))


@socketio.on("disconnect")
def _on_disconnect(*_args):
    g.hub_write = True
    db.session.execute(sa.delete(SocketSession).where(SocketSession.sid == request.sid))
    db.session.commit()


def init_app(app: Flask) -> None:
    """Attach the core handlers to this app's Socket.IO server (call after socketio.init_app).

    The decorators above run once, at first import — which happens inside the first
    create_app, after its socketio.init_app — so they reach only that first server. A
    second app in the same process (tests) would otherwise accept every socket, signed in
    or not. Registering again is harmless: the handler is simply replaced.
    """
    socketio.on_event("connect", _on_connect)
    socketio.on_event("disconnect", _on_disconnect)


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
