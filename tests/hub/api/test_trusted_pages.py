"""Lists the API builds without validating each item (hub.api.page_of, hub.api.schemas.
trusted): what they answer is checked here against the declared models instead, once,
rather than on every request.

Every answer must (1) validate as the page model the OpenAPI document declares, and (2)
equal, item for item, what the validating constructor makes of the same organisation
loaded as an object — so a field built from a row can't drift from the model's type or
from the single-organisation answer. Serialising must not warn either (pydantic warns,
rather than fails, when a constructed field holds a value of another type).
"""

from __future__ import annotations

import itertools
import warnings
from datetime import datetime

import pytest
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, PrivateAttr

from hub.accounts import service as accounts
from hub.api import Output, Page, page_of
from hub.api.schemas import iso_utc, iso_utc_text, trusted
from hub.directory import queries
from hub.directory.schemas import Organization
from hub.models import Organization as OrganizationRow
from hub.models import OrganizationTrack, Track


@pytest.fixture
def varied(channel, session):
    """Organisations with every kind of value a field can hold: no tier, several tracks,
    an ERP number, contact details."""
    channel.dealer.erp_account_number = "ERP-0042"
    channel.dealer.contact_email = "sales@dealer.example"
    channel.dealer.track_rows.append(OrganizationTrack(track=Track.SERVICE_PARTNER))
    channel.sibling_dealer.tier = None
    channel.distributor.address = "1 Main St\nSpringfield"
    session.flush()
    return channel


_names = itertools.count(1)


def _get(app, client, session, person, path):
    token = accounts.create_api_token(person, f"trusted pages {next(_names)}").secret
    session.commit()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a serializer warning fails the request's answer
        with app.app_context():
            response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _expected(session, item_id: int) -> dict:
    org = session.get(OrganizationRow, item_id)
    return Organization.of(org).model_dump(mode="json")


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("program_admin", ""),
        ("program_admin", "?limit=2"),
        ("program_admin", "?kind=dealer&limit=2"),
        ("channel_manager", "?tier=Premier"),
        ("channel_manager", "?q=dealer"),
        ("distributor_admin", ""),
        ("distributor_admin", "?limit=1"),
        ("dealer_marketer", ""),
    ],
)
def test_organization_list_answers_its_declared_model(app, client, session, varied, who, query):
    person = varied.people[who]
    response = _get(app, client, session, person, f"/api/v1/organizations{query}")
    page = Page[Organization].model_validate_json(response.get_data(), strict=False)
    assert page.model_dump(mode="json") == response.json
    assert response.json["data"], "the list is not empty for anyone"
    for item in response.json["data"]:
        assert item == _expected(session, item["id"])


def test_organization_list_walks_every_page_with_the_same_items(app, client, session, varied):
    person = varied.people["program_admin"]
    seen, cursor = [], None
    while True:
        path = "/api/v1/organizations?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = _get(app, client, session, person, path).json
        seen += [item["id"] for item in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(session.scalars(sa.select(OrganizationRow.id)))


def test_the_list_rows_hold_the_fields_of_the_answer_in_its_order():
    labels = [column.key for column in queries.API_ORGANIZATION]
    assert labels == list(Organization.model_fields)


def test_trusted_makes_what_model_construct_makes():
    values = {
        "id": 7, "name": "Dealer", "kind": "dealer", "parent_id": 3, "tier": None,
        "tracks": ["dealer_var"], "region": "", "erp_account_number": None, "domain": "",
        "contact_email": "", "phone": "", "website": "", "address": "", "active": True,
        "created_at": "2026-03-01T09:30:00Z",
    }  # fmt: skip
    made = trusted(Organization, [dict(values)])[0]
    expected = Organization.model_construct(**values)
    assert type(made) is Organization
    for attribute in ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__"):
        assert getattr(made, attribute) == getattr(expected, attribute), attribute
    assert made.__pydantic_private__ is expected.__pydantic_private__ is None
    assert made.model_dump_json() == expected.model_dump_json()
    page = page_of(Organization, [made], None)
    assert page.model_dump_json() == (
        Page[Organization].model_construct(data=[expected], next_cursor=None).model_dump_json()
    )


class _WithPrivate(Output):
    id: int
    _seen: bool = PrivateAttr(default=False)


class _KeepingExtras(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int


@pytest.mark.parametrize("model", [_WithPrivate, _KeepingExtras])
def test_trusted_refuses_a_model_with_more_to_construct_than_its_fields(model):
    with pytest.raises(TypeError):
        trusted(model, [{"id": 1}])


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 1, 9, 30, 59, 999999),  # the fraction dropped, never rounded up
        datetime(2026, 12, 31, 23, 59, 59, 999999),
        datetime(2026, 3, 1, 9, 30),
        datetime(2026, 3, 1, 0, 0, 0, 1),
        datetime(999, 1, 2, 3, 4, 5),
    ],
)
def test_the_database_writes_a_time_as_iso_utc_does(session, channel, moment):
    org = channel.dealer
    org.created_at = moment
    session.flush()
    written = session.scalar(
        sa.select(iso_utc_text(OrganizationRow.created_at)).where(OrganizationRow.id == org.id)
    )
    assert written == iso_utc(moment)
