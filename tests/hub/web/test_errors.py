"""Error pages: a refusal is the product's own page with a sentence, never the framework's
default text — whether a view aborts with 403 or a rule raises PermissionError."""

from __future__ import annotations

import pytest
from flask import abort

pytestmark = pytest.mark.fresh_app  # each test adds a route to its own app


def _add(app, rule: str, view) -> None:
    app.add_url_rule(rule, rule.strip("/").replace("/", "_"), view)


def test_a_bare_403_says_what_this_account_may_not_do(app, client, login_as):
    _add(app, "/_test/abort-403", lambda: abort(403))
    login_as("partner_staff")
    response = client.get("/_test/abort-403")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "That's not open to your role" in html
    assert "You don't have the permission" not in html
    assert "Your account may not open this page or do this here" in html
    assert "Go to your dashboard" in html


def test_a_permission_error_is_a_403_with_its_sentence(app, client, login_as):
    def refuse():
        raise PermissionError("Only the program admin can add organisations to the channel.")

    _add(app, "/_test/permission-error", refuse)
    login_as("partner_staff")
    response = client.get("/_test/permission-error")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "That's not open to your role" in html
    assert "Only the program admin can add organisations to the channel." in html
