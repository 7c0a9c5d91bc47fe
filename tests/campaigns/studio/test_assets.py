"""Generated assets through the pages: a download is recorded once with the code printed
on it (audited), a code is looked up by OEM staff and the owning organisation only (404
to anyone else), an asset attached to a campaign tracks that campaign, a deck shows every
slide as an image before download and is served from the cache, and the daily job keeps
the cache within its age and size."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from pptx import Presentation

from campaigns.proposals import service as proposals
from campaigns.proposals.models import ProposalAsset
from campaigns.studio import assets, deck, service
from campaigns.studio import cache as disk
from campaigns.studio.models import AssetKind, StudioAsset
from campaigns.studio.profiles import save_profile
from hub import db
from hub.models import AuditEvent
from hub.registry import registry
from tests.campaigns.proposals.proposal_support import fields, funded_program
from tests.campaigns.studio.test_personalise import _ready
from tests.conftest import post_form


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_download_is_recorded_once_with_its_code(app, client, login_as, channel, tmp_path):
    template = _ready(channel, tmp_path, app)
    login_as("dealer_marketer")
    url = f"/campaigns/studio/t/{template.id}/render"
    preview = client.get(f"{url}.preview?headline=Plant+early")
    assert preview.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(StudioAsset.id))) == 0  # previews aren't
    png = client.get(f"{url}.png?headline=Plant+early")
    jpeg = client.get(f"{url}.jpeg?headline=Plant+early")
    again = client.get(f"{url}.png?headline=Plant+early")
    assert png.status_code == jpeg.status_code == again.status_code == 200
    rows = db.session.scalars(sa.select(StudioAsset)).all()
    assert len(rows) == 1  # one design, one code, whatever the format
    asset = rows[0]
    assert (asset.kind, asset.template_key, asset.organization_id) == (
        AssetKind.IMAGE,
        template.key,
        channel.dealer.id,
    )
    assert asset.campaign == template.key and asset.tracking_url == ""  # no call to action
    assert asset.code == assets.code_for(asset.inputs_hash, channel.dealer.id)
    assert asset.code in png.headers["Content-Disposition"]
    assert len(_events("studio.asset_generated")) == 1
    with Image.open(io.BytesIO(png.data)) as image:
        assert image.size == (1080, 1080)
    # other text, another design: another code
    client.get(f"{url}.png?headline=Plant+later")
    assert db.session.scalar(sa.select(sa.func.count(StudioAsset.id))) == 2


def test_the_personalise_page_names_the_code_printed_on_it(
    app, client, login_as, channel, tmp_path
):
    template = _ready(channel, tmp_path, app)
    login_as("dealer_marketer")
    html = client.get(f"/campaigns/studio/t/{template.id}?headline=Plant+early").get_data(
        as_text=True
    )
    values = service.slot_values(template, {"headline": "Plant early"})
    output = service.personalise(channel.people["dealer_marketer"], template, values, "preview")
    assert f"verification code <strong>{output.code}</strong>" in html


@pytest.mark.parametrize(
    "who, status",
    [
        ("dealer_marketer", 200),
        ("partner_staff", 200),
        ("channel_manager", 200),
        ("program_admin", 200),
        ("other_marketer", 404),
        ("distributor_admin", 404),
    ],
)
def test_a_code_is_looked_up_by_oem_staff_and_its_organisation(
    app, client, login_as, channel, tmp_path, who, status
):
    template = _ready(channel, tmp_path, app)
    output = service.personalise(channel.people["dealer_marketer"], template, {}, "png")
    login_as(who)
    page = client.get(f"/campaigns/studio/assets/{output.code}")
    assert page.status_code == status
    if status == 200:
        html = page.get_data(as_text=True)
        assert output.code in html and template.name in html and "Test Dealer" in html
    typed = output.code.lower().replace("-", "")
    assert client.get(f"/campaigns/studio/assets/{typed}").status_code == status
    assert client.get("/campaigns/studio/assets/0000-0000").status_code == 404


def test_an_attached_asset_tracks_its_campaign(app, client, login_as, channel, tmp_path):
    template = _ready(channel, tmp_path, app)
    flyer = next(t for t in service.templates() if t.key == "planter-a4")
    program = funded_program(channel)
    marketer = channel.people["dealer_marketer"]
    profile = {"phone": "555 0100", "website": "dealer.example", "address": "1 Main St"}
    save_profile(marketer, channel.dealer, profile, None)  # the flyer prints the address
    proposal = proposals.create(marketer, program, fields(program))
    login_as(marketer)
    response = post_form(
        client,
        f"/campaigns/studio/t/{flyer.id}/attach",
        {"proposal_id": str(proposal.id), "fmt": "pdf-letter"},
        token_page=f"/campaigns/studio/t/{template.id}",
    )
    assert response.status_code == 303
    asset = db.session.scalars(sa.select(StudioAsset)).one()
    assert asset.campaign == f"proposal-{proposal.id}"
    assert asset.tracking_url == assets.tracking_url(
        "dealer.example", "print", f"proposal-{proposal.id}", channel.dealer.id
    )
    attached = db.session.scalar(
        sa.select(ProposalAsset).where(ProposalAsset.proposal_id == proposal.id)
    )
    assert asset.code in attached.description and attached.file.content_type == "application/pdf"


def test_the_deck_page_shows_every_slide_before_download(
    app, client, login_as, channel, tmp_path, monkeypatch
):
    _ready(channel, tmp_path, app)
    login_as("dealer_marketer")
    page = client.get("/campaigns/studio/decks/dealer-intro?offer=Save+%24500")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "simplified preview" in html
    for n in (1, 2, 3):
        assert f"/campaigns/studio/decks/dealer-intro/slide-{n}.png?offer=Save+$500" in html
        slide = client.get(f"/campaigns/studio/decks/dealer-intro/slide-{n}.png?offer=Save+%24500")
        assert slide.status_code == 200
        with Image.open(io.BytesIO(slide.data)) as image:
            assert (image.format, image.size) == ("PNG", (960, 540))
    assert (
        client.get("/campaigns/studio/decks/dealer-intro/slide-4.png?offer=Save").status_code == 404
    )
    refused = client.get("/campaigns/studio/decks/dealer-intro/slide-1.png?offer=Free+oil")
    assert refused.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(StudioAsset.id))) == 0  # only looked
    download = client.get("/campaigns/studio/decks/dealer-intro.pptx?offer=Save+%24500")
    asset = db.session.scalars(sa.select(StudioAsset)).one()
    assert asset.kind == AssetKind.DECK and asset.code in download.headers["Content-Disposition"]
    prs = Presentation(io.BytesIO(download.data))
    assert all(
        any(s.has_text_frame and s.text_frame.text == f"Ref {asset.code}" for s in slide.shapes)
        for slide in prs.slides
    )

    def no_fill(*args, **kwargs):
        raise AssertionError("filled again")

    monkeypatch.setattr(deck, "personalise", no_fill)
    again = client.get("/campaigns/studio/decks/dealer-intro.pptx?offer=Save+%24500")
    assert again.status_code == 200 and again.data == download.data
    assert len(_events("studio.asset_generated")) == 1


def _file(folder: Path, name: str, size: int, age_days: float, now: datetime) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    stamp = now.timestamp() - age_days * 86400
    os.utime(path, (stamp, stamp))
    return path


def test_pruning_drops_old_files_then_the_oldest_over_budget(tmp_path):
    now = datetime(2026, 12, 6, 12, 0)
    old = _file(tmp_path, "old.png", 100, 40, now)
    a = _file(tmp_path, "a.png", 400, 5, now)
    b = _file(tmp_path, "b.png", 400, 3, now)
    c = _file(tmp_path, "c.png", 400, 1, now)
    assert disk.prune(tmp_path, now, 30, 1000) == (2, 800)  # old by age, a by budget
    assert not old.exists() and not a.exists() and b.exists() and c.exists()
    assert disk.prune(tmp_path, now, 30, 1000) == (0, 800)  # idempotent
    assert disk.prune(tmp_path / "missing", now, 30, 1000) == (0, 0)


def test_the_daily_job_prunes_the_studio_cache(app, channel, tmp_path):
    template = _ready(channel, tmp_path, app)
    job = registry(app).jobs["campaigns.studio-cache"]
    assert job.every == timedelta(days=1)
    output = service.personalise(channel.people["dealer_marketer"], template, {}, "png")
    folder = disk.folder()
    kept = folder / f"{output.key}.png"
    assert kept.read_bytes() == output.data
    now = datetime.now(UTC).replace(tzinfo=None)
    stale = _file(folder, "stale.png", 10, 31, now)
    app.config["STUDIO_CACHE_DAYS"] = 30
    assert job.run(now).startswith("1 studio cache files pruned")
    assert kept.exists() and not stale.exists()
    # a hit refreshes the file's time, so a used file outlives the cut-off
    old = time.time() - 40 * 86400
    os.utime(kept, (old, old))
    assert service.personalise(channel.people["dealer_marketer"], template, {}, "png").data
    assert kept.stat().st_mtime > time.time() - 60
    app.config["STUDIO_CACHE_MB"] = 0  # over any budget: everything goes
    job.run(now)
    assert list(folder.iterdir()) == []
