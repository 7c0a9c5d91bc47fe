"""People's profiles: partners see the public profile of the OEM staff who serve them
(hub.policy.serving_staff) and nothing of anyone from another partner."""

from __future__ import annotations

from hub import policy
from hub.models import Person, ProductLine, ProductLineManager, TerritoryAssignment


def _serving(session, channel):
    """The product manager looks after Balers; a channel manager covers the dealer."""
    pm = channel.people["product_manager"]
    pm.title, pm.phone = "Balers product manager", "+1 555 0101"
    line = ProductLine(name="Balers", slug="balers")
    session.add(line)
    session.flush()
    session.add(ProductLineManager(product_line_id=line.id, person_id=pm.id))
    cm = channel.people["channel_manager"]
    session.add(TerritoryAssignment(channel_manager_id=cm.id, organization_id=channel.dealer.id))
    session.flush()
    return pm, cm


def test_a_dealer_sees_only_the_public_profile_of_its_product_manager(
    client, session, channel, login_as
):
    pm, _cm = _serving(session, channel)
    login_as("dealer_marketer")
    page = client.get(f"/people/{pm.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert pm.name in html and pm.email in html and "+1 555 0101" in html
    assert "Balers product manager" in html and "Balers" in html
    # Public only: no account status, nothing to manage, no link to the OEM's page.
    assert "Status" not in html and "Invited" not in html
    assert "Change role" not in html and "Deactivate" not in html
    assert f"/organizations/{channel.oem.id}" not in html


def test_a_dealer_sees_its_channel_manager_and_what_they_cover(client, session, channel, login_as):
    _pm, cm = _serving(session, channel)
    login_as("partner_staff")
    html = client.get(f"/people/{cm.id}").get_data(as_text=True)
    assert cm.name in html
    assert "Covers" in html and channel.dealer.name in html
    assert "Status" not in html


def test_oem_staff_still_see_the_whole_profile(client, session, channel, login_as):
    pm, _cm = _serving(session, channel)
    login_as("program_admin")
    html = client.get(f"/people/{pm.id}").get_data(as_text=True)
    assert "Status" in html and "Change role" in html


def test_partners_see_nobody_else_of_the_oem_nor_another_partner(
    client, session, channel, login_as
):
    _serving(session, channel)
    login_as("dealer_marketer")
    for person in (channel.people["program_admin"], channel.people["other_marketer"]):
        assert client.get(f"/people/{person.id}").status_code == 404


def test_a_deactivated_product_manager_has_no_public_profile(client, session, channel, login_as):
    pm, _cm = _serving(session, channel)
    pm.active = False
    session.flush()
    login_as("dealer_marketer")
    assert client.get(f"/people/{pm.id}").status_code == 404


def test_the_people_a_partner_may_see_are_one_rule_for_page_api_and_search(session, channel):
    pm, cm = _serving(session, channel)
    dealer = channel.people["dealer_marketer"]
    seen = set(session.scalars(policy.visible_people(dealer).with_only_columns(Person.id)))
    assert {pm.id, cm.id, dealer.id} <= seen
    assert channel.people["program_admin"].id not in seen
    assert channel.people["other_marketer"].id not in seen
    other = channel.people["other_marketer"]
    assert cm.id not in set(
        session.scalars(policy.visible_people(other).with_only_columns(Person.id))
    )
