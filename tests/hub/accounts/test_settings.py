"""Settings: profile, password, API tokens and sessions — each person's own."""

import re

import sqlalchemy as sa

from hub.accounts import service as accounts
from hub.models import ApiToken, AuditEvent, LoginSession
from hub.security import verify_password
from tests.conftest import TEST_PASSWORD, post_form, sign_in


def test_profile_changes_are_saved_and_shown_in_the_viewers_time_zone(client, channel, session):
    person = channel.people["dealer_marketer"]
    sign_in(client, person)
    response = post_form(
        client,
        "/settings",
        {"name": "Kelsey Novak", "title": "Marketing", "timezone": "America/Chicago"},
    )
    assert response.status_code == 303
    session.refresh(person)
    assert person.timezone == "America/Chicago"


def test_profile_without_a_name_keeps_the_rest_and_explains(client, channel, session):
    sign_in(client, channel.people["dealer_marketer"])
    response = post_form(
        client, "/settings", {"name": "", "title": "Keeps this title", "timezone": "UTC"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter your name." in text and 'value="Keeps this title"' in text


def test_password_change_needs_the_current_password(client, channel, session):
    person = channel.people["dealer_marketer"]
    sign_in(client, person)
    new = "harvest moon over the plains"
    wrong = post_form(
        client,
        "/settings/password",
        {"current_password": "nope", "password": new, "confirm": new},
        token_page="/settings",
    )
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(
        as_text=True
    )
    right = post_form(
        client,
        "/settings/password",
        {"current_password": TEST_PASSWORD, "password": new, "confirm": new},
        token_page="/settings",
    )
    assert right.status_code == 303
    session.refresh(person)
    assert verify_password(person.password_hash, new)


def test_api_token_is_shown_once_stored_hashed_and_revocable(client, channel, session):
    person = channel.people["dealer_marketer"]
    sign_in(client, person)
    post_form(client, "/settings/tokens", {"name": "Dealer CRM"}, token_page="/settings")
    page = client.get("/settings").get_data(as_text=True)
    secret = re.search(r'value="(phub_[^"]+)"', page).group(1)
    assert "shown only once" in page
    assert secret not in client.get("/settings").get_data(as_text=True)  # gone on the next visit
    row = session.scalar(sa.select(ApiToken).where(ApiToken.person_id == person.id))
    assert row.token_hash != secret and secret not in row.token_hash
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )

    post_form(client, f"/settings/tokens/{row.id}/revoke", token_page="/settings")
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "api_token.revoked"))


def test_someone_elses_token_cannot_be_revoked(client, channel, session):
    other = accounts.create_api_token(channel.people["other_marketer"], "theirs").token
    sign_in(client, channel.people["dealer_marketer"])
    response = post_form(client, f"/settings/tokens/{other.id}/revoke", token_page="/settings")
    assert response.status_code == 404
    session.refresh(other)
    assert other.revoked_at is None


def test_signing_out_another_session_from_settings(app, client, channel, session):
    person = channel.people["dealer_marketer"]
    phone = app.test_client()
    sign_in(phone, person)
    sign_in(client, person)
    page = client.get("/settings").get_data(as_text=True)
    assert "This device" in page
    other = session.scalars(
        sa.select(LoginSession).where(LoginSession.person_id == person.id).order_by(LoginSession.id)
    ).first()
    post_form(client, f"/settings/sessions/{other.id}/end", token_page="/settings")
    assert phone.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_using_a_token_stamps_when_it_was_last_used(client, channel, session):
    issued = accounts.create_api_token(channel.people["dealer_marketer"], "stamp me")
    assert issued.token.last_used_at is None
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"}).status_code
        == 200
    )
    session.expire(issued.token)
    assert issued.token.last_used_at is not None
