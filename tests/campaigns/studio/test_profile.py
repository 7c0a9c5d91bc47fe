"""The dealer's brand profile page: fields checked with a sentence each, the logo decoded
and re-encoded (EXIF gone), and hostile logo uploads — a pixel flood, a truncated JPEG,
an extension that lies, an SVG with a script, an oversized file — each refused with a
sentence, nothing stored."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
import sqlalchemy as sa
from PIL import Image

from campaigns.studio.models import BrandProfile
from campaigns.studio.profiles import profile_of
from hub import db, uploads
from hub.models import AuditEvent, StoredFile
from tests.conftest import post_form

URL = "/campaigns/studio/profile"


def _png(size=(300, 120), colour=(31, 92, 58, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, format="PNG")
    return out.getvalue()


def _jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS
    Image.new("RGB", (200, 100), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _pixel_flood() -> bytes:
    """A tiny PNG whose header declares 100 000 × 100 000 pixels."""
    data = bytearray(_png((1, 1)))
    ihdr = struct.pack(">II", 100_000, 100_000) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
HOSTILE = {
    "pixel flood": (_pixel_flood(), "logo.png", "image/png", "is not an image we can read"),
    "truncated JPEG": (_jpeg_with_exif()[:300], "logo.jpg", "image/jpeg", "not an image we can read"),
    "lying extension": (b"%PDF-1.7\n1 0 obj<<>>endobj", "logo.png", "image/png", "whatever its name says"),
    "html as png": (b"<html><script>x()</script></html>", "logo.png", "image/png", "whatever its name says"),
    "svg with script": (SVG, "logo.svg", "image/svg+xml", "is an SVG, which can't be used"),
    "svg named png": (SVG, "logo.png", "image/png", "is an SVG, which can't be used"),
}  # fmt: skip


def _post(client, data, logo=None):
    form = dict(data)
    if logo is not None:
        form["logo"] = (io.BytesIO(logo[0]), logo[1], logo[2])
    return post_form(client, URL, form, content_type="multipart/form-data")


def _stored() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_logos_are_refused_with_a_sentence_and_nothing_is_stored(
    app, client, login_as, channel, tmp_path, case
):
    app.config["STORAGE_DIR"] = str(tmp_path)
    login_as("dealer_marketer")
    data, name, content_type, sentence = HOSTILE[case]
    before = _stored()
    response = _post(client, {"phone": "555 0100"}, (data, name, content_type))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert sentence in page.replace("&#39;", "'")
    assert 'value="555 0100"' in page, "the input is kept"
    assert _stored() == before
    assert profile_of(channel.dealer.id) is None
    assert not any(tmp_path.rglob("*.png"))


def test_an_oversized_logo_is_refused(app, client, login_as, channel, tmp_path):
    app.config.update(STORAGE_DIR=str(tmp_path), UPLOAD_MAX_BYTES=2000)
    login_as("dealer_marketer")
    response = _post(
        client, {}, (_png((600, 600), (1, 2, 3, 4)) + b"\0" * 3000, "big.png", "image/png")
    )
    assert response.status_code == 422
    assert "attach files of at most" in response.get_data(as_text=True)
    assert profile_of(channel.dealer.id) is None


def test_profile_saved_with_a_reencoded_logo_without_exif(app, client, login_as, channel, tmp_path):
    app.config["STORAGE_DIR"] = str(tmp_path)
    person = login_as("dealer_marketer")
    response = _post(
        client,
        {"brand_colour": "#1f5c3a", "phone": "+1 306 555 0142", "website": "dealer.example"},
        (_jpeg_with_exif(), "logo.jpg", "image/jpeg"),
    )
    assert response.status_code == 303
    profile = profile_of(channel.dealer.id)
    assert profile.phone == "+1 306 555 0142" and profile.brand_colour == "#1f5c3a"
    with Image.open(uploads.open_stored(profile.logo.path)) as logo:
        assert logo.format == "PNG" and logo.size == (200, 100)
        assert not logo.getexif() and "exif" not in logo.info
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "studio.profile_saved")
    )
    assert event.actor_id == person.id and event.organization_id == channel.dealer.id
    logo = client.get(f"/campaigns/studio/logo/{channel.dealer.id}")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    logo.close()


def test_bad_fields_are_refused_one_sentence_each_input_kept(client, login_as, channel):
    login_as("partner_admin")
    response = _post(client, {"brand_colour": "green", "phone": "call us!", "website": "x"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the brand colour as # and six hex digits" in page
    assert "Give a phone number of digits" in page
    assert "Give the website&#39;s address" in page or "Give the website's address" in page
    assert 'value="call us!"' in page
    assert db.session.scalar(sa.select(BrandProfile)) is None


def test_partner_staff_may_not_edit_the_profile(client, login_as):
    login_as("partner_staff")
    assert client.get(URL).status_code == 403
