"""The signed CSRF token is reused per session secret (hub.web.csrf): the same session gets
the same token on its next page, another session never gets it, and a reused token is
accepted as a fresh one is — in a form built by the view as well as in the layout."""

from __future__ import annotations

import flask
from flask import Flask

from hub.web import csrf
from tests.conftest import _TOKEN, sign_in


def _tokens(client, page: str) -> set[str]:
    html = client.get(page).get_data(as_text=True)
    return {next(g for g in m.groups() if g) for m in _TOKEN.finditer(html)}


def test_the_next_page_of_a_session_carries_the_same_token(client, channel):
    sign_in(client, channel.people["dealer_marketer"])
    _tokens(client, "/notifications")  # the first page puts the secret in the session
    first = _tokens(client, "/notifications")
    assert len(first) == 1  # the layout's header and its sign-out form agree
    assert _tokens(client, "/") == first
    assert _tokens(client, "/settings") == first  # the view's own forms too


def test_another_session_never_gets_it(app, channel):
    one, other = app.test_client(), app.test_client()
    sign_in(one, channel.people["dealer_marketer"])
    sign_in(other, channel.people["dealer_marketer"])  # the same person, another device
    assert _tokens(one, "/notifications").isdisjoint(_tokens(other, "/notifications"))


def test_a_reused_token_is_accepted(client, channel):
    sign_in(client, channel.people["dealer_marketer"])
    _tokens(client, "/notifications")  # signed here
    (token,) = _tokens(client, "/notifications")  # reused here
    response = client.post("/notifications/read-all", data={"csrf_token": token})
    assert response.status_code == 303


def test_a_kept_token_is_signed_again_after_its_time(app, client, channel, monkeypatch):
    signed = []
    real = csrf.generate_csrf

    def counting():
        if "csrf_token" not in flask.g:  # Flask-WTF signs only then
            signed.append(1)
        return real()

    sign_in(client, channel.people["dealer_marketer"])
    _tokens(client, "/notifications")  # the first page puts the secret in the session
    monkeypatch.setattr(csrf, "generate_csrf", counting)
    _tokens(client, "/notifications")
    _tokens(client, "/notifications")
    assert len(signed) == 1  # the second page reused the first one's
    monkeypatch.setattr(csrf, "REUSE_SECONDS", -1)
    _tokens(client, "/notifications")
    assert len(signed) == 2  # too old to hand out: signed again


def test_an_app_with_its_own_key_signs_its_own(app, client, channel):
    """Kept per signing key: two apps in one process (tests, or a key rotation) never
    hand each other's signatures out."""
    sign_in(client, channel.people["dealer_marketer"])
    _tokens(client, "/notifications")
    keys = {key[0] for key in csrf._signed}
    assert app.secret_key in keys
    assert isinstance(app, Flask)
