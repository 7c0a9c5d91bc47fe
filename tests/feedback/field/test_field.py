"""Field intelligence on the real database: an observation with its Decimal price and a
re-encoded photo; bad input refused with a sentence per field; visible to the OEM, the
filing dealer and its distributor — never to another dealer, in the list or by address;
product managers tag and link it to ideas, shown on the idea page for OEM staff."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from PIL import Image

from feedback.field import service as field
from feedback.field.access import visible_observations
from feedback.field.models import FieldObservation
from hub import db
from hub.errors import ValidationFailed
from hub.models import AuditEvent
from hub.uploads import open_stored
from tests.conftest import post_form
from tests.feedback.field.support import FIELDS, observe
from tests.feedback.ideas.support import png_bytes, post


def test_an_observation_keeps_its_price_exactly_and_its_photo_re_encoded(channel):
    row = observe(channel.people["dealer_marketer"], (png_bytes(), "lot.jpg"))
    db.session.expire_all()
    row = db.session.get(FieldObservation, row.id)
    assert row.price == Decimal("24999.00") and row.currency == "USD"
    assert row.organization_id == channel.dealer.id
    with Image.open(open_stored(row.photo.path)) as image:
        assert image.format == "PNG" and image.size == (40, 30)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "field.observation_filed")
    )
    assert event.after["price"] == "24999.00"


def test_bad_input_is_refused_with_a_sentence_per_field(channel):
    marketer = channel.people["dealer_marketer"]
    with pytest.raises(ValidationFailed) as bad:
        field.file_observation(
            marketer,
            {
                **FIELDS,
                "competitor": " ",
                "price": "12.345",
                "observed_on": "2999-01-01",
                "notes": "x" * 3001,
            },
        )
    assert set(bad.value.problems) == {"competitor", "price", "observed_on", "notes"}
    with pytest.raises(ValidationFailed) as currency:
        field.file_observation(marketer, {**FIELDS, "currency": "XYZ"})
    assert "currency" in currency.value.problems
    with pytest.raises(ValidationFailed) as photo:
        field.file_observation(marketer, FIELDS, (b"%PDF-1.4 not an image", "price.png"))
    assert "price.png" in photo.value.problems["photo"][0]
    with pytest.raises(PermissionError):
        field.file_observation(channel.people["product_manager"], FIELDS)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FieldObservation)) == 0
    free = observe(marketer, price="", currency="")
    assert free.price is None and free.currency is None


def test_visibility_follows_the_tree_never_reaching_other_dealers(channel, make_person):
    c = channel.people
    sibling = make_person("dealer_marketer", channel.sibling_dealer)
    mine = observe(c["dealer_marketer"], competitor="Mine")
    theirs = observe(sibling, competitor="Sibling")
    other = observe(c["other_marketer"], competitor="Other")

    def seen(who):
        person = who if not isinstance(who, str) else c[who]
        return {r.competitor for r in db.session.scalars(visible_observations(person))}

    assert seen("product_manager") == seen("channel_manager") == {"Mine", "Sibling", "Other"}
    assert seen("distributor_admin") == {"Mine", "Sibling"}
    assert seen("dealer_marketer") == seen("partner_staff") == {"Mine"}
    assert seen(sibling) == {"Sibling"}
    assert seen("other_marketer") == {"Other"}
    assert mine and theirs and other


def test_the_list_filters_and_pages_show_only_what_the_viewer_may_see(
    client, login_as, channel, line, make_person
):
    c = channel.people
    mine = observe(c["dealer_marketer"], competitor="Kubota", region="Central Iowa")
    observe(c["dealer_marketer"], competitor="Mahindra", product="2638 HST", region="Nebraska")
    other = observe(c["other_marketer"], competitor="Secret Rival")
    field.set_tags(c["product_manager"], mine, "Pricing, COMPACT")
    login_as("partner_staff")
    page = client.get("/feedback/field").get_data(as_text=True)
    assert "Kubota" in page and "Mahindra" in page and "Secret Rival" not in page
    assert "USD 24,999.00" in page
    assert client.get(f"/feedback/field/{other.id}").status_code == 404
    assert client.get(f"/feedback/field/photos/{other.id}").status_code == 404
    filtered = client.get("/feedback/field?tag=pricing").get_data(as_text=True)
    assert "Kubota" in filtered and "Mahindra" not in filtered
    assert "Mahindra" in client.get("/feedback/field?q=hst").get_data(as_text=True)
    assert "Kubota" not in client.get("/feedback/field?region=nebraska").get_data(as_text=True)
    login_as("product_manager")
    assert "Secret Rival" in client.get("/feedback/field").get_data(as_text=True)


def test_filing_on_the_page_keeps_input_and_pm_links_it_to_an_idea(client, login_as, channel, line):
    c = channel.people
    login_as("dealer_marketer")
    refused = post_form(
        client,
        "/feedback/field/new",
        {**FIELDS, "price": "lots", "photo": (io.BytesIO(b"nope"), "x.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Give the price as a number" in html and 'value="Kubota"' in html
    done = post_form(
        client,
        "/feedback/field/new",
        {**FIELDS, "photo": (io.BytesIO(png_bytes()), "lot.png")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 303
    row = db.session.scalar(sa.select(FieldObservation))
    assert row.photo is not None
    idea = post(c["other_marketer"], line, "Compact loader with quick-attach backhoe")
    login_as("product_manager")
    linked = post_form(
        client,
        f"/feedback/field/{row.id}/links",
        {"idea": f"#{idea.id}"},
        token_page=f"/feedback/field/{row.id}",
    )
    assert linked.status_code == 303
    bad = post_form(
        client,
        f"/feedback/field/{row.id}/links",
        {"idea": "999999"},
        token_page=f"/feedback/field/{row.id}",
    )
    assert bad.status_code == 422 and "Give the number of an idea" in bad.get_data(as_text=True)
    idea_page = client.get(f"/feedback/ideas/{idea.id}").get_data(as_text=True)
    assert "Field observations" in idea_page and "BX23S" in idea_page
    login_as("other_marketer")  # the idea's own poster, at another dealer: no intelligence
    assert "Field observations" not in client.get(f"/feedback/ideas/{idea.id}").get_data(
        as_text=True
    )


def test_the_api_lists_only_what_the_caller_may_see_and_files_with_a_decimal_price(client, channel):
    from hub.accounts import service as accounts

    c = channel.people
    mine = observe(c["dealer_marketer"])
    field.set_tags(c["product_manager"], mine, "pricing")
    other = observe(c["other_marketer"], competitor="Secret Rival")
    token = accounts.create_api_token(c["partner_staff"], "t").secret
    auth = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/field-observations", headers=auth).get_json()
    assert [o["id"] for o in listed["data"]] == [mine.id]
    assert listed["data"][0]["price"] == "24999.00" and listed["data"][0]["tags"] == ["pricing"]
    assert client.get(f"/api/v1/field-observations/{other.id}", headers=auth).status_code == 404
    filed = client.post(
        "/api/v1/field-observations",
        json={**FIELDS, "price": "1299.5", "observed_on": "2026-01-05"},
        headers=auth,
    )
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["price"] == "1299.50"
    assert db.session.get(FieldObservation, filed.get_json()["id"]).price == Decimal("1299.50")
    bad = client.post("/api/v1/field-observations", json={**FIELDS, "price": "cheap"}, headers=auth)
    assert bad.status_code == 422 and bad.headers["Content-Type"] == "application/problem+json"
