"""The studio's rules for pages and callers outside the folder: the published templates,
approved copy and forbidden words; personalising a template with a dealer's profile
(cached on disk by the content of its inputs); and attaching an output to one of the
dealer's proposals as a studio asset, so its claim can offer it as proof."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from campaigns.proposals import service as proposals
from campaigns.proposals.models import AssetSource, Proposal, ProposalAsset
from campaigns.studio import deck, deck_uploads, usage
from campaigns.studio import render as draw
from campaigns.studio.models import (
    ApprovedCopy,
    CopyKind,
    ForbiddenWord,
    StudioTemplate,
    UsageAction,
)
from campaigns.studio.profiles import brand_of, may_brand, profile_of
from hub import audit, db
from hub.errors import ValidationFailed
from hub.models import Organization, Person

RENDER_VERSION = "2"  # bump when drawing changes, so old cached files are not served
FORMATS = ("png", "jpeg", "pdf")
FORMAT_LABELS = {"png": "PNG", "jpeg": "JPEG", "pdf": "PDF (A4)"}


def templates() -> list[StudioTemplate]:
    return list(
        db.session.scalars(
            sa.select(StudioTemplate)
            .where(StudioTemplate.published.is_(True))
            .order_by(StudioTemplate.name)
        )
    )


def get_template(template_id: int) -> StudioTemplate | None:
    template = db.session.get(StudioTemplate, template_id)
    return template if template is not None and template.published else None


def approved_copy() -> dict[CopyKind, list[str]]:
    rows = db.session.scalars(sa.select(ApprovedCopy).order_by(ApprovedCopy.id))
    found: dict[CopyKind, list[str]] = {kind: [] for kind in CopyKind}
    for row in rows:
        found[row.kind].append(row.text)
    return found


def forbidden_words() -> list[str]:
    return list(db.session.scalars(sa.select(ForbiddenWord.word).order_by(ForbiddenWord.word)))


def slot_values(template: StudioTemplate, data) -> dict[str, str]:
    """The editable slots' values from a form (the default where a slot is not sent)."""
    return {
        slot["key"]: str(data.get(slot["key"], slot.get("default", "")))[:500]
        for slot in draw.editable_slots(template.layout)
    }


@dataclass(frozen=True)
class Output:
    data: bytes
    fmt: str
    key: str  # the hash of the inputs
    notes: tuple[str, ...]

    @property
    def content_type(self) -> str:
        return draw.CONTENT_TYPES[self.fmt]

    def filename(self, template: StudioTemplate) -> str:
        return f"{template.key}-{self.key[:8]}{draw.SUFFIXES[self.fmt]}"


def _cache_dir() -> Path:
    folder = Path(current_app.instance_path) / "studio-cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def input_key(template: StudioTemplate, brand: draw.Brand, logo_sha: str, values, fmt) -> str:
    """The hash of everything a render depends on."""
    inputs = {
        "v": RENDER_VERSION,
        "layout": template.layout,
        "artwork": template.artwork,
        "size": template.size,
        "brand": [brand.name, brand.brand_colour, brand.phone, brand.website, brand.address],
        "logo": logo_sha,
        "values": values,
        "forbidden": forbidden_words(),
        "fmt": fmt,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def personalise(person: Person, template: StudioTemplate, values: dict, fmt: str = "png") -> Output:
    """The template personalised with the person's organisation's profile, in fmt; from
    the cache when the same inputs were rendered before. ValidationFailed with a
    sentence per problem (per slot key, and "profile" for missing profile fields)."""
    if not may_brand(person):
        raise PermissionError("the studio is for partners' marketers and admins")
    organization = db.session.get(Organization, person.organization_id)
    profile = profile_of(organization.id)
    logo_sha = profile.logo.sha256 if profile is not None and profile.logo is not None else ""
    plain = draw.Brand(
        organization.name,
        None,
        *(getattr(profile, f, "") or "" for f in ("brand_colour", "phone", "website", "address")),
    )
    key = input_key(template, plain, logo_sha, values, fmt)
    cached = _cache_dir() / f"{key}{draw.SUFFIXES[fmt]}"
    notes_file = cached.with_suffix(".notes.json")
    if cached.exists() and notes_file.exists():
        return Output(cached.read_bytes(), fmt, key, tuple(json.loads(notes_file.read_text())))
    brand = brand_of(organization, profile)
    result = draw.render(
        template.layout, template.artwork, template.size, brand, values, forbidden_words()
    )
    data = draw.encode(result.image, fmt)
    for path, content in ((cached, data), (notes_file, json.dumps(result.notes).encode())):
        tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")  # one per writer
        tmp.write_bytes(content)
        tmp.replace(path)
    return Output(data, fmt, key, tuple(result.notes))


def check_values(person: Person, template: StudioTemplate, values: dict) -> dict[str, list[str]]:
    """The problems a render would refuse, without rendering (for the form)."""
    organization = db.session.get(Organization, person.organization_id)
    brand = brand_of(organization, profile_of(organization.id))
    problems = draw.check(template.layout, values, brand, forbidden_words())
    if missing := draw.missing_fields(template.layout, brand):
        problems["profile"] = missing
    return problems


def attachable_proposals(person: Person) -> list[Proposal]:
    """The person's organisation's proposals they may still add assets to."""
    stmt = proposals.visible_proposals(person).where(
        Proposal.organization_id == person.organization_id
    )
    found = db.session.scalars(stmt.order_by(Proposal.id.desc()))
    return [p for p in found if proposals.can_add_asset(person, p)]


def attach(
    person: Person, template: StudioTemplate, values: dict, fmt: str, proposal_id
) -> ProposalAsset:
    """Render (or reuse) the output and attach it to one of the person's proposals as a
    studio asset; the proposal's thread and the audit log both record it."""
    if fmt not in FORMATS:
        raise ValidationFailed({"fmt": ["Choose PNG, JPEG or PDF."]})
    proposal = None
    if str(proposal_id or "").isdigit():
        proposal = proposals.get_visible(person, int(proposal_id), lock=True)
    if proposal is None or not proposals.can_add_asset(person, proposal):
        raise ValidationFailed({"proposal_id": ["Choose one of your open campaigns."]})
    output = personalise(person, template, values, fmt)
    stored = proposals.keep_file(
        person,
        proposal.organization_id,
        output.data,
        output.filename(template),
        output.content_type,
    )
    asset = proposals.add_asset(
        person,
        proposal,
        template.name,
        f"Made in the co-branding studio from “{template.name}” ({FORMAT_LABELS[fmt]}).",
        stored,
        source=AssetSource.STUDIO,
    )
    audit.record(
        "studio.asset_attached",
        asset,
        organization_id=proposal.organization_id,
        after={"template": template.key, "format": fmt, "render": output.key},
        summary=f"Studio asset “{template.name}” attached to “{proposal.title}”",
        actor=person,
    )
    usage.record(person, usage.IMAGE, template.key, UsageAction.ATTACH, fmt)
    return asset


# --- Decks ----------------------------------------------------------------------------

DECKS = {"dealer-intro": "Dealer introduction deck"}
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@cache
def deck_template(key: str) -> bytes:
    """A deck template's bytes (the demo deck, built by code, until decks are uploaded)."""
    if key not in DECKS:
        raise KeyError(key)
    return deck.demo_deck()


def decks() -> dict[str, str]:
    """Every deck a dealer may personalise, key → name: the code-built demo deck and the
    published decks the program admin uploaded."""
    return {**DECKS, **deck_uploads.published_decks()}


def deck_bytes(key: str) -> bytes:
    """A deck template's bytes, built-in or uploaded (KeyError when there is none)."""
    if key in DECKS:
        return deck_template(key)
    data = deck_uploads.deck_bytes(key)
    if data is None:
        raise KeyError(key)
    return data


def personalise_deck(person: Person, key: str, offer: str) -> bytes:
    """The deck filled with the person's organisation's profile and the offer, or
    ValidationFailed ("offer" sentences; "profile" for missing fields, by key)."""
    if not may_brand(person):
        raise PermissionError("the studio is for partners' marketers and admins")
    data = deck_bytes(key)
    organization = db.session.get(Organization, person.organization_id)
    brand = brand_of(organization, profile_of(organization.id))
    offer = " ".join(offer.split())
    problems: dict[str, list[str]] = {}
    if missing := [f for f in deck.needed_fields(data) if not getattr(brand, f)]:
        problems["profile"] = missing
    if offer_problems := deck.check_offer(offer, forbidden_words()):
        problems["offer"] = offer_problems
    if problems:
        raise ValidationFailed(problems)
    return deck.personalise(data, brand, offer)
