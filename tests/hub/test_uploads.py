"""Logos: decoded and re-encoded by Pillow within limits, served only to those in scope."""

import io

import pytest
from PIL import Image

from hub import uploads
from hub.directory import service as directory
from hub.errors import ValidationFailed
from tests.conftest import csrf_token, sign_in


def _image_bytes(fmt="PNG", size=(300, 120), color=(30, 90, 60)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def _upload(client, org, data, filename="logo.png"):
    token = csrf_token(client, f"/organizations/{org.id}/edit")
    return client.post(
        f"/organizations/{org.id}/logo",
        data={"csrf_token": token, "logo": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_partner_admin_uploads_a_logo_that_is_served_reencoded(
    app, client, channel, session, tmp_path
):
    app.config["STORAGE_DIR"] = str(tmp_path)
    sign_in(client, channel.people["partner_admin"])
    jpeg = _image_bytes("JPEG", (2000, 800))
    assert _upload(client, channel.dealer, jpeg, "logo.jpg").status_code == 303
    session.refresh(channel.dealer)
    response = client.get(f"/organizations/{channel.dealer.id}/logo")
    assert response.status_code == 200 and response.mimetype == "image/png"
    served = Image.open(io.BytesIO(response.data))
    assert served.format == "PNG" and max(served.size) == 512  # resized, not the bytes we sent
    response.close()


def test_a_logo_outside_your_scope_is_404(app, client, channel, session, tmp_path):
    app.config["STORAGE_DIR"] = str(tmp_path)
    directory.set_logo(channel.people["program_admin"], channel.other_dealer, _image_bytes())
    session.flush()
    sign_in(client, channel.people["dealer_marketer"])
    assert client.get(f"/organizations/{channel.other_dealer.id}/logo").status_code == 404


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "not an image we can read",
        ),
        (b"%PDF-1.7 not an image", "not an image we can read"),
        (b"", "Choose an image file"),
    ],
)
def test_files_that_are_not_images_are_refused_with_a_sentence(
    app, channel, tmp_path, data, sentence
):
    app.config["STORAGE_DIR"] = str(tmp_path)
    with pytest.raises(ValidationFailed, match=sentence):
        directory.set_logo(channel.people["program_admin"], channel.dealer, data)
    assert channel.dealer.logo_path is None


def test_oversized_files_and_pixel_bombs_are_refused(app, channel, tmp_path):
    app.config.update(STORAGE_DIR=str(tmp_path), UPLOAD_MAX_BYTES=1000, IMAGE_MAX_PIXELS=10_000)
    with pytest.raises(ValidationFailed, match="larger than"):
        directory.set_logo(channel.people["program_admin"], channel.dealer, b"x" * 1001)
    app.config["UPLOAD_MAX_BYTES"] = 10_000_000
    with pytest.raises(ValidationFailed, match="megapixels"):
        directory.set_logo(
            channel.people["program_admin"], channel.dealer, _image_bytes(size=(200, 200))
        )


@pytest.mark.parametrize(
    ("filename", "content_type", "claimed", "really"),
    [
        ("scan.pdf", "image/png", "its type (image/png) says a PNG image", "a PDF"),
        ("scan.png", "application/pdf", "its name (.png) says a PNG image", "a PDF"),
        ("photo.pdf", "image/jpeg", "its name (.pdf) says a PDF", "a PNG image"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused_naming_the_claim_and_the_bytes(
    app, filename, content_type, claimed, really
):
    data = b"%PDF-1.7 rest" if really == "a PDF" else _image_bytes()
    with pytest.raises(ValidationFailed) as refused:
        uploads.accept_upload(data, filename, content_type)
    (sentence,) = refused.value.problems["files"]
    assert f"“{filename}” is not what it says: {claimed}, but it is {really}." in sentence
