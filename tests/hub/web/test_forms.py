"""A page handler whose rule refuses: `refused(form, exc)` leaves nothing of what the rule
wrote before it found the problem, and the form comes back with the rule's sentence."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import StringField

from hub import db
from hub.errors import ValidationFailed
from hub.models import Tier
from hub.web.forms import apply_problems, refused
from tests.conftest import session_csrf_token

pytestmark = pytest.mark.fresh_app  # each test adds a route to its own app

TAKEN = "That tier name is taken; choose another."
PAGE = "{% for e in form.name.errors %}<p class=error>{{ e }}</p>{% endfor %}"


class TierForm(FlaskForm):
    name = StringField("Name")


def add_tier_then_refuse(name: str) -> None:
    """A rule that writes (and flushes) before it finds the problem."""
    db.session.add(Tier(name=name, rank=99))
    db.session.flush()
    raise ValidationFailed({"name": [TAKEN]})


def _tiers_named(name: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Tier.name == name))


def _add_route(app, on_refusal) -> None:
    def view():
        form = TierForm()
        if form.validate_on_submit():
            try:
                add_tier_then_refuse(form.name.data)
            except ValidationFailed as exc:
                on_refusal(form, exc)
                return render_template_string(PAGE, form=form), 422
        return "saved"

    app.add_url_rule("/_test/tier", "test_tier", view, methods=["POST"])


def _post(client, name: str):
    return client.post("/_test/tier", data={"name": name, "csrf_token": session_csrf_token(client)})


def test_a_refused_form_leaves_nothing_written_and_shows_the_sentence(app, client, login_as):
    _add_route(app, refused)
    login_as("partner_staff")
    response = _post(client, "Platinum Refused")
    assert response.status_code == 422
    assert f"<p class=error>{TAKEN}</p>" in response.get_data(as_text=True)
    assert _tiers_named("Platinum Refused") == 0


def test_without_the_rollback_the_rules_write_would_be_committed(app, client, login_as):
    """The control: the same handler with only apply_problems keeps the half-done row —
    what `refused` is there to prevent."""
    _add_route(app, apply_problems)
    login_as("partner_staff")
    response = _post(client, "Platinum Kept")
    assert response.status_code == 422
    assert _tiers_named("Platinum Kept") == 1
