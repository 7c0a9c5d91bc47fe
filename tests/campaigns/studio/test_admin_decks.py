"""Deck templates the program admin uploads: the token report, publishing (refused while
a token is unknown), dealers seeing a published deck, and hostile .pptx files — not a
zip, a zip that is not a deck, a path-traversal entry, a zip bomb, a lying extension, an
oversized file — each refused with a sentence, nothing stored, the bomb without
unpacking it."""

from __future__ import annotations

import io
import tracemalloc

import pytest
import sqlalchemy as sa
from pptx import Presentation

from campaigns.demo import studio as studio_demo
from campaigns.studio import deck_uploads
from campaigns.studio.models import StudioDeck, StudioUsage
from campaigns.studio.profiles import save_profile
from hub import db
from hub.errors import ValidationFailed
from hub.models import AuditEvent, StoredFile
from tests.campaigns.studio.admin_support import bomb_pptx, pptx, traversal_pptx, zip_not_pptx
from tests.conftest import post_form

NEW = "/campaigns/studio/manage/decks/new"
PPTX = deck_uploads.PPTX


def _upload(client, data, name="deck.pptx", content_type=PPTX, title="Spring deck"):
    form = {"name": title, "deck": (io.BytesIO(data), name, content_type)}
    return post_form(client, NEW, form, content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_an_uploaded_deck_reports_its_tokens_and_publishes_once_they_are_known(
    app, client, login_as, channel, tmp_path
):
    app.config["STORAGE_DIR"] = str(tmp_path)
    login_as("program_admin")
    response = _upload(client, pptx())
    assert response.status_code == 303
    row = db.session.scalar(sa.select(StudioDeck))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "{{dealer.name}}" in page and "{{dealer.fax}}" in page
    assert "unknown: the studio would leave it as typed" in page
    assert row.unknown == ["dealer.fax"] and row.titles[0] == "Hello {{dealer.name}}"
    assert not row.published
    refused = post_form(
        client,
        f"/campaigns/studio/manage/decks/{row.id}/publish",
        {"published": "1"},
        token_page=f"/campaigns/studio/manage/decks/{row.id}",
    )
    assert refused.status_code == 303
    db.session.expire_all()
    assert not row.published
    assert "dealer.fax" in client.get(refused.headers["Location"]).get_data(as_text=True)

    good = _upload(client, pptx(("Hello {{dealer.name}}", "{{offer}}")), title="Good deck")
    good_row = db.session.scalar(sa.select(StudioDeck).where(StudioDeck.name == "Good deck"))
    assert good.status_code == 303 and good_row.unknown == []
    ok = post_form(
        client,
        f"/campaigns/studio/manage/decks/{good_row.id}/publish",
        {"published": "1"},
        token_page=f"/campaigns/studio/manage/decks/{good_row.id}",
    )
    assert ok.status_code == 303
    db.session.expire_all()
    assert good_row.published
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("studio.deck_%"))
    ).all()
    assert sorted(actions) == [
        "studio.deck_published",
        "studio.deck_uploaded",
        "studio.deck_uploaded",
    ]

    marketer = login_as("dealer_marketer")
    save_profile(
        marketer,
        channel.dealer,
        {"phone": "555 0100"},
        (studio_demo.prairie_logo(), "logo.png", "image/png"),
    )
    db.session.commit()
    assert "Good deck" in client.get("/campaigns/studio").get_data(as_text=True)
    download = client.get(f"/campaigns/studio/decks/{good_row.key}.pptx?offer=Save%20now")
    assert download.status_code == 200
    made = Presentation(io.BytesIO(download.data))
    text = " ".join(s.text_frame.text for sl in made.slides for s in sl.shapes if s.has_text_frame)
    assert "{{" not in text and channel.dealer.name in text and "Save now" in text
    assert len(made.slides) == 2
    use = db.session.scalar(sa.select(StudioUsage))
    assert use.template_key == good_row.key and use.organization_id == channel.dealer.id


HOSTILE = {
    "not a zip": (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "deck.pptx", "is not a PowerPoint deck, whatever its name says"),
    "a zip but no deck": (zip_not_pptx(), "deck.pptx", "is a zip file but not a PowerPoint deck"),
    "path traversal": (traversal_pptx(), "deck.pptx", "points outside the package"),
    "lying extension": (pptx(), "deck.png", "is not a PowerPoint deck (.pptx)"),
    "svg": (b"<svg><script>alert(1)</script></svg>", "deck.pptx", "is not a PowerPoint deck, whatever"),
    "truncated": (pptx()[:4000], "deck.pptx", "is damaged"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_decks_are_refused_with_a_sentence_and_nothing_is_stored(
    app, client, login_as, channel, tmp_path, case
):
    app.config["STORAGE_DIR"] = str(tmp_path)
    login_as("program_admin")
    data, name, sentence = HOSTILE[case]
    response = _upload(client, data, name)
    assert response.status_code == 422
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert sentence in page, page[:2000]
    assert 'value="Spring deck"' in page, "the name is kept"
    assert _count(StudioDeck) == 0 and _count(StoredFile) == 0
    assert not any(tmp_path.rglob("*.pptx"))


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking(app, channel):
    data = bomb_pptx(40)
    assert len(data) < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ValidationFailed) as refused:
            deck_uploads.check_deck(data, "deck.pptx", PPTX)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "would unpack to 40 MB" in refused.value.problems["deck"][0]
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes: the part was unpacked"
    assert _count(StudioDeck) == 0


def test_an_oversized_deck_is_refused(app, client, login_as, channel, tmp_path):
    app.config.update(STORAGE_DIR=str(tmp_path), UPLOAD_MAX_BYTES=20_000)
    login_as("program_admin")
    response = _upload(client, pptx())
    assert response.status_code == 422
    assert "upload a deck of at most" in response.get_data(as_text=True)
    assert _count(StudioDeck) == 0
