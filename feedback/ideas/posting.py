"""Posting an idea: what it must say, its photos (checked and re-encoded images only),
and the follow that posting starts. Text is kept as typed and shown escaped (Jinja's
autoescape, JSON strings in the API), so HTML or script in it stays inert."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from feedback.ideas.access import PARTNERS_ONLY, can_post
from feedback.ideas.models import TEXT_MAX, TITLE_MAX, Idea, IdeaPhoto, IdeaSubscription
from hub import audit, db, uploads
from hub.errors import ValidationFailed
from hub.models import Person, ProductLine, StoredFile

PHOTO_FOLDER = "ideas"
MAX_PHOTOS = 4
TITLE_MIN = 8


# The product lines, by name, for the boards' tabs and the forms' choices: without each
# line's managers, which ProductLine loads with it (selectin) and these never show.
_PRODUCT_LINES = (
    sa.select(ProductLine).order_by(ProductLine.name).options(lazyload(ProductLine.managers))
)


def product_lines() -> list[ProductLine]:
    return list(db.session.scalars(_PRODUCT_LINES))


_LINE_NAMES = db.prepared(sa.select(ProductLine.id, ProductLine.name).order_by(ProductLine.name))


def line_names() -> list:
    """The product lines, by name, as (id, name) rows: the board's tabs show nothing more."""
    return db.read(_LINE_NAMES).all()


def field_problems(data: dict) -> dict[str, list[str]]:
    """A sentence per field that can't be accepted (empty: nothing)."""
    problems: dict[str, list[str]] = {}
    title = (data.get("title") or "").strip()
    if not title:
        problems["title"] = ["Give the idea a title, e.g. “Fold-away step on the loader frame”."]
    elif len(title) < TITLE_MIN:
        problems["title"] = [f"Say a little more in the title (at least {TITLE_MIN} characters)."]
    elif len(title) > TITLE_MAX:
        problems["title"] = [f"Keep the title to {TITLE_MAX} characters; say more below."]
    problem = (data.get("problem") or "").strip()
    if not problem:
        problems["problem"] = ["Describe the customer's problem: who runs into it, and when."]
    for name, what in (("problem", "the problem"), ("description", "the description")):
        if len((data.get(name) or "").strip()) > TEXT_MAX:
            problems[name] = [
                f"Keep {what} to {TEXT_MAX:,} characters (it has "
                f"{len(data[name].strip()):,}); attach photos for the rest."
            ]
    line_id = data.get("product_line_id")
    if line_id in (None, ""):
        problems["product_line_id"] = ["Choose the product line the idea is for."]
    elif _line(line_id) is None:
        problems["product_line_id"] = ["Choose one of the product lines offered."]
    return problems


def _line(line_id) -> ProductLine | None:
    try:
        return db.session.get(ProductLine, int(line_id))
    except (TypeError, ValueError, OverflowError):
        return None


def keep_photo(actor: Person, data: bytes, filename: str) -> StoredFile:
    """Check one photo (an image — PNG, JPEG, WebP or GIF — re-encoded, metadata dropped)
    and keep it as the poster's organisation's; refused with a sentence naming the file."""
    name = uploads.clean_filename(filename, "photo")
    png = uploads.reencode_image(data, field="photos", max_side=2048, name=name)
    stem = Path(name).stem if Path(name).suffix.lower() in uploads.IMAGE_SUFFIXES else name
    accepted = uploads.AcceptedFile(png, uploads.clean_filename(f"{stem}.png"), "image/png", ".png")
    return uploads.keep(
        accepted,
        PHOTO_FOLDER,
        organization_id=actor.organization_id,
        uploaded_by_id=actor.id,
    )


def unattached_photos(actor: Person, file_ids: list[int]) -> list[StoredFile]:
    """Photos this person uploaded with a form that was refused, not yet on any idea
    (anything else named is ignored: a form can't attach someone else's file)."""
    if not file_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(StoredFile)
            .where(
                StoredFile.id.in_(file_ids[:MAX_PHOTOS]),
                StoredFile.uploaded_by_id == actor.id,
                StoredFile.content_type == "image/png",
                StoredFile.path.startswith(f"{PHOTO_FOLDER}/"),
                ~sa.select(IdeaPhoto.id).where(IdeaPhoto.file_id == StoredFile.id).exists(),
            )
            .order_by(StoredFile.id)
        )
    )


def post_idea(actor: Person, data: dict, photos: list[StoredFile] = ()) -> Idea:
    """Post an idea for actor's organisation; the poster follows it. Refused with a
    sentence per field, or a PermissionError for someone who may not post."""
    if not can_post(actor):
        raise PermissionError(PARTNERS_ONLY)
    problems = field_problems(data)
    if len(photos) > MAX_PHOTOS:
        problems.setdefault("photos", []).append(f"Attach at most {MAX_PHOTOS} photos.")
    if problems:
        raise ValidationFailed(problems)
    idea = Idea(
        product_line_id=int(data["product_line_id"]),
        author_id=actor.id,
        organization_id=actor.organization_id,
        title=data["title"].strip(),
        problem=data["problem"].strip(),
        description=(data.get("description") or "").strip(),
    )
    db.session.add(idea)
    db.session.flush()
    for photo in photos:
        db.session.add(IdeaPhoto(idea_id=idea.id, file_id=photo.id))
    db.session.add(IdeaSubscription(idea_id=idea.id, person_id=actor.id))
    audit.record(
        "idea.posted",
        idea,
        actor=actor,
        after={"title": idea.title, "product_line_id": idea.product_line_id},
        summary=f"Idea “{idea.title}” posted",
    )
    db.session.flush()
    return idea
