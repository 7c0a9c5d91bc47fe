"""The studio's rules for pages and callers outside the folder: the published templates,
approved copy and forbidden words; personalising a template with a dealer's profile
(cached on disk by the content of its inputs); and attaching an output to one of the
dealer's proposals as a studio asset, so its claim can offer it as proof."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from campaigns.proposals import service as proposals
from campaigns.proposals.models import AssetSource, Proposal, ProposalAsset
from campaigns.studio import assets, deck, deck_uploads, usage
from campaigns.studio import cache as disk
from campaigns.studio import render as draw
from campaigns.studio.models import (
    ApprovedCopy,
    AssetKind,
    CopyKind,
    ForbiddenWord,
    StudioAsset,
    StudioTemplate,
    UsageAction,
)
from campaigns.studio.profiles import brand_of, may_brand, profile_of
from hub import audit, db
from hub.errors import ValidationFailed
from hub.models import Organization, Person

RENDER_VERSION = "3"  # bump when drawing changes, so old cached files are not served
FORMATS = ("png", "jpeg", "pdf", "pdf-letter")
FORMAT_LABELS = {"png": "PNG", "jpeg": "JPEG", "pdf": "PDF (A4)", "pdf-letter": "PDF (Letter)"}


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
    key: str  # the hash of the inputs (the format included)
    notes: tuple[str, ...]
    code: str = ""  # the verification code printed on it
    url: str = ""  # the tracking URL, where the template has a call to action
    asset: StudioAsset | None = None  # its record (None for a preview)

    @property
    def content_type(self) -> str:
        return draw.CONTENT_TYPES[self.fmt]

    def filename(self, template: StudioTemplate) -> str:
        return f"{template.key}-{self.code or self.key[:8]}{draw.SUFFIXES[self.fmt]}"


def design_key(template, brand: draw.Brand, logo_sha: str, values, campaign, org_id) -> str:
    """The hash of everything the picture depends on (the same for each format)."""
    inputs = {
        "v": RENDER_VERSION,
        "organization": org_id,
        "layout": template.layout,
        "artwork": template.artwork,
        "size": template.size,
        "brand": [brand.name, brand.brand_colour, brand.phone, brand.website, brand.address],
        "logo": logo_sha,
        "values": values,
        "campaign": campaign,
        "forbidden": forbidden_words(),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def file_key(design: str, fmt: str) -> str:
    return hashlib.sha256(f"{design}:{fmt}".encode()).hexdigest()


def personalise(
    person: Person,
    template: StudioTemplate,
    values: dict,
    fmt: str = "png",
    campaign: str | None = None,
) -> Output:
    """The template personalised with the person's organisation's profile, in fmt, with
    its verification code printed on it (and its tracking URL as a QR code where the
    layout has a call to action; `campaign` is utm_campaign, the template's key by
    default); from the cache when the same inputs were rendered before. Any format but
    the preview is recorded as a generated asset. ValidationFailed with a sentence per
    problem (per slot key, "profile" for missing profile fields, "template" for a layout
    covering a locked region)."""
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
    campaign = campaign or template.key
    design = design_key(template, plain, logo_sha, values, campaign, organization.id)
    code = assets.code_for(design, organization.id)
    url = ""
    if template.layout.get("cta") and plain.website:
        medium = assets.medium_of(template.layout, template.size)
        url = assets.tracking_url(plain.website, medium, campaign, organization.id)
    key = file_key(design, fmt)
    if (hit := disk.read(key, draw.SUFFIXES[fmt])) is None:
        brand = brand_of(organization, profile)
        result = draw.render(
            template.layout,
            template.artwork,
            template.size,
            brand,
            values,
            forbidden_words(),
            draw.Stamp(code, url),
        )
        hit = (draw.encode(result.image, fmt), tuple(result.notes))
        disk.write(key, draw.SUFFIXES[fmt], *hit)
    record = None
    if fmt != "preview":
        record = assets.record(
            person,
            organization,
            kind=AssetKind.IMAGE,
            template_key=template.key,
            template_name=template.name,
            inputs_hash=design,
            campaign=campaign,
            url=url,
        )
    return Output(hit[0], fmt, key, hit[1], code, url, record)


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
        raise ValidationFailed({"fmt": ["Choose PNG, JPEG, PDF (A4) or PDF (Letter)."]})
    proposal = None
    if str(proposal_id or "").isdigit():
        proposal = proposals.get_visible(person, int(proposal_id), lock=True)
    if proposal is None or not proposals.can_add_asset(person, proposal):
        raise ValidationFailed({"proposal_id": ["Choose one of your open campaigns."]})
    output = personalise(person, template, values, fmt, f"proposal-{proposal.id}")
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
        f"Made in the co-branding studio from “{template.name}” ({FORMAT_LABELS[fmt]}); "
        f"verification code {output.code}.",
        stored,
        source=AssetSource.STUDIO,
    )
    audit.record(
        "studio.asset_attached",
        asset,
        organization_id=proposal.organization_id,
        after={"template": template.key, "format": fmt, "code": output.code},
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


@dataclass(frozen=True)
class DeckOutput:
    data: bytes
    key: str  # the hash of the inputs
    code: str
    asset: StudioAsset | None = None


def personalise_deck(person: Person, key: str, offer: str, *, keep: bool = True) -> DeckOutput:
    """The deck filled with the person's organisation's profile and the offer, its code on
    every slide, from the cache when the same inputs were filled before; recorded as a
    generated asset when `keep` (a download). ValidationFailed ("offer" sentences;
    "profile" for missing fields, by key)."""
    if not may_brand(person):
        raise PermissionError("the studio is for partners' marketers and admins")
    data = deck_bytes(key)
    organization = db.session.get(Organization, person.organization_id)
    profile = profile_of(organization.id)
    offer = " ".join(offer.split())
    have = {f: getattr(profile, f, "") or "" for f in ("phone", "website", "address")}
    have["logo"] = profile is not None and profile.logo is not None
    problems: dict[str, list[str]] = {}
    if missing := [f for f in deck.needed_fields(data) if not have[f]]:
        problems["profile"] = missing
    if offer_problems := deck.check_offer(offer, forbidden_words()):
        problems["offer"] = offer_problems
    if problems:
        raise ValidationFailed(problems)
    inputs = {
        "v": RENDER_VERSION,
        "deck": hashlib.sha256(data).hexdigest(),
        "organization": organization.id,
        "name": organization.name,
        "profile": have | {"logo": profile.logo.sha256 if have["logo"] else ""},
        "offer": offer,
    }
    design = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    code = assets.code_for(design, organization.id)
    if (hit := disk.read(design, ".pptx")) is None:
        brand = brand_of(organization, profile)
        hit = (deck.personalise(data, brand, offer, code), ())
        disk.write(design, ".pptx", hit[0])
    record = None
    if keep:
        record = assets.record(
            person,
            organization,
            kind=AssetKind.DECK,
            template_key=key,
            template_name=decks()[key],
            inputs_hash=design,
            campaign=key,
        )
    return DeckOutput(hit[0], design, code, record)


SLIDE_WIDTH = 960


def deck_slides(person: Person, key: str, offer: str) -> int:
    """How many slides the personalised deck has (ValidationFailed as personalise_deck)."""
    return deck.slide_count(personalise_deck(person, key, offer, keep=False).data)


def deck_slide(person: Person, key: str, offer: str, number: int) -> bytes | None:
    """Slide `number` (from 1) of the personalised deck as a PNG preview, cached like the
    deck; None when the deck has no such slide."""
    made = personalise_deck(person, key, offer, keep=False)
    name = f"{made.key}-slide{number}-{SLIDE_WIDTH}"
    if (hit := disk.read(name, ".png")) is not None:
        return hit[0]
    images = deck.slide_images(made.data, SLIDE_WIDTH)
    if not 1 <= number <= len(images):
        return None
    for n, image in enumerate(images, start=1):  # one drawing serves every slide
        out = io.BytesIO()
        image.save(out, format="PNG")
        disk.write(f"{made.key}-slide{n}-{SLIDE_WIDTH}", ".png", out.getvalue())
        if n == number:
            found = out.getvalue()
    return found


def lookup_asset(person: Person, code: str) -> StudioAsset | None:
    return assets.lookup(person, code)
