"""The session cookie with its signing serializer kept (hub.web.sessions): cookies it signs
are Flask's own and Flask's are its, a signed-in person stays signed in from one request
to the next, and a rotated secret key is taken up at once — the old key still reads the
cookies it signed (SECRET_KEY_FALLBACKS) and new cookies are signed with the new one."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

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
