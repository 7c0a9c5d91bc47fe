"""The directory page lists what the viewer may see, filtered and paged: it reads the
columns it shows as rows from statements built once per combination of filters
(hub.directory.queries.organization_search), so each filter is checked here."""

from __future__ import annotations

import re

import pytest

ROW = re.compile(
    r'<th scope="row"><a href="/organizations/\d+">([^<]+)</a></th>.*?'
    r'data-label="Tier">([^<]+)</td>.*?data-label="Part of">([^<]+)</td>',
    re.S,
)


def listed(client, query: str = "") -> list[tuple[str, str, str]]:
    response = client.get(f"/organizations{query}")
    assert response.status_code == 200
    return ROW.findall(response.get_data(as_text=True))


@pytest.fixture
def elite(channel, make_org):
    return make_org("dealer", parent=channel.distributor, tier="Elite", name="Zeta Elite Dealer")


def test_a_distributor_lists_itself_and_its_dealers_by_name(client, channel, login_as, elite):
    login_as("distributor_admin")
    names = [name for name, _tier, _parent in listed(client)]
    assert names == sorted(
        [channel.distributor.name, channel.dealer.name, channel.sibling_dealer.name, elite.name]
    )
    rows = {name: (tier, parent) for name, tier, parent in listed(client)}
    assert rows[elite.name] == ("Elite", channel.distributor.name)
    assert rows[channel.distributor.name][1] == "—"  # its parent, the OEM, is not in scope


def test_the_filters_narrow_the_list(client, channel, login_as, elite):
    login_as("distributor_admin")
    assert [n for n, *_ in listed(client, "?kind=distributor")] == [channel.distributor.name]
    assert [n for n, *_ in listed(client, "?q=sibling")] == [channel.sibling_dealer.name]
    assert [n for n, *_ in listed(client, f"?tier={elite.tier_id}")] == [elite.name]
    assert listed(client, f"?q=zeta&kind=dealer&tier={elite.tier_id}")[0][0] == elite.name
    assert listed(client, "?kind=nonsense") == listed(client)  # an unknown kind filters nothing


def test_the_oem_sees_everyone_and_pages_through_them(client, channel, login_as, make_org):
    for n in range(30):
        make_org("dealer", parent=channel.other_distributor, name=f"Paged Dealer {n:02d}")
    login_as("program_admin")
    first, second = listed(client), listed(client, "?page=2")
    assert len(first) == 25
    names = [n for n, *_ in first + second]
    assert names == sorted(names) and len(set(names)) == len(names)
    assert channel.other_dealer.name in names and channel.oem.name in names
    assert dict((n, p) for n, _t, p in first + second)["Paged Dealer 00"] == (
        channel.other_distributor.name
    )
