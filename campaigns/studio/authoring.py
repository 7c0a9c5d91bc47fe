"""The program admin authors image templates: a base artwork (drawn by the app, or a PNG
or JPEG uploaded through hub.uploads — decoded, re-encoded, within pixel and byte
limits), an output size, and the layout — logo zone, text slots, locked regions, a brand
bar and the required disclaimer with its version (the form's fields become a layout in
`layouts.parse`, one sentence per problem keyed by the field). A template is previewed with a built-in sample
dealer and can be published only when that preview renders. Every change is audited."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageDraw

from campaigns.studio import render as draw
from campaigns.studio.artwork import SIZES, UPLOAD_FOLDER, UPLOADED
from campaigns.studio.layouts import parse
from campaigns.studio.library import ADMINS_ONLY, may_author
from campaigns.studio.models import StudioTemplate
from hub import audit, db, uploads
from hub.errors import ValidationFailed
from hub.fonts import font
from hub.models import Person


def _require(actor: Person) -> None:
    if not may_author(actor):
        raise PermissionError(ADMINS_ONLY)


# --- Artwork uploads -----------------------------------------------------------------


def check_artwork(data: bytes, filename, content_type=None) -> uploads.AcceptedFile:
    """A base artwork upload checked and re-encoded to PNG, or a sentence saying why not."""
    name = uploads.clean_filename(filename, "artwork")
    head = data[:2048].lstrip().lower()
    if (
        Path(name).suffix.lower() in (".svg", ".svgz")
        or "svg" in (content_type or "").lower()
        or head.startswith(b"<?xml")
        or b"<svg" in head
    ):
        raise ValidationFailed(
            {
                "artwork_file": [
                    f"“{name}” is an SVG, which can't be used as artwork (it can carry scripts): "
                    "export it as a PNG or JPEG."
                ]
            }
        )
    small = len(data) <= current_app.config["UPLOAD_MAX_BYTES"]
    if data and small and not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        raise ValidationFailed(
            {
                "artwork_file": [
                    f"“{name}” is not a PNG or JPEG image, whatever its name says; upload the "
                    "artwork as one of those."
                ]
            }
        )
    return uploads.accept_upload(
        data, name, content_type, field="artwork_file", max_side=max(max(s) for s in SIZES.values())
    )


def keep_artwork(actor: Person, accepted: uploads.AcceptedFile) -> str:
    """Store a checked artwork; its key names the stored file's content."""
    stored = uploads.keep(accepted, UPLOAD_FOLDER, organization_id=None, uploaded_by_id=actor.id)
    return UPLOADED + Path(stored.path).stem


# --- Saving and publishing -----------------------------------------------------------


def _template_key(name: str, template: StudioTemplate | None) -> str:
    if template is not None:
        return template.key
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "template"
    key, n = base, 1
    while db.session.scalar(sa.select(StudioTemplate.id).where(StudioTemplate.key == key)):
        n += 1
        key = f"{base}-{n}"
    return key


def save_template(
    actor: Person,
    values: dict,
    artwork_upload: tuple | None = None,
    template: StudioTemplate | None = None,
) -> StudioTemplate:
    """Create (unpublished) or change a template; audited. `artwork_upload` is (bytes,
    filename, content type). ValidationFailed with every problem: nothing is stored."""
    _require(actor)
    accepted, upload_problems = None, {}
    if artwork_upload is not None and artwork_upload[0]:
        try:
            accepted = check_artwork(*artwork_upload)
        except ValidationFailed as exc:
            upload_problems = exc.problems
    fields, problems = parse(values, "upload-" + "0" * 32 if accepted else None)
    problems.update(upload_problems)
    if problems:
        raise ValidationFailed(problems)
    if accepted is not None:
        fields["artwork"] = keep_artwork(actor, accepted)
    watched = ["name", "description", "size", "artwork", "layout"]
    before = {} if template is None else audit.snapshot(template, watched)
    if template is None:
        template = StudioTemplate(key=_template_key(fields["name"], None), published=False)
        db.session.add(template)
    for key, value in fields.items():
        setattr(template, key, value)
    db.session.flush()
    audit.record(
        "studio.template_saved",
        template,
        before=before,
        after=audit.snapshot(template, watched),
        summary=f"Studio template “{template.name}” saved",
        actor=actor,
    )
    return template


@cache
def sample_logo() -> bytes:
    """The sample dealer's logo: a square mark and a name, on transparency (PNG)."""
    image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((10, 20, 210, 220), radius=36, fill=(42, 93, 176, 255))
    pen.text((60, 60), "S", font=font(120, bold=True), fill=(255, 255, 255, 255))
    pen.text((236, 60), "SAMPLE", font=font(72, bold=True), fill=(42, 93, 176, 255))
    pen.text((238, 140), "DEALER CO.", font=font(48), fill=(42, 93, 176, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sample_brand() -> draw.Brand:
    """The built-in sample dealer every preview before publishing uses."""
    with Image.open(io.BytesIO(sample_logo())) as opened:
        logo = opened.convert("RGBA")
    return draw.Brand(
        "Sample Dealer Co.",
        logo,
        "#2a5db0",
        "(555) 010-0199",
        "sample-dealer.example",
        "1 Sample Road, Springfield",
    )


def sample_render(template: StudioTemplate, forbidden=()) -> draw.Rendered:
    """The template filled with the sample dealer and its default texts (or
    ValidationFailed with what stops it rendering)."""
    values = {s["key"]: s.get("default", "") for s in draw.editable_slots(template.layout)}
    return draw.render(
        template.layout, template.artwork, template.size, sample_brand(), values, forbidden
    )


def set_published(actor: Person, template: StudioTemplate, published: bool, forbidden=()):
    """Offer the template to dealers, or take it back; audited. Publishing needs the
    sample dealer's preview to render."""
    _require(actor)
    if published:
        try:
            sample_render(template, forbidden)
        except ValidationFailed as exc:
            found = " ".join(m for ms in exc.problems.values() for m in ms)
            raise ValidationFailed(
                {
                    "published": [
                        f"“{template.name}” can't be published: its preview with the sample dealer "
                        f"fails ({found})"
                    ]
                }
            ) from None
    if template.published == published:
        return template
    template.published = published
    db.session.flush()
    word = "published" if published else "unpublished"
    audit.record(
        f"studio.template_{word}",
        template,
        before={"published": not published},
        after={"published": published},
        summary=f"Studio template “{template.name}” {word}",
        actor=actor,
    )
    return template


def all_templates() -> list[StudioTemplate]:
    return list(db.session.scalars(sa.select(StudioTemplate).order_by(StudioTemplate.name)))
