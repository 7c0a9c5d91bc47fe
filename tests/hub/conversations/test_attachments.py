"""Attachments on messages: images re-encoded by Pillow and PDFs rewritten by pypdf
(hub/uploads.py), stored as StoredFile rows of the conversation's organisation, sent with
the page's form, over the socket (upload, then `attachment_ids`) and the API (multipart,
or upload-then-reference), and served only to those who may see the conversation."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from hub import db, uploads
from hub.accounts import service as accounts
from hub.conversations import attachments
from hub.conversations import service as conversations
from hub.conversations.models import Message, MessageAttachment
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import StoredFile
from tests.conftest import csrf_token, sign_in
from tests.hub.conversations.conftest import events, new_id


@pytest.fixture(autouse=True)
def storage(app, tmp_path):
    app.config["STORAGE_DIR"] = str(tmp_path / "storage")
    return tmp_path / "storage"


def png(size=(60, 40), color=(200, 30, 30), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def _name(value: str) -> NameObject:
    return NameObject(value)


def pdf(*, javascript=False, embedded=False, encrypted=False, pages=1) -> bytes:
    """A PDF made here, optionally with the active content check_pdf must drop."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    if javascript:
        script = DictionaryObject(
            {_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject("app.alert(1)")}
        )
        writer._root_object[_name("/OpenAction")] = script
        writer._root_object[_name("/Names")] = DictionaryObject(
            {
                _name("/JavaScript"): DictionaryObject(
                    {
                        _name("/Names"): ArrayObject(
                            [TextStringObject("x"), writer._add_object(script)]
                        )
                    }
                )
            }
        )
        page = writer.pages[0]
        page[_name("/AA")] = DictionaryObject({_name("/O"): script})
        run = DictionaryObject(
            {
                _name("/Type"): _name("/Annot"),
                _name("/Subtype"): _name("/Link"),
                _name("/A"): script,
            }
        )
        web = DictionaryObject(
            {
                _name("/Type"): _name("/Annot"),
                _name("/Subtype"): _name("/Link"),
                _name("/A"): DictionaryObject(
                    {
                        _name("/S"): _name("/URI"),
                        _name("/URI"): TextStringObject("https://x.example"),
                    }
                ),
            }
        )
        page[_name("/Annots")] = ArrayObject([writer._add_object(run), writer._add_object(web)])
    if embedded:
        writer.add_attachment("invoice.exe", b"MZ not really")
    if encrypted:
        writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- hub/uploads.py: what is accepted, and how ----------------------------------------------


def test_an_image_is_reencoded_to_png_and_keeps_its_name(app):
    accepted = uploads.accept_upload(png(fmt="JPEG"), "site photo.jpg", "image/jpeg")
    assert accepted.content_type == "image/png" and accepted.filename == "site photo.png"
    assert Image.open(io.BytesIO(accepted.data)).format == "PNG"


def test_a_pdf_is_rewritten_without_javascript_embedded_files_or_automatic_actions(app):
    original = pdf(javascript=True, embedded=True)
    assert b"/JavaScript" in original and b"/EmbeddedFile" in original  # the test's premise

    accepted = uploads.accept_upload(original, "manual.pdf", "application/pdf")

    data = accepted.data
    assert accepted.content_type == "application/pdf" and accepted.filename == "manual.pdf"
    for active in (b"/JavaScript", b"/EmbeddedFile", b"/OpenAction", b"/AA", b"/JS"):
        assert active not in data, active
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    (link,) = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert link["/A"]["/S"] == "/URI"  # a plain web link stays


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "sentence"),
    [
        (png(), "report.pdf", "application/pdf", "“report.pdf” is not what it says: its name"),
        (b"%PDF-1.7 rest", "photo.png", "image/png", "“photo.png” is not what it says"),
        (png(), "photo.png", "application/pdf", "is not what it says"),
        (b"PK\x03\x04 zip", "notes.docx", None, "“notes.docx” can't be attached"),
        (b"<svg onload=alert(1)>", "logo.svg", "image/svg+xml", "can't be attached"),
        (b"", "empty.pdf", "application/pdf", "“empty.pdf” is empty"),
        (pdf(encrypted=True), "locked.pdf", None, "“locked.pdf” is password-protected"),
        (b"%PDF-1.7\n1 0 obj <<", "broken.pdf", None, "“broken.pdf” is damaged"),
        (pdf()[:200], "cut.pdf", None, "“cut.pdf” is damaged"),
        (b"GIF89a" + b"\0" * 20, "anim.gif", None, "not an image we can read"),
    ],
)
def test_files_that_are_not_what_they_claim_or_cannot_be_read_are_refused(
    app, data, filename, content_type, sentence
):
    with pytest.raises(ValidationFailed) as refused:
        uploads.accept_upload(data, filename, content_type)
    assert sentence in str(refused.value)


def test_too_large_and_too_many_pages_are_refused(app):
    app.config["UPLOAD_MAX_BYTES"] = 1000
    with pytest.raises(ValidationFailed, match=r"“big\.png” is .* attach files of at most"):
        uploads.accept_upload(png(size=(600, 600)) + b"\0" * 2000, "big.png")
    app.config["UPLOAD_MAX_BYTES"] = 5 * 1024 * 1024
    with pytest.raises(ValidationFailed, match="has 501 pages; attach a PDF of at most 500"):
        uploads.accept_upload(pdf(pages=501), "huge.pdf")


def test_file_names_are_cleaned():
    assert uploads.clean_filename("../../etc/passwd") == "passwd"
    assert uploads.clean_filename("C:\\Users\\kim\\photo.png") == "photo.png"
    assert uploads.clean_filename('a"b\x00c.pdf') == "a'bc.pdf"
    assert uploads.clean_filename("") == "attachment"
    long = uploads.clean_filename("x" * 300 + ".pdf")
    assert len(long) <= uploads.MAX_FILENAME and long.endswith(".pdf")


# --- The page: a plain form post with files -------------------------------------------------


def status(response) -> int:
    """The status of a response, closed (a file response holds its file open until then)."""
    response.close()
    return response.status_code


def post_with_files(client, conversation, files, body="See attached", client_msg_id=None):
    token = csrf_token(client, f"/conversations/{conversation.id}")
    return client.post(
        f"/conversations/{conversation.id}/messages",
        data={
            "csrf_token": token,
            "body": body,
            "client_msg_id": client_msg_id or new_id(),
            "files": [(io.BytesIO(data), name) for name, data in files],
        },
        content_type="multipart/form-data",
    )


def test_a_form_post_with_an_image_and_a_pdf_stores_one_message_with_both(
    client, covered, start, session
):
    conversation = start()
    sign_in(client, covered.people["dealer_marketer"])

    response = post_with_files(
        client, conversation, [("whine.jpg", png(fmt="JPEG")), ("spec.pdf", pdf())]
    )

    assert response.status_code == 303
    message = session.scalar(
        sa.select(Message).where(Message.seq == 2, Message.conversation_id == conversation.id)
    )
    files = attachments.attachments_of([message.id])[message.id]
    assert [(f.filename, f.content_type) for f in files] == [
        ("whine.png", "image/png"),
        ("spec.pdf", "application/pdf"),
    ]
    assert {f.organization_id for f in files} == {covered.dealer.id}
    assert {f.uploaded_by_id for f in files} == {covered.people["dealer_marketer"].id}
    assert all(f.path.startswith("conversations/") for f in files)

    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    image_url = f"/conversations/{conversation.id}/files/{files[0].id}"
    assert f'<img src="{image_url}" alt="Image: whine.png"' in page
    assert 'download="spec.pdf">spec.pdf</a>' in page
    assert 'enctype="multipart/form-data"' in page


def test_a_form_post_with_a_file_that_lies_stores_nothing_and_says_why(
    client, covered, start, session, storage
):
    conversation = start()
    sign_in(client, covered.people["dealer_marketer"])
    files_before = session.scalar(sa.select(sa.func.count()).select_from(StoredFile))

    response = post_with_files(
        client, conversation, [("fine.png", png()), ("invoice.pdf", png(color=(1, 2, 3)))]
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "“invoice.pdf” is not what it says" in page
    assert "See attached" in page  # the text is kept for another try
    assert conversation.last_seq == 1  # no message
    assert session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == files_before
    assert not storage.exists() or not any(storage.rglob("*.png"))  # nothing half-written


def test_too_many_files_and_too_large_uploads_are_refused_on_the_page(client, covered, start, app):
    conversation = start()
    sign_in(client, covered.people["dealer_marketer"])

    six = post_with_files(client, conversation, [(f"p{n}.png", png()) for n in range(6)])
    assert six.status_code == 422
    assert "Attach at most 5 files to one message (6 were chosen)." in six.get_data(as_text=True)

    app.config["UPLOAD_MAX_BYTES"] = 2000  # the request may carry 5 × 2000 bytes + 64 KB
    big = post_with_files(client, conversation, [("big.pdf", b"%PDF-" + b"x" * 80_000)])
    assert big.status_code == 413
    assert "too large together" in big.get_data(as_text=True)
    assert conversation.last_seq == 1


UNREADABLE_GIF = b"GIF89a" + b"\0" * 20  # says GIF, but Pillow can't decode it


def test_a_page_post_with_one_unreadable_file_among_several_names_it(
    client, covered, start, session
):
    conversation = start()
    sign_in(client, covered.people["dealer_marketer"])

    response = post_with_files(
        client, conversation, [("ok.png", png()), ("anim.gif", UNREADABLE_GIF), ("a.pdf", pdf())]
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "“anim.gif” is not an image we can read" in page
    assert "See attached" in page
    assert conversation.last_seq == 1


def test_a_message_over_the_apps_default_limit_gets_the_product_sentence(
    client, covered, start, app
):
    conversation = start()
    sign_in(client, covered.people["dealer_marketer"])
    # As in production: five files may carry more than the app's default request limit.
    app.config.update(UPLOAD_MAX_BYTES=20_000, MAX_CONTENT_LENGTH=30_000)
    noisy = Image.frombytes("RGB", (70, 70), random.Random(7).randbytes(70 * 70 * 3))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    photos = [(f"p{n}.png", out.getvalue()) for n in range(3)]
    assert sum(len(d) for _, d in photos) > 30_000 and all(len(d) < 20_000 for _, d in photos)

    fits = post_with_files(client, conversation, photos)
    assert fits.status_code == 303  # over the default limit, within five files'

    big = post_with_files(client, conversation, [("big.pdf", b"%PDF-" + b"x" * 200_000)])
    assert big.status_code == 413  # over 5 × 20,000 bytes and the fields
    page = big.get_data(as_text=True)
    assert "Those files are too large together" in page
    assert 'name="body"' in page  # the message form, in place
    db.session.refresh(conversation)
    assert conversation.last_seq == 2  # the one that fit


# --- Serving ----------------------------------------------------------------------------------


@pytest.fixture
def sent(client, covered, start, session):
    """A conversation of the dealer with a message carrying an image and a PDF."""
    conversation = start()
    message, _ = conversations.send_message(
        covered.people["dealer_marketer"],
        conversation,
        new_id(),
        "Photos and the spec",
        files=[
            uploads.accept_upload(png(), "whine.png", "image/png"),
            uploads.accept_upload(pdf(javascript=True), "spec.pdf", "application/pdf"),
        ],
    )
    image, document = attachments.attachments_of([message.id])[message.id]
    return conversation, image, document


def test_files_are_served_with_nosniff_a_sandboxing_csp_and_pdfs_as_downloads(
    client, covered, sent
):
    conversation, image, document = sent
    sign_in(client, covered.people["channel_manager"])

    shown = client.get(f"/conversations/{conversation.id}/files/{image.id}")
    saved = client.get(f"/conversations/{conversation.id}/files/{document.id}")

    assert shown.status_code == saved.status_code == 200
    assert shown.mimetype == "image/png" and Image.open(io.BytesIO(shown.data)).size == (60, 40)
    assert shown.headers["Content-Disposition"].startswith("inline")
    assert saved.mimetype == "application/pdf"
    assert saved.headers["Content-Disposition"] == "attachment; filename=spec.pdf"
    assert b"/JavaScript" not in saved.data
    for response in (shown, saved):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"].startswith("private")
        response.close()


@pytest.mark.parametrize("who", ["other_marketer", "distributor_admin", "product_manager"])
def test_a_file_of_a_conversation_you_cannot_see_is_a_404(client, covered, sent, who):
    conversation, image, _document = sent
    sign_in(client, covered.people[who])
    assert status(client.get(f"/conversations/{conversation.id}/files/{image.id}")) == 404


def test_a_file_is_only_served_under_its_own_conversation(client, covered, sent, start):
    _conversation, image, _document = sent
    other = start(subject="Another one")
    sign_in(client, covered.people["dealer_marketer"])  # sees both conversations
    assert status(client.get(f"/conversations/{other.id}/files/{image.id}")) == 404
    assert status(client.get(f"/conversations/{other.id}/files/999999")) == 404


def test_an_api_token_fetches_a_file_and_a_bad_token_is_401(client, covered, sent):
    conversation, image, _document = sent
    url = f"/conversations/{conversation.id}/files/{image.id}"
    token = accounts.create_api_token(covered.people["channel_manager"], "files").secret
    outsider = accounts.create_api_token(covered.people["other_marketer"], "files").secret

    assert status(client.get(url, headers={"Authorization": f"Bearer {token}"})) == 200
    assert status(client.get(url, headers={"Authorization": f"Bearer {outsider}"})) == 404
    bad = client.get(url, headers={"Authorization": "Bearer phub_nope"})
    assert bad.status_code == 401 and "invalid_token" in bad.headers["WWW-Authenticate"]
    assert status(client.get(url)) == 302  # no sign-in at all: to the login page


# --- Upload, then send: the page's script and the socket ----------------------------------------


def upload_on_page(browser, conversation, data, name):
    token = csrf_token(browser, f"/conversations/{conversation.id}")
    return browser.post(
        f"/conversations/{conversation.id}/attachments",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )


def test_an_upload_then_a_socket_message_carries_the_file_to_the_room(
    app, covered, start, tab, session
):
    conversation = start()
    writer_browser = app.test_client()
    sign_in(writer_browser, covered.people["dealer_marketer"])
    writer = tab("dealer_marketer")
    manager = tab("channel_manager")
    for sock in (writer, manager):
        assert sock.emit("conversation:join", {"conversation_id": conversation.id}, callback=True)[
            "ok"
        ]
    manager.get_received()

    uploaded = upload_on_page(writer_browser, conversation, pdf(), "spec.pdf")
    assert uploaded.status_code == 201
    attachment = uploaded.json
    assert set(attachment) == {"id", "filename", "content_type", "size", "url"}
    # Not sent yet: only its uploader may fetch it.
    assert status(writer_browser.get(attachment["url"])) == 200
    manager_browser = app.test_client()
    sign_in(manager_browser, covered.people["channel_manager"])
    assert status(manager_browser.get(attachment["url"])) == 404

    key = new_id()
    payload = {
        "conversation_id": conversation.id,
        "client_msg_id": key,
        "body": "",
        "attachment_ids": [attachment["id"]],
    }
    answer = writer.emit("message:send", payload, callback=True)
    again = writer.emit("message:send", payload, callback=True)  # a retry after a lost ack

    assert answer["ok"] and again == answer
    assert answer["message"]["body"] == "" and answer["message"]["attachments"] == [attachment]
    (pushed,) = events(manager, "message:new")
    assert pushed["message"]["attachments"] == [attachment]
    assert status(manager_browser.get(attachment["url"])) == 200  # sent: theirs to see
    joined = manager.emit("conversation:join", {"conversation_id": conversation.id}, callback=True)
    assert joined["messages"][-1]["attachments"] == [attachment]

    # The same upload cannot go out with a second message, nor someone else's at all.
    second = writer.emit("message:send", {**payload, "client_msg_id": new_id()}, callback=True)
    assert second["ok"] is False and "was sent with another message already" in second["error"]
    stolen = manager.emit("message:send", {**payload, "client_msg_id": new_id()}, callback=True)
    assert stolen["ok"] is False and f"No upload {attachment['id']} of yours" in stolen["error"]


def test_an_upload_that_is_not_what_it_says_is_refused_as_problem_json(
    app, covered, start, session
):
    conversation = start()
    browser = app.test_client()
    sign_in(browser, covered.people["dealer_marketer"])
    before = session.scalar(sa.select(sa.func.count()).select_from(StoredFile))

    refused = upload_on_page(browser, conversation, png(), "contract.pdf")

    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert "“contract.pdf” is not what it says" in refused.json["detail"]
    assert session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == before


def test_a_retry_with_other_files_under_the_same_client_msg_id_is_a_conflict(covered, start):
    conversation = start()
    marketer = covered.people["dealer_marketer"]
    key = new_id()
    first = [uploads.accept_upload(png(), "a.png")]
    message, created = conversations.send_message(marketer, conversation, key, "x", files=first)
    same, again = conversations.send_message(marketer, conversation, key, "x", files=first)
    assert created and not again and same.id == message.id
    with pytest.raises(ValidationFailed, match="belongs to another message"):
        conversations.send_message(
            marketer, conversation, key, "x", files=[uploads.accept_upload(pdf(), "b.pdf")]
        )


def test_unsent_uploads_are_pruned_after_a_day_and_sent_ones_stay(covered, start, storage, session):
    conversation = start()
    marketer = covered.people["dealer_marketer"]
    old = attachments.upload_attachment(
        marketer, conversation, uploads.accept_upload(pdf(pages=2), "old.pdf")
    )
    kept = attachments.upload_attachment(
        marketer, conversation, uploads.accept_upload(pdf(pages=3), "kept.pdf")
    )
    conversations.send_message(marketer, conversation, new_id(), "", attachment_ids=[kept.id])
    old_path = storage / old.path

    result = attachments.prune_unsent_uploads(utcnow() + timedelta(days=1, minutes=1))

    assert result == "1 unsent uploads pruned"
    assert session.get(StoredFile, old.id) is None and not old_path.exists()
    assert session.get(StoredFile, kept.id) is not None and (storage / kept.path).exists()


def test_uploads_are_rate_limited(covered, start, monkeypatch):
    conversation = start()
    monkeypatch.setattr(attachments, "UPLOAD_LIMIT", 2)
    marketer = covered.people["dealer_marketer"]
    for n in range(2):
        attachments.upload_attachment(
            marketer, conversation, uploads.accept_upload(png(color=(n, 0, 0)), f"{n}.png")
        )
    with pytest.raises(Exception, match="You have uploaded 2 files in the last 10 minutes"):
        attachments.upload_attachment(marketer, conversation, uploads.accept_upload(png(), "3.png"))


# --- The API: multipart, and upload-then-reference ------------------------------------------------


@pytest.fixture
def bearer(covered):
    return lambda who: {
        "Authorization": "Bearer "
        + accounts.create_api_token(covered.people[who], "attachments").secret
    }


def test_the_api_posts_a_message_with_files_in_one_multipart_request(
    client, covered, start, bearer
):
    conversation = start()
    headers = bearer("channel_manager")
    key = new_id()

    def post():
        return client.post(
            f"/api/v1/conversations/{conversation.id}/messages",
            data={
                "client_msg_id": key,
                "body": "Service bulletin attached",
                "files": [(io.BytesIO(pdf()), "bulletin.pdf")],
            },
            content_type="multipart/form-data",
            headers=headers,
        )

    first, again = post(), post()

    assert first.status_code == 201 and again.status_code == 200
    assert again.json == first.json
    (attachment,) = first.json["attachments"]
    assert attachment["filename"] == "bulletin.pdf"
    assert attachment["content_type"] == "application/pdf"
    assert status(client.get(attachment["url"], headers=headers)) == 200
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(MessageAttachment)
            .where(MessageAttachment.file_id == attachment["id"])
        )
        == 1
    )


def test_the_api_uploads_then_references_and_refuses_liars_with_422(client, covered, start, bearer):
    conversation = start()
    headers = bearer("dealer_marketer")
    url = f"/api/v1/conversations/{conversation.id}"

    upload = client.post(
        f"{url}/attachments",
        data={"file": (io.BytesIO(png()), "photo.png")},
        content_type="multipart/form-data",
        headers=headers,
    )
    liar = client.post(
        f"{url}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4 x"), "photo.png")},
        content_type="multipart/form-data",
        headers=headers,
    )
    message = client.post(
        f"{url}/messages",
        json={"client_msg_id": new_id(), "attachment_ids": [upload.json["id"]]},
        headers=headers,
    )

    assert upload.status_code == 201 and upload.json["content_type"] == "image/png"
    assert liar.status_code == 422 and "not what it says" in liar.json["detail"]
    assert liar.json["errors"][0]["field"] == "file"
    assert message.status_code == 201
    assert message.json["body"] == "" and message.json["attachments"] == [upload.json]
    outsider = client.post(
        f"{url}/attachments",
        data={"file": (io.BytesIO(png()), "photo.png")},
        content_type="multipart/form-data",
        headers=bearer("other_marketer"),
    )
    assert outsider.status_code == 404
    as_json = client.post(f"{url}/attachments", json={"file": "x"}, headers=headers)
    assert as_json.status_code == 415


def test_the_api_refuses_an_oversized_upload_with_413(client, covered, start, bearer, app):
    conversation = start()
    app.config["UPLOAD_MAX_BYTES"] = 1000
    response = client.post(
        f"/api/v1/conversations/{conversation.id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-" + b"x" * 80_000), "big.pdf")},
        content_type="multipart/form-data",
        headers=bearer("dealer_marketer"),
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "too large" in response.json["detail"]


def test_the_api_names_the_unreadable_file_among_several(client, covered, start, bearer):
    conversation = start()
    response = client.post(
        f"/api/v1/conversations/{conversation.id}/messages",
        data={
            "client_msg_id": new_id(),
            "body": "Photos",
            "files": [
                (io.BytesIO(png()), "front.png"),
                (io.BytesIO(UNREADABLE_GIF), "back.gif"),
            ],
        },
        content_type="multipart/form-data",
        headers=bearer("dealer_marketer"),
    )
    assert response.status_code == 422
    assert "“back.gif” is not an image we can read" in str(response.json)
    assert conversation.last_seq == 1
