"""Brand profiles: who may edit one (a partner's admin or marketer, their own
organisation's only), the checks on each field, and the logo upload — decoded and
re-encoded by Pillow within pixel and byte limits (hub.uploads), EXIF dropped, SVG and
anything but PNG, JPEG or WebP refused with a sentence."""

from __future__ import annotations

import io
import re
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from PIL import Image

from campaigns.proposals.service import can_propose
from campaigns.studio.models import BrandProfile
from campaigns.studio.render import Brand
from hub import audit, db, uploads
from hub.errors import ValidationFailed
from hub.models import Organization, Person

LOGO_FOLDER = "studio/logos"
FIELDS = ("brand_colour", "phone", "website", "address")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_PHONE = re.compile(r"^[0-9+()./ -]{5,40}$")
_WEBSITE = re.compile(r"^(https?://)?[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?$", re.IGNORECASE)


def may_brand(person: Person) -> bool:
    """A partner's marketer or admin (the people who run campaigns) uses the studio."""
    return can_propose(person)


def profile_of(organization_id: int) -> BrandProfile | None:
    return db.session.scalar(
        sa.select(BrandProfile).where(BrandProfile.organization_id == organization_id)
    )


def brand_of(organization: Organization, profile: BrandProfile | None) -> Brand:
    """What a render takes from the profile (the logo opened as RGBA)."""
    if profile is None:
        return Brand(organization.name)
    logo, png = None, b""
    if profile.logo is not None:
        png = uploads.open_stored(profile.logo.path).read_bytes()
        with Image.open(io.BytesIO(png)) as opened:
            logo = opened.convert("RGBA")
        if profile.logo.content_type != "image/png":
            png = b""
    return Brand(
        organization.name,
        logo,
        profile.brand_colour,
        profile.phone,
        profile.website,
        profile.address,
        png,
    )


def check_fields(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """The cleaned fields and a sentence per problem."""
    values = {k: " ".join(str(data.get(k) or "").split()) for k in FIELDS}
    problems: dict[str, list[str]] = {}
    if values["brand_colour"] and not _COLOUR.match(values["brand_colour"]):
        problems["brand_colour"] = ["Give the brand colour as # and six hex digits, e.g. #1f5c3a."]
    if values["phone"] and not _PHONE.match(values["phone"]):
        problems["phone"] = ["Give a phone number of digits, spaces and + ( ) - only."]
    website = values["website"]
    if website and (len(website) > 200 or not _WEBSITE.match(website)):
        problems["website"] = ["Give the website's address, e.g. prairie-ag.example."]
    if len(values["address"]) > 300:
        problems["address"] = ["Keep the address to 300 characters."]
    return values, problems


def check_logo(data: bytes, filename, content_type=None) -> uploads.AcceptedFile:
    """A logo upload checked and re-encoded to PNG, or a sentence saying why not."""
    name = uploads.clean_filename(filename, "logo")
    head = data[:2048].lstrip().lower()
    declared = (content_type or "").lower()
    if (
        Path(name).suffix.lower() in (".svg", ".svgz")
        or "svg" in declared
        or head.startswith(b"<?xml")
        or b"<svg" in head
    ):
        raise ValidationFailed(
            {
                "logo": [
                    f"“{name}” is an SVG, which can't be used as a logo (it can carry "
                    "scripts): export it as a PNG with a transparent background."
                ]
            }
        )
    if data and len(data) <= current_app.config["UPLOAD_MAX_BYTES"] and not _logo_bytes(data):
        raise ValidationFailed(
            {
                "logo": [
                    f"“{name}” is not a PNG, JPEG or WebP image, whatever its name says; "
                    "upload your logo as one of those."
                ]
            }
        )
    return uploads.accept_upload(data, name, content_type, field="logo")


def _logo_bytes(data: bytes) -> bool:
    """Whether the bytes begin as a PNG, a JPEG or a WebP image does."""
    return data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    )


def save_profile(
    actor: Person, organization: Organization, data: dict, logo: tuple | None = None
) -> BrandProfile:
    """Save the organisation's brand profile (and a new logo: (bytes, name, type)), or
    ValidationFailed with every problem; nothing is stored when anything is refused."""
    if not may_brand(actor) or actor.organization_id != organization.id:
        raise PermissionError("not this person's brand profile")
    values, problems = check_fields(data)
    accepted = None
    if logo is not None and logo[0]:
        try:
            accepted = check_logo(*logo)
        except ValidationFailed as exc:
            problems.update(exc.problems)
    if problems:
        raise ValidationFailed(problems)
    profile = profile_of(organization.id)
    if profile is None:
        profile = BrandProfile(organization_id=organization.id)
        db.session.add(profile)
        before = {}
    else:
        before = audit.snapshot(profile, [*FIELDS, "logo_file_id"])
    for key, value in values.items():
        setattr(profile, key, value)
    if accepted is not None:
        stored = uploads.keep(
            accepted, LOGO_FOLDER, organization_id=organization.id, uploaded_by_id=actor.id
        )
        profile.logo_file_id = stored.id
        profile.logo = stored
    db.session.flush()
    audit.record(
        "studio.profile_saved",
        profile,
        before=before,
        after=audit.snapshot(profile, [*FIELDS, "logo_file_id"]),
        summary=f"Brand profile of {organization.name} saved",
        actor=actor,
    )
    return profile
