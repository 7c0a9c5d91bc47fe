"""The socket core in one process: who may connect, personal rooms, notifications after
commit, sockets closed by sign-out and deactivation, and `authenticated_only`.

Sockets use Flask-SocketIO's test client (`ServerSideSocketClient`, see
tests/realtime_support.py) sharing the cookies of a Flask test client, so a socket is
signed in exactly when its browser tab would be. The same behaviour across real server
processes and Redis is in test_multiprocess.py.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.accounts import service as accounts
from hub.db import utcnow
from hub.extensions import socketio
from hub.models import LoginSession, Notification, SocketSession
from hub.notifications import notify
from hub.realtime.events import authenticated_only
from hub.realtime.service import person_room
from hub.security import token_hash
from tests import realtime_support
from tests.conftest import post_form, sign_in
from tests.realtime_support import ROOT, server_env

open_socket = realtime_support.open_socket  # the shared fixture


@pytest.fixture
def signed_in(app, open_socket):
    """signed_in(person): a new browser (test client) signed in as person, and its socket."""

    def _signed_in(person):
        browser = app.test_client()
        login_token = sign_in(browser, person)
        return browser, open_socket(browser), login_token

    return _signed_in


def socket_rows(person) -> list[SocketSession]:
    return list(
        db.session.scalars(sa.select(SocketSession).where(SocketSession.person_id == person.id))
    )


def room_members(room: str) -> set[str]:
    """The sids the server holds in a room (what an emit to the room reaches)."""
    return set(socketio.server.manager.rooms.get("/", {}).get(room, {}))


def unique_event() -> str:
    return f"test:{uuid.uuid4().hex[:8]}"


# --- Connecting ------------------------------------------------------------------------


def test_a_signed_in_person_connects_into_their_own_room(channel, signed_in):
    person = channel.people["dealer_marketer"]
    _browser, sock, login_token = signed_in(person)

    assert sock.is_connected()
    assert set(socketio.server.manager.get_rooms(sock.sid, "/")) == {
        sock.sid,
        person_room(person.id),
    }
    (row,) = socket_rows(person)
    login = db.session.scalar(
        sa.select(LoginSession).where(LoginSession.token_hash == token_hash(login_token))
    )
    assert row.sid == sock.sid and row.login_session_id == login.id


def test_a_socket_closed_by_its_client_is_forgotten(channel, signed_in):
    person = channel.people["dealer_marketer"]
    _browser, sock, _ = signed_in(person)
    sid = sock.sid

    sock.disconnect()

    assert socket_rows(person) == []
    assert room_members(person_room(person.id)) == set()
    assert not socketio.server.manager.is_connected(sid, "/")


def test_an_anonymous_socket_is_refused(app, channel, client, open_socket):
    with_cookies = open_socket(client)  # a browser that never signed in
    bare = open_socket()

    assert not with_cookies.is_connected()
    assert not bare.is_connected()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SocketSession)) == 0


def test_the_cookie_of_an_ended_sign_in_is_refused(channel, app, open_socket):
    person = channel.people["dealer_marketer"]
    browser = app.test_client()
    login_token = sign_in(browser, person)
    accounts.end_session(login_token)  # e.g. signed out from the sessions page
    db.session.flush()

    assert not open_socket(browser).is_connected()


def test_a_valid_api_token_connects(channel, open_socket):
    person = channel.people["dealer_marketer"]
    secret = accounts.create_api_token(person, "socket client").secret

    sock = open_socket(auth={"token": secret})

    assert sock.is_connected()
    (row,) = socket_rows(person)
    assert row.sid == sock.sid and row.login_session_id is None
    assert person_room(person.id) in socketio.server.manager.get_rooms(sock.sid, "/")


@pytest.mark.parametrize("which", ["bogus", "unprefixed", "revoked", "deactivated"])
def test_an_invalid_token_is_refused(channel, open_socket, client, which):
    person = channel.people["dealer_marketer"]
    issued = accounts.create_api_token(person, "socket client")
    secret = issued.secret
    if which == "bogus":
        secret = secret[:-6] + "xxxxxx"
    elif which == "unprefixed":
        secret = "not-a-hub-token"
    elif which == "revoked":
        accounts.revoke_api_token(person, issued.token)
    else:
        person.active = False
    db.session.flush()

    sock = open_socket(auth={"token": secret})

    assert not sock.is_connected()
    assert socket_rows(person) == []


def test_a_token_is_not_helped_by_a_signed_in_cookie(channel, open_socket, app):
    """A bad token is refused even from a browser that is signed in: auth is explicit."""
    person = channel.people["dealer_marketer"]
    browser = app.test_client()
    sign_in(browser, person)

    assert not open_socket(browser, auth={"token": "phub_nonsense"}).is_connected()


# --- Notifications ---------------------------------------------------------------------


def test_a_notification_arrives_only_after_the_transaction_commits(channel, signed_in):
    a = channel.people["dealer_marketer"]
    _b, sock_a, _ = signed_in(a)

    note = notify(a.id, "campaign.approved", "Your spring campaign is approved", "/campaigns/7")
    assert sock_a.get_received() == []  # flushed, not committed: nothing leaves the server

    db.session.commit()  # in tests: releases the test's savepoint and fires after_commit

    assert sock_a.get_received() == [
        {
            "name": "notification",
            "args": [
                {
                    "id": note.id,
                    "kind": "campaign.approved",
                    "text": "Your spring campaign is approved",
                    "url": "/campaigns/7",
                }
            ],
            "namespace": "/",
        }
    ]


def test_a_notification_reaches_only_its_person_on_every_of_their_sockets(
    channel, signed_in, open_socket
):
    a = channel.people["dealer_marketer"]
    colleague = channel.people["partner_staff"]  # same dealer
    b = channel.people["other_marketer"]  # another organisation
    _, a_browser_tab, _ = signed_in(a)
    a_integration = open_socket(auth={"token": accounts.create_api_token(a, "crm").secret})
    _, colleague_sock, _ = signed_in(colleague)
    _, b_sock, _ = signed_in(b)

    note = notify(a.id, "test", "For A only")
    db.session.commit()

    expected = [{"id": note.id, "kind": "test", "text": "For A only", "url": ""}]
    assert a_browser_tab.notifications() == expected
    assert a_integration.notifications() == expected
    assert colleague_sock.get_received() == []
    assert b_sock.get_received() == []


def test_rolled_back_work_notifies_no_one(channel, signed_in):
    a = channel.people["dealer_marketer"]
    _, sock, _ = signed_in(a)
    db.session.commit()  # keep the fixtures: the rollback below must only undo the notification

    notify(a.id, "test", "This never happened")
    db.session.rollback()
    kept = notify(a.id, "test", "This did")
    db.session.commit()

    assert [n["text"] for n in sock.notifications()] == ["This did"]
    texts = db.session.scalars(sa.select(Notification.text).where(Notification.person_id == a.id))
    assert list(texts) == ["This did"]
    assert kept.id is not None


def test_notifications_of_one_transaction_arrive_in_order(channel, signed_in):
    a = channel.people["dealer_marketer"]
    _, sock, _ = signed_in(a)

    for n in range(3):
        notify(a.id, "test", f"note {n}")
    db.session.commit()

    assert [n["text"] for n in sock.notifications()] == ["note 0", "note 1", "note 2"]


# --- Sockets ended by the server -----------------------------------------------------------


def test_signing_out_closes_the_sockets_of_that_sign_in_only(channel, signed_in, open_socket):
    a = channel.people["dealer_marketer"]
    laptop, laptop_sock, _ = signed_in(a)
    _phone, phone_sock, _ = signed_in(a)
    integration = open_socket(auth={"token": accounts.create_api_token(a, "crm").secret})
    closed_sid = laptop_sock.sid

    response = post_form(laptop, "/logout", token_page="/")

    assert response.status_code == 303
    assert not laptop_sock.is_connected()  # the server sent DISCONNECT to this socket
    # ...and forgot it: it is no longer in the room, nor anywhere else.
    assert room_members(person_room(a.id)) == {phone_sock.sid, integration.sid}
    assert socketio.server.manager.get_rooms(closed_sid, "/") == []
    assert phone_sock.is_connected() and integration.is_connected()
    assert {row.sid for row in socket_rows(a)} == {phone_sock.sid, integration.sid}
    # The other sockets stay in the room and keep receiving.
    notify(a.id, "test", "still here")
    db.session.commit()
    assert [n["text"] for n in phone_sock.notifications()] == ["still here"]
    assert [n["text"] for n in integration.notifications()] == ["still here"]


def test_deactivation_closes_every_socket_of_the_person(channel, signed_in, open_socket):
    person = channel.people["dealer_marketer"]
    admin = channel.people["partner_admin"]  # same dealer: may manage its staff
    _, tab, _ = signed_in(person)
    integration = open_socket(auth={"token": accounts.create_api_token(person, "crm").secret})
    _, bystander, _ = signed_in(channel.people["partner_staff"])
    sids = [tab.sid, integration.sid]
    admin_browser = signed_in(admin)[0]

    response = post_form(
        admin_browser,
        f"/people/{person.id}/deactivate",
        token_page=f"/people/{person.id}",
    )

    assert response.status_code == 303
    db.session.refresh(person)
    assert not person.active
    assert not tab.is_connected() and not integration.is_connected()
    assert room_members(person_room(person.id)) == set()
    assert all(socketio.server.manager.get_rooms(sid, "/") == [] for sid in sids)
    assert socket_rows(person) == []
    assert bystander.is_connected()


def test_a_deactivated_person_cannot_reconnect(channel, app, open_socket):
    person = channel.people["dealer_marketer"]
    browser = app.test_client()
    sign_in(browser, person)
    secret = accounts.create_api_token(person, "crm").secret
    accounts.deactivate(channel.people["partner_admin"], person)
    db.session.commit()

    assert not open_socket(browser).is_connected()
    assert not open_socket(auth={"token": secret}).is_connected()


def test_ending_all_sessions_closes_sockets_after_commit_only(channel, signed_in):
    person = channel.people["dealer_marketer"]
    _, sock, _ = signed_in(person)

    accounts.end_all_sessions(person)
    assert sock.is_connected()  # not yet: the change could still be rolled back
    db.session.commit()

    assert not sock.is_connected()
    assert room_members(person_room(person.id)) == set()


# --- authenticated_only ------------------------------------------------------------------


@pytest.fixture
def whoami():
    """A feature-style event answering {ok, id}; its unique name is returned."""
    name = unique_event()

    @authenticated_only
    def handler(person, payload=None):
        return {"ok": True, "id": person.id, "echo": payload}

    socketio.on_event(name, handler)
    return name


def test_authenticated_only_passes_the_person_and_acknowledges(channel, signed_in, whoami):
    person = channel.people["dealer_marketer"]
    _, sock, _ = signed_in(person)

    assert sock.emit(whoami, {"x": 1}, callback=True) == {
        "ok": True,
        "id": person.id,
        "echo": {"x": 1},
    }


def test_authenticated_only_refuses_once_the_sign_in_has_ended(channel, signed_in, whoami):
    """The socket is still open (say its disconnect was lost), but the sign-in is over."""
    person = channel.people["dealer_marketer"]
    _, sock, login_token = signed_in(person)
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.token_hash == token_hash(login_token))
        .values(ended_at=sa.func.now())
    )
    db.session.flush()

    answer = sock.emit(whoami, callback=True)

    assert answer["ok"] is False and answer["error"]
    assert "id" not in answer


def test_authenticated_only_refuses_a_deactivated_person(channel, signed_in, open_socket, whoami):
    person = channel.people["dealer_marketer"]
    _, tab, _ = signed_in(person)
    integration = open_socket(auth={"token": accounts.create_api_token(person, "crm").secret})
    person.active = False  # directly, without closing the sockets
    db.session.flush()

    for sock in (tab, integration):
        answer = sock.emit(whoami, callback=True)
        assert answer["ok"] is False and answer["error"]


def test_authenticated_only_commits_the_work_of_the_event(channel, signed_in):
    person = channel.people["dealer_marketer"]
    _, sock, _ = signed_in(person)
    name = unique_event()

    @authenticated_only
    def ping_me(me, text):
        notify(me.id, "test", text)
        return {"ok": True}

    socketio.on_event(name, ping_me)

    assert sock.emit(name, "from an event", callback=True) == {"ok": True}
    assert [n["text"] for n in sock.notifications()] == ["from an event"]
    assert db.session.scalar(sa.select(Notification).where(Notification.text == "from an event"))


def test_authenticated_only_rolls_back_a_failing_event(channel, signed_in):
    person = channel.people["dealer_marketer"]
    _, sock, _ = signed_in(person)
    name = unique_event()

    @authenticated_only
    def broken(me):
        notify(me.id, "test", "half-done work")
        raise RuntimeError("boom")

    socketio.on_event(name, broken)

    with pytest.raises(RuntimeError, match="boom"):
        sock.emit(name, callback=True)
    assert sock.get_received() == []
    assert (
        db.session.scalar(sa.select(Notification).where(Notification.text == "half-done work"))
        is None
    )


def test_authenticated_only_refuses_once_the_sign_in_has_expired(channel, signed_in, whoami, app):
    """A sign-in older than SESSION_HOURS no longer loads a page; its socket acts no more."""
    person = channel.people["dealer_marketer"]
    _, sock, login_token = signed_in(person)
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.token_hash == token_hash(login_token))
        .values(created_at=utcnow() - timedelta(hours=app.config["SESSION_HOURS"], minutes=1))
    )
    db.session.flush()

    assert sock.emit(whoami, callback=True)["ok"] is False


def test_authenticated_only_refuses_a_revoked_token(channel, open_socket, whoami):
    person = channel.people["dealer_marketer"]
    issued = accounts.create_api_token(person, "crm")
    sock = open_socket(auth={"token": issued.secret})
    assert sock.emit(whoami, callback=True)["ok"] is True

    accounts.revoke_api_token(person, issued.token)
    db.session.flush()

    assert sock.emit(whoami, callback=True)["ok"] is False


# --- Sessions and tokens ended elsewhere close their sockets --------------------------------


def test_signing_out_another_session_from_settings_closes_its_sockets(channel, signed_in):
    person = channel.people["dealer_marketer"]
    laptop, _, _ = signed_in(person)
    _, phone_sock, phone_token = signed_in(person)
    phone_session = db.session.scalar(
        sa.select(LoginSession).where(LoginSession.token_hash == token_hash(phone_token))
    )

    response = post_form(
        laptop, f"/settings/sessions/{phone_session.id}/end", token_page="/settings"
    )

    assert response.status_code == 303
    db.session.refresh(phone_session)
    assert phone_session.ended_at is not None
    assert not phone_sock.is_connected()


def test_revoking_a_token_closes_its_sockets(channel, signed_in, open_socket):
    person = channel.people["dealer_marketer"]
    browser, _, _ = signed_in(person)
    issued = accounts.create_api_token(person, "crm")
    sock = open_socket(auth={"token": issued.secret})

    response = post_form(
        browser, f"/settings/tokens/{issued.token.id}/revoke", token_page="/settings"
    )

    assert response.status_code == 303
    assert not sock.is_connected()


# --- The `hub notify` command --------------------------------------------------------------


def test_the_notify_command_stores_and_pushes_a_notification(app, channel, signed_in):
    person = channel.people["dealer_marketer"]
    _, sock, _ = signed_in(person)

    result = app.test_cli_runner().invoke(
        args=["hub", "notify", person.email.upper(), "Hello from ops", "--url", "/learning"]
    )

    assert result.exit_code == 0, result.output
    (note,) = sock.notifications()
    assert note["text"] == "Hello from ops" and note["url"] == "/learning"
    assert note["kind"] == "message"
    assert db.session.get(Notification, note["id"]).person_id == person.id


def test_the_notify_command_refuses_an_unknown_person(app, channel):
    result = app.test_cli_runner().invoke(args=["hub", "notify", "nobody@nowhere.example", "Hi"])

    assert result.exit_code != 0
    assert "No active person" in result.output


# --- Every app gets the core handlers ------------------------------------------------------

TWO_APPS = """
import sys
from hub import create_app
from hub.extensions import socketio

answers = []
for _ in range(2):
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": "sqlite://",
                      "SECRET_KEY": "k" * 40, "INSTANCE_PATH": sys.argv[1]})
    sock = socketio.test_client(app)
    answers.append("accepted" if sock.is_connected() else "refused")
print(" ".join(answers))
"""


def test_a_second_app_in_one_process_still_refuses_anonymous_sockets(tmp_path):
    """In a fresh interpreter, as `flask` or gunicorn would start: hub.realtime is first
    imported inside create_app, after socketio.init_app built the first server."""
    done = subprocess.run(
        [sys.executable, "-c", TWO_APPS, str(tmp_path)],
        cwd=ROOT,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["refused", "refused"]
