"""The audit log is append-only (in the ORM and in the database) and scoped when read."""

import pytest
import sqlalchemy as sa

from hub import audit
from hub.audit import AppendOnlyError
from hub.models import AuditEvent
from tests.conftest import sign_in


def _event(session, **kw):
    event = audit.record(kw.pop("action", "test.happened"), summary="something happened", **kw)
    session.flush()
    return event


def test_an_audit_event_cannot_be_changed_through_the_orm(session):
    event = _event(session)
    event.summary = "rewritten history"
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()


def test_an_audit_event_cannot_be_deleted_through_the_orm(session):
    event = _event(session)
    session.delete(event)
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()


def test_the_database_itself_refuses_updates_and_deletes(session):
    event = _event(session)
    for statement in (
        sa.update(AuditEvent).where(AuditEvent.id == event.id).values(summary="x"),
        sa.delete(AuditEvent).where(AuditEvent.id == event.id),
    ):
        nested = session.begin_nested()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            session.execute(statement)
        nested.rollback()
    assert session.get(AuditEvent, event.id).summary == "something happened"


def test_record_keeps_only_what_changed(session, channel):
    person = channel.people["partner_staff"]
    event = audit.record(
        "person.updated",
        person,
        actor=person,
        before={"name": "A", "title": "Same"},
        after={"name": "B", "title": "Same"},
    )
    assert event.before == {"name": "A"} and event.after == {"name": "B"}
    assert event.organization_id == channel.dealer.id and event.object_type == "Person"


def test_program_admin_reads_everything_partner_admin_only_their_organisation(
    client, channel, session
):
    _event(session, action="test.at_dealer", organization_id=channel.dealer.id)
    _event(session, action="test.at_other", organization_id=channel.other_dealer.id)
    sign_in(client, channel.people["partner_admin"])
    page = client.get("/audit").get_data(as_text=True)
    assert "test.at_dealer" in page and "test.at_other" not in page

    admin_client = client.application.test_client()
    sign_in(admin_client, channel.people["program_admin"])
    page = admin_client.get("/audit").get_data(as_text=True)
    assert "test.at_dealer" in page and "test.at_other" in page


def test_audit_log_filters_by_action_and_date(client, channel, session):
    _event(session, action="test.alpha")
    _event(session, action="test.beta")
    sign_in(client, channel.people["program_admin"])
    page = client.get("/audit?action=test.alpha", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "test.alpha" in page and "<code>test.beta</code>" not in page
    bad = client.get("/audit?from=31/12/2026").get_data(as_text=True)
    assert "From date must look like 2026-03-31." in bad
    future = client.get("/audit?from=2999-01-01").get_data(as_text=True)
    assert "No events match these filters." in future


def test_state_changes_record_the_request_id(client, channel, session):
    from tests.conftest import post_form

    sign_in(client, channel.people["dealer_marketer"])
    response = post_form(client, "/settings", {"name": "Kelsey N.", "timezone": "UTC"})
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "person.updated"))
    assert event.request_id == response.headers["X-Request-ID"]
    assert event.before == {"name": channel.people["dealer_marketer"].name}
    assert event.after == {"name": "Kelsey N."}


def test_program_admin_filters_the_log_by_organisation_name(client, channel, session):
    _event(session, action="test.at_dealer", organization_id=channel.dealer.id)
    _event(session, action="test.at_other", organization_id=channel.other_dealer.id)
    sign_in(client, channel.people["program_admin"])
    page = client.get("/audit?organization=other+deal", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "<code>test.at_other</code>" in page and "<code>test.at_dealer</code>" not in page
