"""The session cookie with its signing serializer kept (hub.web.sessions): cookies it signs
are Flask's own and Flask's are its, a signed-in person stays signed in from one request
to the next, and a rotated secret key is taken up at once — the old key still reads the
cookies it signed (SECRET_KEY_FALLBACKS) and new cookies are signed with the new one.
A cookie's signature is checked once: seen again, it opens as Flask would open it (a dict
of its own each request, its age still checked), unless it was refused or holds a list or
a dict; a rotated key forgets what the old one checked."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from hub.web import sessions as sessions_module
from hub.web.sessions import KeptSerializerSessions
from tests.conftest import sign_in


def _app(secret: str, fallbacks=()) -> Flask:
    app = Flask(__name__)
    app.secret_key = secret
    app.config["SECRET_KEY_FALLBACKS"] = list(fallbacks)
    return app


def test_its_cookies_are_flasks_own_both_ways():
    app = _app("one")
    kept, flasks = KeptSerializerSessions(), SecureCookieSessionInterface()
    signed = kept.get_signing_serializer(app).dumps({"_user_id": "t"})
    assert flasks.get_signing_serializer(app).loads(signed) == {"_user_id": "t"}
    theirs = flasks.get_signing_serializer(app).dumps({"csrf_token": "x"})
    assert kept.get_signing_serializer(app).loads(theirs) == {"csrf_token": "x"}


def test_a_rotated_key_is_taken_up_and_the_old_one_still_reads():
    app = _app("old")
    sessions = KeptSerializerSessions()
    old_cookie = sessions.get_signing_serializer(app).dumps({"n": 1})
    app.secret_key = "new"
    app.config["SECRET_KEY_FALLBACKS"] = ["old"]
    serializer = sessions.get_signing_serializer(app)
    assert serializer.loads(old_cookie) == {"n": 1}
    new_cookie = serializer.dumps({"n": 2})
    only_new = _app("new")
    assert SecureCookieSessionInterface().get_signing_serializer(only_new).loads(new_cookie) == {
        "n": 2
    }
    app.config["SECRET_KEY_FALLBACKS"] = []  # the old key retired: its cookies are refused
    with pytest.raises(BadSignature):
        sessions.get_signing_serializer(app).loads(old_cookie)


def test_the_hub_keeps_a_person_signed_in_across_requests(app, client, channel):
    assert isinstance(app.session_interface, KeptSerializerSessions)
    sign_in(client, channel.people["dealer_marketer"])
    for _ in range(3):
        response = client.get("/settings")
        assert response.status_code == 200
    with client.session_transaction() as data:
        assert data.get("_user_id")  # the cookie the kept serializer signed, read back


def _open(sessions: KeptSerializerSessions, app: Flask, cookie: str | None):
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    with app.test_request_context("/", headers=headers) as ctx:
        return sessions.open_session(app, ctx.request)


def test_a_cookie_seen_again_opens_as_flask_opens_it_each_time_a_dict_of_its_own():
    app = _app("one")
    sessions = KeptSerializerSessions()
    cookie = sessions.get_signing_serializer(app).dumps({"_user_id": "t", "_fresh": True})
    first = _open(sessions, app, cookie)
    assert dict(first) == {"_user_id": "t", "_fresh": True}
    assert cookie in sessions._kept[2].kept  # checked once, kept
    first["_user_id"] = "changed by this request"
    second = _open(sessions, app, cookie)
    assert dict(second) == {"_user_id": "t", "_fresh": True}  # not the first request's dict
    assert second is not first and not second.modified
    flasks = SecureCookieSessionInterface()
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}) as ctx:
        assert dict(flasks.open_session(app, ctx.request)) == dict(second)


def test_a_cookie_with_a_list_or_a_dict_in_it_is_decoded_each_time():
    app = _app("one")
    sessions = KeptSerializerSessions()
    cookie = sessions.get_signing_serializer(app).dumps({"_flashes": [("info", "Saved")]})
    opened = _open(sessions, app, cookie)
    assert opened["_flashes"] == [("info", "Saved")]
    opened["_flashes"].pop()  # as get_flashed_messages would
    assert cookie not in sessions._kept[2].kept
    assert _open(sessions, app, cookie)["_flashes"] == [("info", "Saved")]


def test_a_tampered_cookie_opens_empty_and_is_never_kept():
    app = _app("one")
    sessions = KeptSerializerSessions()
    cookie = sessions.get_signing_serializer(app).dumps({"_user_id": "t"})
    forged = _app("someone else's key")
    forged_cookie = (
        KeptSerializerSessions().get_signing_serializer(forged).dumps({"_user_id": "admin"})
    )
    for bad in (cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"), forged_cookie):
        assert dict(_open(sessions, app, bad)) == {}
        assert bad not in sessions._kept[2].kept
    assert dict(_open(sessions, app, None)) == {}


def test_a_kept_cookie_still_expires_with_the_session_lifetime(monkeypatch):
    app = _app("one")
    app.permanent_session_lifetime = 3600
    sessions = KeptSerializerSessions()
    cookie = sessions.get_signing_serializer(app).dumps({"_user_id": "t"})
    assert dict(_open(sessions, app, cookie)) == {"_user_id": "t"}
    assert cookie in sessions._kept[2].kept
    later = time.time() + 3601  # an hour and a second after it was signed
    monkeypatch.setattr(time, "time", lambda: later)
    assert dict(_open(sessions, app, cookie)) == {}  # refused by its age, kept or not


def test_a_rotated_key_forgets_the_cookies_checked_with_the_old_one():
    app = _app("old")
    sessions = KeptSerializerSessions()
    cookie = sessions.get_signing_serializer(app).dumps({"_user_id": "t"})
    assert dict(_open(sessions, app, cookie)) == {"_user_id": "t"}
    app.secret_key = "new"  # the old key retired at once, no fallback
    assert dict(_open(sessions, app, cookie)) == {}


def test_at_most_size_cookies_are_kept_the_oldest_dropped(monkeypatch):
    app = _app("one")
    sessions = KeptSerializerSessions()
    monkeypatch.setattr(sessions_module._Checked, "SIZE", 3)
    serializer = sessions.get_signing_serializer(app)
    cookies = [serializer.dumps({"_user_id": str(n)}) for n in range(5)]
    for cookie in cookies:
        _open(sessions, app, cookie)
    assert list(sessions._kept[2].kept) == cookies[2:]
    assert dict(_open(sessions, app, cookies[0])) == {"_user_id": "0"}  # checked again
