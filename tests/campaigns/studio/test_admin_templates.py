"""Image templates the program admin authors: the structured form (a sentence per
problem, input kept), the preview with the sample dealer, publishing audited, uploaded
artwork re-encoded and drawn, hostile artwork refused with nothing stored; the brand
library (copy, forbidden words) audited; the usage page naming who used what."""

from __future__ import annotations

import io
import tracemalloc

import pytest
import sqlalchemy as sa
from PIL import Image

from campaigns.demo import studio as studio_demo
from campaigns.studio import authoring, service
from campaigns.studio.models import ApprovedCopy, ForbiddenWord, StudioTemplate
from campaigns.studio.profiles import save_profile
from hub import db
from hub.models import AuditEvent, StoredFile
from tests.campaigns.studio.test_profile import HOSTILE as HOSTILE_IMAGES
from tests.campaigns.studio.test_profile import _png
from tests.conftest import post_form

NEW = "/campaigns/studio/manage/templates/new"
FORM = {
    "name": "Winter parts — social post", "description": "Parts offer", "size": "square",
    "artwork": "service", "logo_box": "60, 60, 420, 180", "logo_align": "left", "logo_clear": "20",
    "slot-0-label": "Headline", "slot-0-box": "60, 600, 960, 200", "slot-0-min": "40",
    "slot-0-max": "90", "slot-0-colour": "#ffffff", "slot-0-chars": "60",
    "slot-0-default": "Winter-ready parts", "slot-0-mode": "editable", "slot-0-align": "left",
    "slot-0-copy": "headline", "slot-1-label": "Phone", "slot-1-box": "60, 900, 960, 60",
    "slot-1-min": "24", "slot-1-max": "34", "slot-1-colour": "#ffffff", "slot-1-mode": "phone",
    "locked": "800, 20, 260, 120", "disclaimer_text": "Offers at participating dealers.",
    "disclaimer_version": "2026.3", "disclaimer_box": "60, 990, 960, 70",
    "disclaimer_size": "17", "disclaimer_colour": "#f4efe6",
}  # fmt: skip


def _jpeg(size=(1200, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format="JPEG")
    return out.getvalue()


def _post(client, data, artwork=None, url=NEW):
    form = dict(data)
    if artwork is not None:
        form["artwork_file"] = (io.BytesIO(artwork[0]), artwork[1], artwork[2])
    return post_form(client, url, form, content_type="multipart/form-data")


def test_the_admin_authors_previews_and_publishes_a_template(
    app, client, login_as, channel, tmp_path
):
    app.config["STORAGE_DIR"] = str(tmp_path)
    login_as("program_admin")
    response = _post(client, FORM, (_jpeg(), "winter.jpg", "image/jpeg"))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    template = db.session.scalar(sa.select(StudioTemplate))
    assert not template.published and template.artwork.startswith("upload-")
    assert template.layout["locked"] == [{"box": [800, 20, 260, 120]}]
    assert template.layout["slots"][1]["profile"] == "phone"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sample Dealer Co." in page and "Publish to dealers" in page
    sample = client.get(f"/campaigns/studio/manage/templates/{template.id}/sample.png")
    with Image.open(io.BytesIO(sample.data)) as image:
        assert image.format == "PNG" and image.size == (900, 900)
        red = image.convert("RGB").getpixel((890, 450))
        assert red[0] > 150 and red[1] < 90, "the uploaded artwork is drawn"
    sample.close()
    publish = post_form(
        client,
        f"/campaigns/studio/manage/templates/{template.id}/publish",
        {"published": "1"},
        token_page=f"/campaigns/studio/manage/templates/{template.id}",
    )
    assert publish.status_code == 303
    db.session.expire_all()
    assert template.published and service.get_template(template.id) is not None
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.like("studio.template_%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["studio.template_saved", "studio.template_published"]
    edit = f"/campaigns/studio/manage/templates/{template.id}/edit"
    assert 'value="Winter-ready parts"' in client.get(edit).get_data(as_text=True)
    assert (
        _post(client, {**FORM, "artwork": template.artwork, "name": "Winter"}, url=edit).status_code
        == 303
    )
    db.session.expire_all()
    assert template.name == "Winter" and template.artwork.startswith("upload-")


def test_a_bad_form_says_what_is_wrong_per_field_and_keeps_the_input(
    app, client, login_as, channel, tmp_path
):
    app.config["STORAGE_DIR"] = str(tmp_path)
    login_as("program_admin")
    bad = {**FORM, "slot-0-box": "60, 600, 2000, 200", "slot-0-min": "95", "logo_clear": "300",
           "slot-1-box": "800, 30, 100, 60", "disclaimer_version": "", "slot-0-colour": "white"}  # fmt: skip
    response = _post(client, bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for sentence in ("Keep the box inside the 1080×1080 canvas.",
                     "The largest font size must not be below the smallest.",
                     "twice the clear space must be less than", "overlaps a locked region",
                     "Give the disclaimer&#39;s version", "Give the colour as # and six hex digits"):  # fmt: skip
        assert sentence in page, sentence
    assert 'value="Winter parts — social post"' in page and 'value="white"' in page
    assert db.session.scalar(sa.select(StudioTemplate)) is None


HOSTILE = {**HOSTILE_IMAGES}
HOSTILE["svg named png"] = (
    *HOSTILE["svg named png"][:3],
    "is an SVG, which can't be used as artwork",
)
HOSTILE["svg with script"] = (
    *HOSTILE["svg with script"][:3],
    "is an SVG, which can't be used as artwork",
)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_artwork_is_refused_with_a_sentence_and_nothing_is_stored(
    app, client, login_as, channel, tmp_path, case
):
    app.config["STORAGE_DIR"] = str(tmp_path)
    login_as("program_admin")
    data, name, content_type, sentence = HOSTILE[case]
    response = _post(client, FORM, (data, name, content_type))
    assert response.status_code == 422
    assert sentence in response.get_data(as_text=True).replace("&#39;", "'")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 0
    assert db.session.scalar(sa.select(StudioTemplate)) is None
    assert not any(tmp_path.rglob("*.png"))


def test_an_oversized_artwork_is_refused(app, client, login_as, channel, tmp_path):
    app.config.update(STORAGE_DIR=str(tmp_path), UPLOAD_MAX_BYTES=2000)
    login_as("program_admin")
    response = _post(client, FORM, (_png((600, 600)) + b"\0" * 3000, "big.png", "image/png"))
    assert response.status_code == 422
    assert "attach files of at most" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(StudioTemplate)) is None


def test_a_template_whose_sample_preview_fails_cannot_be_published(app, channel):
    admin = channel.people["program_admin"]
    spec = {**studio_demo.TEMPLATES[0], "key": "t1", "published": False}
    template = StudioTemplate(**spec)
    db.session.add(template)
    db.session.flush()
    with pytest.raises(Exception, match="preview with the sample dealer fails"):
        authoring.set_published(admin, template, True, ["ready"])  # the default headline has it
    assert not template.published


def test_the_library_adds_edits_and_removes_copy_and_words(app, client, login_as, channel):
    login_as("program_admin")
    url = "/campaigns/studio/manage/library"
    assert (
        post_form(
            client, url, {"add": "copy", "kind": "offer", "text": "Half-price filters"}
        ).status_code
        == 303
    )
    assert post_form(client, url, {"add": "word", "word": "Unbeatable"}).status_code == 303
    refused = post_form(client, url, {"add": "word", "word": "unbeatable"})
    assert refused.status_code == 422 and "is already forbidden" in refused.get_data(as_text=True)
    row = db.session.scalar(sa.select(ApprovedCopy))
    post_form(
        client,
        f"{url}/copy/{row.id}",
        {"kind": "offer", "text": "Filters half price", "action": "save"},
        token_page=url,
    )
    db.session.expire_all()
    assert row.text == "Filters half price"
    word = db.session.scalar(sa.select(ForbiddenWord))
    assert word.word == "unbeatable"
    post_form(client, f"{url}/words/{word.id}/remove", {}, token_page=url)
    post_form(client, f"{url}/copy/{row.id}", {"action": "remove"}, token_page=url)
    assert db.session.scalar(sa.select(ForbiddenWord)) is None
    assert db.session.scalar(sa.select(ApprovedCopy)) is None
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [
        "studio.copy_saved",
        "studio.word_forbidden",
        "studio.copy_saved",
        "studio.word_allowed",
        "studio.copy_removed",
    ]


def test_the_usage_page_names_the_partners_that_used_a_template(
    app, client, login_as, channel, tmp_path
):
    app.config.update(STORAGE_DIR=str(tmp_path), INSTANCE_PATH=str(tmp_path))
    template = studio_demo.install()[0]
    marketer = channel.people["dealer_marketer"]
    save_profile(
        marketer,
        channel.dealer,
        {"phone": "555 0100"},
        (studio_demo.prairie_logo(), "logo.png", "image/png"),
    )
    db.session.commit()
    login_as("dealer_marketer")
    client.get(f"/campaigns/studio/t/{template.id}/render.preview").close()
    client.get(f"/campaigns/studio/t/{template.id}/render.png").close()
    client.get(f"/campaigns/studio/t/{template.id}/render.jpeg").close()
    login_as("program_admin")
    page = client.get("/campaigns/studio/manage/usage").get_data(as_text=True)
    section = page.split(template.name, 1)[1].split("</section>", 1)[0]
    assert channel.dealer.name in section
    assert '<td data-label="Downloads" class="num">2</td>' in section, "previews not counted"
    assert channel.other_dealer.name not in page


def _png_bomb(side: int = 6000) -> bytes:
    """A real greyscale PNG of side×side black pixels (36 MP), deflated to a few dozen KB
    row by row, so building it never holds the pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    squeeze = zlib.compressobj(9)
    row = b"\0" * (side + 1)
    idat = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("field", ["artwork", "logo"])
def test_a_decompression_bomb_is_refused_without_decoding_it(app, channel, field):
    from campaigns.studio.profiles import check_logo
    from hub.errors import ValidationFailed

    data = _png_bomb()
    assert len(data) < 200_000
    check = authoring.check_artwork if field == "artwork" else check_logo
    tracemalloc.start()
    try:
        with pytest.raises(ValidationFailed) as refused:
            check(data, "big.png", "image/png")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    sentence = " ".join(m for ms in refused.value.problems.values() for m in ms)
    assert "6000×6000 pixels; use an image under 25 megapixels" in sentence
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes: the pixels were decoded"
