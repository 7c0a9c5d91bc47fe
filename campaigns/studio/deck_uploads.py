"""Deck templates the program admin uploads: a `.pptx` is checked as a zip package before
python-pptx ever parses it (no path-traversal entry, no entry or total beyond the
unpacked limits, no zip bomb), then opened, reported on (the tokens it holds, those the
studio does not know, each slide's title) and stored rewritten by python-pptx. A deck is
unpublished until the admin publishes it, and cannot be published while it holds a token
the studio would leave unfilled. Hostile files are refused with a sentence and nothing
is stored."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from flask import current_app
from pptx import Presentation

from campaigns.studio import deck
from campaigns.studio.models import StudioDeck
from hub import audit, db, uploads
from hub.errors import ValidationFailed
from hub.models import Person

FOLDER = "studio/decks"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
MAX_ENTRIES = 2000
MAX_UNPACKED = 100 * 1024 * 1024  # the whole package, unpacked
MAX_RATIO = 100  # an entry over 1 MB unpacking to more than 100× its packed size is a bomb
MAX_SLIDES = 100
_RESERVED = {"dealer-intro"}  # the code-built demo deck's key


@dataclass(frozen=True)
class Report:
    """What the admin sees on upload: every token found, the unknown ones, the slides."""

    tokens: list[str]
    unknown: list[str]
    titles: list[str]


def _refuse(sentence: str):
    raise ValidationFailed({"deck": [sentence]})


def check_package(data: bytes, name: str) -> None:
    """Refuse what is not a safe .pptx zip package, reading only the zip's directory."""
    if not data.startswith(b"PK\x03\x04"):
        _refuse(
            f"“{name}” is not a PowerPoint deck, whatever its name says (it is not a .pptx "
            "package); save it from PowerPoint as .pptx and upload it again."
        )
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        _refuse(f"“{name}” is damaged (its zip package does not open); save it again.")
    if len(infos) > MAX_ENTRIES:
        _refuse(f"“{name}” holds {len(infos):,} parts; a deck may hold at most {MAX_ENTRIES:,}.")
    for info in infos:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in info.filename:
            _refuse(
                f"“{name}” was refused: it holds a part named “{info.filename[:80]}” that "
                "points outside the package."
            )
    total = sum(info.file_size for info in infos)
    bomb = any(
        info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        for info in infos
    )
    if total > MAX_UNPACKED or bomb:
        _refuse(
            f"“{name}” was refused: it would unpack to {total / 2**20:,.0f} MB "
            f"(a deck may unpack to at most {MAX_UNPACKED // 2**20} MB, and no part may "
            f"grow more than {MAX_RATIO}×)."
        )
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "ppt/presentation.xml" not in names:
        _refuse(f"“{name}” is a zip file but not a PowerPoint deck; upload a .pptx.")


def check_deck(data: bytes, filename, content_type=None) -> tuple[bytes, Report]:
    """The deck rewritten by python-pptx and its report, or a sentence saying why not."""
    name = uploads.clean_filename(filename, "deck.pptx")
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    if not data:
        _refuse("Choose a .pptx file to upload.")
    if len(data) > limit:
        _refuse(
            f"“{name}” is {len(data) / 2**20:.1f} MB; upload a deck of at most "
            f"{limit // 2**20} MB (compress its pictures)."
        )
    if Path(name).suffix.lower() != ".pptx" or "svg" in (content_type or "").lower():
        _refuse(f"“{name}” is not a PowerPoint deck (.pptx); upload a .pptx file.")
    check_package(data, name)
    try:
        prs = Presentation(io.BytesIO(data))
        slides = list(prs.slides)
        out = io.BytesIO()
        prs.save(out)
    except Exception:  # any parser failure is a damaged file to the admin
        _refuse(f"“{name}” is damaged or not a deck python-pptx can read; save it again.")
    if not slides:
        _refuse(f"“{name}” has no slides.")
    if len(slides) > MAX_SLIDES:
        _refuse(f"“{name}” has {len(slides)} slides; a deck may have at most {MAX_SLIDES}.")
    rewritten = out.getvalue()
    return rewritten, report(rewritten)


def _title(slide, number: int) -> str:
    title = slide.shapes.title
    if title is not None and title.text_frame.text.strip():
        return " ".join(title.text_frame.text.split())[:120]
    for shape in slide.shapes:
        if shape.has_text_frame and shape.text_frame.text.strip():
            return " ".join(shape.text_frame.text.split())[:120]
    return f"Slide {number}"


def report(data: bytes) -> Report:
    tokens = sorted(deck.tokens_in(data))
    prs = Presentation(io.BytesIO(data))
    titles = [_title(slide, i) for i, slide in enumerate(prs.slides, start=1)]
    return Report(tokens, [t for t in tokens if t not in deck.KNOWN_TOKENS], titles)


def slide_png(row: StudioDeck, number: int, width: int = 640) -> bytes | None:
    """Slide `number` (from 1) of an uploaded deck, tokens unfilled, as a simplified PNG
    preview (deck.slide_images, drawn by Pillow); None when it has no such slide."""
    data = uploads.open_stored(row.file.path).read_bytes()
    images = deck.slide_images(data, width)
    if not 1 <= number <= len(images):
        return None
    out = io.BytesIO()
    images[number - 1].save(out, format="PNG")
    return out.getvalue()


def _key(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "deck"
    key, n = base, 1
    while key in _RESERVED or db.session.scalar(
        sa.select(StudioDeck.id).where(StudioDeck.key == key)
    ):
        n += 1
        key = f"{base}-{n}"
    return key


def save_deck(actor: Person, name: str, upload: tuple | None) -> StudioDeck:
    """Store an uploaded deck (unpublished) with its report; audited. `upload` is
    (bytes, filename, content type). ValidationFailed: nothing stored."""
    name = " ".join((name or "").split())
    problems: dict[str, list[str]] = {}
    if not name or len(name) > 160:
        problems["name"] = ["Give the deck a name dealers will recognise (at most 160 characters)."]
    rewritten = found = None
    try:
        rewritten, found = check_deck(*(upload or (b"", "", None)))
    except ValidationFailed as exc:
        problems.update(exc.problems)
    if problems:
        raise ValidationFailed(problems)
    accepted = uploads.AcceptedFile(rewritten, uploads.clean_filename(upload[1]), PPTX, ".pptx")
    stored = uploads.keep(accepted, FOLDER, organization_id=None, uploaded_by_id=actor.id)
    row = StudioDeck(
        key=_key(name),
        name=name,
        file_id=stored.id,
        file=stored,
        tokens=found.tokens,
        unknown=found.unknown,
        titles=found.titles,
        published=False,
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "studio.deck_uploaded",
        row,
        after={
            "key": row.key,
            "name": name,
            "tokens": found.tokens,
            "unknown": found.unknown,
            "slides": len(found.titles),
        },
        summary=f"Deck template “{name}” uploaded",
        actor=actor,
    )
    return row


def set_published(actor: Person, row: StudioDeck, published: bool) -> StudioDeck:
    """Offer the deck to dealers, or take it back; audited. A deck holding a token the
    studio does not fill cannot be published (the dealer would get it as typed)."""
    if published and row.unknown:
        listed = ", ".join(f"{{{{{t}}}}}" for t in row.unknown)
        raise ValidationFailed(
            {
                "published": [
                    f"“{row.name}” holds tokens the studio does not fill ({listed}): "
                    "correct them in PowerPoint and upload the deck again."
                ]
            }
        )
    if row.published == published:
        return row
    row.published = published
    db.session.flush()
    word = "published" if published else "unpublished"
    audit.record(
        f"studio.deck_{word}",
        row,
        before={"published": not published},
        after={"published": published},
        summary=f"Deck template “{row.name}” {word}",
        actor=actor,
    )
    return row


def all_decks() -> list[StudioDeck]:
    return list(db.session.scalars(sa.select(StudioDeck).order_by(StudioDeck.name)))


def get_deck(deck_id: int) -> StudioDeck | None:
    return db.session.get(StudioDeck, deck_id)


def published_decks() -> dict[str, str]:
    """The published uploaded decks, key → name."""
    rows = db.session.execute(
        sa.select(StudioDeck.key, StudioDeck.name)
        .where(StudioDeck.published.is_(True))
        .order_by(StudioDeck.name)
    )
    return dict(rows.tuples().all())


def deck_bytes(key: str) -> bytes | None:
    """A published uploaded deck's stored bytes, or None."""
    row = db.session.scalar(
        sa.select(StudioDeck).where(StudioDeck.key == key, StudioDeck.published.is_(True))
    )
    return None if row is None else uploads.open_stored(row.file.path).read_bytes()
