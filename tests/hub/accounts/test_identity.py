"""The signed-in person as one prepared row (hub.accounts.identity): the same values as
the ORM row, read-only, refused by SQLAlchemy, and the row behind it for anything else."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub import db, policy
from hub.accounts import service as accounts
from hub.accounts.identity import OrganizationRow, SignedIn
from hub.conversations.models import Message, MessageKind
from hub.models import AuditEvent, LoginSession, Person
from hub.plain import row_of
from hub.security import new_token, token_hash
from tests.conftest import post_form, sign_in

ROLES = ["program_admin", "channel_manager", "distributor_admin", "dealer_marketer"]


def signed_in(app, person: Person, how: str) -> SignedIn:
    """`person` as a request signed in with a session cookie or an API token reads them."""
    if how == "session":
        token = new_token()
        db.session.add(LoginSession(token_hash=token_hash(token), person_id=person.id))
        db.session.flush()
        with app.test_request_context("/"):
            return accounts.load_session(token)
    secret = accounts.create_api_token(person, f"identity {new_token()[:8]}").secret
    with app.test_request_context("/api/v1/me"):
        return accounts.person_for_api_token(secret)


@pytest.mark.parametrize("how", ["session", "token"])
@pytest.mark.parametrize("role", ROLES)
def test_the_signed_in_values_are_the_rows_values(app, channel, role, how):
    person = channel.people[role]
    me = signed_in(app, person, how)
    assert isinstance(me, SignedIn)
    for name in SignedIn._fields:
        if name not in {"organization", "login_token", "has_password"}:
            assert getattr(me, name) == getattr(person, name), name
    assert me.has_password is (person.password_hash is not None)
    org, row_org = me.organization, person.organization
    assert isinstance(org, OrganizationRow)
    for name in OrganizationRow._fields:
        if name != "tier":
            assert getattr(org, name) == getattr(row_org, name), name
    if row_org.tier is None:
        assert org.tier is None
    else:
        assert (org.tier.id, org.tier.name, org.tier.rank) == (
            row_org.tier.id,
            row_org.tier.name,
            row_org.tier.rank,
        )
    # What the access policy, Flask-Login and the layout read of them.
    assert policy.scope_pattern(me) == policy.scope_pattern(person)
    assert (me.is_oem, me.initials, me.is_active, me.is_authenticated, me.is_anonymous) == (
        person.is_oem,
        person.initials,
        person.is_active,
        True,
        False,
    )
    assert (org.is_oem, org.depth) == (row_org.is_oem, row_org.depth)
    assert me.get_id() == (None if how == "token" else me.login_token)


def test_a_session_of_someone_who_cannot_sign_in_reads_as_nobody(app, channel, session):
    person = channel.people["partner_staff"]
    assert signed_in(app, person, "session") is not None
    person.password_hash = None  # invited, never accepted
    session.flush()
    assert signed_in(app, person, "session") is None
    person.password_hash, person.active = "x", False
    session.flush()
    assert signed_in(app, person, "session") is None
    with app.test_request_context("/"):
        assert accounts.load_session("no such token") is None


def test_the_values_are_read_only_and_the_row_is_what_changes(app, channel, session):
    person = channel.people["dealer_marketer"]
    me = signed_in(app, person, "session")
    with pytest.raises(AttributeError, match="read-only"):
        me.name = "Someone else"
    with pytest.raises(AttributeError, match="read-only"):
        me.organization.path = "/"
    with app.test_request_context("/"):
        assert row_of(me) is person  # the session's own row
        assert row_of(person) is person
        accounts.update_profile(me, name="Renamed", title="", phone="", timezone="UTC")
    assert person.name == "Renamed"
    assert session.scalar(sa.select(Person.name).where(Person.id == person.id)) == "Renamed"


def test_anything_else_is_read_from_the_row(app, channel, session):
    person = channel.people["dealer_marketer"]
    person.totp_last_step = 42
    session.flush()
    me = signed_in(app, person, "session")
    with app.test_request_context("/"):
        assert me.totp_last_step == 42  # not carried: read from the Person
        assert me.organization.address == person.organization.address
        assert me.organization.parent is person.organization.parent  # a relationship
        with pytest.raises(AttributeError):
            me.no_such_attribute  # noqa: B018


def test_sqlalchemy_refuses_the_values_in_place_of_the_row(app, channel, session):
    person = channel.people["dealer_marketer"]
    me = signed_in(app, person, "session")
    # Refused as the message is added, before anything is written (no conversation needed).
    message = Message(
        conversation_id=0,
        seq=1,
        client_msg_id="m1",
        author=me,
        kind=MessageKind.TEXT,
        body="Hello",
    )
    with pytest.raises(AttributeError, match="_sa_instance_state"):
        session.add(message)
    session.expunge_all()


def test_it_equals_its_row_and_no_other(app, channel):
    person, other = channel.people["dealer_marketer"], channel.people["partner_staff"]
    me = signed_in(app, person, "session")
    assert me == person and person == me  # both ways round
    assert me != other and other != me
    assert me == signed_in(app, person, "token")
    assert me in [other, person]
    assert me.organization == person.organization
    assert me.organization != me  # a person is not their organisation
    assert hash(me) == hash(signed_in(app, person, "token"))


def test_an_audit_event_about_them_names_the_person(client, channel, session):
    # Signing out records an event about the signed-in person, who is a SignedIn there.
    person = channel.people["dealer_marketer"]
    sign_in(client, person)
    assert post_form(client, "/logout", token_page="/").status_code in (302, 303)
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "auth.logout")).one()
    assert (event.object_type, event.object_id, event.organization_id, event.actor_id) == (
        "Person",
        str(person.id),
        person.organization_id,
        person.id,
    )
