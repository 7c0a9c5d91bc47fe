"""Partner admins manage their own staff; changes are audited and end sessions at once."""

import sqlalchemy as sa

from hub.models import AuditEvent, LoginSession, Person, Role
from tests.conftest import post_form, sign_in


def test_partner_admin_changes_a_colleagues_role_within_the_partner_side(client, channel, session):
    staff = channel.people["partner_staff"]
    sign_in(client, channel.people["partner_admin"])
    response = post_form(
        client,
        f"/people/{staff.id}/role",
        {"role": "dealer_marketer"},
        token_page=f"/people/{staff.id}",
    )
    assert response.status_code == 303
    session.refresh(staff)
    assert staff.role == Role.DEALER_MARKETER
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "person.role_changed"))
    assert event.before == {"role": "partner_staff"} and event.after == {"role": "dealer_marketer"}
    assert event.actor_id == channel.people["partner_admin"].id
    assert event.organization_id == channel.dealer.id


def test_partner_admin_cannot_grant_an_oem_role(client, channel, session):
    staff = channel.people["partner_staff"]
    sign_in(client, channel.people["partner_admin"])
    post_form(
        client,
        f"/people/{staff.id}/role",
        {"role": "program_admin"},
        token_page=f"/people/{staff.id}",
    )
    session.refresh(staff)
    assert staff.role == Role.PARTNER_STAFF


def test_nobody_changes_their_own_role(client, channel, session):
    admin = channel.people["partner_admin"]
    sign_in(client, admin)
    post_form(client, f"/people/{admin.id}/role", {"role": "partner_staff"}, token_page="/settings")
    session.refresh(admin)
    assert admin.role == Role.PARTNER_ADMIN


def test_deactivation_signs_the_person_out_everywhere(app, client, channel, session):
    staff = channel.people["partner_staff"]
    their_browser = app.test_client()
    sign_in(their_browser, staff)
    assert their_browser.get("/").status_code == 200

    sign_in(client, channel.people["partner_admin"])
    response = post_form(client, f"/people/{staff.id}/deactivate", token_page=f"/people/{staff.id}")
    assert response.status_code == 303
    assert their_browser.get("/").status_code == 302
    assert (
        session.scalar(
            sa.select(sa.func.count()).where(
                LoginSession.person_id == staff.id, LoginSession.ended_at.is_(None)
            )
        )
        == 0
    )
    session.refresh(staff)
    assert not staff.active
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "person.deactivated"))

    post_form(client, f"/people/{staff.id}/reactivate", token_page=f"/people/{staff.id}")
    session.refresh(staff)
    assert staff.active


def test_an_admin_cannot_deactivate_themselves(client, channel, session):
    admin = channel.people["partner_admin"]
    sign_in(client, admin)
    post_form(client, f"/people/{admin.id}/deactivate", token_page="/settings")
    session.refresh(admin)
    assert admin.active


def test_organisation_page_lists_staff_with_their_status(client, channel, make_person):
    invited = make_person("partner_staff", channel.dealer, name="Invited Ivy")
    invited.password_hash = None
    gone = make_person("partner_staff", channel.dealer, name="Gone Gary", active=False)
    sign_in(client, channel.people["distributor_admin"])
    page = client.get(f"/organizations/{channel.dealer.id}").get_data(as_text=True)
    assert "Invited Ivy" in page and "Invited" in page
    assert gone.name in page and "Deactivated" in page
    assert (
        "Invite staff" not in page
    )  # the distributor sees the dealer but manages only its own staff


def test_distributor_sees_its_dealers_but_not_another_branch(client, channel):
    sign_in(client, channel.people["distributor_admin"])
    page = client.get("/organizations").get_data(as_text=True)
    assert channel.dealer.name in page and channel.sibling_dealer.name in page
    assert channel.other_dealer.name not in page and channel.other_distributor.name not in page


def test_dealer_sees_only_itself_in_the_directory_and_search(client, channel):
    sign_in(client, channel.people["dealer_marketer"])
    page = client.get("/organizations").get_data(as_text=True)
    assert channel.dealer.name in page
    for other in (channel.sibling_dealer, channel.other_dealer, channel.distributor):
        assert other.name not in page
    search = client.get("/organizations?q=dealer", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert channel.dealer.name in search and channel.other_dealer.name not in search
    assert "<html" not in search  # htmx gets the fragment only


def test_program_admin_adds_a_dealer_and_it_appears_under_its_distributor(client, channel, session):
    sign_in(client, channel.people["program_admin"])
    response = post_form(
        client,
        "/organizations/new",
        {
            "name": "Cedar Creek Ag",
            "kind": "dealer",
            "parent_id": str(channel.distributor.id),
            "tier": "Premier",
            "tracks": ["dealer_var", "service_partner"],
            "region": "Iowa",
        },
    )
    assert response.status_code == 303
    from hub.models import Organization

    org = session.scalar(sa.select(Organization).where(Organization.name == "Cedar Creek Ag"))
    assert org.path == f"{channel.distributor.path}{org.id}/"
    assert [t.value for t in org.tracks] == ["dealer_var", "service_partner"]
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organization.created"))


def test_bad_organisation_form_keeps_input_and_says_why(client, channel, session):
    sign_in(client, channel.people["program_admin"])
    response = post_form(
        client,
        "/organizations/new",
        {
            "name": "Orphan Dealer",
            "kind": "dealer",
            "parent_id": str(channel.dealer.id),
            "tier": "",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Orphan Dealer"' in text
    assert "Choose one of the parent in the channel options offered." in text
    from hub.models import Organization

    assert (
        session.scalar(sa.select(Organization).where(Organization.name == "Orphan Dealer")) is None
    )


def test_partner_admin_edits_own_contact_details_only(client, channel, session):
    sign_in(client, channel.people["partner_admin"])
    form = client.get(f"/organizations/{channel.dealer.id}/edit").get_data(as_text=True)
    assert 'name="name"' not in form and 'name="tier"' not in form
    response = post_form(
        client,
        f"/organizations/{channel.dealer.id}/edit",
        {
            "contact_email": "hello@dealer.example",
            "phone": "+1 555 0199",
            "website": "",
            "address": "1 Main St",
        },
    )
    assert response.status_code == 303
    session.refresh(channel.dealer)
    assert channel.dealer.contact_email == "hello@dealer.example"


def test_invited_person_appears_in_people_search_of_the_api(client, channel, session):
    sign_in(client, channel.people["partner_admin"])
    post_form(
        client,
        f"/organizations/{channel.dealer.id}/invite",
        {"name": "Api Visible", "email": "api.visible@dealer.example", "role": "partner_staff"},
    )
    person = session.scalar(sa.select(Person).where(Person.email == "api.visible@dealer.example"))
    assert person is not None and person.organization_id == channel.dealer.id
