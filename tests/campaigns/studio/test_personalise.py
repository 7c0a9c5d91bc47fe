"""The personalise page: the preview follows the typed text (htmx), overflowing text and
forbidden words are refused with sentences beside the preview and the input kept, a
download is cached by the content of its inputs, and "Attach to a campaign" adds the
output to one of the dealer's own proposals as a studio asset (audited)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from campaigns.demo import studio as studio_demo
from campaigns.proposals import service as proposals
from campaigns.proposals.models import AssetSource, ProposalAsset
from campaigns.studio import render, service
from campaigns.studio.profiles import save_profile
from hub import db
from hub.models import AuditEvent
from tests.campaigns.proposals.proposal_support import fields, funded_program
from tests.conftest import post_form


def _ready(channel, tmp_path, app):
    """The demo templates and the test dealer's profile with a logo."""
    app.config["STORAGE_DIR"] = str(tmp_path)
    templates = studio_demo.install()
    marketer = channel.people["dealer_marketer"]
    save_profile(
        marketer,
        channel.dealer,
        {"phone": "555 0100", "website": "dealer.example", "brand_colour": "#1f5c3a"},
        (studio_demo.prairie_logo(), "logo.png", "image/png"),
    )
    return templates[0]  # harvest-square


def test_the_preview_follows_the_text(app, client, login_as, channel, tmp_path):
    template = _ready(channel, tmp_path, app)
    login_as("dealer_marketer")
    url = f"/campaigns/studio/t/{template.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'hx-trigger="input changed delay:300ms' in page
    part = client.get(url + "?headline=Plant+early&offer=Save+now", headers={"HX-Request": "true"})
    html = part.get_data(as_text=True)
    assert part.status_code == 200 and html.lstrip().startswith('<section id="preview"')
    assert "headline=Plant+early" in html
    preview = client.get(f"{url}/render.preview?headline=Plant+early&offer=Save+now")
    with Image.open(io.BytesIO(preview.data)) as image:
        assert image.format == "PNG" and max(image.size) == 900


def test_overflow_and_forbidden_word_are_refused_with_sentences_input_kept(
    app, client, login_as, channel, tmp_path
):
    template = _ready(channel, tmp_path, app)
    login_as("dealer_marketer")
    long_word = "Supercalifragilistic" * 3
    response = client.get(
        f"/campaigns/studio/t/{template.id}",
        query_string={"headline": long_word, "offer": "Free oil"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The headline does not fit its space even at the smallest size (40 px)" in page
    assert "“free” is not allowed in the offer: the brand rules forbid it." in page
    assert f'value="{long_word}"' in page and 'value="Free oil"' in page
    assert "render.png" not in page, "no download of a refused version"
    refused = client.get(f"/campaigns/studio/t/{template.id}/render.png?offer=Free+oil")
    assert refused.status_code == 422


def test_a_missing_profile_field_is_named_with_a_link(app, client, login_as, channel, tmp_path):
    app.config["STORAGE_DIR"] = str(tmp_path)
    template = studio_demo.install()[1]  # service-landscape: logo, phone, website, colour
    save_profile(channel.people["dealer_marketer"], channel.dealer, {"phone": "555 0100"})
    login_as("dealer_marketer")
    page = client.get(f"/campaigns/studio/t/{template.id}").get_data(as_text=True)
    assert "This template needs your logo, website, brand colour." in page
    assert 'href="/campaigns/studio/profile"' in page


def test_downloads_open_and_repeat_from_the_cache(
    app, client, login_as, channel, tmp_path, monkeypatch
):
    template = _ready(channel, tmp_path, app)
    login_as("dealer_marketer")
    url = f"/campaigns/studio/t/{template.id}/render"
    png = client.get(f"{url}.png?headline=Plant+early")
    assert png.headers["Content-Disposition"].startswith("attachment")
    with Image.open(io.BytesIO(png.data)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (1080, 1080), "RGB")
    jpeg = client.get(f"{url}.jpeg?headline=Plant+early")
    assert Image.open(io.BytesIO(jpeg.data)).format == "JPEG"

    def no_render(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(render, "render", no_render)
    again = client.get(f"{url}.png?headline=Plant+early")
    assert again.status_code == 200 and again.data == png.data


def test_attach_to_a_campaign_adds_a_studio_asset(app, client, login_as, channel, tmp_path):
    template = _ready(channel, tmp_path, app)
    program = funded_program(channel)
    marketer = channel.people["dealer_marketer"]
    proposal = proposals.create(marketer, program, fields(program))
    login_as(marketer)
    url = f"/campaigns/studio/t/{template.id}/attach"
    response = post_form(
        client,
        url,
        {"proposal_id": str(proposal.id), "fmt": "pdf", "headline": "Plant early"},
        token_page=f"/campaigns/studio/t/{template.id}",
    )
    assert response.status_code == 303
    asset = db.session.scalar(
        sa.select(ProposalAsset).where(ProposalAsset.proposal_id == proposal.id)
    )
    assert asset.source == AssetSource.STUDIO and asset.title == template.name
    assert asset.file.content_type == "application/pdf"
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "studio.asset_attached")
    )
    assert [p.id for p in service.attachable_proposals(marketer)] == [proposal.id]


def test_attach_to_another_dealers_campaign_is_refused(app, client, login_as, channel, tmp_path):
    template = _ready(channel, tmp_path, app)
    program = funded_program(channel)
    other = proposals.create(channel.people["other_marketer"], program, fields(program))
    login_as("dealer_marketer")
    response = post_form(
        client,
        f"/campaigns/studio/t/{template.id}/attach",
        {"proposal_id": str(other.id), "fmt": "png"},
        token_page=f"/campaigns/studio/t/{template.id}",
    )
    assert response.status_code == 422
    assert "Choose one of your open campaigns." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(ProposalAsset)) is None
