"""The rules of field intelligence: filing an observation (what it must say, its price
as Decimal with a currency, its photo through hub.uploads), the product managers' tags
and links to ideas, and the filtered list. Pages and the demo call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa

from feedback.field.access import (
    CURATORS_ONLY,
    FILERS_ONLY,
    can_curate,
    can_file,
    visible_observations,
)
from feedback.field.models import (
    COMPETITOR_MAX,
    CURRENCIES,
    NOTES_MAX,
    PRODUCT_MAX,
    REGION_MAX,
    FieldObservation,
    FieldObservationIdea,
    FieldObservationTag,
)
from feedback.ideas import service as ideas
from feedback.ideas.models import Idea
from hub import audit, dates, db, uploads
from hub.errors import Conflict, ValidationFailed
from hub.models import Person, ProductLine, StoredFile

PHOTO_FOLDER = "field"
MAX_PRICE = Decimal("10000000")
OLDEST = timedelta(days=3 * 365)


def _text(data: dict, name: str) -> str:
    """A one-line field with its spaces collapsed; the notes as typed, trimmed."""
    value = str(data.get(name) or "")
    return value.strip() if name == "notes" else " ".join(value.split())


def parse_price(raw) -> Decimal | None:
    """The price as typed ("1,299.00", "$1299") as Decimal; None when empty. ValueError
    with the sentence when it isn't a price."""
    text = str(raw or "").strip().replace(",", "").lstrip("$€£").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("Give the price as a number, e.g. 1299.00.") from None
    if not value.is_finite() or value < 0 or value > MAX_PRICE:
        raise ValueError(f"Give a price from 0 to {MAX_PRICE:,}.")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("Give the price to the cent at most (two decimals).")
    return value.quantize(Decimal("0.01"))


def field_problems(data: dict, today: date) -> tuple[dict[str, list[str]], dict]:
    """A sentence per field that can't be accepted, and the cleaned values."""
    problems: dict[str, list[str]] = {}
    clean: dict = {}
    for name, label, limit, example in (
        ("competitor", "the competitor", COMPETITOR_MAX, "e.g. “Kubota”"),
        ("product", "the product", PRODUCT_MAX, "e.g. “BX23S tractor-loader-backhoe”"),
        ("region", "the region", REGION_MAX, "e.g. “Central Iowa”"),
    ):
        value = _text(data, name)
        if not value:
            problems[name] = [f"Name {label} you saw, {example}."]
        elif len(value) > limit:
            problems[name] = [f"Keep {label} to {limit} characters."]
        clean[name] = value
    notes = _text(data, "notes")
    if len(notes) > NOTES_MAX:
        problems["notes"] = [
            f"Keep the notes to {NOTES_MAX:,} characters (they have {len(notes):,})."
        ]
    clean["notes"] = notes
    try:
        clean["price"] = parse_price(data.get("price"))
    except ValueError as exc:
        problems["price"] = [str(exc)]
        clean["price"] = None
    currency = str(data.get("currency") or "").strip().upper()
    if clean["price"] is not None and currency not in CURRENCIES:
        problems["currency"] = ["Choose the currency of the price."]
    clean["currency"] = currency if clean["price"] is not None else None
    raw_day = str(data.get("observed_on") or "").strip()
    try:
        day = date.fromisoformat(raw_day) if raw_day else today
    except ValueError:
        problems["observed_on"] = ["Give the date you saw it as YYYY-MM-DD."]
        day = today
    if day > today:
        problems["observed_on"] = ["The date you saw it can't be in the future."]
    elif day < today - OLDEST:
        problems["observed_on"] = ["File observations from the last three years."]
    clean["observed_on"] = day
    line = str(data.get("product_line_id") or "").strip()
    clean["product_line_id"] = None
    if line:
        found = (
            db.session.get(ProductLine, int(line)) if line.isdigit() and len(line) < 12 else None
        )
        if found is None:
            problems["product_line_id"] = ["Choose one of the product lines offered."]
        else:
            clean["product_line_id"] = found.id
    return problems, clean


def keep_photo(actor: Person, data: bytes, filename: str) -> StoredFile:
    """Check the photo (an image, re-encoded to PNG without metadata: hub.uploads) and
    keep it as the filing organisation's; refused with a sentence naming the file."""
    name = uploads.clean_filename(filename, "photo")
    png = uploads.reencode_image(data, field="photo", max_side=2048, name=name)
    stem = Path(name).stem if Path(name).suffix.lower() in uploads.IMAGE_SUFFIXES else name
    accepted = uploads.AcceptedFile(png, uploads.clean_filename(f"{stem}.png"), "image/png", ".png")
    return uploads.keep(
        accepted, PHOTO_FOLDER, organization_id=actor.organization_id, uploaded_by_id=actor.id
    )


def file_observation(
    actor: Person, data: dict, photo: tuple[bytes, str] | None = None, *, today: date | None = None
) -> FieldObservation:
    """File an observation for the actor's organisation. `photo`: (bytes, file name)."""
    if not can_file(actor):
        raise PermissionError(FILERS_ONLY)
    problems, clean = field_problems(data, today or dates.today())
    stored = None
    if photo is not None:
        try:
            stored = keep_photo(actor, *photo)
        except ValidationFailed as exc:
            problems["photo"] = [m for msgs in exc.problems.values() for m in msgs]
    if problems:
        raise ValidationFailed(problems)
    row = FieldObservation(
        organization_id=actor.organization_id,
        author_id=actor.id,
        photo_file_id=stored.id if stored else None,
        **clean,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "field.observation_filed",
        row,
        actor=actor,
        after={
            "competitor": row.competitor,
            "product": row.product,
            "price": str(row.price) if row.price is not None else None,
            "currency": row.currency,
            "region": row.region,
        },
        summary=f"Market observation filed: {row.competitor} {row.product} in {row.region}",
    )
    return row


# --- Tags and links ------------------------------------------------------------------------


def tags_of(observation_ids: list[int]) -> dict[int, list[str]]:
    if not observation_ids:
        return {}
    out: dict[int, list[str]] = {}
    for oid, tag in db.session.execute(
        sa.select(FieldObservationTag.observation_id, FieldObservationTag.tag)
        .where(FieldObservationTag.observation_id.in_(observation_ids))
        .order_by(FieldObservationTag.observation_id, FieldObservationTag.tag)
    ):
        out.setdefault(oid, []).append(tag)
    return out


def set_tags(actor: Person, observation: FieldObservation, raw: str) -> list[str]:
    """Replace the observation's tags (comma-separated, normalised like idea tags)."""
    if not can_curate(actor):
        raise PermissionError(CURATORS_ONLY)
    wanted = sorted(ideas.parse_tags(raw))
    before = tags_of([observation.id]).get(observation.id, [])
    if wanted == before:
        return before
    db.session.execute(
        sa.delete(FieldObservationTag).where(FieldObservationTag.observation_id == observation.id)
    )
    if wanted:
        db.session.execute(
            sa.insert(FieldObservationTag),
            [{"observation_id": observation.id, "tag": t} for t in wanted],
        )
    audit.record(
        "field.observation_tagged",
        observation,
        actor=actor,
        before={"tags": before},
        after={"tags": wanted},
        summary=f"Observation tags: {', '.join(wanted) or 'none'}",
    )
    return wanted


def linked_ideas(observation: FieldObservation) -> list[Idea]:
    return list(
        db.session.scalars(
            sa.select(Idea)
            .join(FieldObservationIdea, FieldObservationIdea.idea_id == Idea.id)
            .where(FieldObservationIdea.observation_id == observation.id)
            .order_by(Idea.id)
        )
    )


def link_idea(actor: Person, observation: FieldObservation, idea_ref) -> Idea:
    """Link the observation to the idea numbered `idea_ref` (e.g. "12" or "#12")."""
    if not can_curate(actor):
        raise PermissionError(CURATORS_ONLY)
    text = str(idea_ref or "").strip().lstrip("#")
    idea = ideas.get_visible(actor, int(text)) if text.isdigit() and len(text) < 12 else None
    if idea is None:
        raise ValidationFailed(
            {"idea": ["Give the number of an idea, e.g. 12 (it's in its address)."]}
        )
    if db.session.get(FieldObservationIdea, (observation.id, idea.id)) is not None:
        raise Conflict({"idea": [f"The observation is linked to idea {idea.id} already."]})
    db.session.add(
        FieldObservationIdea(observation_id=observation.id, idea_id=idea.id, linked_by_id=actor.id)
    )
    db.session.flush()
    audit.record(
        "field.observation_linked",
        observation,
        actor=actor,
        after={"idea_id": idea.id},
        summary=f"Observation linked to idea “{idea.title}”",
    )
    return idea


def unlink_idea(actor: Person, observation: FieldObservation, idea_id: int) -> bool:
    if not can_curate(actor):
        raise PermissionError(CURATORS_ONLY)
    removed = db.session.execute(
        sa.delete(FieldObservationIdea).where(
            FieldObservationIdea.observation_id == observation.id,
            FieldObservationIdea.idea_id == idea_id,
        )
    ).rowcount
    if removed:
        audit.record(
            "field.observation_unlinked",
            observation,
            actor=actor,
            before={"idea_id": idea_id},
            after={"idea_id": None},
            summary="Observation unlinked from an idea",
        )
    return bool(removed)


def observations_of_idea(viewer: Person, idea: Idea) -> list[FieldObservation]:
    """The observations linked to the idea that the viewer may see, newest first."""
    return list(
        db.session.scalars(
            visible_observations(viewer)
            .join(FieldObservationIdea, FieldObservationIdea.observation_id == FieldObservation.id)
            .where(FieldObservationIdea.idea_id == idea.id)
            .order_by(FieldObservation.observed_on.desc(), FieldObservation.id.desc())
        )
    )


# --- The list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    q: str = ""  # words in the competitor or product
    region: str = ""
    tag: str | None = None
    product_line_id: int | None = None


def listing(viewer: Person, filters: Filters) -> sa.Select:
    """SELECT of the observations the viewer may see, filtered, newest seen first."""
    stmt = visible_observations(viewer)
    for word in filters.q.split()[:5]:
        pattern = f"%{escape_like(word.lower())}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(FieldObservation.competitor).like(pattern, escape="\\"),
                sa.func.lower(FieldObservation.product).like(pattern, escape="\\"),
            )
        )
    if filters.region:
        stmt = stmt.where(
            sa.func.lower(FieldObservation.region).like(
                f"%{escape_like(filters.region.lower())}%", escape="\\"
            )
        )
    if filters.tag:
        stmt = stmt.where(
            FieldObservation.id.in_(
                sa.select(FieldObservationTag.observation_id).where(
                    FieldObservationTag.tag == filters.tag
                )
            )
        )
    if filters.product_line_id is not None:
        stmt = stmt.where(FieldObservation.product_line_id == filters.product_line_id)
    return stmt.order_by(FieldObservation.observed_on.desc(), FieldObservation.id.desc())


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def all_tags(viewer: Person) -> list[str]:
    """The tags on observations the viewer may see (the filter's choices)."""
    ids = visible_observations(viewer).with_only_columns(FieldObservation.id)
    return list(
        db.session.scalars(
            sa.select(FieldObservationTag.tag)
            .where(FieldObservationTag.observation_id.in_(ids))
            .distinct()
            .order_by(FieldObservationTag.tag)
        )
    )
